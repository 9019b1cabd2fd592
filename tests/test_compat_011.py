"""Code written against spacy-ewc 0.1.1's README runs unchanged.

Only 0.1.1's documented import paths, calls, return values and exceptions are used here
(its README and example script), on en_core_web_sm and the repository's data.
"""

from __future__ import annotations

import numpy
import pytest
import spacy
from conftest import ncbi_examples
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

from spacy_ewc.ewc import EWC
from spacy_ewc.ner_trainer.ewc_ner_trainer import train_ner_with_ewc, train_nlp_with_ewc
from spacy_ewc.spacy_wrapper import EWCModelWrapper, create_ewc_pipe
from spacy_ewc.utils.extract_labels import extract_labels
from spacy_ewc.utils.generate_spacy_entities import generate_spacy_entities

pytestmark = pytest.mark.slow


def _as_tuples(examples):
    """NCBI sentences in 0.1.1's training format: (text, {"entities": [...]})."""
    return [
        (eg.reference.text, {"entities": [(e.start_char, e.end_char, e.label_) for e in eg.reference.ents]})
        for eg in examples
    ]


@pytest.fixture()
def training_data(nlp):
    return _as_tuples(ncbi_examples(nlp, "train", 6))


def _readme_training(nlp, original_spacy_labels, training_data, wrap):
    """The README's "Using the EWC Class in Your Own Code", with or without the wrapper."""
    fix_random_seed(0)
    ner = nlp.get_pipe("ner")
    ewc = EWC(ner, data=[
        Example.from_dict(nlp.make_doc(text), annotations)
        for text, annotations in original_spacy_labels
    ])
    if wrap:
        ner.model = EWCModelWrapper(ner.model, ewc.apply_ewc_penalty_to_gradients)
    training_labels = extract_labels(training_data)
    for label in training_labels:
        if label not in ner.labels:
            nlp.get_pipe("ner").add_label(label)
    examples = [Example.from_dict(nlp.make_doc(text), annotations) for text, annotations in training_data]
    for _epoch in range(4):
        losses = {}
        nlp.update(examples, losses=losses)
    return ewc, training_labels, losses


def test_readme_ewc_and_wrapper_by_hand(nlp, fisher_texts, training_data):
    original_spacy_labels = generate_spacy_entities(fisher_texts[:4], nlp)
    assert original_spacy_labels[0][0] == fisher_texts[0]
    assert all(set(annotations) == {"entities"} for _, annotations in original_spacy_labels)
    ewc, training_labels, losses = _readme_training(nlp, original_spacy_labels, training_data, wrap=True)
    assert training_labels == {"DISEASE"}
    assert training_labels - set(nlp.get_pipe("ner").labels) == set()
    assert losses["ner"] > 0
    # The same steps without the wrapper move the weights further where the old data needs them.
    plain_nlp = spacy.load("en_core_web_sm")
    plain, _, _ = _readme_training(plain_nlp, original_spacy_labels, training_data, wrap=False)
    assert 0 < ewc.compute_ewc_penalty() < 0.8 * plain.compute_ewc_penalty()


def test_create_ewc_pipe_returns_the_component(nlp, fisher_texts, training_data):
    ner = nlp.get_pipe("ner")
    original_spacy_labels = generate_spacy_entities(fisher_texts[:3], nlp)
    returned = create_ewc_pipe(
        ner,
        [Example.from_dict(nlp.make_doc(text), annotations) for text, annotations in original_spacy_labels],
    )
    assert returned is ner is nlp.get_pipe("ner")
    assert isinstance(ner.model, EWCModelWrapper)
    for label in extract_labels(training_data):
        ner.add_label(label)
    losses = {}
    nlp.update([Example.from_dict(nlp.make_doc(t), a) for t, a in training_data], losses=losses)
    assert losses["ner"] > 0
    again = create_ewc_pipe(nlp, [Example.from_dict(nlp.make_doc(t), a) for t, a in original_spacy_labels],
                            lambda_=10.0, pipe_name="ner")
    assert again is nlp.get_pipe("ner")


def test_trainers_and_set_lambda(nlp, fisher_texts, training_data):
    original_spacy_labels = generate_spacy_entities(fisher_texts[:3], nlp)
    ewc = EWC(nlp, [Example.from_dict(nlp.make_doc(t), a) for t, a in original_spacy_labels])
    ner = nlp.get_pipe("ner")
    for label in extract_labels(training_data):
        ner.add_label(label)
    examples = [Example.from_dict(nlp.make_doc(text), ann) for text, ann in training_data]
    with nlp.select_pipes(enable="ner"):
        sgd = nlp.resume_training()
        for batch in minibatch(examples, size=3):
            losses = {}
            train_nlp_with_ewc(nlp=nlp, examples=batch, ewc=ewc, sgd=sgd, losses=losses)
    assert losses["ner"] > 0
    losses = train_ner_with_ewc(ner, examples, ewc, sgd=sgd)
    assert losses["ner"] > 0
    assert ewc.compute_ewc_penalty() > 0
    before = ewc.compute_gradient_penalty()
    ewc.set_lambda(new_lambda=2 * ewc.lambda_)
    after = ewc.compute_gradient_penalty()
    assert max(abs(value).max() for value in before.values()) > 0
    for key, value in before.items():
        numpy.testing.assert_allclose(after[key], 2 * value, rtol=1e-5, atol=1e-12)
    assert ewc.ewc_loss(1.0) == pytest.approx(1.0 + ewc.lambda_ * ewc.compute_ewc_penalty())


def test_invalid_pipe_raises_value_error(fisher_texts):
    with pytest.raises(ValueError):
        EWC("ner", fisher_texts[:2])
    with pytest.raises(ValueError):
        create_ewc_pipe(None, fisher_texts[:2])
