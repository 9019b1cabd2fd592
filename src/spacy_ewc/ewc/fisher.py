"""Per-example squared gradients of a spaCy component: the raw material of the diagonal Fisher.

Two kinds of targets:

* ``"empirical"``: the gold annotations of the Examples given;
* ``"predicted"``: the component's own predictions, so raw texts or Docs are enough.

Each example is its own backward pass with the model's gradients cleared before it and
removed after it, so the estimate is the mean of per-example squares and no gradient is
left for the optimizer to step on.
"""

from __future__ import annotations

import contextlib
import random
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example

from ..errors import Errors
from . import math as ewc_math
from .params import ParamRef, drop_grad
from .vector_dict import VectorDict

FISHER_KINDS = ("auto", "empirical", "predicted")


def make_examples(
    data: Iterable,
    kind: str,
    pipe: TrainablePipe,
    nlp: Optional[Language],
) -> Tuple[List[Example], str]:
    """Turn Examples, Docs, texts or (text, annotations) tuples into Examples for `kind`."""
    if kind not in FISHER_KINDS:
        raise ValueError(Errors.E010.format(kind=kind))
    items = list(data) if data is not None else []
    if not items:
        raise ValueError(Errors.E006)
    for i, item in enumerate(items):
        if not _is_supported(item):
            raise TypeError(Errors.E007.format(index=i, type=type(item).__name__))
    annotated = [isinstance(item, (Example, tuple)) for item in items]
    if kind == "auto":
        kind = "empirical" if all(annotated) else "predicted"
    if kind == "empirical":
        for i, item in enumerate(items):
            if not annotated[i]:
                raise TypeError(Errors.E011.format(index=i, type=type(item).__name__))
        make_doc = _tokenizer(pipe, nlp) if any(isinstance(x, tuple) for x in items) else None
        examples = [
            item if isinstance(item, Example) else Example.from_dict(make_doc(item[0]), item[1])
            for item in items
        ]
        check_labels(pipe, examples)
        return examples, kind
    return _predicted_examples(items, pipe, nlp), kind


def _is_supported(item) -> bool:
    if isinstance(item, (Example, Doc, str)):
        return True
    return (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], dict)
    )


def _tokenizer(pipe: TrainablePipe, nlp: Optional[Language]):
    if nlp is None:
        raise ValueError(Errors.E014)
    return nlp.make_doc


def _raw_copy(doc: Doc) -> Doc:
    return Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])


def _predicted_examples(items: Sequence, pipe: TrainablePipe, nlp: Optional[Language]) -> List[Example]:
    raw_docs = []
    for item in items:
        if isinstance(item, str):
            raw_docs.append(_tokenizer(pipe, nlp)(item))
        elif isinstance(item, tuple):
            raw_docs.append(_tokenizer(pipe, nlp)(item[0]))
        elif isinstance(item, Example):
            raw_docs.append(_raw_copy(item.x))
        else:
            raw_docs.append(_raw_copy(item))
    annotated = _annotate([_raw_copy(d) for d in raw_docs], pipe, nlp)
    return [Example(raw, ref) for raw, ref in zip(raw_docs, annotated)]


def _annotate(docs: List[Doc], pipe: TrainablePipe, nlp: Optional[Language]) -> List[Doc]:
    """Run the pipeline up to and including `pipe` (or `pipe` alone without `nlp`)."""
    if nlp is None:
        return list(pipe.pipe(docs))
    names = nlp.pipe_names
    index = next(i for i, (_, proc) in enumerate(nlp.pipeline) if proc is pipe)
    with nlp.select_pipes(disable=names[index + 1:]):
        return list(nlp.pipe(docs))


def label_problems(pipe: TrainablePipe, examples: Sequence[Example]) -> List[str]:
    """Labels used by the gold annotations that the component does not know."""
    known = set(getattr(pipe, "labels", ()) or ())
    found = set()
    kind = type(pipe).__name__
    for eg in examples:
        ref = eg.reference
        if kind in ("EntityRecognizer", "BeamEntityRecognizer"):
            found.update(ent.label_ for ent in ref.ents)
        elif kind in ("TextCategorizer", "MultiLabel_TextCategorizer"):
            found.update(ref.cats)
        elif kind == "Tagger":
            found.update(t.tag_ for t in ref if t.tag_)
        elif kind == "SpanCategorizer":
            key = pipe.key
            if key in ref.spans:
                found.update(span.label_ for span in ref.spans[key])
    return sorted(found - known) if known else []


def check_labels(pipe: TrainablePipe, examples: Sequence[Example]) -> None:
    unknown = label_problems(pipe, examples)
    if unknown:
        raise ValueError(Errors.E009.format(name=pipe.name, labels=", ".join(unknown)))


@contextlib.contextmanager
def _deterministic_updates(pipe: TrainablePipe):
    """Transition-based components cut long documents at random and may sample beam
    updates; for a Fisher estimate each document is one full greedy sequence."""
    cfg = getattr(pipe, "cfg", None)
    saved = {}
    if isinstance(cfg, dict):
        for key, value in (("update_with_oracle_cut_size", 0), ("beam_update_prob", 0.0)):
            if key in cfg:
                saved[key] = cfg[key]
                cfg[key] = value
    try:
        yield
    finally:
        if saved:
            cfg.update(saved)


@contextlib.contextmanager
def _restored_random_state():
    """The Fisher pass seeds every example; the caller's random streams are left as they were."""
    py_state, np_state = random.getstate(), numpy.random.get_state()
    try:
        yield
    finally:
        random.setstate(py_state)
        numpy.random.set_state(np_state)


def seed_example(seed: int, index: int) -> None:
    """spaCy's transition models apply dropout to state vectors in every training pass
    (whatever `drop` says); seeding each example makes the estimate reproducible."""
    random.seed(seed + index)
    numpy.random.seed((seed + index) % 2**32)


@contextlib.contextmanager
def _isolated_gradients(refs: Sequence[ParamRef]):
    """Set aside gradients a caller may have pending; put them back afterwards."""
    pending = {}
    for ref in refs:
        if ref.node.has_grad(ref.name):
            pending[ref] = ref.node.get_grad(ref.name).copy()
            drop_grad(ref.node, ref.name)
    try:
        yield
    finally:
        for ref in refs:
            drop_grad(ref.node, ref.name)
        for ref, grad in pending.items():
            ref.node.set_grad(ref.name, grad)


def squared_gradient_sums(
    pipe: TrainablePipe,
    examples: Sequence[Example],
    refs: Sequence[ParamRef],
    update=None,
    progress=None,
    seed: int = 0,
) -> VectorDict:
    """Σ over examples of g², each g the gradient of one example's loss alone.

    `update(examples)` runs the backward pass (default: ``pipe.update`` with no optimizer
    and no dropout); `progress` wraps the example iterator (for example ``tqdm``).
    """
    if update is None:
        def update(batch):
            pipe.update(batch, drop=0.0, sgd=None, losses={})
    known = set(getattr(pipe, "labels", ()) or ())
    sums = VectorDict((ref.key, numpy.zeros_like(ref.node.get_param(ref.name))) for ref in refs)
    iterator = progress(examples) if progress is not None else examples
    with _deterministic_updates(pipe), _isolated_gradients(refs), _restored_random_state():
        for index, eg in enumerate(iterator):
            seed_example(seed, index)
            update([eg])
            grads = {}
            for ref in refs:
                if ref.node.has_grad(ref.name):
                    grads[ref.key] = ref.node.get_grad(ref.name)
            ewc_math.accumulate_squares(sums, grads)
            for ref in refs:
                drop_grad(ref.node, ref.name)
    if known and set(getattr(pipe, "labels", ()) or ()) != known:
        raise ValueError(Errors.E009.format(name=pipe.name, labels="(added during the pass)"))
    return sums
