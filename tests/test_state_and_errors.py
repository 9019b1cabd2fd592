"""Saving and loading the EWC state; clear errors for bad input."""

from __future__ import annotations

import json

import numpy
import pytest
import spacy
from conftest import NEW_LABEL
from spacy.tokens import Doc
from spacy.training import Example

from spacy_ewc import EWC, protect
from spacy_ewc.utils.extract_labels import extract_labels
from spacy_ewc.utils.generate_spacy_entities import generate_spacy_entities


@pytest.fixture()
def ewc(nlp, fisher_texts):
    return EWC(nlp, fisher_texts[:5], lambda_=25.0, fisher="predicted")


@pytest.mark.slow
def test_state_round_trip_is_bit_for_bit(nlp, ewc, tmp_path):
    ewc.to_disk(tmp_path / "ewc")
    loaded = EWC.from_disk(tmp_path / "ewc", nlp)
    assert loaded.lambda_ == ewc.lambda_ and loaded.fisher_kind == ewc.fisher_kind
    assert loaded.n_examples == ewc.n_examples and loaded.normalize == ewc.normalize
    assert list(loaded.theta_star) == list(ewc.theta_star)
    for key in ewc.theta_star:
        for mine, theirs in ((ewc.theta_star, loaded.theta_star), (ewc.fisher_matrix, loaded.fisher_matrix)):
            assert theirs[key].dtype == mine[key].dtype
            assert theirs[key].tobytes() == mine[key].tobytes()


@pytest.mark.slow
def test_state_saved_beside_the_pipeline_follows_added_labels(nlp, fisher_texts, tmp_path):
    ewc = protect(nlp, fisher_texts[:5], lambda_=25.0, fisher="predicted")
    nlp.get_pipe("ner").add_label(NEW_LABEL)
    nlp.to_disk(tmp_path / "model")
    ewc.to_disk(tmp_path / "model" / "ewc" / "ner")
    loaded_nlp = spacy.load(tmp_path / "model")
    loaded = EWC.from_disk(tmp_path / "model" / "ewc" / "ner", loaded_nlp)
    assert loaded.theta_star["2/W"].shape[0] == 78
    assert not loaded.fisher_matrix["2/W"][74:].any()
    assert loaded.compute_drift() == pytest.approx(0.0, abs=1e-9)


@pytest.mark.slow
def test_state_that_does_not_fit_the_model_is_rejected(ewc, nlp, tmp_path):
    ewc.to_disk(tmp_path / "ewc")
    with pytest.raises(ValueError, match="does not match the model"):
        EWC.from_disk(tmp_path / "ewc", nlp, pipe_name="parser")
    meta = json.loads((tmp_path / "ewc" / "ewc.json").read_text())
    meta["format"] = 99
    (tmp_path / "ewc" / "ewc.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="format version 99"):
        EWC.from_disk(tmp_path / "ewc", nlp)
    with pytest.raises(FileNotFoundError, match="No EWC state"):
        EWC.from_disk(tmp_path / "nowhere", nlp)


@pytest.mark.slow
def test_bad_pipes_are_named(nlp, fisher_texts):
    with pytest.raises(TypeError, match="Language or a trainable"):
        EWC("ner", fisher_texts)
    with pytest.raises(ValueError, match="no component named 'nerr'.*tok2vec"):
        EWC(nlp, fisher_texts, pipe_name="nerr")
    with pytest.raises(TypeError, match="not trainable"):
        EWC(nlp, fisher_texts, pipe_name="attribute_ruler")
    blank = spacy.blank("en")
    blank.add_pipe("ner")
    with pytest.raises(ValueError, match="not initialised"):
        EWC(blank, fisher_texts)


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf"), "strong", None])
@pytest.mark.slow
def test_bad_lambda_is_rejected(nlp, fisher_texts, value):
    with pytest.raises(ValueError, match="lambda_ must be a finite number"):
        EWC(nlp, fisher_texts[:2], lambda_=value)


@pytest.mark.slow
def test_bad_data_is_rejected(nlp, fisher_texts):
    with pytest.raises(ValueError, match="empty"):
        EWC(nlp, [])
    with pytest.raises(TypeError, match="Element 1 of the Fisher data is a int"):
        EWC(nlp, [fisher_texts[0], 3])
    with pytest.raises(TypeError, match="empirical Fisher needs gold"):
        EWC(nlp, fisher_texts[:2], fisher="empirical")
    with pytest.raises(ValueError, match="Unknown Fisher kind"):
        EWC(nlp, fisher_texts[:2], fisher="true")
    with pytest.raises(ValueError, match="normalize must be one of"):
        EWC(nlp, fisher_texts[:2], normalize="sum")
    with pytest.raises(ValueError, match="Raw texts need a tokenizer"):
        EWC(nlp.get_pipe("ner"), fisher_texts[:2])


@pytest.mark.slow
def test_unknown_labels_in_fisher_data_are_an_error_not_a_new_label(nlp):
    ner = nlp.get_pipe("ner")
    labels = ner.labels
    data = [("Lupus is a disease.", {"entities": [(0, 5, NEW_LABEL)]})]
    with pytest.raises(ValueError, match=f"labels the component 'ner' does not know: {NEW_LABEL}"):
        EWC(nlp, data, fisher="empirical")
    assert ner.labels == labels


@pytest.mark.slow
def test_fisher_data_forms_are_accepted(nlp, fisher_texts):
    ner = nlp.get_pipe("ner")
    tuples = generate_spacy_entities(fisher_texts[:3], nlp)
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in tuples]
    from_tuples = EWC(nlp, tuples, normalize=None)
    from_examples = EWC(ner, examples, normalize=None)
    assert from_tuples.fisher_kind == from_examples.fisher_kind == "empirical"
    for key in from_tuples.fisher_matrix:
        numpy.testing.assert_allclose(
            from_tuples.fisher_matrix[key], from_examples.fisher_matrix[key], rtol=1e-5
        )
    docs = [Doc(nlp.vocab, words=t.split()) for t in fisher_texts[:2]]
    assert EWC(ner, docs).fisher_kind == "predicted"


@pytest.mark.slow
def test_set_lambda_validates_and_changes_the_penalty(ewc, nlp):
    upper = nlp.get_pipe("ner").model.get_ref("upper")
    upper.set_param("W", upper.get_param("W") + 0.1)
    before = ewc.compute_gradient_penalty()["2/W"]
    ewc.set_lambda(50.0)
    numpy.testing.assert_allclose(ewc.compute_gradient_penalty()["2/W"], 2 * before, rtol=1e-6)
    with pytest.raises(ValueError):
        ewc.set_lambda(-3)


def test_extract_labels():
    data = [("a", {"entities": [(0, 1, "GADGET"), (0, 1, "ORG")]}), ("b", {"entities": [(0, 1, "GADGET")]})]
    assert extract_labels(data) == {"GADGET", "ORG"}
    with pytest.raises(TypeError, match="Element 0"):
        extract_labels(["text"])
