"""The data of one component's EWC (θ*, F, λ and the settings) and its serialisation.

`EWCState` knows no model: `EWC` binds it to a component, `penalty.Penalty` applies it.
The file layout and its checks are `state_file`'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from . import math as ewc_math
from .state_file import STATE_FORMAT, read_state, state_arrays, state_from_bytes, state_to_bytes, write_state
from .vector_dict import VectorDict

LEGACY_NORMALIZATION = "mean"
"""The scale of states saved without one (spacy-ewc ≤ 0.2)."""


class StateArrays:
    """A state attribute holding a VectorDict (θ* or F); assigning it (any mapping) bumps the
    state's revision, so the next update resolves the penalty from the new arrays."""

    def __init__(self, doc: str):
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, state: Any, owner: Optional[type] = None) -> Any:
        return self if state is None else getattr(state, self.slot)

    def __set__(self, state: Any, value: Dict[str, Any]) -> None:
        setattr(state, self.slot, value if isinstance(value, VectorDict) else VectorDict(value))
        state._invalidate()


def normalized(fisher_raw: Dict[str, Any], normalize: Optional[str]) -> Tuple[VectorDict, float]:
    """F on the scale `normalize` says, and the divisor that took it there."""
    scaled, scale = ewc_math.normalize(fisher_raw, normalize)
    return VectorDict(scaled), scale


class EWCState:
    """θ*, the (normalised) diagonal Fisher F, λ and the settings they were made with.

    `fisher_raw` is kept apart only when given (a consolidated state sums tasks normalised
    each on its own); otherwise it is F·fisher_scale. `_revision` counts replacements of
    θ* and F, so whoever caches work on them knows when to redo it.
    """

    theta_star = StateArrays("θ*: the anchor of every protected array, keyed by layer path.")
    fisher_matrix = StateArrays("F: the (normalised) diagonal Fisher of every protected array.")

    def __init__(
        self,
        *,
        pipe_name: str,
        lambda_: float,
        fisher_kind: str,
        normalize: Optional[str],
        theta_star: Dict[str, Any],
        fisher_matrix: Dict[str, Any],
        fisher_scale: float,
        n_examples: int,
        fisher_raw: Optional[Dict[str, Any]] = None,
        tasks: int = 1,
        shards: Optional[List[Tuple[int, int]]] = None,
        labels: Optional[Tuple[str, ...]] = None,
        converged: Optional[bool] = None,
        fisher_batch_size: Optional[int] = None,
        fisher_fused: Optional[bool] = None,
    ):
        self._revision = 0
        self.pipe_name, self.lambda_ = pipe_name, lambda_
        self.fisher_kind, self.normalize = fisher_kind, normalize
        self.theta_star, self.fisher_matrix = theta_star, fisher_matrix
        self.fisher_scale, self.n_examples = float(fisher_scale), int(n_examples)
        self.fisher_raw = fisher_raw
        self.tasks = tasks
        self.shards = [tuple(r) for r in shards] if shards is not None else None
        self._labels = labels
        self.converged, self.fisher_batch_size = converged, fisher_batch_size
        self.fisher_fused = fisher_fused

    def _invalidate(self) -> None:
        self._revision = getattr(self, "_revision", 0) + 1

    @property
    def fisher_raw(self) -> VectorDict:
        """F before normalisation, the mean of per-example squared gradients.

        Not stored: it is F·fisher_scale (equal to the measured mean to float rounding),
        computed when asked for. Only a consolidated state, whose F sums tasks normalised
        each on its own, keeps the sum of their unnormalised estimates apart.
        """
        if self._fisher_raw is not None:
            return self._fisher_raw
        if self.fisher_scale == 1.0:
            return self.fisher_matrix
        return VectorDict((key, f * self.fisher_scale) for key, f in self.fisher_matrix.items())

    @fisher_raw.setter
    def fisher_raw(self, value: Optional[Dict[str, Any]]) -> None:
        self._fisher_raw = None if value is None else VectorDict(value)

    @property
    def keys(self) -> List[str]:
        return list(self.theta_star)

    # ------------------------------------------------------------------ serialisation

    def _meta(self) -> Dict[str, Any]:
        keys = self.keys
        return {
            "format": STATE_FORMAT,
            "pipe_name": self.pipe_name,
            "lambda": self.lambda_,
            "fisher_kind": self.fisher_kind,
            "normalize": self.normalize,
            "fisher_scale": self.fisher_scale,
            "n_examples": self.n_examples,
            "tasks": self.tasks,
            "shards": [list(r) for r in self.shards] if self.shards is not None else None,
            "labels": list(self._labels) if self._labels is not None else None,
            "keys": keys,
            "shapes": [list(self.theta_star[key].shape) for key in keys],
            "fisher_pass": {
                "batch_size": self.fisher_batch_size, "converged": self.converged, "fused": self.fisher_fused,
            },
        }

    def _arrays(self) -> Dict[str, Any]:
        return state_arrays(
            self.theta_star.to_numpy(), self.fisher_matrix.to_numpy(), self.fisher_raw.to_numpy(), self.keys
        )

    def to_bytes(self) -> bytes:
        """θ*, F, λ and the settings as bytes (the arrays bit for bit)."""
        return state_to_bytes(self._meta(), self._arrays())

    def to_disk(self, path: Union[str, Path]) -> None:
        """Save θ*, F, λ and the settings to the folder `path`.

        The folder is replaced as a whole once the new state is complete, so a failed or
        interrupted save leaves the previous state as it was.
        """
        write_state(path, self._meta(), self._arrays())

    @staticmethod
    def _fields(meta: Dict[str, Any], arrays: Dict[str, Any]) -> Dict[str, Any]:
        """The constructor's arguments from checked settings and arrays (`state_file`)."""
        tasks = meta.get("tasks", 1)
        theta_star, fisher, raw = VectorDict(), VectorDict(), VectorDict()
        for i, key in enumerate(meta["keys"]):
            theta_star[key] = arrays[f"theta_star_{i}"]
            fisher[key] = arrays[f"fisher_{i}"]
            if tasks > 1 and f"fisher_raw_{i}" in arrays:
                raw[key] = arrays[f"fisher_raw_{i}"]
        fisher_pass = meta.get("fisher_pass") or {}
        shards = meta.get("shards")
        labels = meta.get("labels")
        return {
            "pipe_name": meta["pipe_name"],
            "lambda_": meta["lambda"],
            "fisher_kind": meta["fisher_kind"],
            "normalize": meta.get("normalize", LEGACY_NORMALIZATION),
            "theta_star": theta_star,
            "fisher_matrix": fisher,
            "fisher_scale": float(meta["fisher_scale"]),
            "n_examples": meta["n_examples"],
            "fisher_raw": raw or None,
            "tasks": tasks,
            "shards": shards if shards is not None and tasks == 1 else None,
            "labels": labels,
            "converged": fisher_pass.get("converged"),
            "fisher_batch_size": fisher_pass.get("batch_size", 1),
            "fisher_fused": fisher_pass.get("fused", False),
        }

    @staticmethod
    def _read_bytes(data: bytes) -> Dict[str, Any]:
        return EWCState._fields(*state_from_bytes(data))

    @staticmethod
    def _read_disk(path: Union[str, Path]) -> Dict[str, Any]:
        return EWCState._fields(*read_state(path))
