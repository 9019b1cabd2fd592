"""Pseudo-labels: keep old labels alive by training on the original pipeline's own predictions.

Before a new label is taught, the original pipeline annotates what the new training data
leaves out (its entities, its spancat spans, its textcat_multilabel categories), so every
update also says "this is still a PERSON". Optionally, old-domain texts labelled the same
way are replayed among the new examples.
"""

from __future__ import annotations

import math
import random
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example

from ..checks import as_items, check_int
from ..errors import Errors
from ..readers import token_copy

# Components whose annotation of a text can be partial, so the original pipeline can fill it.
SPAN_FACTORIES = ("spancat", "spancat_singlelabel")
CATS_FACTORIES = ("textcat_multilabel",)
# The recipe's defaults, picked on development data (docs/recipe.md): replayed old-domain
# examples per new training example, and the EWC strength to protect with, on the default
# "peak" scale of F. The benchmark's pick is λ = 1 on spacy-ewc 0.2's "mean" scale with
# 6 epochs and averaged weights; for ner the two scales differ by a factor c = 256 (the
# benchmark's fused Fisher; 287 two-pass) to 387 (the example's), so 1 on "mean" is 256 to
# 387 on "peak" (docs/recipe.md).
DEFAULT_REPLAY_RATIO = 0.25
RECIPE_LAMBDA = 300.0


class PseudoLabeller:
    """The original pipeline's predictions, computed once per text and reused.

    nlp: the pipeline before fine-tuning (its predictions are the pseudo-labels).
    labels: the labels to take (default: all that it predicts; [] takes none).
    """

    def __init__(self, nlp: Language, labels: Optional[Iterable[str]] = None, batch_size: int = 64):
        self.nlp = nlp
        self.span_keys = [
            (name, nlp.get_pipe(name).key)
            for name in nlp.pipe_names
            if nlp.get_pipe_meta(name).factory in SPAN_FACTORIES
        ]
        self.cats = any(nlp.get_pipe_meta(name).factory in CATS_FACTORIES for name in nlp.pipe_names)
        self.ents = any("doc.ents" in nlp.get_pipe_meta(name).assigns for name in nlp.pipe_names)
        if not (self.ents or self.span_keys or self.cats):
            raise ValueError(Errors.E220.format(pipes=", ".join(nlp.pipe_names) or "none"))
        self.wanted = _check_labels(nlp, labels)
        self.batch_size = batch_size
        self._cache: Dict[Tuple[str, ...], Doc] = {}

    def predictions(self, docs: Sequence[Doc]) -> List[Doc]:
        """The pipeline's output on each doc's tokens (no re-tokenisation), cached by words."""
        keys = [tuple(t.text for t in doc) for doc in docs]
        todo = {}
        for key, doc in zip(keys, docs):
            if key not in self._cache and key not in todo:
                todo[key] = token_copy(doc, self.nlp.vocab)
        for key, predicted in zip(todo, self.nlp.pipe(todo.values(), batch_size=self.batch_size)):
            self._cache[key] = predicted
        return [self._cache[key] for key in keys]

    def complete(self, examples: Iterable[Example]) -> List[Example]:
        """Examples whose gold is completed where it says nothing; gold wins on overlaps."""
        examples = _check_examples(examples)
        if self.wanted == set():
            return examples
        predicted = self.predictions([eg.reference for eg in examples])
        return [self._merge(eg, pred, outside=False) for eg, pred in zip(examples, predicted)]

    def label_texts(self, texts: Iterable[str], make_doc) -> List[Example]:
        """Examples of raw texts annotated by the pipeline alone (for replay); tokens
        outside its entities are "O", as the pipeline said nothing is there."""
        examples = []
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(Errors.E221.format(type=type(text).__name__))
            doc = make_doc(text)
            examples.append(Example(doc, doc.copy()))
        predicted = self.predictions([eg.reference for eg in examples])
        return [self._merge(eg, pred, outside=True) for eg, pred in zip(examples, predicted)]

    def _merge(self, eg: Example, predicted: Doc, outside: bool) -> Example:
        reference = eg.reference.copy()
        wanted = self.wanted
        if self.ents:
            taken: Set[int] = set()
            for ent in reference.ents:
                taken.update(range(ent.start, ent.end))
            pseudo = [
                Span(reference, ent.start, ent.end, label=ent.label_)
                for ent in predicted.ents
                if (wanted is None or ent.label_ in wanted) and taken.isdisjoint(range(ent.start, ent.end))
            ]
            if pseudo or outside:
                reference.set_ents(pseudo, default="outside" if outside else "unmodified")
        for _, key in self.span_keys:
            gold = list(reference.spans.get(key, []))
            taken = set()
            for span in gold:
                taken.update(range(span.start, span.end))
            extra = [
                Span(reference, span.start, span.end, label=span.label_)
                for span in predicted.spans.get(key, [])
                if (wanted is None or span.label_ in wanted) and taken.isdisjoint(range(span.start, span.end))
            ]
            if extra or outside:
                reference.spans[key] = gold + extra
        if self.cats:
            for label, score in predicted.cats.items():
                if label not in reference.cats and (wanted is None or label in wanted):
                    reference.cats[label] = 1.0 if score >= self._threshold(label) else 0.0
        return Example(eg.predicted, reference)

    def _threshold(self, label: str) -> float:
        for name in self.nlp.pipe_names:
            pipe = self.nlp.get_pipe(name)
            if self.nlp.get_pipe_meta(name).factory in CATS_FACTORIES and label in pipe.labels:
                return float(pipe.cfg.get("threshold", 0.5))
        return 0.5


def add_pseudo_labels(
    examples: Iterable[Example],
    nlp: Language,
    *,
    labels: Optional[Iterable[str]] = None,
    replay: Optional[Iterable[str]] = None,
    replay_ratio: float = DEFAULT_REPLAY_RATIO,
    seed: int = 0,
    batch_size: int = 64,
) -> List[Example]:
    """Examples whose gold annotations are completed with what `nlp` predicts.

    Call it with the pipeline before fine-tuning. `nlp` runs over each example's gold
    tokens. Where the gold says nothing, its predictions are added: entities (ner) and
    spancat spans that overlap no gold one (gold wins), and textcat_multilabel categories
    the gold leaves out (1.0 at or above the component's threshold, else 0.0). The input
    Examples are not changed.

    examples: spaCy Examples with the new annotations (for instance the new label).
    nlp: the original pipeline, whose labels are to be kept.
    labels: the labels to take from `nlp` (default: all that it predicts).
    replay: old-domain texts; `ceil(replay_ratio * len(examples))` of them, labelled by
        `nlp` alone and drawn in a seeded order (cycling when there are fewer), are added
        after the examples. Shuffle the result as training does anyway.
    """
    examples = _check_examples(examples)
    if not isinstance(nlp, Language):
        raise TypeError(Errors.E056.format(what="nlp", expected="spaCy Language", type=type(nlp).__name__))
    check_int(batch_size, "batch_size", 1)
    labeller = PseudoLabeller(nlp, labels, batch_size=batch_size)
    out = labeller.complete(examples)
    if replay is not None:
        out += replay_examples(labeller, replay, math.ceil(check_ratio(replay_ratio) * len(out)), seed)
    return out


def replay_examples(
    labeller: PseudoLabeller, texts: Iterable[str], n: int, seed: int = 0, make_doc=None
) -> List[Example]:
    """`n` pseudo-labelled examples from `texts` in a seeded order, cycling when needed;
    `make_doc` (default: the labeller's tokenizer) makes the docs the examples train on."""
    texts = as_items(texts, "replay", "texts (str)")
    if n and not texts:
        raise ValueError(Errors.E222)
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(Errors.E221.format(type=type(text).__name__))
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    picked = [texts[order[i % len(order)]] for i in range(n)]
    labelled = {}
    unique = list(dict.fromkeys(picked))
    for text, eg in zip(unique, labeller.label_texts(unique, make_doc or labeller.nlp.make_doc)):
        labelled[text] = eg
    return [labelled[text] for text in picked]


def check_ratio(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(Errors.E223.format(value=value))
    return float(value)


def _check_examples(examples: Iterable[Example]) -> List[Example]:
    examples = as_items(examples, "examples", "spaCy Examples", "Example.from_dict(doc, annotations)")
    for i, eg in enumerate(examples):
        if not isinstance(eg, Example):
            raise TypeError(Errors.E224.format(index=i, type=type(eg).__name__))
    return examples


def _check_labels(nlp: Language, labels: Optional[Iterable[str]]) -> Optional[Set[str]]:
    if labels is None:
        return None
    if isinstance(labels, str):
        raise TypeError(Errors.E225.format(value=labels))
    wanted = set(as_items(labels, "labels", "labels (str)", "'ORG'"))
    if not all(isinstance(label, str) for label in wanted):
        raise TypeError(Errors.E056.format(what="labels", expected="list of str", type=type(labels).__name__))
    known: Set[str] = set()
    for name in nlp.pipe_names:
        known.update(getattr(nlp.get_pipe(name), "labels", ()) or ())
    unknown = sorted(wanted - known)
    if unknown:
        raise ValueError(Errors.E226.format(unknown=", ".join(unknown), known=", ".join(sorted(known))))
    return wanted
