"""The EWC penalty bound to the model it protects: λ·F·(θ−θ*) added to the gradients.

`Penalty` resolves a state's keys to a model's arrays (cached per tree structure and state
revision) and grows θ* and F when the protected model's output layers grew. Each update works
through one scratch buffer that lives only for that update, so between updates the state
is θ* and F alone. Queries on another model never change the state.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy
from spacy.pipeline import TrainablePipe
from thinc.api import Model
from thinc.util import get_array_module, to_numpy

from ..errors import Errors, Warnings, warn
from . import math as ewc_math
from .params import ParamRef, iter_params, structure_signature
from .state import EWCState

logger = logging.getLogger("spacy_ewc")

PENALTY_CHUNK = 1 << 12


def penalty_chunk(n_floats: int) -> int:
    """Floats of the per-update scratch buffer: 1/128 of θ* (at least PENALTY_CHUNK), so
    an update's peak stays near 2× the protected bytes and it loops over at most 128
    chunks besides one per array."""
    return max(PENALTY_CHUNK, -(-n_floats // 128))


def _add_penalty(node: Model, name: str, anchor, fisher, buffer, lambda_: float) -> None:
    """The gradient of a thinc array gets λ·F·(θ−θ*), chunk by chunk through `buffer`
    (flat arrays: θ*, F, scratch); a missing gradient starts at zero."""
    if not node.has_grad(name):
        node.set_grad(name, node.ops.alloc(node.get_param(name).shape, dtype=anchor.dtype))
    param, grad = node.get_param(name).ravel(), node.get_grad(name).ravel()
    size, chunk = anchor.size, buffer.size
    for start in range(0, size, chunk):
        stop = min(start + chunk, size)
        out = buffer[: stop - start]
        ewc_math.penalty_gradient(param[start:stop], anchor[start:stop], fisher[start:stop], out=out)
        out *= lambda_
        grad[start:stop] += out


def labels_of(pipe: TrainablePipe) -> Optional[Tuple[str, ...]]:
    try:
        labels = pipe.labels
    except (AttributeError, NotImplementedError, KeyError, ValueError):
        return None
    return tuple(labels) if labels is not None else None


def grows_in_output(old: Tuple[int, ...], new: Tuple[int, ...]) -> bool:
    """An output layer grows along its first (output) dimension only, when labels are added."""
    return len(old) == len(new) and old[1:] == new[1:] and old[0] < new[0] if old else False


class Penalty:
    """The penalty of `state` on `model` (the model of `pipe`)."""

    def __init__(self, state: EWCState, pipe: TrainablePipe, model: Model):
        self.state, self.pipe, self.model = state, pipe, model
        self._steps: List[Tuple[Callable, tuple, int]] = []
        self._chunk = PENALTY_CHUNK
        # The tree's node ids (the root's first) and the state revision the steps were built for.
        self._signature: Optional[Tuple[Any, int]] = None
        self._buffers: List[Tuple[Any, Any]] = []
        self._warned = False

    def apply(self, model: Optional[Model], lambda_: float) -> None:
        """Add λ·F·(θ − θ*) to the gradient of every protected array of `model` (default: the bound one).

        The scratch buffer (one per array type) is allocated here and dropped on return."""
        steps = self.steps(model or self.model)
        buffers = [xp.empty(self._chunk, dtype=dtype) for xp, dtype in self._buffers]
        for add_penalty, args, which in steps:
            add_penalty(*args, buffers[which], lambda_)

    def gradient(self, lambda_: float) -> Dict[str, Any]:
        """λ·F·(θ − θ*) of the bound model for every key of θ*."""
        state = self.state
        out = {}
        for key, node, name in self.resolved(self.model):
            fisher = state.fisher_matrix[key] * lambda_
            out[key] = ewc_math.penalty_gradient(node.get_param(name), state.theta_star[key], fisher)
        return out

    def params(self, model: Model) -> Dict[str, Any]:
        """The parameters of `model` under the state's keys and shapes, for queries.

        Another model never changes the state: rows its output layer grew are left out (F
        is zero there). The bound model's own growth is taken into the state, as its next
        update would (zero importance on the new rows)."""
        refs = {ref.key: ref for ref in iter_params(model)}
        if model is self.model:
            self.match(refs)
        else:
            self.grown(refs)
        params = {}
        for key, anchor in self.state.theta_star.items():
            param = refs[key].node.get_param(refs[key].name)
            old = tuple(slice(0, n) for n in anchor.shape)
            params[key] = param if param.shape == anchor.shape else param[old]
        return params

    def resolved(self, model: Model) -> List[Tuple[str, Any, str]]:
        """(key, node, name) per protected array of `model`, after checking the state against it."""
        refs = {ref.key: ref for ref in iter_params(model)}
        self.match(refs)
        return [(key, refs[key].node, refs[key].name) for key in self.state.theta_star]

    def steps(self, model: Model) -> List[Tuple[Callable, tuple, int]]:
        """(function, arguments, buffer index) that add λ·F·(θ−θ*) to one array's gradient,
        given a scratch buffer and λ.

        Recomputed only when the tree's nodes change (a layer replaced by resize_output)
        or θ*/F were replaced, so the per-update path builds no strings and walks the tree
        once. No λF is kept: every step works chunk by chunk through a scratch buffer of
        `penalty_chunk` floats shared by all arrays of its type; torch parameters work on
        torch views of θ*, F and it.
        """
        state = self.state
        signature = (structure_signature(model), state._revision)
        if self._signature == signature:
            return self._steps
        resolved = self.resolved(model)
        if self._to_device(resolved):
            signature = (structure_signature(model), state._revision)
        kinds: Dict[Tuple[Any, Any], int] = {}
        steps = []
        for key, node, name in resolved:
            anchor, fisher = state.theta_star[key].ravel(), state.fisher_matrix[key].ravel()
            which = kinds.setdefault((get_array_module(anchor), anchor.dtype), len(kinds))
            if isinstance(node, Model):
                steps.append((_add_penalty, (node, name, anchor, fisher), which))
            else:
                views = (node.tensor(name, anchor), node.tensor(name, fisher))
                steps.append((node.add_penalty, (name, *views), which))
        self._chunk = penalty_chunk(state.theta_star.size)
        self._buffers = list(kinds)
        self._steps, self._signature = steps, signature
        return steps

    def _to_device(self, resolved: List[Tuple[str, Any, str]]) -> bool:
        """Put θ* and F where the parameters are (a state read from disk is NumPy, a model
        on GPU holds CuPy); True when they moved."""
        state = self.state
        homes = {key: get_array_module(node.get_param(name)) for key, node, name in resolved}
        moves = {key: xp for key, xp in homes.items() if xp is not get_array_module(state.theta_star[key])}
        if not moves:
            return False
        for arrays in (state.theta_star, state.fisher_matrix):
            for key, xp in moves.items():
                arrays[key] = to_numpy(arrays[key]) if xp is numpy else xp.asarray(arrays[key])
        state._invalidate()
        return True

    def grown(self, refs: Dict[str, ParamRef]) -> List[Tuple[str, Any, Any]]:
        """Check the state against the model; (key, θ*, parameter) of each array whose output
        layer grew since. Changes nothing but the one-time W001 for unprotected arrays."""
        state = self.state
        missing = [key for key in state.theta_star if key not in refs]
        if missing:
            raise ValueError(
                Errors.E012.format(problem=f"the model has no parameter {', '.join(missing[:5])}")
            )
        grown = []
        for key, ref in refs.items():
            if key not in state.theta_star:
                continue
            param = ref.node.get_param(ref.name)
            anchor = state.theta_star[key]
            if param.shape == anchor.shape:
                continue
            if not grows_in_output(anchor.shape, param.shape):
                raise ValueError(
                    Errors.E012.format(
                        problem=f"parameter {key} has shape {param.shape}, the state "
                        f"{anchor.shape}, and it did not grow along its output dimension"
                    )
                )
            grown.append((key, anchor, param))
        extra = [key for key in refs if key not in state.theta_star]
        if extra and not self._warned:
            self._warned = True
            warn(Warnings.W001.format(count=len(extra), name=state.pipe_name, keys=", ".join(extra)))
        return grown

    def match(self, refs: Dict[str, ParamRef]) -> None:
        """Check the state against the model; grow θ* and F where an output layer grew."""
        state = self.state
        for key, anchor, param in self.grown(refs):
            state.theta_star[key] = ewc_math.grow(anchor, param.shape, param)
            zeros = numpy.zeros_like(param)
            state.fisher_matrix[key] = ewc_math.grow(state.fisher_matrix[key], param.shape, zeros)
            if state._fisher_raw is not None and key in state._fisher_raw:
                state._fisher_raw[key] = ewc_math.grow(state._fisher_raw[key], param.shape, zeros)
            self._signature = None
            state._labels = labels_of(self.pipe)
            logger.info(
                "EWC: %s grew from %s to %s; new entries have zero importance",
                key, anchor.shape, param.shape,
            )
