"""Fisher estimates that add up: shards, merging and several processes.

The Fisher is a mean of per-example squared gradients, so shards of the data give partial
sums that add up to what a single pass gives. Each example is seeded by its global index
(in the two-pass pass, spaCy's built-in state dropout then draws the same masks as in one
pass; the fused pass has none), so `estimate` on a shard takes the index of its first
example as `offset`. `merge` combines shard states;
`n_process` spreads one pass over processes on this machine (started as spaCy's
`nlp.pipe(n_process=...)` starts them: fork on Linux, spawn elsewhere, where the calling
script needs an ``if __name__ == "__main__":`` guard). Consolidation after a task is
`EWC.consolidate`.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy

from ..checks import check_int
from ..errors import Errors
from . import math as ewc_math
from .ewc import DEFAULT_LAMBDA, DEFAULT_NORMALIZATION, EWC, PipeLike
from .parallel import shard_bounds  # noqa: F401  (re-exported: the CLI's shards)


def estimate(
    pipe: PipeLike,
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
    `pass_options` (fisher_batch_size, fisher_tol, fisher_block, fisher_fused) are `EWC`'s; with several
    processes each part applies them on its own.
    """
    check_int(n_process, "n_process", 1)
    check_int(offset, "offset (the index of the shard's first example)", 0)
    return EWC._estimated(
        pipe, data, lambda_, pipe_name, fisher=fisher, normalize=normalize, progress=progress,
        seed=offset, n_process=n_process, **pass_options,
    )


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
