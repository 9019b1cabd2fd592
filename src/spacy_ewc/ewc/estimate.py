"""The one Fisher estimate: a component and its examples in, θ* and the raw diagonal F out.

Used by `EWC(...)`, `continual.estimate` (in one process or several), the CLI's `fisher`
command and the config callback, so every path captures, checks and passes alike.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, NamedTuple, Optional, Sequence, Union

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example

from ..errors import Errors
from .fisher import FisherPass, squared_gradient_sums
from .parallel import parallel_sums
from .params import collect_params, unwrap
from .vector_dict import VectorDict


class FisherEstimate(NamedTuple):
    """θ*, the mean of per-example squared gradients, the examples used, whether the pass
    converged (None: no stopping rule), its examples per backward pass and whether it was
    the fused pass."""

    theta_star: VectorDict
    fisher_raw: VectorDict
    n_examples: int
    converged: Optional[bool]
    batch_size: Optional[int]
    fused: Optional[bool] = None


def mean_fisher(sums: Dict[str, Any], n_examples: int, pipe_name: str) -> VectorDict:
    """The mean of per-example squared gradients from their sums; a pass that left no
    gradient anywhere is an error, not an empty protection."""
    broken = [key for key, s in sums.items() if not numpy.isfinite(s).all()]
    if broken:
        raise ValueError(Errors.E045.format(name=pipe_name, keys=", ".join(broken[:5])))
    if not any(float(s.max()) > 0.0 for s in sums.values() if s.size):
        raise ValueError(Errors.E017.format(name=pipe_name))
    return VectorDict((key, value / n_examples) for key, value in sums.items())


def estimate_fisher(
    component: TrainablePipe,
    pipe_name: str,
    examples: Sequence[Union[Example, Doc]],
    *,
    nlp: Optional[Language] = None,
    seed: int = 0,
    n_process: int = 1,
    progress: Optional[Callable] = None,
    options: FisherPass = FisherPass(),
) -> FisherEstimate:
    """θ* (a copy of the current parameters) and the raw Fisher of `examples` (raw Docs
    for the fused pass, `options.fused`).

    Example i is seeded with `seed + i` (a shard passes the global index of its first
    example). `n_process > 1` splits the pass into contiguous parts, one per process
    (needs `nlp`); `progress` wraps the one-process pass's iterator. `options` are
    checked by the caller (`EWC._estimate`) and again by `squared_gradient_sums`.
    """
    refs = collect_params(unwrap(component.model), pipe_name)
    theta_star = VectorDict((ref.key, ref.node.get_param(ref.name).copy()) for ref in refs)
    broken = [key for key, value in theta_star.items() if not numpy.isfinite(value).all()]
    if broken:
        raise ValueError(Errors.E044.format(name=pipe_name, keys=", ".join(broken[:5])))
    examples = list(examples)
    if not examples:
        raise ValueError(Errors.E006)
    if n_process > 1:
        sums = parallel_sums(nlp, pipe_name, examples, seed, min(n_process, len(examples)), options)
    else:
        sums = squared_gradient_sums(
            component, examples, refs, progress=progress, seed=seed, nlp=nlp, options=options
        )
    fisher_raw = mean_fisher(sums, sums.n_examples, pipe_name)
    return FisherEstimate(
        theta_star, fisher_raw, sums.n_examples, sums.converged, sums.batch_size, bool(options.fused)
    )
