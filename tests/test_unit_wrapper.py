"""EWCModelWrapper on toy thinc models and on a small ner: the penalty once per update."""

from __future__ import annotations

import inspect

import numpy
import pytest
from conftest import blank_ner_from, ncbi_examples
from spacy.util import fix_random_seed, minibatch
from thinc.api import SGD, Relu, Softmax, chain

from spacy_ewc import EWCModelWrapper, create_ewc_pipe, protect
from spacy_ewc.ewc.params import iter_params
from spacy_ewc.ner_trainer import train_nlp_with_ewc


def toy_model():
    model = chain(Relu(nO=4, nI=3), Softmax(nO=2, nI=4))
    model.initialize()
    return model


def params_of(model):
    return {ref.key: ref.node.get_param(ref.name).copy() for ref in iter_params(model)}


def plain_sgd(learn_rate):
    return SGD(learn_rate, L2=0.0, grad_clip=0.0)


def test_wrapper_is_a_twin_of_the_model_it_wraps():
    inner = toy_model()
    wrapped = EWCModelWrapper(inner, lambda: None)
    assert wrapped.id == inner.id and wrapped.wrapped_model is inner
    assert wrapped.layers[0] is inner.layers[0]
    assert [ref.key for ref in iter_params(wrapped)] == ["0/W", "0/b", "1/W", "1/b"]
    X = numpy.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)
    numpy.testing.assert_array_equal(wrapped.predict(X), inner.predict(X))
    assert wrapped.to_bytes() == inner.to_bytes()


def test_finish_update_applies_the_penalty_once_then_steps():
    inner = toy_model()
    calls = []

    def penalty():
        calls.append(len(calls))
        for ref in iter_params(inner):
            ref.node.inc_grad(ref.name, numpy.ones_like(ref.node.get_param(ref.name)))

    wrapped = EWCModelWrapper(inner, penalty)
    before = params_of(inner)
    wrapped.finish_update(plain_sgd(0.25))
    assert calls == [0]
    for key, value in params_of(inner).items():
        numpy.testing.assert_allclose(value, before[key] - 0.25, rtol=1e-6)


def test_wrapping_a_wrapper_replaces_its_penalty():
    inner = toy_model()
    calls = []
    first = EWCModelWrapper(inner, lambda: calls.append("first"))
    second = EWCModelWrapper(first, lambda: calls.append("second"))
    assert second.wrapped_model is inner
    second.finish_update(plain_sgd(0.1))
    assert calls == ["second"]


def test_wrapper_rejects_what_it_cannot_wrap():
    with pytest.raises(TypeError, match="thinc Model"):
        EWCModelWrapper("not a model", lambda: None)
    with pytest.raises(TypeError, match=r"\[E016\]"):
        EWCModelWrapper(toy_model(), "not callable")


def test_finish_update_adds_lambda_f_delta_once(blank_ner):
    """No task gradient: the step is exactly -lr·λF(θ−θ*). A penalty applied twice, or not
    at all, moves the weights by twice as much or not at all."""
    ewc = protect(blank_ner, ncbi_examples(blank_ner, "devel", 4), lambda_=5.0, normalize=None)
    ner = blank_ner.get_pipe("ner")
    assert ner.model.ewc is ewc
    rng = numpy.random.default_rng(0)
    for ref in iter_params(ner.model):
        param = ref.node.get_param(ref.name)
        ref.node.set_param(ref.name, param + rng.normal(0, 0.01, param.shape).astype(param.dtype))
    before = params_of(ner.model)
    expected = ewc.compute_gradient_penalty()
    assert sum(float(numpy.abs(g).sum()) for g in expected.values()) > 0
    assert not any(ref.node.has_grad(ref.name) for ref in iter_params(ner.model))
    drift = ewc.compute_drift()
    learn_rate = 0.5 / (5.0 * max(float(f.max()) for f in ewc.fisher_matrix.values()))
    ner.model.finish_update(plain_sgd(learn_rate))
    after = params_of(ner.model)
    moved = max(float(numpy.abs(after[k] - before[k]).max()) for k in after)
    assert moved > 0
    for key, value in after.items():
        numpy.testing.assert_allclose(value, before[key] - learn_rate * expected[key], rtol=1e-5, atol=1e-9)
    assert ewc.compute_drift() < drift
    # Between updates the state is θ* and F only: the update's scratch buffer is gone.
    assert ewc.nbytes == 2 * sum(int(a.nbytes) for a in ewc.theta_star.values())


def test_protecting_twice_applies_one_penalty(blank_ner):
    data = ncbi_examples(blank_ner, "devel", 3)
    protect(blank_ner, data, lambda_=5.0, normalize=None)
    ewc = protect(blank_ner, data, lambda_=5.0, normalize=None)
    ner = blank_ner.get_pipe("ner")
    assert ner.model.ewc is ewc and not isinstance(ner.model.wrapped_model, EWCModelWrapper)
    upper = ner.model.get_ref("upper")
    upper.set_param("W", upper.get_param("W") + 0.01)
    before = params_of(ner.model)
    expected = ewc.compute_gradient_penalty()
    ner.model.finish_update(plain_sgd(0.01))
    numpy.testing.assert_allclose(
        params_of(ner.model)["2/W"], before["2/W"] - 0.01 * expected["2/W"], rtol=1e-5, atol=1e-9
    )


def test_create_ewc_pipe_takes_protects_arguments_and_returns_the_component(blank_ner):
    assert inspect.signature(create_ewc_pipe).parameters == inspect.signature(protect).parameters
    ner = create_ewc_pipe(blank_ner, ncbi_examples(blank_ner, "devel", 3), 5.0, "ner", normalize=None)
    assert ner is blank_ner.get_pipe("ner")
    ewc = ner.model.ewc
    assert (ewc.lambda_, ewc.pipe_name, ewc.normalize, ewc.fisher_scale) == (5.0, "ner", None, 1.0)
    with pytest.raises(TypeError):
        create_ewc_pipe(blank_ner, ncbi_examples(blank_ner, "devel", 3), n_process=2)


def test_train_nlp_with_ewc_passes_language_update_keywords(blank_ner):
    examples = ncbi_examples(blank_ner, "train", 4)
    ewc = protect(blank_ner, ncbi_examples(blank_ner, "devel", 3), lambda_=5.0, normalize=None)
    ner = blank_ner.get_pipe("ner")
    with pytest.raises(ValueError, match=r"\[E055\]"):
        train_nlp_with_ewc(blank_ner, examples, ewc, drop=1.5)
    for call in (
        lambda: train_nlp_with_ewc(blank_ner, examples, ewc, 0.1),
        lambda: train_nlp_with_ewc(blank_ner, examples, ewc, dropout=0.1),
    ):
        with pytest.raises(TypeError):
            call()
    before = params_of(ner.model)
    losses = {"earlier": 1.0}
    assert train_nlp_with_ewc(blank_ner, examples, ewc, drop=0.0, sgd=False, losses=losses) is losses
    assert losses["earlier"] == 1.0 and losses["ner"] > 0
    for key, value in params_of(ner.model).items():
        numpy.testing.assert_array_equal(value, before[key])
    assert set(train_nlp_with_ewc(blank_ner, examples, ewc)) == {"ner"}
    assert ewc.compute_drift() > 0


def test_a_layer_replaced_after_an_update_gets_the_penalty(blank_ner):
    """add_label after the steps were cached: resize_output replaces the output layer, and
    the next update penalises the new layer, not the one it replaced."""
    ewc = protect(blank_ner, ncbi_examples(blank_ner, "devel", 3), lambda_=5.0, normalize=None)
    ner = blank_ner.get_pipe("ner")
    ner.model.finish_update(plain_sgd(0.01))
    old_upper = ner.model.get_ref("upper")
    ner.add_label("NEW_LABEL_AFTER_UPDATE")
    upper = ner.model.get_ref("upper")
    assert upper is not old_upper
    upper.set_param("W", upper.get_param("W") + 0.01)
    before = params_of(ner.model)
    ner.model.finish_update(plain_sgd(0.01))  # no query first: the update itself must notice
    expected = 5.0 * ewc.fisher_matrix["2/W"] * (before["2/W"] - ewc.theta_star["2/W"])
    assert float(numpy.abs(expected).sum()) > 0
    numpy.testing.assert_allclose(
        params_of(ner.model)["2/W"], before["2/W"] - 0.01 * expected, rtol=1e-5, atol=1e-9
    )


def test_training_with_the_penalty_drifts_less(_blank_ner_bytes):
    """The same updates on new sentences, with and without the penalty."""
    drift = {}
    for lambda_ in (0.0, 1000.0):
        nlp = blank_ner_from(_blank_ner_bytes)
        ewc = protect(nlp, ncbi_examples(nlp, "train", 6), lambda_=lambda_, normalize="mean")
        new = ncbi_examples(nlp, "devel", 16)
        fix_random_seed(0)
        optimizer = nlp.resume_training()
        for _ in range(2):
            for batch in minibatch(new, 8):
                nlp.update(batch, sgd=optimizer, drop=0.0)
        drift[lambda_] = ewc.compute_drift()
    assert drift[0.0] > 0
    assert drift[1000.0] < drift[0.0] / 2, drift
