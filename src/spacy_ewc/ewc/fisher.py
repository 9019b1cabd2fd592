"""Per-example squared gradients of a spaCy component: the raw material of the diagonal Fisher.

Two kinds of targets:

* ``"empirical"``: the gold annotations of the Examples given;
* ``"predicted"``: the component's own predictions, so raw texts or Docs are enough.

The estimate is the mean of per-example squared gradients: each example its own backward
pass, or batches of examples whose squared gradients are unmixed without bias (see
`squared_gradient_sums`). Gradients are zeroed in place between passes and removed at the
end, so no gradient is left for the optimizer to step on. Components that listen to a shared tok2vec, and the
tok2vec itself, get their backward pass from `listeners.backward_pass`. The predicted
targets come from running the components first (the two-pass pass), or, for ner by default
and for the parser with `fisher_fused=True`, from the backward pass itself (the fused pass,
`transition.greedy_backward`).
"""

from __future__ import annotations

import contextlib
import logging
import random
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy
from spacy.language import Language
from spacy.morphology import Morphology
from spacy.pipeline import (
    DependencyParser,
    EntityRecognizer,
    Morphologizer,
    MultiLabel_TextCategorizer,
    SentenceRecognizer,
    SpanCategorizer,
    Tagger,
    TextCategorizer,
    TrainablePipe,
)
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import minibatch

from ..checks import as_items, check_entities, check_vocab
from ..errors import Errors
from ..readers import token_copy
from . import math as ewc_math
from .listeners import backward_pass, loss_components, upstream_of
from .params import ParamRef, drop_grad, iter_params, unwrap
from .transition import fusable, fused_by_default
from .vector_dict import VectorDict

FISHER_KINDS = ("auto", "empirical", "predicted")

logger = logging.getLogger("spacy_ewc")


def make_examples(
    data: Iterable,
    kind: str,
    pipe: TrainablePipe,
    nlp: Optional[Language],
    fused: bool = False,
) -> Tuple[List[Union[Example, Doc]], str]:
    """Turn Examples, Docs, texts or (text, annotations) tuples into Examples for `kind`.

    fused: the pass takes the predicted targets itself, so the predicted kind gets the raw
    Docs (an Example would only copy their words) and nothing is run here.
    """
    if kind not in FISHER_KINDS:
        raise ValueError(Errors.E010.format(kind=kind))
    items = as_items(data, "The Fisher data", "texts, Docs, Examples or (text, annotations) tuples")
    if not items:
        raise ValueError(Errors.E006)
    for i, item in enumerate(items):
        if not _is_supported(item):
            raise TypeError(Errors.E007.format(index=i, type=type(item).__name__))
        if isinstance(item, tuple):
            check_entities(i, item[0], item[1])
    check_vocab(items, pipe.vocab, "the Fisher data")
    components = loss_components(pipe, nlp)
    annotated = [isinstance(item, (Example, tuple)) for item in items]
    if kind == "auto":
        kind = "empirical" if all(annotated) else "predicted"
    if kind == "empirical":
        for i, item in enumerate(items):
            if not annotated[i]:
                raise TypeError(Errors.E011.format(index=i, type=type(item).__name__))
        make_doc = _tokenizer(nlp) if any(isinstance(x, tuple) for x in items) else None
        examples = [
            item if isinstance(item, Example) else Example.from_dict(make_doc(item[0]), item[1])
            for item in items
        ]
        for component in components:
            check_labels(component, examples)
        return examples, kind
    raw_docs = [_raw_doc(item, nlp) for item in items]
    if fused:
        return raw_docs, kind
    return _predicted_examples(raw_docs, components, nlp), kind


def plan_pass(
    data: Iterable, kind: str, pipe: TrainablePipe, nlp: Optional[Language], options: FisherPass
) -> Tuple[List[Union[Example, Doc]], str, FisherPass]:
    """The Examples (raw Docs for the fused pass), the kind and the options the pass runs
    with: fused only for the predicted Fisher of a component `fusable` picks (by default
    only ner's, `fused_by_default`), and the batch size that goes with the pass."""
    wanted = fused_by_default(pipe) if options.fused is None else options.fused
    fused = wanted and fusable(pipe)
    examples, kind = make_examples(data, kind, pipe, nlp, fused=fused)
    return examples, kind, options.resolve(fused and kind == "predicted")


def _is_supported(item) -> bool:
    if isinstance(item, (Example, Doc, str)):
        return True
    return (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], dict)
    )


def _tokenizer(nlp: Optional[Language]):
    if nlp is None:
        raise ValueError(Errors.E014)
    return nlp.make_doc


def _raw_doc(item, nlp: Optional[Language]) -> Doc:
    """The unannotated tokens of a text, Doc, Example or (text, annotations) tuple."""
    if isinstance(item, str):
        return _tokenizer(nlp)(item)
    if isinstance(item, tuple):
        return _tokenizer(nlp)(item[0])
    return token_copy(item.x if isinstance(item, Example) else item)


def _predicted_examples(
    raw_docs: List[Doc], components: Sequence[TrainablePipe], nlp: Optional[Language]
) -> List[Example]:
    """Examples whose references are what the pipeline predicts, up to the last of `components`."""
    annotated = _annotate([token_copy(d) for d in raw_docs], components, nlp)
    for component in components:
        if isinstance(component, TextCategorizer):
            exclusive = not isinstance(component, MultiLabel_TextCategorizer)
            threshold = float(component.cfg.get("threshold", 0.5))
            for doc in annotated:
                cats = {label: doc.cats.get(label, 0.0) for label in component.labels}
                doc.cats = hard_categories(cats, exclusive, threshold)
    return [Example(raw, ref) for raw, ref in zip(raw_docs, annotated)]


def _annotate(docs: List[Doc], components: Sequence[TrainablePipe], nlp: Optional[Language]) -> List[Doc]:
    """Run `components` and the tok2vec they listen to, in pipeline order.

    The backward pass sees the raw Docs and those encoders only, so the targets come from
    the same inputs; the other components would be work whose output the loss never reads.
    """
    if nlp is None:
        for component in components:
            docs = list(component.pipe(docs))
        return docs
    needed = {id(c) for c in components} | {id(upstream_of(c, nlp)) for c in components}
    names = [name for name, proc in nlp.pipeline if id(proc) in needed]
    with nlp.select_pipes(enable=names):
        return list(nlp.pipe(docs))


def hard_categories(cats: Dict[str, float], exclusive: bool, threshold: float) -> Dict[str, float]:
    """The categories a text classifier predicts, as 0/1 targets.

    Its scores as targets would give a zero gradient: the predicted Fisher, like the one of
    a tagger, takes the decision (the top class, or every class over the threshold).
    """
    if not cats:
        return cats
    if exclusive:
        best = max(cats, key=cats.get)
        return {label: float(label == best) for label in cats}
    return {label: float(score >= threshold) for label, score in cats.items()}


def label_problems(pipe: TrainablePipe, examples: Sequence[Example]) -> List[str]:
    """Labels used by the gold annotations that the component does not know."""
    known = set(getattr(pipe, "labels", ()) or ())
    if not known:
        return []
    found = set()
    for eg in examples:
        found.update(_gold_labels(pipe, eg.reference))
    return sorted(found - known)


def _gold_labels(pipe: TrainablePipe, ref: Doc) -> Iterable[str]:
    if isinstance(pipe, EntityRecognizer):
        return (ent.label_ for ent in ref.ents)
    if isinstance(pipe, DependencyParser):
        return (t.dep_ for t in ref if t.dep_ and t.dep_ != "ROOT" and t.has_dep())
    if isinstance(pipe, TextCategorizer):
        return ref.cats
    if isinstance(pipe, SentenceRecognizer):
        return ()
    if isinstance(pipe, Morphologizer):
        return (_morph_label(t) for t in ref if t.pos_ or t.has_morph())
    if isinstance(pipe, Tagger):
        return (t.tag_ for t in ref if t.tag_)
    if isinstance(pipe, SpanCategorizer):
        return (span.label_ for span in ref.spans.get(pipe.key, ()))
    return ()


def _morph_label(token) -> str:
    """A morphologizer label: the features with the coarse POS, as the component spells it."""
    feats = Morphology.feats_to_dict(str(token.morph))
    if token.pos_:
        feats["POS"] = token.pos_
    return token.vocab.strings[token.vocab.morphology.add(feats)]


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


class FisherSums(VectorDict):
    """Σ g² over the examples of one pass, with what the pass used.

    n_examples: how many examples the sums cover (fewer than given when the pass stopped
    early); converged: True when it stopped because the estimate had settled, False when
    the data ran out first, None when no stopping rule was asked for; batch_size: examples
    per backward pass (1: per-example).
    """

    n_examples: int = 0
    converged: Optional[bool] = None
    batch_size: int = 1


DEFAULT_BATCH_SIZE = 8
"""Examples per backward pass of the two-pass Fisher pass, at most (benchmarks/results/fisher_cost.md)."""
FUSED_BATCH_SIZE = 16
"""Examples per backward pass of the fused pass, at most (benchmarks/results/fisher_cost.md)."""
MIN_BATCHES = 8
"""The pass deals the examples into at least this many batches (fewer, smaller ones when the
data is small), so unmixing the batch squares divides by 1 − c ≥ 0.875 at worst."""
DEFAULT_BLOCK = 64


def check_pass_options(batch_size, tol, block, fused=None) -> None:
    """Refuse batch sizes, tolerances, blocks and fused flags that cannot run (None: the default)."""
    bad_size = isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    if batch_size is not None and bad_size:
        raise ValueError(Errors.E270.format(value=batch_size))
    if tol is not None and (isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol < 1):
        raise ValueError(Errors.E271.format(value=tol))
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise ValueError(Errors.E272.format(value=block))
    if fused is not None and not isinstance(fused, bool):
        raise ValueError(Errors.E275.format(value=fused))


class FisherPass(NamedTuple):
    """How the Fisher pass runs (docs/fisher.md), as `EWC`'s `fisher_*` keywords say.

    batch_size: examples per backward pass, at most (1: per-example; None: FUSED_BATCH_SIZE
    for the fused pass, else DEFAULT_BATCH_SIZE); tol, block: the stopping rule (tol None:
    every example); fused: predicted targets from the backward pass of a
    `transition.fusable` component (None: for ner only; `plan_pass` keeps it only where it
    applies).
    """

    batch_size: Optional[int] = None
    tol: Optional[float] = None
    block: int = DEFAULT_BLOCK
    fused: Optional[bool] = None

    def check(self) -> FisherPass:
        check_pass_options(*self)
        return self

    def resolve(self, fused: bool) -> FisherPass:
        """These options for a pass that is fused or not, the batch size made explicit."""
        size = self.batch_size
        if size is None:
            size = FUSED_BATCH_SIZE if fused else DEFAULT_BATCH_SIZE
        return self._replace(batch_size=size, fused=fused)


def squared_gradient_sums(
    pipe: TrainablePipe,
    examples: Sequence[Union[Example, Doc]],
    refs: Sequence[ParamRef],
    update=None,
    progress=None,
    seed: int = 0,
    nlp: Optional[Language] = None,
    options: FisherPass = FisherPass(),
) -> FisherSums:
    """Σ over examples of g², each g the gradient of one example's loss alone (estimated
    from batch gradients when `options.batch_size` > 1).

    `update(examples)` runs the backward pass (default: `listeners.backward_pass`, which is
    ``pipe.update`` with no optimizer and no dropout, or the greedy pass with `options.fused`;
    a component that shares a tok2vec needs `nlp`); `progress` wraps the example iterator
    (for example ``tqdm``). Gradients the pass leaves on the other components it updates
    are removed too.

    batch_size > 1: one backward pass per batch of examples dealt at random (seeded by
    `seed`), and Σ g_i² recovered from the batch squares without bias
    (`math.unbiased_square_sums`); batches are smaller when the data gives fewer than
    `MIN_BATCHES` of them, so a few examples get the per-example pass.

    tol: after every `block` examples, stop once F moved by less than `tol` (relative L1)
    over the last block; the examples are then dealt at random too, so the ones used are
    a fair sample. A batch is seeded by the index of its first example in `examples`, so
    batches of one give the per-example sums in any order.
    """
    batch_size, tol, block, fused = options.check().resolve(bool(options.fused))
    examples = list(examples)
    components = loss_components(pipe, nlp)
    if update is None:
        update = backward_pass(pipe, nlp, fused)
    touched = list(refs) + [
        ref for c in components if c is not pipe for ref in iter_params(unwrap(c.model))
    ]
    known = {id(c): set(getattr(c, "labels", ()) or ()) for c in components}
    batch_size = min(batch_size, max(1, len(examples) // MIN_BATCHES))
    indices = list(range(len(examples)))
    if batch_size > 1 or tol is not None:
        random.Random(seed).shuffle(indices)
    block = -(-max(block, 2 * batch_size) // batch_size) * batch_size
    squares = VectorDict((ref.key, numpy.zeros_like(ref.node.get_param(ref.name))) for ref in refs)
    totals = None
    if batch_size > 1:
        totals = VectorDict((key, numpy.zeros_like(value)) for key, value in squares.items())
    scratch: Dict[str, numpy.ndarray] = {}
    seen, pairs, previous, converged = 0, 0, None, None if tol is None else False
    iterator = progress(indices) if progress is not None else indices
    with contextlib.ExitStack() as stack:
        for component in components:
            stack.enter_context(_deterministic_updates(component))
        stack.enter_context(_isolated_gradients(touched))
        stack.enter_context(_restored_random_state())
        for batch in minibatch(iterator, batch_size):
            seed_example(seed, batch[0])
            update([examples[i] for i in batch])
            grads = {ref.key: ref.node.get_grad(ref.name) for ref in refs if ref.node.has_grad(ref.name)}
            ewc_math.accumulate_squares(squares, grads, scratch)
            if totals is not None:
                for key, grad in grads.items():
                    totals[key] += grad
            for ref in touched:
                if ref.node.has_grad(ref.name):
                    ref.node.get_grad(ref.name).fill(0)
            seen, pairs = seen + len(batch), pairs + ewc_math.same_batch_pairs([len(batch)])
            if tol is not None and seen % block == 0 and seen < len(examples):
                current = _mean(squares, totals, seen, pairs)
                if previous is not None:
                    change = ewc_math.relative_change(current, previous)
                    logger.debug("Fisher pass: %d examples, relative change %.4f", seen, change)
                    if change < tol:
                        converged = True
                        break
                previous = current
    for component in components:
        if known[id(component)] and set(getattr(component, "labels", ()) or ()) != known[id(component)]:
            raise ValueError(Errors.E009.format(name=component.name, labels="(added during the pass)"))
    sums = FisherSums(ewc_math.unbiased_square_sums(squares, totals, seen, pairs))
    sums.n_examples, sums.converged, sums.batch_size = seen, converged, batch_size
    return sums


def _mean(squares, totals, n: int, pairs: int) -> Dict[str, numpy.ndarray]:
    sums = ewc_math.unbiased_square_sums(squares, totals, n, pairs)
    return {key: value / n for key, value in sums.items()}
