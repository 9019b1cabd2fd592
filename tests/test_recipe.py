"""The keep-both recipe: EWC plus the original pipeline's own labels, in Python and in `spacy train`."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import spacy
from conftest import NEW_LABEL, ncbi_examples
from spacy.cli.train import train
from spacy.scorer import Scorer
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.util import minibatch

import spacy_ewc
from spacy_ewc.corpus import PseudoLabelCorpus

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "ner_disease_ewc.cfg"
SECOND_CONFIG = CONFIG.with_name("ner_disease_second.cfg")
BATCHER = "test-spacy-ewc.recording_batcher.v1"
SEEN = []  # the examples of each epoch, as the batcher saw them
# An NCBI-disease training sentence where en_core_web_sm predicts "Huntington" inside the
# gold DISEASE span "Huntington disease".
HUNTINGTON = (
    "Age of onset in Huntington disease : sex specific influence of apolipoprotein E genotype "
    "and normal CAG repeat length ."
).split()


@spacy.registry.batchers(BATCHER)
def recording_batcher(size, tolerance, discard_oversize, get_length=None):
    """spaCy's batch_by_words that keeps the examples it hands to the training loop."""
    batch = spacy.registry.batchers.get("spacy.batch_by_words.v1")(
        size=size, tolerance=tolerance, discard_oversize=discard_oversize, get_length=get_length
    )

    def record(items):
        SEEN.append([])
        for examples in batch(items):
            SEEN[-1].extend(examples)
            yield examples

    return record


def train_tiny(config, tmp_path, gold, dev, old_texts, **overrides):
    """Two steps of `spacy train` on `gold`, replaying `old_texts` at 0.5; the batcher records
    what each epoch saw in SEEN."""
    DocBin(docs=[eg.reference for eg in gold]).to_disk(tmp_path / "train.spacy")
    DocBin(docs=[eg.reference for eg in dev]).to_disk(tmp_path / "dev.spacy")
    (tmp_path / "old.txt").write_text("\n".join(old_texts), encoding="utf8")
    SEEN.clear()
    train(config, tmp_path / "out", overrides={
        "paths.train": str(tmp_path / "train.spacy"),
        "paths.dev": str(tmp_path / "dev.spacy"),
        "paths.fisher": str(tmp_path / "old.txt"),
        "corpora.train.replay_ratio": 0.5,
        "training.max_steps": 2,
        "training.eval_frequency": 2,
        "training.batcher.@batchers": BATCHER,
        "training.batcher.size": 5000,
        **overrides,
    })


def huntington_example(vocab):
    tags = ["O"] * len(HUNTINGTON)
    tags[4:6] = [f"B-{NEW_LABEL}", f"I-{NEW_LABEL}"]
    return Example(Doc(vocab, words=HUNTINGTON), Doc(vocab, words=HUNTINGTON, ents=tags))


def ents(doc, skip=()):
    return {(e.start, e.end, e.label_) for e in doc.ents if e.label_ not in skip}


def overlaps(span, spans):
    return any(span[0] < end and start < span[1] for start, end, _ in spans)


@pytest.mark.slow
def test_spacy_train_examples_carry_reference_entities_and_gold_wins(tmp_path, nlp, fisher_texts):
    gold = [huntington_example(nlp.vocab)] + ncbi_examples(nlp, "train", 24, seed=3)
    train_tiny(CONFIG, tmp_path, gold, ncbi_examples(nlp, "devel", 6), fisher_texts[:20])
    epoch = SEEN[0]
    assert len(SEEN) > 1 and all(len(other) == len(epoch) for other in SEEN)
    seen = {tuple(t.text for t in eg.reference): eg.reference for eg in epoch}
    taken = 0
    for eg in gold:
        words = tuple(t.text for t in eg.reference)
        reference = seen[words]
        gold_spans = ents(eg.reference)
        predicted = ents(nlp(Doc(nlp.vocab, words=list(words))))
        assert gold_spans <= ents(reference)
        expected = {span for span in predicted if not overlaps(span, gold_spans)}
        assert ents(reference, skip=[NEW_LABEL]) == expected
        taken += len(expected)
    assert taken > 10
    huntington = seen[tuple(HUNTINGTON)]
    assert [(e.text, e.label_) for e in huntington.ents if e.start < 6] == [("Huntington disease", NEW_LABEL)]
    assert any(overlaps(span, {(4, 6, NEW_LABEL)}) for span in ents(nlp(Doc(nlp.vocab, words=HUNTINGTON))))
    replayed = [eg for eg in epoch if eg.reference.text in fisher_texts[:20]]
    assert len(replayed) == math.ceil(0.5 * len(gold))
    for eg in replayed:
        assert [(e.text, e.label_) for e in eg.reference.ents] == [
            (e.text, e.label_) for e in nlp(eg.reference.text).ents
        ]
    trained = spacy.load(tmp_path / "out" / "model-last")
    assert NEW_LABEL in trained.get_pipe("ner").labels


@pytest.mark.slow
def test_second_component_config_trains_a_copy_and_keeps_the_original(tmp_path, nlp, fisher_texts):
    """configs/ner_disease_second.cfg: ner_disease learns from the gold and from replayed text
    without entities; the frozen original ner is a separate object and keeps its weights."""
    gold = ncbi_examples(nlp, "train", 12, seed=3)
    nlp.to_disk(tmp_path / "base")
    train_tiny(SECOND_CONFIG, tmp_path, gold, ncbi_examples(nlp, "devel", 4), fisher_texts[:10],
               **{"paths.base": str(tmp_path / "base")})
    epoch = SEEN[0]
    by_text = {eg.reference.text: eg.reference for eg in epoch}
    replayed = [by_text[text] for text in fisher_texts[:10] if text in by_text]
    assert len(replayed) == math.ceil(0.5 * len(gold)) and all(not doc.ents for doc in replayed)
    for eg in gold:
        assert ents(by_text[eg.reference.text]) == ents(eg.reference)
    trained = spacy.load(tmp_path / "out" / "model-last")
    names = trained.pipe_names
    assert names.index("ner_disease") < names.index("ner")
    assert NEW_LABEL in trained.get_pipe("ner_disease").labels
    original = nlp.get_pipe("ner").model
    kept, taught = (trained.get_pipe(name).model for name in ("ner", "ner_disease"))
    assert kept.to_bytes() == original.to_bytes()
    assert taught.to_bytes() != original.to_bytes()


@pytest.mark.slow
def test_reader_predicts_once_and_reuses(tmp_path, nlp):
    gold = ncbi_examples(nlp, "train", 8, seed=5)
    DocBin(docs=[eg.reference for eg in gold]).to_disk(tmp_path / "train.spacy")
    corpus = PseudoLabelCorpus(tmp_path / "train.spacy", model="en_core_web_sm", labels=["ORG", "GPE"])
    first = list(corpus(nlp))
    calls = []
    reference = corpus.labeller.nlp
    pipe = reference.pipe
    reference.pipe = lambda docs, **kw: calls.append(1) or pipe(docs, **kw)
    second = list(corpus(nlp))
    assert calls == [1] and len(corpus.labeller._cache) == len(gold)
    assert [ents(a.reference) for a in first] == [ents(b.reference) for b in second]
    assert {e.label_ for eg in first for e in eg.reference.ents} <= {NEW_LABEL, "ORG", "GPE"}
    none_taken = PseudoLabelCorpus(tmp_path / "train.spacy", model="en_core_web_sm", labels=[])
    assert [ents(eg.reference) for eg in none_taken(nlp)] == [ents(eg.reference) for eg in gold]


def agreement(trained, original_docs, texts):
    examples = [Example(doc, ref) for doc, ref in zip(trained.pipe(texts), original_docs)]
    return Scorer.score_spans(examples, "ents")["ents_f"]


@pytest.mark.slow
def test_python_recipe_keeps_old_labels_far_better_than_ewc_alone(fisher_texts, heldout_texts):
    """Same data, updates and λ: EWC alone forgets much of the old labels, the recipe does not."""
    original = spacy.load("en_core_web_sm")
    original_docs = list(original.pipe(heldout_texts))
    scores = {}
    for recipe in (False, True):
        nlp = spacy.load("en_core_web_sm")
        train_examples = ncbi_examples(nlp, "train", 48, seed=1)
        ewc = spacy_ewc.protect(nlp, fisher_texts[:30])
        if recipe:
            train_examples = ewc.add_pseudo_labels(train_examples)
        nlp.get_pipe("ner").add_label(NEW_LABEL)
        optimizer = nlp.create_optimizer()
        with nlp.select_pipes(enable="ner"):
            for _ in range(4):
                for batch in minibatch(train_examples, size=8):
                    nlp.update(batch, sgd=optimizer, drop=0.1)
        scores[recipe] = agreement(nlp, original_docs, heldout_texts)
    print(f"old-label agreement: EWC alone {scores[False]:.3f}, recipe {scores[True]:.3f}")
    assert scores[True] >= 0.8
    assert scores[True] >= scores[False] + 0.15


@pytest.mark.slow
def test_recipe_errors_and_warning(nlp, fisher_texts):
    examples = [huntington_example(nlp.vocab)]
    ewc = spacy_ewc.EWC(nlp.get_pipe("ner"), [nlp(t) for t in fisher_texts[:3]], fisher="predicted")
    with pytest.raises(ValueError, match="E227"):
        ewc.add_pseudo_labels(examples)
    with pytest.raises(ValueError, match="E223"):
        spacy_ewc.add_pseudo_labels(examples, nlp, replay=fisher_texts, replay_ratio=-1)
    with pytest.raises(ValueError, match="E222"):
        spacy_ewc.add_pseudo_labels(examples, nlp, replay=[], replay_ratio=1)
    with pytest.raises(TypeError, match="E221"):
        spacy_ewc.add_pseudo_labels(examples, nlp, replay=[("text", {})], replay_ratio=1)
    ewc = spacy_ewc.protect(nlp, fisher_texts[:3])
    ner = nlp.get_pipe("ner")
    ner.model.get_ref("upper").get_param("b")[0] += 1.0
    with pytest.warns(UserWarning, match="W220"):
        out = ewc.add_pseudo_labels(examples, replay=fisher_texts[:4], replay_ratio=2)
    assert len(out) == 3 and all(eg.reference.text in fisher_texts[:4] for eg in out[1:])


def test_spancat_and_textcat_multilabel_gaps_are_filled():
    """A pipeline whose spancat and textcat_multilabel learnt a few labels fills them in where
    the gold leaves them out, and leaves given gold alone."""
    nlp = spacy.blank("en")
    spancat = nlp.add_pipe("spancat", config={"spans_key": "sc"})
    textcat = nlp.add_pipe("textcat_multilabel")
    data = [
        ("Aspirin helps with headache .", {"spans": {"sc": [(0, 7, "DRUG")]},
                                           "cats": {"MEDICAL": 1.0, "SPORT": 0.0}}),
        ("The team won the match .", {"spans": {"sc": []}, "cats": {"MEDICAL": 0.0, "SPORT": 1.0}}),
    ]
    train_examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in data]
    optimizer = nlp.initialize(lambda: train_examples)
    for _ in range(40):
        nlp.update(train_examples, sgd=optimizer)
    assert {"DRUG"} <= set(spancat.labels) and {"MEDICAL", "SPORT"} <= set(textcat.labels)
    new = Example.from_dict(nlp.make_doc("Aspirin helps with headache ."),
                            {"spans": {"sc": [(19, 27, "SYMPTOM")]}, "cats": {"NEW": 1.0}})
    gold_wins = Example.from_dict(nlp.make_doc("Aspirin helps with headache ."),
                                  {"spans": {"sc": [(0, 13, "OTHER")]}, "cats": {"MEDICAL": 0.0}})
    out, kept = spacy_ewc.add_pseudo_labels([new, gold_wins], nlp)
    spans = {(s.text, s.label_) for s in out.reference.spans["sc"]}
    assert spans == {("Aspirin", "DRUG"), ("headache", "SYMPTOM")}
    assert out.reference.cats == {"NEW": 1.0, "MEDICAL": 1.0, "SPORT": 0.0}
    assert [(s.text, s.label_) for s in kept.reference.spans["sc"]] == [("Aspirin helps", "OTHER")]
    assert kept.reference.cats == {"MEDICAL": 0.0, "SPORT": 0.0}
    (only_cats,) = spacy_ewc.add_pseudo_labels([new], nlp, labels=["SPORT"])
    assert only_cats.reference.cats == {"NEW": 1.0, "SPORT": 0.0}
    assert [s.label_ for s in only_cats.reference.spans["sc"]] == ["SYMPTOM"]
