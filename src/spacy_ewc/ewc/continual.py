"""Fisher estimates that add up: shards, merging and several processes.

The Fisher is a mean of per-example squared gradients, so shards of the data give partial
sums that add up to what a single pass gives. Each example is seeded by its global index
(the parser's built-in dropout then draws the same masks as in one pass), so `estimate` on
a shard takes the index of its first example as `offset`. `merge` combines shard states;
`n_process` spreads one pass over processes on this machine (started as spaCy's
`nlp.pipe(n_process=...)` starts them: fork on Linux, spawn elsewhere, where the calling
script needs an ``if __name__ == "__main__":`` guard). Consolidation after a task is
`EWC.consolidate`.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy
import spacy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import DocBin
from spacy.training import Example

from ..checks import check_int
from ..errors import Errors
from . import math as ewc_math
from .ewc import DEFAULT_LAMBDA, DEFAULT_NORMALIZATION, EWC, check_normalize, mean_fisher, resolve_pipe
from .fisher import DEFAULT_BLOCK, FisherSums, check_pass_options, make_examples, squared_gradient_sums
from .params import collect_params, unwrap
from .vector_dict import VectorDict


def estimate(
    pipe: Union[Language, TrainablePipe],
    data,
    lambda_: float = DEFAULT_LAMBDA,
    pipe_name: Optional[str] = None,
    *,
    fisher: str = "auto",
    normalize: Optional[str] = DEFAULT_NORMALIZATION,
    offset: int = 0,
    n_process: int = 1,
    progress=None,
    **pass_options,
) -> EWC:
    """The EWC state of `data`, the examples `offset`, `offset + 1`, ... of a larger set.

    With `offset=0` and `n_process=1` it is `EWC(pipe, data, ...)`. `n_process > 1` needs
    a Language: each worker loads a copy of the pipeline and computes one contiguous part.
    `pass_options` (fisher_batch_size, fisher_tol, fisher_block) are `EWC`'s; with several
    processes each part applies them on its own.
    """
    check_int(n_process, "n_process", 1)
    check_int(offset, "offset (the index of the shard's first example)", 0)
    if n_process == 1:
        return EWC(
            pipe, data, lambda_, pipe_name,
            fisher=fisher, normalize=normalize, progress=progress, seed=offset, **pass_options,
        )
    check_normalize(normalize)
    component, nlp, name = resolve_pipe(pipe, pipe_name)
    if nlp is None:
        raise ValueError(Errors.E079)
    examples, kind = make_examples(data, fisher, component, nlp)
    refs = collect_params(unwrap(component.model), name)
    theta_star = VectorDict((ref.key, ref.node.get_param(ref.name).copy()) for ref in refs)
    options = {key[len("fisher_"):]: value for key, value in pass_options.items()}
    check_pass_options(**{"batch_size": 1, "tol": None, "block": DEFAULT_BLOCK, **options})
    sums = parallel_sums(nlp, name, examples, offset, min(n_process, len(examples)), **options)
    state = EWC.from_parts(
        pipe, theta_star, mean_fisher(sums, sums.n_examples, name), sums.n_examples,
        lambda_=lambda_, pipe_name=name, fisher_kind=kind, normalize=normalize,
        shards=[(offset, offset + len(examples))],
    )
    state.converged, state.fisher_batch_size = sums.converged, sums.batch_size
    return state


def merge(states: Sequence[EWC]) -> EWC:
    """One state from states computed on shards of the data by the same model.

    Equal (to float rounding) to the state a single pass over all shards' examples gives,
    when each shard was estimated with the global index of its first example as `offset`
    and per-example (`fisher_batch_size=1`); batched shards are each unbiased, so is the merge.
    Shards must share λ and the settings and cover distinct examples.
    """
    if isinstance(states, EWC):
        states = [states]
    states = list(states) if states is not None else []
    if not states:
        raise ValueError(Errors.E070)
    for i, state in enumerate(states):
        if not isinstance(state, EWC):
            raise TypeError(Errors.E037.format(index=i, type=type(state).__name__))
        if state.tasks != 1:
            raise ValueError(Errors.E073.format(index=i, tasks=state.tasks))
    first = states[0]
    for i, state in enumerate(states[1:], 1):
        _check_same_pass(first, state, i)
    _check_distinct(states)
    fisher_raw, count = ewc_math.merge((state.fisher_raw, state.n_examples) for state in states)
    shards = None
    if all(state.shards is not None for state in states):
        shards = _union(r for state in states for r in state.shards)
    return EWC.from_parts(
        first.pipe, first.theta_star.copy(), fisher_raw, count,
        lambda_=first.lambda_, pipe_name=first.pipe_name,
        fisher_kind=first.fisher_kind, normalize=first.normalize, shards=shards,
    )


def _check_same_pass(first: EWC, other: EWC, index: int) -> None:
    if other.pipe is not first.pipe:
        raise ValueError(Errors.E075.format(index=index, other=0))
    for attr in ("pipe_name", "lambda_", "fisher_kind", "normalize"):
        if getattr(first, attr) != getattr(other, attr):
            value, expected = getattr(other, attr), getattr(first, attr)
            raise ValueError(Errors.E071.format(index=index, attr=attr, value=value, first=expected))
    if list(first.theta_star) != list(other.theta_star) or not all(
        numpy.array_equal(first.theta_star[key], other.theta_star[key]) for key in first.theta_star
    ):
        raise ValueError(Errors.E072.format(index=index))


def _check_distinct(states: Sequence[EWC]) -> None:
    """No example counted twice: example ranges disjoint, and no estimate given twice."""
    ranges = sorted(
        (start, end, i) for i, state in enumerate(states) for start, end in (state.shards or ())
    )
    for (s1, e1, i), (s2, e2, j) in zip(ranges, ranges[1:]):
        if s2 < e1:
            first, second = sorted((i, j))
            first_range, second_range = ((s1, e1), (s2, e2)) if i == first else ((s2, e2), (s1, e1))
            raise ValueError(
                Errors.E074.format(
                    first=first, second=second,
                    first_range=f"[{first_range[0]}, {first_range[1]})",
                    second_range=f"[{second_range[0]}, {second_range[1]})",
                )
            )
    for j, state in enumerate(states):
        for i in range(j):
            other = states[i]
            if state is other or (
                state.n_examples == other.n_examples
                and all(numpy.array_equal(f, other.fisher_raw.get(k)) for k, f in state.fisher_raw.items())
            ):
                same = {"first_range": "the same examples", "second_range": "again"}
                raise ValueError(Errors.E074.format(first=i, second=j, **same))


def _union(ranges) -> List[Tuple[int, int]]:
    merged: List[Tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start == merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def shard_bounds(n_items: int, shard: int, n_shards: int) -> Tuple[int, int]:
    """[start, end) of contiguous shard `shard` (0-based) of `n_shards` over `n_items`."""
    check_int(n_shards, "n_shards", 1)
    if isinstance(shard, bool) or not isinstance(shard, int) or not 0 <= shard < n_shards:
        raise ValueError(Errors.E080.format(last=n_shards - 1, shard=shard))
    return n_items * shard // n_shards, n_items * (shard + 1) // n_shards


def parallel_sums(
    nlp: Language, pipe_name: str, examples: Sequence[Example], offset: int, n_process: int, **options
) -> FisherSums:
    """Σ g² over `examples`, split into `n_process` contiguous parts, one per process.

    `options` go to `squared_gradient_sums` in every part; the parts' example counts add
    up, and the pass converged when every part did.
    """
    with tempfile.TemporaryDirectory(prefix="spacy-ewc-") as tmp:
        model_dir = Path(tmp) / "model"
        nlp.to_disk(model_dir)
        unsaved = unsaved_attrs(unwrap(nlp.get_pipe(pipe_name).model))
        jobs = []
        for shard in range(n_process):
            start, end = shard_bounds(len(examples), shard, n_process)
            part = examples[start:end]
            jobs.append((str(model_dir), pipe_name, _doc_bytes(eg.x for eg in part),
                         _doc_bytes(eg.y for eg in part), offset + start, unsaved, options))
        with multiprocessing.get_context().Pool(n_process) as pool:
            parts = pool.starmap(_shard_sums, jobs)
    sums = FisherSums(ewc_math.add(part for part, _, _, _ in parts))
    sums.n_examples = sum(n for _, n, _, _ in parts)
    flags = [converged for _, _, converged, _ in parts]
    sums.converged = None if None in flags else all(flags)
    sums.batch_size = max(batch for _, _, _, batch in parts)
    return sums


UNSAVED_ATTRS = ("unseen_classes",)
"""Model attrs that `nlp.to_disk` does not keep but the loss depends on: the transition
models' `unseen_classes` (output classes of labels added since training, masked in the
gradient until an example shows them). Workers get them from the parent."""


def unsaved_attrs(model) -> Dict[int, Dict[str, object]]:
    """{position in model.walk(): {attr: value}} of the attrs in `UNSAVED_ATTRS`."""
    found = {}
    for i, node in enumerate(model.walk()):
        attrs = {name: node.attrs[name] for name in UNSAVED_ATTRS if name in node.attrs}
        if attrs:
            found[i] = attrs
    return found


def restore_attrs(model, attrs: Dict[int, Dict[str, object]]) -> None:
    nodes = list(model.walk())
    for i, values in attrs.items():
        for name, value in values.items():
            nodes[i].attrs[name] = type(value)(value) if isinstance(value, (set, list, dict)) else value


def _doc_bytes(docs) -> bytes:
    return DocBin(docs=docs, store_user_data=False).to_bytes()


def _shard_sums(
    model_dir: str, pipe_name: str, x_bytes: bytes, y_bytes: bytes, offset: int, unsaved: Dict,
    options: Dict,
) -> Tuple[Dict, int, Optional[bool], int]:
    """Worker: Σ g² of one shard (and its count, convergence, batch size), with the
    pipeline loaded from `model_dir`."""
    nlp = spacy.load(model_dir)
    component = nlp.get_pipe(pipe_name)
    restore_attrs(component.model, unsaved)
    predicted: List = list(DocBin().from_bytes(x_bytes).get_docs(nlp.vocab))
    reference: List = list(DocBin().from_bytes(y_bytes).get_docs(nlp.vocab))
    examples = [Example(x, y) for x, y in zip(predicted, reference)]
    refs = collect_params(component.model, pipe_name)
    sums = squared_gradient_sums(component, examples, refs, seed=offset, nlp=nlp, **options)
    return dict(sums), sums.n_examples, sums.converged, sums.batch_size
