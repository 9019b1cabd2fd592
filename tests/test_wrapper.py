"""A wrapped component behaves like the original everywhere but in finish_update."""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy
import pytest
import spacy
from conftest import NEW_LABEL, ncbi_examples
from spacy.training import Example
from spacy.util import fix_random_seed
from thinc.api import SGD

from spacy_ewc import EWC, EWCModelWrapper, protect
from spacy_ewc.ner_trainer import train_ner_with_ewc, train_nlp_with_ewc

pytestmark = pytest.mark.slow  # loads en_core_web_sm


def _ents(docs):
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs]


@pytest.fixture()
def wrapped(nlp, fisher_texts):
    ewc = protect(nlp, fisher_texts[:8], lambda_=50.0, fisher="predicted")
    return nlp, ewc


def test_wrapped_pipe_predicts_and_evaluates_like_the_original(wrapped, heldout_texts):
    nlp, _ = wrapped
    assert isinstance(nlp.get_pipe("ner").model, EWCModelWrapper)
    original = spacy.load("en_core_web_sm")
    assert _ents(nlp.pipe(heldout_texts[:20])) == _ents(original.pipe(heldout_texts[:20]))
    examples = [Example(nlp.make_doc(d.text), d) for d in original.pipe(heldout_texts[:10])]
    assert nlp.evaluate(examples)["ents_f"] == pytest.approx(1.0)


def test_to_disk_round_trip_loads_without_spacy_ewc(wrapped, heldout_texts, tmp_path):
    nlp, _ = wrapped
    nlp.get_pipe("ner").add_label(NEW_LABEL)
    nlp.update(ncbi_examples(nlp, "train", 8), sgd=nlp.resume_training())
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    assert _ents(loaded.pipe(heldout_texts[:20])) == _ents(nlp.pipe(heldout_texts[:20]))
    code = (
        "import sys, spacy; nlp = spacy.load(sys.argv[1]); "
        "assert 'spacy_ewc' not in sys.modules; print('DISEASE' in nlp.get_pipe('ner').labels)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "model")],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_deepcopy_trains_independently(wrapped):
    nlp, ewc = wrapped
    clone = copy.deepcopy(nlp)
    clone_model = clone.get_pipe("ner").model
    assert isinstance(clone_model, EWCModelWrapper) and clone_model.ewc is not ewc
    before = ewc._capture_current_parameters(copy=True)
    clone.get_pipe("ner").add_label(NEW_LABEL)
    clone.update(ncbi_examples(clone, "train", 8), sgd=clone.resume_training())
    assert clone_model.ewc.compute_drift() > 0
    assert ewc.compute_drift() == 0.0
    for key, value in ewc._capture_current_parameters().items():
        numpy.testing.assert_array_equal(value, before[key])


def test_resume_training_and_rehearse(wrapped, heldout_texts):
    nlp, ewc = wrapped
    optimizer = nlp.resume_training()
    raw = [Example(nlp.make_doc(t), nlp.make_doc(t)) for t in heldout_texts[:8]]
    losses = nlp.rehearse(raw, sgd=optimizer, exclude=["tok2vec", "tagger", "parser"])
    assert "ner" in losses
    nlp.update(ncbi_examples(nlp, "train", 4), sgd=optimizer)
    assert ewc.compute_drift() > 0


def _one_step(route, fisher_texts, example_texts):
    fix_random_seed(0)
    nlp = spacy.load("en_core_web_sm")
    ner = nlp.get_pipe("ner")
    ewc = EWC(nlp, fisher_texts[:6], lambda_=30.0, fisher="predicted")
    examples = ncbi_examples(nlp, "train", 4)
    ner.add_label(NEW_LABEL)
    sgd = ner.create_optimizer()
    fix_random_seed(1)
    if route == "train_ner_with_ewc":
        train_ner_with_ewc(ner, examples, ewc, sgd=sgd)
    elif route == "train_nlp_with_ewc":
        train_nlp_with_ewc(nlp, examples, ewc, sgd=sgd)
    else:
        ner.model = EWCModelWrapper(ner.model, ewc.apply_ewc_penalty_to_gradients)
        if route == "nlp.update":
            nlp.update(examples, sgd=sgd)
        else:
            ner.update(examples, sgd=sgd)
    return ewc._capture_current_parameters(copy=True)


def test_penalty_is_the_same_on_every_training_route(fisher_texts, heldout_texts):
    routes = ["nlp.update", "pipe.update", "train_ner_with_ewc", "train_nlp_with_ewc"]
    results = {route: _one_step(route, fisher_texts, heldout_texts) for route in routes}
    for route in routes[1:]:
        for key, value in results[routes[0]].items():
            numpy.testing.assert_allclose(results[route][key], value, rtol=1e-5, atol=1e-7)


def test_wrapping_twice_replaces_the_penalty(nlp, fisher_texts):
    first = protect(nlp, fisher_texts[:4], lambda_=1.0, fisher="predicted")
    second = protect(nlp, fisher_texts[:4], lambda_=1.0, fisher="predicted")
    model = nlp.get_pipe("ner").model
    assert model.ewc is second and first is not second
    assert not isinstance(model.wrapped_model, EWCModelWrapper)
    upper = model.get_ref("upper")
    W = upper.get_param("W")
    upper.set_param("W", W + 0.01)
    expected = second.compute_gradient_penalty()["2/W"]
    start = upper.get_param("W").copy()
    model.finish_update(SGD(1e-6, L2=0.0, grad_clip=0.0))
    numpy.testing.assert_allclose(upper.get_param("W"), start - 1e-6 * expected, rtol=1e-5, atol=1e-10)


def test_wrapper_rejects_bad_arguments(nlp):
    with pytest.raises(TypeError, match="thinc Model"):
        EWCModelWrapper(nlp.get_pipe("ner"), lambda: None)
    with pytest.raises(TypeError, match="callable"):
        EWCModelWrapper(nlp.get_pipe("ner").model, None)


def test_trainers_without_optimizer_keep_one_and_report_the_pipe_name(nlp, fisher_texts):
    ewc = EWC(nlp, fisher_texts[:4], fisher="predicted")
    ner = nlp.get_pipe("ner")
    ner.add_label(NEW_LABEL)
    examples = ncbi_examples(nlp, "train", 4)
    losses = train_ner_with_ewc(ner, examples, ewc)
    optimizer = ewc._default_optimizer
    train_ner_with_ewc(ner, examples, ewc, losses=losses)
    assert ewc._default_optimizer is optimizer and set(losses) == {"ner"}
    assert not isinstance(ner.model, EWCModelWrapper)
    assert "ner" in train_nlp_with_ewc(nlp, examples, ewc, exclude=["tok2vec", "tagger", "parser"])
    assert ewc.compute_drift() > 0
