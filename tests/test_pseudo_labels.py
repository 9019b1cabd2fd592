"""add_pseudo_labels on real NCBI-disease sentences with the real en_core_web_sm."""

import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example

from spacy_ewc.utils import add_pseudo_labels

pytestmark = pytest.mark.slow  # loads en_core_web_sm

# Sentences of the NCBI disease corpus (train split), in its tokenisation.
HUNTINGTON = (
    "Age of onset in Huntington disease : sex specific influence of apolipoprotein E genotype "
    "and normal CAG repeat length ."
)
REGISTRY = (
    "This cohort underwent follow - up for cancer incidence through the Finnish Cancer Registry "
    "to the end of 1995 ."
)


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("en_core_web_sm")


def disease_example(nlp, text, disease):
    doc = Doc(nlp.vocab, words=text.split())
    start = text.index(disease)
    return Example.from_dict(doc, {"entities": [(start, start + len(disease), "DISEASE")]})


def entities(example):
    return [(ent.text, ent.label_) for ent in example.reference.ents]


def test_adds_old_labels_where_gold_has_none(nlp):
    eg = disease_example(nlp, REGISTRY, "cancer")
    (out,) = add_pseudo_labels([eg], nlp)
    assert ("cancer", "DISEASE") in entities(out)
    assert ("the Finnish Cancer Registry", "ORG") in entities(out)
    assert len(entities(out)) > 1
    assert entities(eg) == [("cancer", "DISEASE")]


def test_gold_wins_over_overlapping_predictions(nlp):
    eg = disease_example(nlp, HUNTINGTON, "Huntington disease")
    predicted = [(e.text, e.label_) for e in nlp(Doc(nlp.vocab, words=HUNTINGTON.split())).ents]
    assert any(text == "Huntington" for text, _ in predicted)
    (out,) = add_pseudo_labels([eg], nlp)
    found = entities(out)
    assert ("Huntington disease", "DISEASE") in found
    assert not any(text == "Huntington" for text, _ in found)
    assert [t.text for t in out.reference] == HUNTINGTON.split()


def test_labels_restricts_what_is_taken(nlp):
    eg = disease_example(nlp, REGISTRY, "cancer")
    (out,) = add_pseudo_labels([eg], nlp, labels=["ORG"])
    assert {label for _, label in entities(out)} == {"DISEASE", "ORG"}


def test_result_trains(nlp):
    examples = add_pseudo_labels([disease_example(nlp, REGISTRY, "cancer")], nlp)
    blank = spacy.blank("en")
    ner = blank.add_pipe("ner")
    optimizer = blank.initialize(lambda: examples)
    assert {"DISEASE", "ORG"} <= set(ner.labels)
    losses = blank.update(examples, sgd=optimizer)
    assert losses["ner"] > 0


def test_bad_input_is_explained(nlp):
    with pytest.raises(TypeError, match="spaCy Examples"):
        add_pseudo_labels([(REGISTRY, {"entities": []})], nlp)
    with pytest.raises(ValueError, match="DISEASE"):
        add_pseudo_labels([disease_example(nlp, REGISTRY, "cancer")], nlp, labels=["DISEASE"])
    with pytest.raises(TypeError, match=r"\['ORG'\]"):
        add_pseudo_labels([disease_example(nlp, REGISTRY, "cancer")], nlp, labels="ORG")
    with pytest.raises(ValueError, match="no component assigns doc.ents"):
        add_pseudo_labels([disease_example(nlp, REGISTRY, "cancer")], spacy.blank("en"))
