"""Scores: old labels against WikiGold, agreement with the original model, DISEASE on NCBI.

Every score is spaCy's `Scorer.score_spans` over Examples whose predicted side keeps only
the labels that the measurement is about, so a DISEASE prediction is never a false
positive for an old label and the other way round.
"""

from __future__ import annotations

from typing import Callable, Dict, Iterable, List, Optional, Sequence

from bench_data import GPE_OR_LOC, NEW_LABEL
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc, Span
from spacy.training import Example


def raw_copy(doc: Doc) -> Doc:
    return Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])


def ner_pipes(nlp: Language) -> List[str]:
    """The pipeline's entity recognizers (one, or two in the second-component comparison,
    with the label filter between them)."""
    return [name for name in nlp.pipe_names
            if nlp.get_pipe_meta(name).factory in ("ner", "bench_keep_new_label")]


def predict(nlp: Language, docs: Iterable[Doc], batch_size: int = 128) -> List[Doc]:
    """Run the NER components alone over token copies of `docs` (their own tok2vec inside)."""
    with nlp.select_pipes(enable=ner_pipes(nlp)):
        return list(nlp.pipe((raw_copy(doc) for doc in docs), batch_size=batch_size))


def predict_texts(nlp: Language, texts: Iterable[str], batch_size: int = 64) -> List[Doc]:
    with nlp.select_pipes(enable=ner_pipes(nlp)):
        return list(nlp.pipe(texts, batch_size=batch_size))


def keep_entities(doc: Doc, rename: Callable[[str], Optional[str]]) -> Doc:
    """A copy of `doc` whose entities are renamed by `rename`; None drops one."""
    copy = raw_copy(doc)
    spans = []
    for ent in doc.ents:
        label = rename(ent.label_)
        if label is not None:
            spans.append(Span(copy, ent.start, ent.end, label))
    copy.ents = spans
    return copy


def span_scores(predicted: Sequence[Doc], gold: Sequence[Doc]) -> Dict[str, object]:
    """Micro and per-label precision, recall and F1 (spaCy's Scorer, exact spans)."""
    examples = [Example(p, g) for p, g in zip(predicted, gold)]
    scores = Scorer.score_spans(examples, "ents")
    per_type = {
        label: {k: round(float(v), 4) for k, v in prf.items()}
        for label, prf in sorted((scores.get("ents_per_type") or {}).items())
    }
    return {
        "p": round(float(scores["ents_p"] or 0.0), 4),
        "r": round(float(scores["ents_r"] or 0.0), 4),
        "f": round(float(scores["ents_f"] or 0.0), 4),
        "per_label": per_type,
    }


def old_label_rename(label: str) -> Optional[str]:
    if label in ("GPE", "LOC"):
        return GPE_OR_LOC
    return label if label in ("PERSON", "ORG") else None


def score_wikigold(nlp: Language, gold: Sequence[Doc]) -> Dict[str, object]:
    """PERSON, ORG and GPE-or-LOC against WikiGold (a GPE or LOC on a gold LOC span matches)."""
    predicted = [keep_entities(doc, old_label_rename) for doc in predict(nlp, gold)]
    return span_scores(predicted, gold)


def score_silver(nlp: Language, reference: Sequence[Doc]) -> Dict[str, object]:
    """Old labels against the original model's own entities on held-out text.

    The texts go through the tokenizer again (not token copies) so that tokenizer
    exceptions set the same NORM features as when the reference was made.
    """
    predicted = [
        keep_entities(doc, lambda label: None if label == NEW_LABEL else label)
        for doc in predict_texts(nlp, [doc.text for doc in reference])
    ]
    return span_scores(predicted, reference)


def score_disease(nlp: Language, gold: Sequence[Doc]) -> Dict[str, object]:
    predicted = [
        keep_entities(doc, lambda label: label if label == NEW_LABEL else None)
        for doc in predict(nlp, gold)
    ]
    scores = span_scores(predicted, gold)
    scores.pop("per_label")
    return scores
