"""EWC arithmetic over plain arrays: no spaCy, no thinc, no pipelines.

Every function takes arrays (NumPy, or anything with the same operators) keyed by
parameter name, so the same code serves the trainer, the callbacks and the CLI.
"""

from __future__ import annotations

import numbers
from typing import Iterable, Mapping, MutableMapping, Optional, Tuple

import numpy

from ..errors import Errors

NORMALIZATIONS = (None, "peak", "mean", "max")
"""Scales of F (see `normalize`); "peak" is the default, "mean" the one of spacy-ewc ≤ 0.2."""

DEFAULT_GAMMA = 1.0
"""Decay of the old importance in `consolidate`. 1.0 keeps every task in full: the
Laplace recursion behind EWC (Huszár 2018) adds each task's Fisher to the old one and
anchors at the latest weights; γ < 1 (online EWC, Schwarz et al. 2018) lets old tasks fade."""


def penalty(
    params: Mapping[str, numpy.ndarray],
    theta_star: Mapping[str, numpy.ndarray],
    fisher: Mapping[str, numpy.ndarray],
) -> float:
    """½ Σ F (θ − θ*)² over every key of `theta_star`."""
    total = 0.0
    for key, anchor in theta_star.items():
        diff = params[key] - anchor
        total += float((fisher[key] * diff * diff).sum())
    return 0.5 * total


def drift(
    params: Mapping[str, numpy.ndarray],
    theta_star: Mapping[str, numpy.ndarray],
    fisher: Mapping[str, numpy.ndarray],
) -> float:
    """Fisher-weighted drift Σ F (θ − θ*)²: twice the penalty, the number benchmarks report."""
    return 2.0 * penalty(params, theta_star, fisher)


def penalty_gradient(
    param: numpy.ndarray,
    anchor: numpy.ndarray,
    scaled_fisher: numpy.ndarray,
    out: Optional[numpy.ndarray] = None,
) -> numpy.ndarray:
    """λF(θ − θ*) for one array, given `scaled_fisher` = λF; writes into `out` when given."""
    if out is None:
        return scaled_fisher * (param - anchor)
    numpy.subtract(param, anchor, out=out)
    out *= scaled_fisher
    return out


def accumulate_squares(
    acc: MutableMapping[str, numpy.ndarray],
    grads: Mapping[str, numpy.ndarray],
    scratch: Optional[MutableMapping[str, numpy.ndarray]] = None,
) -> None:
    """Add g² of one example's gradients to the running sums in `acc`.

    With `scratch` (a dict of buffers, filled on first use) the squares are written into
    the same buffer each time instead of a new array per key and call.
    """
    for key, grad in grads.items():
        if scratch is None:
            acc[key] += grad * grad
            continue
        buffer = scratch.get(key)
        if buffer is None or buffer.shape != grad.shape:
            buffer = scratch[key] = numpy.empty_like(grad)
        numpy.multiply(grad, grad, out=buffer)
        acc[key] += buffer


def normalize(
    fisher: Mapping[str, numpy.ndarray], how: Optional[str]
) -> Tuple[dict, float]:
    """Divide F by one number of its own; return the scaled F and the divisor.

    "peak": the mean over arrays of each array's largest entry, so that 1 is the
    importance of a typical array's most important weight. Measured on every spaCy
    component type (docs/lambda.md), it is the divisor with which one λ protects each of
    them about as much; the raw F needs λ from 1 to 10⁷ and "mean" from 10⁻³ to 10.
    "mean": the mean over every entry; "max": the largest entry; None: the raw F.
    """
    if how not in NORMALIZATIONS:
        raise ValueError(Errors.E046.format(value=how))
    if how is None:
        return dict(fisher), 1.0
    if how == "peak":
        peaks = [float(f.max()) for f in fisher.values() if f.size]
        scale = sum(peaks) / max(len(peaks), 1)
    elif how == "mean":
        size = sum(int(f.size) for f in fisher.values())
        scale = sum(float(f.sum()) for f in fisher.values()) / max(size, 1)
    else:
        scale = max((float(f.max()) for f in fisher.values() if f.size), default=0.0)
    if not scale > 0.0:
        return dict(fisher), 1.0
    return {key: f / scale for key, f in fisher.items()}, scale


def grow(array: numpy.ndarray, shape: Tuple[int, ...], fill: numpy.ndarray) -> numpy.ndarray:
    """Embed `array` in the leading corner of an array of `shape`; the rest comes from `fill`.

    Used when an output layer gains rows (a label was added): old entries keep their
    values, new ones take `fill` (the current weights for θ*, zeros for F).
    """
    if array.shape == tuple(shape):
        return array
    if array.ndim != len(shape) or any(o > n for o, n in zip(array.shape, shape)):
        problem = f"an array of shape {array.shape} cannot grow to {tuple(shape)}"
        raise ValueError(Errors.E012.format(problem=problem))
    grown = fill.astype(array.dtype, copy=True)
    grown[tuple(slice(0, n) for n in array.shape)] = array
    return grown


def merge(parts: Iterable[Tuple[Mapping[str, numpy.ndarray], int]]) -> Tuple[dict, int]:
    """Combine Fisher estimates from shards, each (F, n_examples), into one mean over all."""
    total: dict = {}
    count = 0
    for fisher, n in parts:
        for key, f in fisher.items():
            if key in total:
                total[key] = total[key] + f * n
            else:
                total[key] = f * n
        count += n
    if count == 0:
        raise ValueError(Errors.E081)
    return {key: f / count for key, f in total.items()}, count


def add(parts: Iterable[Mapping[str, numpy.ndarray]]) -> dict:
    """Key-wise sum of partial sums of squared gradients (shards of one Fisher pass)."""
    total: dict = {}
    for part in parts:
        for key, value in part.items():
            total[key] = total[key] + value if key in total else value.copy()
    return total


def consolidate(
    old: Mapping[str, numpy.ndarray], new: Mapping[str, numpy.ndarray], gamma: float
) -> dict:
    """Online EWC: γ·F_old + F_new, with F_old zero-padded where an array grew."""
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not 0 <= gamma < float("inf"):
        raise ValueError(Errors.E042.format(value=gamma))
    out = {}
    for key, f_new in new.items():
        if key in old:
            f_old = grow(old[key], f_new.shape, numpy.zeros_like(f_new))
            out[key] = gamma * f_old + f_new
        else:
            out[key] = f_new.copy()
    return out


def log_loss_gradient(scores: numpy.ndarray, targets: numpy.ndarray) -> numpy.ndarray:
    """d loss / d scores of −log softmax(scores)[target], row by row: softmax − one-hot.

    spaCy's transition loss (`cpu_log_loss`) when the target is the one zero-cost action.
    A target of −1 (no valid action) gives a zero row, as spaCy skips such a state.
    """
    d_scores = numpy.exp(scores - scores.max(axis=1, keepdims=True))
    d_scores /= d_scores.sum(axis=1, keepdims=True)
    rows = numpy.arange(len(targets))
    d_scores[rows, targets] -= 1.0
    d_scores[numpy.asarray(targets) < 0] = 0.0
    return d_scores


def same_batch_pairs(batch_sizes: Iterable[int]) -> int:
    """Ordered pairs of distinct examples that share a batch: Σ b(b − 1)."""
    return sum(int(b) * (int(b) - 1) for b in batch_sizes)


def unbiased_square_sums(
    batch_squares: Mapping[str, numpy.ndarray],
    totals: Optional[Mapping[str, numpy.ndarray]],
    n_examples: int,
    pairs: int,
) -> dict:
    """Σ_i g_i² over examples, estimated from the squares of batch gradients.

    A batch gradient is the sum of its examples' gradients, so Σ_B g_B² = Σ_i g_i² plus
    the products g_i g_j of the pairs that share a batch. When the examples are dealt into
    batches at random, a pair shares one with probability c = pairs / (n (n − 1)), and
    E[Σ_B g_B²] = (1 − c) Σ_i g_i² + c G² with G = Σ_i g_i (`totals`, fixed by the data).
    So ((Σ_B g_B²) − c G²) / (1 − c) is unbiased; entries below zero (noise) become 0.
    With batches of one (`pairs` = 0) it is Σ_B g_B² itself.
    """
    if pairs == 0:
        return {key: value.copy() for key, value in batch_squares.items()}
    if totals is None or n_examples < 2:
        raise ValueError(Errors.E273.format(n=n_examples))
    c = pairs / (n_examples * (n_examples - 1))
    if not c < 1.0:
        raise ValueError(Errors.E274)
    out = {}
    for key, squares in batch_squares.items():
        total = totals[key]
        estimate = (squares - c * (total * total)) / (1.0 - c)
        numpy.maximum(estimate, 0.0, out=estimate)
        out[key] = estimate
    return out


def relative_change(
    new: Mapping[str, numpy.ndarray], old: Mapping[str, numpy.ndarray]
) -> float:
    """Σ |new − old| / Σ |new| over every key: how much a running estimate still moves."""
    moved = sum(float(numpy.abs(new[key] - old[key]).sum()) for key in new)
    size = sum(float(numpy.abs(value).sum()) for value in new.values())
    return moved / size if size > 0.0 else float("inf")
