"""The Fisher pass: batched estimator, stopping rule, options checked."""

from __future__ import annotations

import random

import numpy
import pytest

from spacy_ewc import EWC
from spacy_ewc.ewc import math as ewc_math
from spacy_ewc.ewc.fisher import check_pass_options


def _leftover_grads(model):
    return [(node.name, name) for node in model.walk() for name in node.param_names if node.has_grad(name)]


def test_batch_squares_unmix_to_the_per_example_squares():
    """Over random deals into batches, the estimate from batch gradients averages to Σ g_i²;
    the plain sum of batch squares does not (the examples' gradients share a mean)."""
    rng = numpy.random.default_rng(0)
    grads = rng.normal(2.0, 1.0, size=(10, 6))
    target = (grads**2).sum(axis=0)
    assert ewc_math.unbiased_square_sums({"g": target}, None, 10, 0)["g"] == pytest.approx(target)
    order, estimates, naive = list(range(10)), [], []
    for trial in range(4000):
        random.Random(trial).shuffle(order)
        batches = [order[i:i + 4] for i in range(0, 10, 4)]
        squares = sum(grads[b].sum(axis=0) ** 2 for b in batches)
        pairs = ewc_math.same_batch_pairs(len(b) for b in batches)
        out = ewc_math.unbiased_square_sums({"g": squares.copy()}, {"g": grads.sum(axis=0)}, 10, pairs)
        estimates.append(out["g"])
        naive.append(squares)
    numpy.testing.assert_allclose(numpy.mean(estimates, axis=0), target, rtol=0.05)
    assert (numpy.mean(naive, axis=0) > 1.5 * target).all()


@pytest.mark.slow
def test_batched_fisher_with_batches_of_one_is_the_per_example_one(nlp, fisher_texts):
    texts = fisher_texts[:12]
    per_example = EWC(nlp, texts, fisher="predicted", normalize=None, fisher_batch_size=1)
    assert per_example.fisher_batch_size == 1 and per_example.converged is None
    dealt = EWC(nlp, texts, fisher="predicted", normalize=None, fisher_batch_size=1, fisher_tol=1e-12,
                fisher_block=4)
    assert dealt.n_examples == len(texts) and dealt.converged is False
    for key, value in per_example.fisher_raw.items():
        numpy.testing.assert_allclose(dealt.fisher_raw[key], value, rtol=1e-5, atol=1e-12)
    assert EWC(nlp, texts[:7], fisher="predicted").fisher_batch_size == 1


@pytest.mark.slow
def test_batched_fisher_is_close_to_the_per_example_one(nlp, fisher_texts):
    texts = fisher_texts[:24]
    per_example = EWC(nlp, texts, fisher="predicted", normalize=None, fisher_batch_size=1)
    batched = EWC(nlp, texts, fisher="predicted", normalize=None, fisher_batch_size=3)
    assert batched.fisher_batch_size == 3 and batched.n_examples == len(texts)
    assert _leftover_grads(nlp.get_pipe("ner").model) == []
    keys = list(per_example.fisher_raw)
    ref = numpy.concatenate([per_example.fisher_raw[k].ravel() for k in keys])
    est = numpy.concatenate([batched.fisher_raw[k].ravel() for k in keys])
    assert est.sum() == pytest.approx(ref.sum(), rel=0.3)
    assert numpy.corrcoef(ref, est)[0, 1] > 0.7


@pytest.mark.slow
def test_stopping_rule_stops_and_says_so(nlp, fisher_texts, tmp_path):
    ewc = EWC(nlp, fisher_texts[:40], fisher="predicted", fisher_tol=0.9, fisher_block=8)
    assert ewc.converged is True
    assert 16 <= ewc.n_examples < 40
    ewc.to_disk(tmp_path / "state")
    loaded = EWC.from_disk(tmp_path / "state", nlp)
    assert loaded.converged is True and loaded.n_examples == ewc.n_examples


@pytest.mark.parametrize("options", [
    {"fisher_batch_size": 0}, {"fisher_batch_size": 2.0}, {"fisher_tol": 0}, {"fisher_tol": 1.5},
    {"fisher_block": 0},
])
def test_pass_options_are_checked(options):
    settings = {"batch_size": 1, "tol": None, "block": 8}
    settings.update({key[len("fisher_"):]: value for key, value in options.items()})
    with pytest.raises(ValueError, match=r"\[E27[012]\]"):
        check_pass_options(**settings)
