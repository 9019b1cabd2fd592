"""Queries never change the EWC state: measuring another model whose output layer grew (a
label added since θ* was taken) leaves θ* and F as they are, and gives what the grown state gives."""

from __future__ import annotations

import numpy
from conftest import blank_ner_from
from spacy.training import Example

from spacy_ewc import protect

TEXTS = ["Cystic fibrosis affects the lungs.", "The patient had breast cancer.", "Paris is in France."]


def _shapes(ewc):
    return {key: (ewc.theta_star[key].shape, ewc.fisher_matrix[key].shape) for key in ewc.theta_star}


def _trained_on_a_new_label(nlp):
    """One update on a new label: the output layer grows and the weights move."""
    nlp.get_pipe("ner").add_label("CHEMICAL")
    doc = nlp.make_doc("Aspirin cures headaches.")
    example = Example.from_dict(doc, {"entities": [(0, 7, "CHEMICAL")]})
    nlp.update([example], sgd=nlp.resume_training(), drop=0.0)
    return nlp


def test_drift_of_a_grown_model_changes_nothing_and_equals_the_grown_states(blank_ner, _blank_ner_bytes):
    ewc = protect(blank_ner, TEXTS, lambda_=1.0, pipe_name="ner")
    shapes = _shapes(ewc)
    theta = {key: value.copy() for key, value in ewc.theta_star.items()}
    other = _trained_on_a_new_label(blank_ner_from(_blank_ner_bytes))

    drift = ewc.compute_drift(other)
    assert ewc.compute_ewc_penalty(other) == drift / 2
    assert _shapes(ewc) == shapes
    for key, value in theta.items():
        numpy.testing.assert_array_equal(ewc.theta_star[key], value)
    assert drift > 0

    twin_nlp = blank_ner_from(_blank_ner_bytes)
    twin = protect(twin_nlp, TEXTS, lambda_=1.0, pipe_name="ner")
    twin_nlp.get_pipe("ner").add_label("CHEMICAL")
    twin.apply_ewc_penalty_to_gradients()  # the update path grows θ* and F (zero importance)
    assert _shapes(twin) != shapes
    assert numpy.isclose(twin.compute_drift(other), drift, rtol=1e-6)
