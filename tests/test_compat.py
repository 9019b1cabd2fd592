"""The 0.1.1 contract where this version differed (issue 15), one test per item."""

from __future__ import annotations

import copy
import inspect
import typing
import warnings

import numpy
import pytest
import spacy
from conftest import NEW_LABEL, ncbi_examples
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.training import Example
from spacy.util import fix_random_seed
from thinc.api import SGD, Linear, Model

from spacy_ewc import EWC, EWCModelWrapper, VectorDict, create_ewc_pipe, protect
from spacy_ewc.errors import EWCWarning, InvalidDataError, InvalidPipeError
from spacy_ewc.ewc.ewc import DEFAULT_LAMBDA, LAMBDA_WARN_ABOVE
from spacy_ewc.ewc.params import MAX_DEPTH, iter_params
from spacy_ewc.ner_trainer import train_ner_with_ewc, train_nlp_with_ewc
from spacy_ewc.utils.extract_labels import extract_labels


@pytest.fixture(scope="module")
def state(fisher_texts):
    nlp = spacy.load("en_core_web_sm")
    return nlp, EWC(nlp, fisher_texts[:3], fisher="predicted")


def _param(model, key):
    return next(ref for ref in iter_params(model) if ref.key == key)


@pytest.mark.slow
def test_invalid_pipe_is_a_value_error_and_a_type_error(state, fisher_texts):
    nlp, _ = state
    for call in (lambda: EWC("ner", fisher_texts[:2]), lambda: create_ewc_pipe(None, fisher_texts[:2]),
                 lambda: EWC(nlp, fisher_texts[:2], pipe_name="attribute_ruler")):
        with pytest.raises(InvalidPipeError) as info:
            call()
        assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
        assert str(info.value).startswith(("[E001]", "[E003]"))


@pytest.mark.slow
def test_extract_labels_is_a_set_and_bad_items_are_value_errors(state):
    nlp, _ = state
    doc = nlp.make_doc("Lupus and gout")
    eg = Example.from_dict(doc, {"entities": [(0, 5, NEW_LABEL), (10, 14, NEW_LABEL)]})
    assert extract_labels([eg, ("x", {"entities": [(0, 1, "ORG")]})]) == {NEW_LABEL, "ORG"}
    with pytest.raises(ValueError, match=r"\[E201\] Element 1 is a str"):
        extract_labels([eg, "text"])
    assert issubclass(InvalidDataError, TypeError)


def test_utils_submodules_are_not_shadowed():
    import spacy_ewc.utils.extract_labels as labels_module
    import spacy_ewc.utils.generate_spacy_entities as entities_module

    assert inspect.ismodule(labels_module) and inspect.ismodule(entities_module)
    assert callable(labels_module.extract_labels) and callable(entities_module.generate_spacy_entities)


def _through_first_layer(model, X, is_train):
    return model.layers[0](X, is_train)


class Recording(Model):
    """A model whose own finish_update counts its steps."""

    def finish_update(self, optimizer):
        self.attrs["steps"] += 1
        super().finish_update(optimizer)

    def describe(self):
        return f"{self.name} after {self.attrs['steps']} steps"


def test_wrapper_forwards_attributes_and_calls_the_wrapped_finish_update():
    linear = Linear(nO=2, nI=3)
    linear.initialize()
    inner = Recording("recording", _through_first_layer, layers=[linear], attrs={"steps": 0})
    penalty = numpy.full((2, 3), 0.25, dtype="f")
    calls = []

    def add_penalty():
        calls.append(1)
        linear.inc_grad("W", penalty)

    wrapper = EWCModelWrapper(inner, add_penalty)
    assert wrapper._wrapped_model is inner and wrapper.wrapped_model is inner
    assert wrapper.describe() == "recording after 0 steps"
    X = numpy.arange(12, dtype="f").reshape(4, 3) / 10
    Y, backprop = wrapper.begin_update(X)
    backprop(numpy.ones_like(Y))
    start, task = linear.get_param("W").copy(), linear.get_grad("W").copy()
    wrapper.finish_update(SGD(0.1, L2=0.0, grad_clip=0.0))
    assert inner.attrs["steps"] == 1 and len(calls) == 1
    numpy.testing.assert_allclose(linear.get_param("W"), start - 0.1 * (task + penalty), rtol=1e-6)
    clone = copy.deepcopy(wrapper)
    assert clone._wrapped_model is not inner and clone.describe() == "recording after 1 steps"
    with pytest.raises(AttributeError):
        wrapper.no_such_attribute  # noqa: B018


@pytest.mark.slow
def test_set_lambda_keywords_and_model_type(state):
    _, ewc = state
    ewc.set_lambda(new_lambda=5.0)
    assert ewc.lambda_ == 5.0
    ewc.set_lambda(lambda_=4.0)
    assert ewc.lambda_ == 4.0
    ewc.set_lambda(DEFAULT_LAMBDA)
    with pytest.raises(TypeError, match=r"\[E205\]"):
        ewc.set_lambda(1.0, lambda_=2.0)
    with pytest.raises(ValueError, match="lambda_ must be a finite number"):
        ewc.set_lambda(new_lambda=-1.0)
    assert typing.get_args(EWC.model_type) == (Language, TrainablePipe)


@pytest.mark.slow
def test_lambda_far_above_the_default_warns(state, fisher_texts):
    nlp, ewc = state
    with pytest.warns(EWCWarning, match=r"\[W200\] lambda_=1e\+06 is 500x the default"):
        strong = EWC(nlp, fisher_texts[:2], lambda_=1e6, fisher="predicted")
    assert strong.lambda_ == 1e6
    with warnings.catch_warnings():
        warnings.simplefilter("error", EWCWarning)
        ewc.set_lambda(LAMBDA_WARN_ABOVE)
        ewc.set_lambda(1000.0)  # 0.1.1's default is within the scale of the "peak" Fisher
        ewc.set_lambda(DEFAULT_LAMBDA)
    with pytest.warns(EWCWarning, match=r"\[W200\]"):
        ewc.set_lambda(new_lambda=10 * LAMBDA_WARN_ABOVE)
    ewc.set_lambda(DEFAULT_LAMBDA)


@pytest.mark.slow
def test_replacing_theta_star_or_the_fisher_takes_effect(nlp, fisher_texts):
    ewc = protect(nlp, fisher_texts[:3], lambda_=2.0, fisher="predicted")
    model = nlp.get_pipe("ner").model
    ref = _param(model, "2/W")
    ref.node.set_param("W", ref.node.get_param("W") + 0.01)

    def added():
        before = ref.node.get_grad("W").copy() if ref.node.has_grad("W") else 0.0
        ewc.apply_ewc_penalty_to_gradients(model)
        return ref.node.get_grad("W") - before

    theta = ref.node.get_param("W")
    numpy.testing.assert_allclose(added(), 2.0 * ewc.fisher_matrix["2/W"] * 0.01, rtol=1e-3)
    ewc.theta_star = VectorDict({key: value - 0.5 for key, value in ewc.theta_star.items()})
    expected = 2.0 * ewc.fisher_matrix["2/W"] * (theta - ewc.theta_star["2/W"])
    numpy.testing.assert_allclose(added(), expected, rtol=1e-5)
    ewc.fisher_matrix = {key: 3 * value for key, value in ewc.fisher_matrix.items()}
    numpy.testing.assert_allclose(added(), 3 * expected, rtol=1e-5)


class Endless(Model):
    """A model that builds a new child each time its layers are read."""

    @property
    def layers(self):
        return [Endless("endless", _through_first_layer, params={"W": None})]


def test_a_tree_that_never_ends_is_an_error_not_unbounded_memory(fisher_texts):
    with pytest.raises(ValueError, match=rf"\[E200\].*deeper than {MAX_DEPTH} layers"):
        list(iter_params(Endless("endless", _through_first_layer)))
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner")
    ner.model = Endless("endless", _through_first_layer)
    with pytest.raises(ValueError, match=r"\[E200\]"):
        EWC(ner, fisher_texts[:1])


def _arrays(proc):
    return {ref.key: ref.node.get_param(ref.name).copy() for ref in iter_params(proc.model)}


@pytest.mark.slow
def test_train_nlp_with_ewc_updates_only_the_protected_component(nlp, fisher_texts):
    ewc = EWC(nlp, fisher_texts[:3], lambda_=10.0, fisher="predicted")
    ner = nlp.get_pipe("ner")
    ner.add_label(NEW_LABEL)
    others = {
        name: _arrays(p) for name, p in nlp.pipeline if name != "ner" and isinstance(p, TrainablePipe)
    }
    examples = ncbi_examples(nlp, "train", 4)
    assert "ner" in train_nlp_with_ewc(nlp, examples, ewc)
    assert ewc.compute_drift() > 0
    for name, arrays in others.items():
        for key, value in _arrays(nlp.get_pipe(name)).items():
            numpy.testing.assert_array_equal(value, arrays[key], err_msg=f"{name} {key} moved")

    # sgd=False: no step; the penalty is added once per call to the kept gradients.
    ref = _param(ner.model, "2/W")
    theta = _arrays(ner)
    grads = []
    for lam in (10.0, 10.0, 0.0):
        ewc.set_lambda(lam)
        fix_random_seed(0)
        train_ner_with_ewc(ner, examples, ewc, sgd=False)
        grads.append(ref.node.get_grad("W").copy())
    for key, value in _arrays(ner).items():
        numpy.testing.assert_array_equal(value, theta[key])
    penalty = (grads[1] - grads[0]) - (grads[2] - grads[1])
    expected = 10.0 * ewc.fisher_matrix["2/W"] * (theta["2/W"] - ewc.theta_star["2/W"])
    assert abs(expected).max() > 0
    numpy.testing.assert_allclose(penalty, expected, rtol=1e-3, atol=1e-3 * abs(expected).max())
