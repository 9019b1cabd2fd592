"""The example's data is well formed and its script runs end to end (on a small slice)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import spacy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data_examples.heldout_new import HELDOUT_NEW  # noqa: E402
from data_examples.heldout_old import HELDOUT_OLD  # noqa: E402
from data_examples.original_spacy_labels import ORIGINAL_SPACY_LABELS  # noqa: E402
from data_examples.training_data import TRAINING_DATA  # noqa: E402

NEW_LABEL = "DISEASE"


@pytest.fixture(scope="module")
def original():
    return spacy.load("en_core_web_sm")


@pytest.fixture(scope="module")
def example_module():
    path = ROOT / "examples" / "ewc_ner_training_example.py"
    spec = importlib.util.spec_from_file_location("ewc_ner_training_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_data_sizes():
    assert len(ORIGINAL_SPACY_LABELS) >= 150
    assert len(HELDOUT_OLD) >= 60
    assert len(TRAINING_DATA) >= 80
    assert len(HELDOUT_NEW) >= 30


def test_heldout_sentences_are_never_trained_on():
    trained = {text for text, _ in ORIGINAL_SPACY_LABELS} | {text for text, _ in TRAINING_DATA}
    heldout = set(HELDOUT_OLD) | {text for text, _ in HELDOUT_NEW}
    assert not trained & heldout
    assert len(heldout) == len(HELDOUT_OLD) + len(HELDOUT_NEW)


ANNOTATED = {"original": ORIGINAL_SPACY_LABELS, "training": TRAINING_DATA, "heldout_new": HELDOUT_NEW}


@pytest.mark.parametrize("name", list(ANNOTATED))
@pytest.mark.slow
def test_spans_align_to_tokens_and_do_not_overlap(original, name):
    for text, annots in ANNOTATED[name]:
        doc = original.make_doc(text)
        spans = [doc.char_span(start, end, label) for start, end, label in annots["entities"]]
        assert all(span is not None for span in spans), f"{name}: misaligned span in {text!r}"
        doc.set_ents(spans)  # raises on overlapping spans


@pytest.mark.slow
def test_labels(original):
    old_labels = set(original.get_pipe("ner").labels)
    assert NEW_LABEL not in old_labels
    assert {e[2] for _, a in ORIGINAL_SPACY_LABELS for e in a["entities"]} <= old_labels
    training_labels = {e[2] for _, a in TRAINING_DATA for e in a["entities"]}
    assert NEW_LABEL in training_labels and training_labels <= old_labels | {NEW_LABEL}
    assert {e[2] for _, a in HELDOUT_NEW for e in a["entities"]} == {NEW_LABEL}
    assert all(a["entities"] for _, a in HELDOUT_NEW)


@pytest.mark.slow
def test_fisher_data_is_what_the_original_model_predicts(original):
    docs = original.pipe(text for text, _ in ORIGINAL_SPACY_LABELS)
    for doc, (text, annots) in zip(docs, ORIGINAL_SPACY_LABELS):
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == list(annots["entities"]), text


@pytest.mark.slow
def test_example_runs_on_a_slice(example_module, capsys):
    results = example_module.main(epochs=2, training_data=TRAINING_DATA[:16])
    out = capsys.readouterr().out
    assert "λ=" in out and "fisher=" in out and "Elon Musk" in out and "DISEASE annotations only" in out
    assert set(results) == {"plain", "EWC", "recipe"}
    header = next(line for line in out.splitlines() if "plain" in line and "EWC" in line)
    assert header.split() == ["plain", "EWC", "recipe"]
    assert [line.split()[0] for line in out.splitlines() if line.startswith("  ") and "(" in line][-4:] == [
        "original", "plain", "EWC", "recipe"]
    for scores in results.values():
        assert 0.0 <= scores["old"]["ents_f"] <= 1.0
        assert set(scores["new"]) >= {"p", "r", "f"}
    assert results["EWC"]["drift"] < results["plain"]["drift"]
    assert results["recipe"]["old"]["ents_f"] > results["plain"]["old"]["ents_f"]


@pytest.mark.slow
def test_without_penalty_both_runs_are_identical(example_module):
    """λ=0 leaves only what the comparison shares: same batches, seed, dropout and optimizer."""
    results = example_module.main(epochs=1, lambda_=0.0, training_data=TRAINING_DATA[:16])
    assert results["EWC"] == results["plain"]
