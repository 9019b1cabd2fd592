"""Pseudo-label mixing: keep old labels alive by training on the original model's own entities."""

from __future__ import annotations

from typing import Iterable, List, Optional

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example

from ..checks import as_items, check_int
from ..errors import Errors


def add_pseudo_labels(
    examples: Iterable[Example],
    nlp: Language,
    *,
    labels: Optional[Iterable[str]] = None,
    batch_size: int = 64,
) -> List[Example]:
    """Examples whose gold entities are completed with the entities `nlp` predicts.

    The remedy for forgetting that spaCy's documentation recommends: before teaching a
    new label, run the ORIGINAL pipeline over the new training texts and mix its
    old-label entities into the annotations, so every update also says "this is still
    a PERSON". `nlp` runs over each example's gold tokens (no re-tokenisation). A
    predicted entity is added only where it overlaps no gold entity (gold wins) and, when
    `labels` is given, only if its label is one of them. The gold annotations are kept
    as they are, missing-value tokens included; the input Examples are not changed.

    examples: spaCy Examples with the new annotations (for instance the new label).
    nlp: the pipeline before fine-tuning; call this before training it.
    labels: the labels to take from `nlp` (default: all that it predicts).
    """
    examples = as_items(examples, "examples", "spaCy Examples", "Example.from_dict(doc, annotations)")
    for i, eg in enumerate(examples):
        if not isinstance(eg, Example):
            raise TypeError(Errors.E059.format(index=i, type=type(eg).__name__))
    if not isinstance(nlp, Language):
        raise TypeError(Errors.E056.format(what="nlp", expected="spaCy Language", type=type(nlp).__name__))
    check_int(batch_size, "batch_size", 1)
    if not any("doc.ents" in nlp.get_pipe_meta(name).assigns for name in nlp.pipe_names):
        raise ValueError(Errors.E060)
    wanted = _check_labels(nlp, labels)
    docs = (_token_copy(eg.reference, nlp) for eg in examples)
    out = []
    for eg, predicted in zip(examples, nlp.pipe(docs, batch_size=batch_size)):
        reference = eg.reference.copy()
        taken = set()
        for ent in reference.ents:
            taken.update(range(ent.start, ent.end))
        pseudo = [
            Span(reference, ent.start, ent.end, label=ent.label_)
            for ent in predicted.ents
            if (wanted is None or ent.label_ in wanted) and not taken.intersection(range(ent.start, ent.end))
        ]
        if pseudo:
            reference.set_ents(pseudo, default="unmodified")
        out.append(Example(eg.predicted, reference))
    return out


def _token_copy(doc: Doc, nlp: Language) -> Doc:
    return Doc(nlp.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])


def _check_labels(nlp: Language, labels: Optional[Iterable[str]]):
    if labels is None:
        return None
    if isinstance(labels, str):
        raise TypeError(Errors.E061.format(value=labels))
    wanted = set(as_items(labels, "labels", "labels (str)", "'ORG'"))
    if not all(isinstance(label, str) for label in wanted):
        raise TypeError(Errors.E056.format(what="labels", expected="list of str", type=type(labels).__name__))
    known = set()
    for name in nlp.pipe_names:
        known.update(getattr(nlp.get_pipe(name), "labels", ()) or ())
    unknown = sorted(wanted - known)
    if unknown:
        raise ValueError(Errors.E062.format(unknown=", ".join(unknown), known=", ".join(sorted(known))))
    return wanted
