"""The Fisher pass: batched estimator, fused pass, stopping rule, options checked."""

from __future__ import annotations

import functools
import random

import numpy
import pytest
from spacy.ml import tb_framework
from spacy.ml.parser_model import ParserStepModel
from spacy.training import Example
from thinc.api import Model

from spacy_ewc import EWC
from spacy_ewc.ewc import math as ewc_math
from spacy_ewc.ewc.fisher import (
    DEFAULT_BATCH_SIZE,
    FUSED_BATCH_SIZE,
    FisherPass,
    check_pass_options,
    plan_pass,
)
from spacy_ewc.ewc.listeners import _fed_listeners
from spacy_ewc.ewc.params import drop_grad, iter_params, unwrap
from spacy_ewc.ewc.transition import greedy_backward


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


def _take_grads(refs):
    """The gradients on `refs`, removed from the model."""
    grads = {ref.key: ref.node.get_grad(ref.name).copy() for ref in refs if ref.node.has_grad(ref.name)}
    for ref in refs:
        drop_grad(ref.node, ref.name)
    return grads


@pytest.mark.slow
def test_fused_pass_is_the_loss_of_the_components_own_greedy_actions(nlp, fisher_texts, monkeypatch):
    """Per example and per batch, the fused pass's gradients are those of spaCy's own
    `ner.update` on Examples whose gold is what ner predicts, with the state dropout of
    spaCy's transition model off: a wrong greedy action or a wrong softmax fails it."""
    texts = fisher_texts[:4]
    ner = nlp.get_pipe("ner")
    fused = EWC(nlp, texts, fisher="predicted", normalize=None, fisher_batch_size=1, fisher_fused=True)
    refs = list(iter_params(ner.model))
    with nlp.select_pipes(enable=["ner"]):
        gold = [Example(nlp.make_doc(text), doc) for text, doc in zip(texts, nlp.pipe(texts))]
    assert sum(len(eg.reference.ents) for eg in gold) >= 3
    monkeypatch.setattr(tb_framework, "ParserStepModel", functools.partial(ParserStepModel, dropout=0.0))
    ner.cfg["update_with_oracle_cut_size"] = 0
    squares = {}
    for eg in gold:
        ner.update([eg], drop=0.0, sgd=None)
        for key, grad in _take_grads(refs).items():
            squares[key] = squares.get(key, 0.0) + grad * grad
    assert set(squares) == set(fused.fisher_raw)
    for key, value in squares.items():
        numpy.testing.assert_allclose(
            fused.fisher_raw[key] * len(texts), value, rtol=1e-3, atol=1e-6 * float(value.max())
        )
    ner.update(gold, drop=0.0, sgd=None)
    expected = _take_grads(refs)
    greedy_backward(ner, [eg.predicted for eg in gold])
    got = _take_grads(refs)
    assert set(got) == set(expected)
    for key, value in expected.items():
        numpy.testing.assert_allclose(got[key], value, rtol=1e-3, atol=1e-6 * float(abs(value).max()))


@pytest.mark.slow
@pytest.mark.parametrize("pipe_name", ["ner", "parser"])
def test_fused_pass_follows_the_components_own_parse(nlp, fisher_texts, pipe_name):
    """The actions the fused pass takes are the ones spaCy's greedy parse takes: set on the
    Docs, they give the entities or the tree the pipeline predicts (parser: through the
    shared tok2vec's listener)."""
    texts = fisher_texts[:8]
    predicted = list(nlp.pipe(texts))
    pipe, tok2vec = nlp.get_pipe(pipe_name), nlp.get_pipe("tok2vec")
    docs = [nlp.make_doc(text) for text in texts]
    with _fed_listeners(tok2vec, docs, tok2vec.model.predict(docs), lambda d_tokvecs: []):
        pipe.set_annotations(docs, greedy_backward(pipe, docs))
    if pipe_name == "ner":
        assert [[(e.start, e.end, e.label_) for e in doc.ents] for doc in docs] == [
            [(e.start, e.end, e.label_) for e in doc.ents] for doc in predicted
        ]
    else:
        assert [[(t.head.i, t.dep_) for t in doc] for doc in docs] == [
            [(t.head.i, t.dep_) for t in doc] for doc in predicted
        ]
    _take_grads(list(iter_params(pipe.model)))


def _all_params(nlp):
    models = [(name, getattr(proc, "model", None)) for name, proc in nlp.components]
    models = [(name, model) for name, model in models if isinstance(model, Model)]
    return {(name, ref.key): ref for name, model in models for ref in iter_params(unwrap(model))}


@pytest.mark.slow
@pytest.mark.parametrize("pipe_name", ["ner", "parser"])
def test_fused_pass_leaves_no_gradient_and_changes_nothing(nlp, fisher_texts, pipe_name):
    """The pass leaves no gradient on any component, every parameter, the component's cfg,
    unseen classes and the listeners as they were; with no dropout it needs no seed."""
    pipe, tok2vec = nlp.get_pipe(pipe_name), nlp.get_pipe("tok2vec")
    params = _all_params(nlp)
    before = {key: ref.node.get_param(ref.name).copy() for key, ref in params.items()}
    cfg, unseen = dict(pipe.cfg), set(unwrap(pipe.model).attrs["unseen_classes"])
    options = dict(pipe_name=pipe_name, fisher="predicted", normalize=None, fisher_fused=True)
    ewc = EWC(nlp, fisher_texts[:16], **options)
    assert ewc.fisher_batch_size == 2 and ewc.n_examples == 16
    assert [key for key, ref in params.items() if ref.node.has_grad(ref.name)] == []
    for key, ref in params.items():
        numpy.testing.assert_array_equal(ref.node.get_param(ref.name), before[key])
    assert dict(pipe.cfg) == cfg and unwrap(pipe.model).attrs["unseen_classes"] == unseen
    assert all(listener._batch_id is None for listener in tok2vec.listeners)  # noqa: SLF001
    weighted = [key for key, value in ewc.fisher_raw.items() if value.any()]
    assert len(weighted) >= 0.9 * len(ewc.fisher_raw)
    per_example = [EWC(nlp, fisher_texts[:8], fisher_batch_size=1, seed=seed, **options) for seed in (0, 3)]
    for key, value in per_example[0].fisher_raw.items():
        numpy.testing.assert_allclose(per_example[1].fisher_raw[key], value, rtol=1e-5, atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("pipe_name,kind,fused,batch_size", [
    ("ner", "predicted", True, FUSED_BATCH_SIZE),
    ("ner", "empirical", False, DEFAULT_BATCH_SIZE),
    ("parser", "predicted", False, DEFAULT_BATCH_SIZE),
])
def test_default_pass_is_fused_for_ners_predicted_fisher_only(nlp, fisher_texts, pipe_name, kind, fused,
                                                              batch_size):
    pipe = nlp.get_pipe(pipe_name)
    data = fisher_texts[:4]
    if kind == "empirical":
        data = [Example(nlp.make_doc(doc.text), doc) for doc in nlp.pipe(data)]
    _, found, options = plan_pass(data, kind, pipe, nlp, FisherPass())
    assert (found, options.fused, options.batch_size) == (kind, fused, batch_size)
    _, _, explicit = plan_pass(data, kind, pipe, nlp, FisherPass(batch_size=3, fused=not fused))
    assert explicit.batch_size == 3 and explicit.fused is (kind == "predicted" and not fused)


@pytest.mark.slow
def test_state_says_whether_the_pass_was_fused(nlp, fisher_texts, tmp_path):
    for fused in (True, False):
        ewc = EWC(nlp, fisher_texts[:16], fisher="predicted", fisher_fused=fused)
        assert ewc.fisher_fused is fused
        ewc.to_disk(tmp_path / str(fused))
        assert EWC.from_disk(tmp_path / str(fused), nlp).fisher_fused is fused


@pytest.mark.parametrize("options", [
    {"fisher_batch_size": 0}, {"fisher_batch_size": 2.0}, {"fisher_tol": 0}, {"fisher_tol": 1.5},
    {"fisher_block": 0}, {"fisher_fused": "yes"},
])
def test_pass_options_are_checked(options):
    settings = {"batch_size": 1, "tol": None, "block": 8}
    settings.update({key[len("fisher_"):]: value for key, value in options.items()})
    with pytest.raises(ValueError, match=r"\[E27[0125]\]"):
        check_pass_options(**settings)
