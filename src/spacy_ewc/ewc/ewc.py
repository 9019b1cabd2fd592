"""The EWC state of one pipeline component: θ*, the diagonal Fisher F and λ."""

from __future__ import annotations

import json
import logging
import math
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from thinc.api import Model

from ..errors import Errors, Warnings
from . import math as ewc_math
from .fisher import make_examples, squared_gradient_sums
from .params import ParamRef, collect_params, iter_params, structure_signature, unwrap
from .vector_dict import VectorDict

logger = logging.getLogger("spacy_ewc")

DEFAULT_LAMBDA = 3.0
DEFAULT_NORMALIZATION = "mean"
STATE_FORMAT = 1
_META_FILE = "ewc.json"
_ARRAYS_FILE = "arrays.npz"


def resolve_pipe(pipe: Any, pipe_name: Optional[str]) -> Tuple[TrainablePipe, Optional[Language], str]:
    """The component to protect, the Language around it (if given) and its name."""
    if isinstance(pipe, Language):
        name = pipe_name or "ner"
        if name not in pipe.pipe_names:
            raise ValueError(Errors.E002.format(name=name, names=", ".join(pipe.pipe_names)))
        component = pipe.get_pipe(name)
        if not isinstance(component, TrainablePipe):
            raise TypeError(Errors.E003.format(name=name, type=type(component).__name__))
        return component, pipe, name
    if isinstance(pipe, TrainablePipe):
        return pipe, None, pipe.name
    raise TypeError(Errors.E001.format(type=type(pipe).__name__))


def check_lambda(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(Errors.E008.format(value=value)) from None
    if isinstance(value, bool) or not math.isfinite(number) or number < 0:
        raise ValueError(Errors.E008.format(value=value))
    return number


def check_normalize(value: Optional[str]) -> Optional[str]:
    if value not in ewc_math.NORMALIZATIONS:
        raise ValueError(f"normalize must be one of {ewc_math.NORMALIZATIONS}, not {value!r}")
    return value


def mean_fisher(sums: Dict[str, Any], n_examples: int, pipe_name: str) -> VectorDict:
    """The mean of per-example squared gradients from their sums; a pass that left no
    gradient anywhere is an error, not an empty protection."""
    if not any(float(s.max()) > 0.0 for s in sums.values() if s.size):
        raise ValueError(Errors.E017.format(name=pipe_name))
    return VectorDict((key, value / n_examples) for key, value in sums.items())


class EWC:
    """Elastic Weight Consolidation for one spaCy component.

    Captures the trained parameters θ* of every array in the component's model tree and
    their diagonal Fisher information F from `data`; during later training
    `apply_ewc_penalty_to_gradients` adds λ·F·(θ−θ*) to the gradients.

    pipe: a `Language` (the component is `pipe_name`, default "ner") or a `TrainablePipe`.
    data: Examples, (text, annotations) tuples, texts or Docs to estimate F from.
    lambda_: strength of the penalty, on the scale set by `normalize`.
    fisher: "empirical" (gold annotations), "predicted" (the model's own predictions as
        targets: raw text is enough) or "auto" (empirical when every item is annotated).
    normalize: "mean" (default: F divided by its mean, so λ is an L2 strength for an
        average parameter), "max", or None for the raw Fisher.
    """

    def __init__(
        self,
        pipe: Union[Language, TrainablePipe],
        data: Iterable,
        lambda_: float = DEFAULT_LAMBDA,
        pipe_name: Optional[str] = None,
        *,
        fisher: str = "auto",
        normalize: Optional[str] = DEFAULT_NORMALIZATION,
        progress: Optional[Callable] = None,
        seed: int = 0,
    ):
        nlp = self._bind(pipe, pipe_name, lambda_)
        self.normalize = check_normalize(normalize)
        self.theta_star = self._capture_current_parameters(copy=True)
        examples, self.fisher_kind = make_examples(data, fisher, self.pipe, nlp)
        self._progress = progress
        self._compute_fisher_matrix(examples, nlp, seed=seed)
        self._reset_cache()

    def _bind(self, pipe: Any, pipe_name: Optional[str], lambda_: Any) -> Optional[Language]:
        """Attach to the component, checking what every constructor checks; return its Language."""
        component, nlp, name = resolve_pipe(pipe, pipe_name)
        self.lambda_ = check_lambda(lambda_)
        self.nlp = nlp
        self.pipe, self.pipe_name, self.model = component, name, unwrap(component.model)
        collect_params(self.model, name)
        self.tasks, self._progress = 1, None
        return nlp

    # ------------------------------------------------------------------ capture

    def _capture_current_parameters(self, copy: bool = False) -> VectorDict:
        """Current parameters of every array in the tree, keyed by path; copies if `copy`."""
        params = VectorDict()
        for ref in iter_params(self.model):
            value = ref.node.get_param(ref.name)
            params[ref.key] = value.copy() if copy else value
        return params

    def _compute_fisher_matrix(
        self, examples: Iterable, nlp: Optional[Language] = None, *, seed: int = 0
    ) -> VectorDict:
        """Diagonal Fisher: mean over examples of per-example squared gradients.

        Normalised as set by `self.normalize`; the divisor is kept in `fisher_scale`.
        Also sets `n_examples` and the unnormalised `fisher_raw`. Example i is seeded with
        `seed + i` (a shard passes the global index of its first example).
        """
        examples = list(examples)
        if not examples:
            raise ValueError(Errors.E006)
        refs = collect_params(self.model, self.pipe_name)
        sums = squared_gradient_sums(
            self.pipe, examples, refs, progress=self._progress, seed=seed, nlp=nlp
        )
        self._set_fisher(mean_fisher(sums, len(examples), self.pipe_name), len(examples))
        return self.fisher_matrix

    def _set_fisher(self, fisher_raw: Dict[str, Any], n_examples: int) -> None:
        self.n_examples = int(n_examples)
        self.fisher_raw = VectorDict(fisher_raw)
        scaled, self.fisher_scale = ewc_math.normalize(self.fisher_raw, self.normalize)
        self.fisher_matrix = VectorDict(scaled)

    # ------------------------------------------------------------------ penalty

    def set_lambda(self, lambda_: float) -> None:
        """Change the strength of the penalty (a finite number >= 0)."""
        self.lambda_ = check_lambda(lambda_)
        self._scaled = {}
        self._resolution = {}

    def compute_ewc_penalty(self, model: Any = None) -> float:
        """½ Σ F (θ − θ*)² at the current parameters (without λ).

        `model` (a thinc Model, a component or a Language) measures another copy of the
        component, for example one fine-tuned without EWC; default: the protected one.
        """
        params = self._current_params(self._model_of(model))
        return ewc_math.penalty(params, self.theta_star, self.fisher_matrix)

    def compute_drift(self, model: Any = None) -> float:
        """Fisher-weighted drift Σ F (θ − θ*)²: how far the model moved where it matters."""
        return 2.0 * self.compute_ewc_penalty(model)

    def ewc_loss(self, task_loss: float) -> float:
        """task_loss + λ · ½ Σ F (θ − θ*)²."""
        return task_loss + self.lambda_ * self.compute_ewc_penalty()

    def compute_gradient_penalty(self) -> VectorDict:
        """λ·F·(θ − θ*) for every key of `theta_star`."""
        out = VectorDict()
        for key, node, name, anchor, scaled in self._resolved(self.model):
            out[key] = ewc_math.penalty_gradient(node.get_param(name), anchor, scaled)
        return out

    def apply_ewc_penalty_to_gradients(self, model: Optional[Model] = None) -> None:
        """Add λ·F·(θ − θ*) to the gradient of every protected parameter, in place.

        Parameters that have no gradient in this step get one, so the pull towards θ*
        acts at every optimizer step. `model` defaults to the component's model; the
        wrapper passes itself so a deep copy of a wrapped model penalises the copy.
        """
        if self.lambda_ == 0.0:
            return
        for _key, node, name, anchor, scaled, buffer in self._resolved_with_buffers(model or self.model):
            node.inc_grad(name, ewc_math.penalty_gradient(node.get_param(name), anchor, scaled, out=buffer))

    # ------------------------------------------------------------------ recipe

    def add_pseudo_labels(
        self,
        examples: Iterable,
        *,
        labels: Optional[Iterable[str]] = None,
        replay: Optional[Iterable[str]] = None,
        replay_ratio: Optional[float] = None,
        seed: int = 0,
    ) -> List:
        """The training examples completed with the bound pipeline's own predictions.

        The recipe that keeps both the old labels and the new one: call it right after
        `protect`, before training, so the pipeline still predicts what it did when θ* was
        taken. Gold wins where it overlaps a prediction; see
        `spacy_ewc.utils.add_pseudo_labels` for `labels`, `replay` and `replay_ratio`.
        """
        from ..utils.pseudo_labels import DEFAULT_REPLAY_RATIO, add_pseudo_labels

        if self.nlp is None:
            raise ValueError(Errors.E227)
        drift = self.compute_drift()
        if drift > 0.0:
            warnings.warn(Warnings.W220.format(name=self.pipe_name, drift=drift), stacklevel=2)
        return add_pseudo_labels(
            examples, self.nlp, labels=labels, replay=replay, seed=seed,
            replay_ratio=DEFAULT_REPLAY_RATIO if replay_ratio is None else replay_ratio,
        )

    # ------------------------------------------------------------------ internals

    def _reset_cache(self) -> None:
        self._scaled: Dict[str, Any] = {}
        self._buffers: Dict[str, Any] = {}
        self._signature: Dict[int, Tuple[int, ...]] = {}
        self._resolution: Dict[int, List[Tuple[str, Model, str, Any, Any, Any]]] = {}
        self._warned = False

    def _model_of(self, obj: Any) -> Model:
        if obj is None:
            return self.model
        if isinstance(obj, Model):
            return unwrap(obj)
        component, _, _ = resolve_pipe(obj, self.pipe_name)
        return unwrap(component.model)

    def _current_params(self, model: Optional[Model] = None) -> Dict[str, Any]:
        resolved = self._resolved(model if model is not None else self.model)
        return {key: node.get_param(name) for key, node, name, _, _ in resolved}

    def _resolved(self, model: Model):
        return [entry[:5] for entry in self._resolved_with_buffers(model)]

    def _resolved_with_buffers(self, model: Model):
        """(key, node, name, θ*, λF, buffer) per protected array of `model`.

        Recomputed only when the tree's nodes change (a layer replaced by resize_output),
        so the per-update path builds no strings and walks the tree once.
        """
        signature = structure_signature(model)
        cached = self._resolution.get(id(model))
        if cached is not None and self._signature.get(id(model)) == signature:
            return cached
        refs = {ref.key: ref for ref in iter_params(model)}
        self._match(refs)
        entries = []
        for key, anchor in self.theta_star.items():
            ref = refs[key]
            if key not in self._scaled:
                self._scaled[key] = self.fisher_matrix[key] * self.lambda_
            buffer = self._buffers.get(key)
            if buffer is None or buffer.shape != anchor.shape:
                buffer = self._buffers[key] = numpy.empty_like(anchor)
            entries.append((key, ref.node, ref.name, anchor, self._scaled[key], buffer))
        self._resolution = {id(model): entries}
        self._signature = {id(model): signature}
        return entries

    def _match(self, refs: Dict[str, ParamRef]) -> None:
        """Check the state against the model; grow θ* and F where an output layer grew."""
        missing = [key for key in self.theta_star if key not in refs]
        if missing:
            raise ValueError(
                Errors.E012.format(problem=f"the model has no parameter {', '.join(missing[:5])}")
            )
        for key, ref in refs.items():
            if key not in self.theta_star:
                continue
            param = ref.node.get_param(ref.name)
            anchor = self.theta_star[key]
            if param.shape == anchor.shape:
                continue
            try:
                self.theta_star[key] = ewc_math.grow(anchor, param.shape, param)
                self.fisher_matrix[key] = ewc_math.grow(
                    self.fisher_matrix[key], param.shape, numpy.zeros_like(param)
                )
                if key in self.fisher_raw:
                    self.fisher_raw[key] = ewc_math.grow(
                        self.fisher_raw[key], param.shape, numpy.zeros_like(param)
                    )
            except ValueError:
                raise ValueError(
                    Errors.E012.format(
                        problem=f"parameter {key} has shape {param.shape}, the state "
                        f"{anchor.shape}, and it did not grow"
                    )
                ) from None
            self._scaled.pop(key, None)
            logger.info(
                "EWC: %s grew from %s to %s; new entries have zero importance",
                key, anchor.shape, param.shape,
            )
        extra = [key for key in refs if key not in self.theta_star]
        if extra and not self._warned:
            self._warned = True
            logger.warning(
                Warnings.W001.format(count=len(extra), name=self.pipe_name, keys=", ".join(extra))
            )

    # ------------------------------------------------------------------ state

    @property
    def keys(self) -> List[str]:
        return list(self.theta_star)

    def to_disk(self, path: Union[str, Path]) -> None:
        """Save θ*, F, λ and the settings to the folder `path` (created if needed)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        keys = self.keys
        theta_star, fisher = self.theta_star.to_numpy(), self.fisher_matrix.to_numpy()
        raw = self.fisher_raw.to_numpy()
        arrays = {}
        for i, key in enumerate(keys):
            arrays[f"theta_star_{i}"] = theta_star[key]
            arrays[f"fisher_{i}"] = fisher[key]
            if key in raw:
                arrays[f"fisher_raw_{i}"] = raw[key]
        numpy.savez(path / _ARRAYS_FILE, **arrays)
        meta = {
            "format": STATE_FORMAT,
            "pipe_name": self.pipe_name,
            "lambda": self.lambda_,
            "fisher_kind": self.fisher_kind,
            "normalize": self.normalize,
            "fisher_scale": self.fisher_scale,
            "n_examples": self.n_examples,
            "tasks": self.tasks,
            "keys": keys,
            "shapes": [list(self.theta_star[key].shape) for key in keys],
        }
        (path / _META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf8")

    @classmethod
    def from_disk(
        cls,
        path: Union[str, Path],
        pipe: Union[Language, TrainablePipe],
        pipe_name: Optional[str] = None,
    ) -> EWC:
        """Load a state saved by `to_disk` and check it against `pipe`'s model."""
        path = Path(path)
        meta_path, arrays_path = path / _META_FILE, path / _ARRAYS_FILE
        if not meta_path.is_file() or not arrays_path.is_file():
            raise FileNotFoundError(
                Errors.E013.format(path=path, files=f"{_META_FILE}, {_ARRAYS_FILE}")
            )
        meta = json.loads(meta_path.read_text(encoding="utf8"))
        if meta.get("format") != STATE_FORMAT:
            raise ValueError(
                Errors.E015.format(path=path, found=meta.get("format"), expected=STATE_FORMAT)
            )
        self = cls.__new__(cls)
        self._bind(pipe, pipe_name or meta["pipe_name"], meta["lambda"])
        self.fisher_kind = meta["fisher_kind"]
        self.normalize = meta["normalize"]
        self.fisher_scale = meta["fisher_scale"]
        self.n_examples = meta["n_examples"]
        self.tasks = meta.get("tasks", 1)
        self.theta_star, self.fisher_matrix, self.fisher_raw = VectorDict(), VectorDict(), VectorDict()
        with numpy.load(arrays_path, allow_pickle=False) as arrays:
            for i, key in enumerate(meta["keys"]):
                self.theta_star[key] = arrays[f"theta_star_{i}"]
                self.fisher_matrix[key] = arrays[f"fisher_{i}"]
                if f"fisher_raw_{i}" in arrays:
                    self.fisher_raw[key] = arrays[f"fisher_raw_{i}"]
        self._reset_cache()
        self._match({ref.key: ref for ref in iter_params(self.model)})
        return self

    @classmethod
    def from_parts(
        cls,
        pipe: Union[Language, TrainablePipe],
        theta_star: Dict[str, Any],
        fisher_raw: Dict[str, Any],
        n_examples: int,
        *,
        lambda_: float = DEFAULT_LAMBDA,
        pipe_name: Optional[str] = None,
        fisher_kind: str = "empirical",
        normalize: Optional[str] = DEFAULT_NORMALIZATION,
    ) -> EWC:
        """A state from arrays computed elsewhere (Fisher shards, other processes).

        `fisher_raw` is the mean of per-example squared gradients over `n_examples`;
        F is it normalised as `normalize` says. Checked against `pipe`'s model.
        """
        if set(theta_star) != set(fisher_raw):
            raise ValueError(Errors.E012.format(problem="θ* and the Fisher have different keys"))
        self = cls.__new__(cls)
        self.normalize = check_normalize(normalize)
        self._bind(pipe, pipe_name, lambda_)
        self.fisher_kind = fisher_kind
        self.theta_star = VectorDict(theta_star)
        self._set_fisher(fisher_raw, n_examples)
        self._reset_cache()
        self._match({ref.key: ref for ref in iter_params(self.model)})
        return self

    def consolidate(self, new: EWC, gamma: float = ewc_math.DEFAULT_GAMMA) -> None:
        """Online EWC after a task: θ* becomes `new`'s θ*, F becomes γ·F + F_new.

        `new` is this component's state computed on the task just learnt (at the current
        weights). Old importance is zero-padded where an output layer grew; each task adds
        F normalised on its own, so λ is a strength per task. In place: a wrapper applying
        this state's penalty keeps working.
        """
        if new.pipe_name != self.pipe_name or new.normalize != self.normalize:
            raise ValueError(
                f"Cannot consolidate a state of '{new.pipe_name}' (normalize={new.normalize!r}) into one "
                f"of '{self.pipe_name}' (normalize={self.normalize!r}): compute the new state for the "
                "same component with the same normalize."
            )
        self.fisher_matrix = VectorDict(ewc_math.consolidate(self.fisher_matrix, new.fisher_matrix, gamma))
        self.fisher_raw = VectorDict(ewc_math.consolidate(self.fisher_raw, new.fisher_raw, gamma))
        self.theta_star = new.theta_star.copy()
        self.pipe, self.model = new.pipe, new.model
        self.nlp = new.nlp if new.nlp is not None else self.nlp
        self.fisher_scale = new.fisher_scale
        self.n_examples += new.n_examples
        self.tasks += new.tasks
        if new.fisher_kind != self.fisher_kind:
            self.fisher_kind = "+".join(sorted(set(self.fisher_kind.split("+")) | {new.fisher_kind}))
        self._reset_cache()

    def __deepcopy__(self, memo):
        """Copy the arrays and the model (through `memo`), share the component and its Language."""
        import copy

        new = self.__class__.__new__(self.__class__)
        memo[id(self)] = new
        for attr, value in self.__dict__.items():
            if attr in ("pipe", "nlp"):
                setattr(new, attr, value)
            else:
                setattr(new, attr, copy.deepcopy(value, memo))
        new._reset_cache()
        return new

    def __repr__(self) -> str:
        return (
            f"EWC(pipe_name={self.pipe_name!r}, lambda_={self.lambda_}, "
            f"fisher={self.fisher_kind!r}, arrays={len(self.theta_star)}, "
            f"floats={self.theta_star.size})"
        )
