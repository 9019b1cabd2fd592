"""The EWC state: coverage of the whole model tree, a correct Fisher, growing labels."""

from __future__ import annotations

import numpy
import pytest
import spacy
from conftest import NEW_LABEL, ncbi_examples
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch
from thinc.api import SGD

from spacy_ewc import EWC, protect
from spacy_ewc.ewc.ewc import DEFAULT_LAMBDA
from spacy_ewc.ewc.fisher import seed_example
from spacy_ewc.ewc.params import iter_params
from spacy_ewc.utils.generate_spacy_entities import generate_spacy_entities

pytestmark = pytest.mark.slow  # loads en_core_web_sm

N_ARRAYS = 31
N_FLOATS = 1_536_874


def _leftover_grads(model):
    return [(node.name, name) for node in model.walk() for name in node.param_names if node.has_grad(name)]


def test_state_covers_every_array_of_ner(nlp, fisher_texts):
    ewc = EWC(nlp, fisher_texts[:5], fisher="predicted")
    assert len(ewc.theta_star) == N_ARRAYS
    assert ewc.theta_star.size == N_FLOATS
    assert set(ewc.fisher_matrix) == set(ewc.theta_star)
    assert ewc.fisher_matrix.size == N_FLOATS
    tok2vec_keys = [k for k in ewc.fisher_matrix if k.startswith("0/")]
    assert sum(ewc.fisher_matrix[k].size for k in tok2vec_keys) == 1_506_976
    assert all(float(ewc.fisher_matrix[k].sum()) > 0 for k in tok2vec_keys)


def _brute_force_fisher(examples):
    """Mean of per-example squared gradients, each from a freshly loaded model."""
    total = None
    for index, eg in enumerate(examples):
        nlp = spacy.load("en_core_web_sm")
        ner = nlp.get_pipe("ner")
        ner.cfg["update_with_oracle_cut_size"] = 0
        seed_example(0, index)
        ner.update([eg], drop=0.0, sgd=None)
        grads = {ref.key: ref.node.get_grad(ref.name) ** 2 for ref in iter_params(ner.model)
                 if ref.node.has_grad(ref.name)}
        if total is None:
            total = grads
        else:
            for key, value in grads.items():
                total[key] = total[key] + value
    return {key: value / len(examples) for key, value in total.items()}


def test_fisher_is_mean_of_per_example_squared_gradients(nlp, fisher_texts):
    data = generate_spacy_entities(fisher_texts[:4], nlp)
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in data]
    before = {ref.key: ref.node.get_param(ref.name).copy() for ref in iter_params(nlp.get_pipe("ner").model)}
    ewc = EWC(nlp, examples, fisher="empirical", normalize=None)
    expected = _brute_force_fisher([Example.from_dict(nlp.make_doc(t), a) for t, a in data])
    assert set(expected) == set(ewc.fisher_matrix)
    for key, value in expected.items():
        numpy.testing.assert_allclose(ewc.fisher_matrix[key], value, rtol=1e-4, atol=1e-12)
    ner = nlp.get_pipe("ner")
    assert _leftover_grads(ner.model) == []
    for ref in iter_params(ner.model):
        numpy.testing.assert_array_equal(ref.node.get_param(ref.name), before[ref.key])


def test_predicted_fisher_needs_no_labels_and_adds_none(nlp, fisher_texts):
    ner = nlp.get_pipe("ner")
    labels = ner.labels
    ewc = EWC(nlp, fisher_texts[:6], fisher="predicted", normalize=None)
    assert ewc.fisher_kind == "predicted"
    assert ner.labels == labels
    assert ewc.fisher_matrix.size == N_FLOATS
    docs = [nlp.make_doc(t) for t in fisher_texts[:6]]
    from_docs = EWC(nlp, docs, fisher="predicted", normalize=None)
    for key in ewc.fisher_matrix:
        numpy.testing.assert_allclose(from_docs.fisher_matrix[key], ewc.fisher_matrix[key], rtol=1e-5)


def test_normalised_fisher_has_peak_one_by_default_or_mean_one(nlp, fisher_texts):
    ewc = EWC(nlp, fisher_texts[:4], fisher="predicted")
    peaks = [float(v.max()) for v in ewc.fisher_matrix.values()]
    assert sum(peaks) / len(peaks) == pytest.approx(1.0, rel=1e-4)
    mean = EWC(nlp, fisher_texts[:4], fisher="predicted", normalize="mean")
    values = numpy.concatenate([v.ravel() for v in mean.fisher_matrix.values()])
    assert values.mean() == pytest.approx(1.0, rel=1e-4)


def _train(nlp, examples, epochs=2, seed=0):
    fix_random_seed(seed)
    optimizer = nlp.resume_training()
    for _ in range(epochs):
        for batch in minibatch(examples, 8):
            nlp.update(batch, sgd=optimizer, drop=0.0)


def _agreement(reference_docs, nlp, texts):
    """Micro F1 of the model's old-label entities against the original model's."""
    tp = fp = fn = 0
    for ref, doc in zip(reference_docs, nlp.pipe(texts)):
        gold = {(e.start_char, e.end_char, e.label_) for e in ref.ents}
        pred = {(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ != NEW_LABEL}
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
    return 2 * tp / max(2 * tp + fp + fn, 1)


@pytest.fixture(scope="module")
def trained_pair(fisher_texts, heldout_texts):
    """Plain and EWC fine-tuning on DISEASE from the same start, batches and seed."""
    runs = {}
    for name in ("plain", "ewc"):
        nlp = spacy.load("en_core_web_sm")
        make = protect if name == "ewc" else EWC
        ewc = make(nlp, fisher_texts, lambda_=3 * DEFAULT_LAMBDA, fisher="predicted")
        nlp.get_pipe("ner").add_label(NEW_LABEL)
        _train(nlp, ncbi_examples(nlp, "train", 48))
        runs[name] = (nlp, ewc)
    original = spacy.load("en_core_web_sm")
    reference = list(original.pipe(heldout_texts))
    return runs, reference


def test_ewc_keeps_fisher_weighted_drift_small(trained_pair):
    runs, _ = trained_pair
    drift_plain = runs["plain"][1].compute_drift()
    drift_ewc = runs["ewc"][1].compute_drift()
    assert drift_ewc <= drift_plain / 5, (drift_ewc, drift_plain)


def test_ewc_keeps_old_predictions(trained_pair, heldout_texts):
    runs, reference = trained_pair
    plain = _agreement(reference, runs["plain"][0], heldout_texts)
    ewc = _agreement(reference, runs["ewc"][0], heldout_texts)
    assert ewc > plain + 0.1, (ewc, plain)


def test_labels_added_after_ewc_keep_old_rows_and_learn_new(trained_pair):
    runs, _ = trained_pair
    rows = {}
    for name, (nlp, ewc) in runs.items():
        upper = nlp.get_pipe("ner").model.get_ref("upper")
        W = upper.get_param("W")
        anchor, fisher = ewc.theta_star["2/W"], ewc.fisher_matrix["2/W"]
        n_old = 74
        assert W.shape[0] == n_old + 4 and anchor.shape == W.shape
        assert not fisher[n_old:].any()
        old_drift = float((fisher[:n_old] * (W[:n_old] - anchor[:n_old]) ** 2).sum())
        new_change = float(numpy.abs(W[n_old:]).sum())
        rows[name] = (old_drift, new_change)
    assert rows["ewc"][0] <= rows["plain"][0] / 5, rows
    assert rows["ewc"][1] > 0.25 * rows["plain"][1], rows


def test_penalty_reaches_parameters_without_task_gradient(nlp, fisher_texts):
    ewc = protect(nlp, fisher_texts[:5], lambda_=10.0, fisher="predicted")
    ner = nlp.get_pipe("ner")
    rng = numpy.random.default_rng(0)
    for ref in iter_params(ner.model):
        param = ref.node.get_param(ref.name)
        ref.node.set_param(ref.name, param + rng.normal(0, 0.01, param.shape).astype(param.dtype))
    before = ewc._capture_current_parameters(copy=True)
    drift = ewc.compute_drift()
    expected = ewc.compute_gradient_penalty()
    assert _leftover_grads(ner.model) == []
    learn_rate = 0.5 / (10.0 * max(float(f.max()) for f in ewc.fisher_matrix.values()))
    ner.model.finish_update(SGD(learn_rate, L2=0.0, grad_clip=0.0))
    assert ewc.compute_drift() < drift
    for key, value in ewc._capture_current_parameters().items():
        numpy.testing.assert_allclose(value, before[key] - learn_rate * expected[key], rtol=1e-5, atol=1e-9)


def test_gradient_penalty_is_lambda_f_delta(nlp, fisher_texts):
    ewc = EWC(nlp, fisher_texts[:3], lambda_=7.0, fisher="predicted")
    node = nlp.get_pipe("ner").model.get_ref("upper")
    W = node.get_param("W")
    node.set_param("W", W + 0.5)
    penalty = ewc.compute_gradient_penalty()
    assert set(penalty) == set(ewc.theta_star)
    numpy.testing.assert_allclose(penalty["2/W"], 7.0 * ewc.fisher_matrix["2/W"] * 0.5, rtol=1e-5)
    assert ewc.compute_ewc_penalty() == pytest.approx(
        0.5 * float((ewc.fisher_matrix["2/W"] * 0.25).sum()), rel=1e-4
    )
    assert ewc.ewc_loss(1.0) == pytest.approx(1.0 + 7.0 * ewc.compute_ewc_penalty())


def test_drift_of_another_copy_uses_the_same_state(trained_pair):
    runs, _ = trained_pair
    plain_nlp, plain_ewc = runs["plain"]
    ewc = runs["ewc"][1]
    assert ewc.compute_drift(plain_nlp) == pytest.approx(plain_ewc.compute_drift(), rel=1e-6)
    assert ewc.compute_drift(plain_nlp.get_pipe("ner")) == pytest.approx(plain_ewc.compute_drift(), rel=1e-6)
    assert ewc.compute_drift() < ewc.compute_drift(plain_nlp)
