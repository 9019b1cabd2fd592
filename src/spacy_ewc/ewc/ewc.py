"""The EWC state of one pipeline component: θ*, the diagonal Fisher F and λ."""

from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from thinc.api import Model
from thinc.util import get_array_module

from ..checks import check_int
from ..errors import Errors, EWCWarning, InvalidPipeError, Warnings
from . import math as ewc_math
from .fisher import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BLOCK,
    check_pass_options,
    make_examples,
    squared_gradient_sums,
)
from .params import ParamRef, collect_params, iter_params, structure_signature, unwrap
from .state_file import (
    STATE_FORMAT,
    array_problem,
    fisher_kind_ok,
    read_state,
    shards_problem,
    state_arrays,
    write_state,
)
from .vector_dict import VectorDict

logger = logging.getLogger("spacy_ewc")

DEFAULT_LAMBDA = 2000.0
"""On the "peak" scale: the smallest round λ that kept the drift of every spaCy component
type at most 1/5 of plain fine-tuning (benchmarks/results/components.md, docs/lambda.md)."""
# An explicit λ above (W200) or below (W201) these is far from the default scale.
LAMBDA_WARN_ABOVE = 100 * DEFAULT_LAMBDA
LAMBDA_WARN_BELOW = DEFAULT_LAMBDA / 50
PENALTY_CHUNK = 1 << 12
DEFAULT_NORMALIZATION = "peak"
LEGACY_NORMALIZATION = "mean"
"""The scale of states saved without one (spacy-ewc ≤ 0.2)."""
_UNSET: Any = object()


def resolve_pipe(pipe: Any, pipe_name: Optional[str]) -> Tuple[TrainablePipe, Optional[Language], str]:
    """The component to protect, the Language around it (if given) and its name."""
    if isinstance(pipe, Language):
        name = pipe_name or "ner"
        if name not in pipe.pipe_names:
            raise ValueError(Errors.E002.format(name=name, names=", ".join(pipe.pipe_names)))
        component = pipe.get_pipe(name)
        if not isinstance(component, TrainablePipe):
            raise InvalidPipeError(Errors.E003.format(name=name, type=type(component).__name__))
        return component, pipe, name
    if isinstance(pipe, TrainablePipe):
        return pipe, None, pipe.name
    raise InvalidPipeError(Errors.E001.format(type=type(pipe).__name__))


def check_lambda(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(Errors.E008.format(value=value)) from None
    if isinstance(value, bool) or not math.isfinite(number) or number < 0:
        raise ValueError(Errors.E008.format(value=value))
    return number


def warn_if_off_scale(lambda_: float, normalize: Optional[str]) -> None:
    """W200 when λ is far above the default scale; W201 when it is far below it on the
    "peak" scale, as a λ tuned on spacy-ewc 0.2's "mean" scale is (0.3 to 30)."""
    if 0.0 < lambda_ < LAMBDA_WARN_BELOW and normalize == DEFAULT_NORMALIZATION:
        message = Warnings.W201.format(value=lambda_, default=DEFAULT_LAMBDA)
        warnings.warn(message, EWCWarning, stacklevel=3)
    if lambda_ > LAMBDA_WARN_ABOVE:
        message = Warnings.W200.format(value=lambda_, ratio=lambda_ / DEFAULT_LAMBDA, default=DEFAULT_LAMBDA)
        warnings.warn(message, EWCWarning, stacklevel=3)


def penalty_chunk(n_floats: int) -> int:
    """Floats of the penalty's scratch buffer: 1/128 of θ* (at least PENALTY_CHUNK), so
    the state stays near 2× the protected bytes and an update loops over at most 128
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


def check_normalize(value: Optional[str]) -> Optional[str]:
    if not isinstance(value, (str, type(None))) or value not in ewc_math.NORMALIZATIONS:
        raise ValueError(Errors.E046.format(value=value))
    return value


def mean_fisher(sums: Dict[str, Any], n_examples: int, pipe_name: str) -> VectorDict:
    """The mean of per-example squared gradients from their sums; a pass that left no
    gradient anywhere is an error, not an empty protection."""
    broken = [key for key, s in sums.items() if not numpy.isfinite(s).all()]
    if broken:
        raise ValueError(Errors.E045.format(name=pipe_name, keys=", ".join(broken[:5])))
    if not any(float(s.max()) > 0.0 for s in sums.values() if s.size):
        raise ValueError(Errors.E017.format(name=pipe_name))
    return VectorDict((key, value / n_examples) for key, value in sums.items())


class StateArrays:
    """An EWC attribute holding a VectorDict (θ* or F); assigning it (any mapping) drops the
    resolved penalty steps, so the next update uses the new arrays."""

    def __init__(self, doc: str):
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, ewc: Any, owner: Optional[type] = None) -> Any:
        return self if ewc is None else getattr(ewc, self.slot)

    def __set__(self, ewc: Any, value: Dict[str, Any]) -> None:
        setattr(ewc, self.slot, value if isinstance(value, VectorDict) else VectorDict(value))
        ewc._invalidate()


class EWC:
    """Elastic Weight Consolidation for one spaCy component.

    Captures the trained parameters θ* of every array in the component's model tree and
    their diagonal Fisher information F from `data`; during later training
    `apply_ewc_penalty_to_gradients` adds λ·F·(θ−θ*) to the gradients.

    pipe: a `Language` (the component is `pipe_name`, default "ner") or a `TrainablePipe`.
    data: Examples, (text, annotations) tuples, texts or Docs to estimate F from.
    lambda_: strength of the penalty, on the scale set by `normalize` (docs/lambda.md).
    fisher: "empirical" (gold annotations), "predicted" (the model's own predictions as
        targets: raw text is enough) or "auto" (empirical when every item is annotated).
    normalize: "peak" (default: F divided by the mean of its arrays' largest entries, the
        scale on which one λ protects every component type alike), "mean" (the scale of
        spacy-ewc ≤ 0.2), "max", or None for the raw Fisher.
    fisher_batch_size: examples per backward pass of the Fisher pass, at most (default 8,
        at least 8 batches); 1 is the per-example pass, more the batched estimator, which
        is unbiased and about twice as fast (docs/fisher.md).
    fisher_tol: stop the pass once F changes by less than this (relative) over the last
        `fisher_block` examples; None uses every example. `n_examples` and `converged`
        say what was used.

    `theta_star` and `fisher_matrix` may be replaced at any time; the next update uses them.
    """

    model_type = Union[Language, TrainablePipe]
    """What `pipe` may be (spacy-ewc 0.1.1's name): `typing.get_args(EWC.model_type)`."""

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
        fisher_batch_size: int = DEFAULT_BATCH_SIZE,
        fisher_tol: Optional[float] = None,
        fisher_block: int = DEFAULT_BLOCK,
    ):
        nlp = self._bind(pipe, pipe_name, lambda_)
        self.normalize = check_normalize(normalize)
        warn_if_off_scale(self.lambda_, self.normalize)
        seed = check_int(seed, "seed", 0)
        check_pass_options(fisher_batch_size, fisher_tol, fisher_block)
        self._pass_options = {"batch_size": fisher_batch_size, "tol": fisher_tol, "block": fisher_block}
        self.theta_star = self._capture_current_parameters(copy=True)
        self._check_theta_star()
        examples, self.fisher_kind = make_examples(data, fisher, self.pipe, nlp)
        self._progress = progress
        self._compute_fisher_matrix(examples, nlp, seed=seed)
        self.shards = [(seed, seed + self.n_examples)]
        self._reset_cache()
        self._check_penalty_scale()

    def _bind(self, pipe: Any, pipe_name: Optional[str], lambda_: Any) -> Optional[Language]:
        """Attach to the component, checking what every constructor checks; return its Language."""
        component, nlp, name = resolve_pipe(pipe, pipe_name)
        self.lambda_ = check_lambda(lambda_)
        self.nlp = nlp
        self.pipe, self.pipe_name, self.model = component, name, unwrap(component.model)
        collect_params(self.model, name)
        self.tasks, self._progress = 1, None
        self.shards: Optional[List[Tuple[int, int]]] = None
        self._labels = _labels_of(component)
        self._pass_options, self.converged, self.fisher_batch_size = {}, None, None
        return nlp

    def _check_theta_star(self) -> None:
        broken = [key for key, value in self.theta_star.items() if not numpy.isfinite(value).all()]
        if broken:
            raise ValueError(Errors.E044.format(name=self.pipe_name, keys=", ".join(broken[:5])))

    def _check_penalty_scale(self, lambda_: Optional[float] = None) -> None:
        """λ·F must stay finite in the arrays' dtype, or the first update breaks the weights."""
        lambda_ = self.lambda_ if lambda_ is None else lambda_
        if not self.fisher_matrix:
            return
        fisher_max = max((float(f.max()) for f in self.fisher_matrix.values() if f.size), default=0.0)
        dtype = next(iter(self.fisher_matrix.values())).dtype
        scaled = lambda_ * fisher_max
        if not math.isfinite(scaled) or scaled > float(numpy.finfo(dtype).max):
            raise ValueError(
                Errors.E041.format(lam=lambda_, fisher_max=fisher_max, dtype=dtype, default=DEFAULT_LAMBDA)
            )

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
        Also sets `n_examples` (the examples used), `converged` and `fisher_batch_size`
        (`fisher_raw` is F·fisher_scale). Example i is seeded with `seed + i` (a shard passes
        the global index of its first example).
        """
        examples = list(examples)
        if not examples:
            raise ValueError(Errors.E006)
        refs = collect_params(self.model, self.pipe_name)
        sums = squared_gradient_sums(
            self.pipe, examples, refs, progress=self._progress, seed=seed, nlp=nlp, **self._pass_options
        )
        self._set_fisher(mean_fisher(sums, sums.n_examples, self.pipe_name), sums.n_examples)
        self.converged, self.fisher_batch_size = sums.converged, sums.batch_size
        return self.fisher_matrix

    def _set_fisher(self, fisher_raw: Dict[str, Any], n_examples: int) -> None:
        self.n_examples = int(n_examples)
        scaled, self.fisher_scale = ewc_math.normalize(fisher_raw, self.normalize)
        self.fisher_matrix = VectorDict(scaled)
        self._fisher_raw = None
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

    # ------------------------------------------------------------------ penalty

    def set_lambda(self, new_lambda: float = _UNSET, *, lambda_: float = _UNSET) -> None:
        """Change the strength of the penalty (a finite number >= 0).

        `new_lambda` is spacy-ewc 0.1.1's keyword, `lambda_` 0.2.0's; positional works for both.
        """
        if (new_lambda is _UNSET) == (lambda_ is _UNSET):
            raise TypeError(Errors.E205)
        value = check_lambda(lambda_ if new_lambda is _UNSET else new_lambda)
        self._check_penalty_scale(value)
        self.lambda_ = value
        warn_if_off_scale(self.lambda_, self.normalize)
        self._invalidate()

    theta_star = StateArrays("θ*: the anchor of every protected array, keyed by layer path.")
    fisher_matrix = StateArrays("F: the (normalised) diagonal Fisher of every protected array.")

    def _invalidate(self) -> None:
        """Drop the resolved penalty steps: the next update rebuilds them from the state."""
        self._resolution: Dict[int, List[Tuple[Callable, tuple]]] = {}

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
        for key, node, name in self._resolved(self.model):
            fisher = self.fisher_matrix[key] * self.lambda_
            out[key] = ewc_math.penalty_gradient(node.get_param(name), self.theta_star[key], fisher)
        return out

    def apply_ewc_penalty_to_gradients(self, model: Optional[Model] = None) -> None:
        """Add λ·F·(θ − θ*) to the gradient of every protected parameter, in place.

        Parameters that have no gradient in this step get one, so the pull towards θ*
        acts at every optimizer step. `model` defaults to the component's model; the
        wrapper passes itself so a deep copy of a wrapped model penalises the copy.
        """
        lambda_ = self.lambda_
        if lambda_ == 0.0:
            return
        for add_penalty, args in self._penalty_steps(model or self.model):
            add_penalty(*args, lambda_)

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
        self._invalidate()
        self._scratch: List[Any] = []
        self._signature: Dict[int, Tuple[int, ...]] = {}
        self._warned = False

    def _model_of(self, obj: Any) -> Model:
        if obj is None:
            return self.model
        if isinstance(obj, Model):
            return unwrap(obj)
        component, _, _ = resolve_pipe(obj, self.pipe_name)
        return unwrap(component.model)

    def _current_params(self, model: Optional[Model] = None) -> Dict[str, Any]:
        """The parameters of `model` under the state's keys and shapes, for queries.

        Another model never changes the state: rows its output layer grew are left out (F
        is zero there). The protected component's own growth is taken into the state, as
        its next update would (zero importance on the new rows)."""
        model = self.model if model is None else model
        refs = {ref.key: ref for ref in iter_params(model)}
        if model is self.model:
            self._match(refs)
        else:
            self._grown(refs)
        params = {}
        for key, anchor in self.theta_star.items():
            param = refs[key].node.get_param(refs[key].name)
            old = tuple(slice(0, n) for n in anchor.shape)
            params[key] = param if param.shape == anchor.shape else param[old]
        return params

    def _resolved(self, model: Model) -> List[Tuple[str, Any, str]]:
        """(key, node, name) per protected array of `model`, after checking the state against it."""
        refs = {ref.key: ref for ref in iter_params(model)}
        self._match(refs)
        return [(key, refs[key].node, refs[key].name) for key in self.theta_star]

    def _penalty_steps(self, model: Model) -> List[Tuple[Callable, tuple]]:
        """(function, arguments) that add λ·F·(θ−θ*) to one array's gradient, given λ.

        Recomputed only when the tree's nodes change (a layer replaced by resize_output),
        so the per-update path builds no strings and walks the tree once. No λF is kept:
        every step works through one scratch buffer of `penalty_chunk` floats shared by
        all arrays, chunk by chunk; torch parameters work on torch views of θ*, F and it.
        """
        signature = structure_signature(model)
        cached = self._resolution.get(id(model))
        if cached is not None and self._signature.get(id(model)) == signature:
            return cached
        resolved = self._resolved(model)
        chunk = penalty_chunk(self.theta_star.size)
        scratch: Dict[Tuple[type, Any], Any] = {}
        steps = []
        for key, node, name in resolved:
            anchor, fisher = self.theta_star[key].ravel(), self.fisher_matrix[key].ravel()
            kind = (type(anchor), anchor.dtype)
            if kind not in scratch:
                scratch[kind] = get_array_module(anchor).empty(chunk, dtype=anchor.dtype)
            buffer = scratch[kind]
            if isinstance(node, Model):
                steps.append((_add_penalty, (node, name, anchor, fisher, buffer)))
            else:
                views = (node.tensor(name, anchor), node.tensor(name, fisher), node.tensor(name, buffer))
                steps.append((node.add_penalty, (name, *views)))
        self._scratch = list(scratch.values())
        self._resolution = {id(model): steps}
        self._signature = {id(model): signature}
        return steps

    @property
    def nbytes(self) -> int:
        """Bytes the state holds: θ*, F, the unnormalised F where it is kept apart
        (after `consolidate`), and the penalty's scratch buffer."""
        arrays = [*self.theta_star.values(), *self.fisher_matrix.values(), *self._scratch]
        if self._fisher_raw is not None:
            arrays.extend(a for k, a in self._fisher_raw.items() if a is not self.fisher_matrix.get(k))
        return sum(int(a.nbytes) for a in arrays)

    def _grown(self, refs: Dict[str, ParamRef]) -> List[Tuple[str, Any, Any]]:
        """Check the state against the model; (key, θ*, parameter) of each array whose output
        layer grew since. Changes nothing but the one-time W001 for unprotected arrays."""
        missing = [key for key in self.theta_star if key not in refs]
        if missing:
            raise ValueError(
                Errors.E012.format(problem=f"the model has no parameter {', '.join(missing[:5])}")
            )
        grown = []
        for key, ref in refs.items():
            if key not in self.theta_star:
                continue
            param = ref.node.get_param(ref.name)
            anchor = self.theta_star[key]
            if param.shape == anchor.shape:
                continue
            if not _grows_in_output(anchor.shape, param.shape):
                raise ValueError(
                    Errors.E012.format(
                        problem=f"parameter {key} has shape {param.shape}, the state "
                        f"{anchor.shape}, and it did not grow along its output dimension"
                    )
                )
            grown.append((key, anchor, param))
        extra = [key for key in refs if key not in self.theta_star]
        if extra and not self._warned:
            self._warned = True
            warnings.warn(
                Warnings.W001.format(count=len(extra), name=self.pipe_name, keys=", ".join(extra)),
                stacklevel=3,
            )
        return grown

    def _match(self, refs: Dict[str, ParamRef]) -> None:
        """Check the state against the model; grow θ* and F where an output layer grew."""
        for key, anchor, param in self._grown(refs):
            self.theta_star[key] = ewc_math.grow(anchor, param.shape, param)
            zeros = numpy.zeros_like(param)
            self.fisher_matrix[key] = ewc_math.grow(self.fisher_matrix[key], param.shape, zeros)
            if self._fisher_raw is not None and key in self._fisher_raw:
                self._fisher_raw[key] = ewc_math.grow(self._fisher_raw[key], param.shape, zeros)
            self._resolution = {}
            self._labels = _labels_of(self.pipe)
            logger.info(
                "EWC: %s grew from %s to %s; new entries have zero importance",
                key, anchor.shape, param.shape,
            )

    # ------------------------------------------------------------------ state

    @property
    def keys(self) -> List[str]:
        return list(self.theta_star)

    def to_disk(self, path: Union[str, Path]) -> None:
        """Save θ*, F, λ and the settings to the folder `path`.

        The folder is replaced as a whole once the new state is complete, so a failed or
        interrupted save leaves the previous state as it was.
        """
        keys = self.keys
        arrays = state_arrays(
            self.theta_star.to_numpy(), self.fisher_matrix.to_numpy(), self.fisher_raw.to_numpy(), keys
        )
        meta = {
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
        }
        meta["fisher_pass"] = {"batch_size": self.fisher_batch_size, "converged": self.converged}
        write_state(path, meta, arrays)

    @classmethod
    def from_disk(
        cls,
        path: Union[str, Path],
        pipe: Union[Language, TrainablePipe],
        pipe_name: Optional[str] = None,
    ) -> EWC:
        """Load a state saved by `to_disk`, after checking its files and it against `pipe`'s model."""
        meta, arrays = read_state(path)
        path = Path(path)
        self = cls.__new__(cls)
        self._bind(pipe, pipe_name or meta["pipe_name"], meta["lambda"])
        self.fisher_kind = meta["fisher_kind"]
        self.normalize = meta.get("normalize", LEGACY_NORMALIZATION)
        self.fisher_scale = float(meta["fisher_scale"])
        self.n_examples = meta["n_examples"]
        self.tasks = meta.get("tasks", 1)
        fisher_pass = meta.get("fisher_pass") or {}
        self.fisher_batch_size = fisher_pass.get("batch_size", 1)
        self.converged = fisher_pass.get("converged")
        shards = meta.get("shards")
        self.shards = [tuple(r) for r in shards] if shards is not None and self.tasks == 1 else None
        current_labels, self._labels = self._labels, meta.get("labels")
        self.theta_star, self.fisher_matrix, raw = VectorDict(), VectorDict(), VectorDict()
        for i, key in enumerate(meta["keys"]):
            self.theta_star[key] = arrays[f"theta_star_{i}"]
            self.fisher_matrix[key] = arrays[f"fisher_{i}"]
            if self.tasks > 1 and f"fisher_raw_{i}" in arrays:
                raw[key] = arrays[f"fisher_raw_{i}"]
        self.fisher_raw = raw or None
        refs = {ref.key: ref for ref in iter_params(self.model)}
        self._check_growth(path, refs, current_labels)
        self._reset_cache()
        self._match(refs)
        self._check_penalty_scale()
        return self

    def _check_growth(self, path: Path, refs: Dict[str, ParamRef], current_labels) -> None:
        """A saved array smaller than the model's is grown only when labels were added since."""
        if self._labels is None or current_labels is None:
            return
        for key, anchor in self.theta_star.items():
            ref = refs.get(key)
            if ref is None or ref.node.get_param(ref.name).shape == anchor.shape:
                continue
            if not set(self._labels) <= set(current_labels):
                missing = ", ".join(sorted(set(self._labels) - set(current_labels))[:5])
                raise ValueError(Errors.E012.format(problem=f"'{self.pipe_name}' lacks the labels {missing}"))
            if set(self._labels) == set(current_labels):
                problem = (
                    f"the array of {key} has shape {anchor.shape}, the model "
                    f"{ref.node.get_param(ref.name).shape}, but '{self.pipe_name}' has no labels that "
                    "were added after the state was saved, so it cannot have grown"
                )
                raise ValueError(Errors.E030.format(path=path, problem=problem))

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
        shards: Optional[List[Tuple[int, int]]] = None,
    ) -> EWC:
        """A state from arrays computed elsewhere (Fisher shards, other processes).

        `fisher_raw` is the mean of per-example squared gradients over `n_examples`;
        F is it normalised as `normalize` says. `shards` are the [start, end) ranges of
        the examples it covers (checked by `continual.merge`). Checked against `pipe`'s model.
        """
        self = cls.__new__(cls)
        self.normalize = check_normalize(normalize)
        self._bind(pipe, pipe_name, lambda_)
        _check_parts(theta_star, fisher_raw, n_examples, fisher_kind, shards)
        self.fisher_kind = fisher_kind
        self.theta_star = VectorDict(theta_star)
        self._set_fisher(fisher_raw, n_examples)
        self.shards = [tuple(r) for r in shards] if shards is not None else None
        self._reset_cache()
        self._match({ref.key: ref for ref in iter_params(self.model)})
        self._check_penalty_scale()
        return self

    def consolidate(self, new: EWC, gamma: float = ewc_math.DEFAULT_GAMMA) -> None:
        """Online EWC after a task: θ* becomes `new`'s θ*, F becomes γ·F + F_new.

        `new` is this component's state computed on the task just learnt (at the current
        weights). Old importance is zero-padded where an output layer grew; each task adds
        F normalised on its own, so λ is a strength per task. In place: a wrapper applying
        this state's penalty keeps working.
        """
        if not isinstance(new, EWC):
            raise TypeError(Errors.E037.format(index=0, type=type(new).__name__))
        if new is self or new.fisher_matrix is self.fisher_matrix:
            raise ValueError(Errors.E076)
        if new.pipe is not self.pipe:
            raise ValueError(Errors.E077)
        if new.pipe_name != self.pipe_name or new.normalize != self.normalize:
            raise ValueError(
                Errors.E078.format(
                    new_name=new.pipe_name, new_normalize=new.normalize,
                    name=self.pipe_name, normalize=self.normalize,
                )
            )
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not 0 <= gamma < math.inf:
            raise ValueError(Errors.E042.format(value=gamma))
        with numpy.errstate(over="ignore", invalid="ignore"):
            fisher = VectorDict(ewc_math.consolidate(self.fisher_matrix, new.fisher_matrix, gamma))
        if not all(numpy.isfinite(f).all() for f in fisher.values()):
            raise ValueError(Errors.E043.format(gamma=gamma))
        previous = self.fisher_matrix
        self.fisher_matrix = fisher
        try:
            self._check_penalty_scale()
        except ValueError:
            self.fisher_matrix = previous
            raise
        self.fisher_raw = VectorDict(ewc_math.consolidate(self.fisher_raw, new.fisher_raw, gamma))
        self.theta_star = new.theta_star.copy()
        self._labels = new._labels
        self.shards = None
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


def _labels_of(pipe: TrainablePipe) -> Optional[Tuple[str, ...]]:
    try:
        labels = pipe.labels
    except (AttributeError, NotImplementedError, KeyError, ValueError):
        return None
    return tuple(labels) if labels is not None else None


def _grows_in_output(old: Tuple[int, ...], new: Tuple[int, ...]) -> bool:
    """An output layer grows along its first (output) dimension only, when labels are added."""
    return len(old) == len(new) and old[1:] == new[1:] and old[0] < new[0] if old else False


def _check_parts(theta_star: Any, fisher_raw: Any, n_examples: Any, fisher_kind: Any, shards: Any) -> None:
    for name, parts in (("theta_star", theta_star), ("fisher_raw", fisher_raw)):
        if not isinstance(parts, dict) or not parts or not all(isinstance(k, str) for k in parts):
            problem = f"{name} must be a non-empty dict keyed by parameter path, got {type(parts).__name__}"
            raise TypeError(Errors.E040.format(problem=problem))
    if set(theta_star) != set(fisher_raw):
        raise ValueError(Errors.E040.format(problem="θ* and the Fisher have different keys"))
    for key, anchor in theta_star.items():
        problem = array_problem(f"theta_star[{key!r}]", anchor) or array_problem(
            f"fisher_raw[{key!r}]", fisher_raw[key], getattr(anchor, "shape", None), importance=True
        )
        if problem:
            raise ValueError(Errors.E040.format(problem=problem))
    check_int(n_examples, "n_examples", 1)
    if not fisher_kind_ok(fisher_kind):
        raise ValueError(Errors.E047.format(value=fisher_kind))
    problem = shards_problem(shards, n_examples)
    if problem:
        raise ValueError(Errors.E040.format(problem=problem))
