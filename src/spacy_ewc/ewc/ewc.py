"""`EWC`, the documented facade: a state (`state.py`) bound to one pipeline component, estimated
by `estimate.py` and applied by `penalty.py`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from thinc.api import Model

from ..checks import check_int
from ..errors import Errors, InvalidPipeError, Warnings, warn
from . import math as ewc_math
from .estimate import FisherEstimate, estimate_fisher
from .fisher import DEFAULT_BLOCK, FisherPass, plan_pass
from .params import ParamRef, collect_params, iter_params, unwrap
from .penalty import Penalty, labels_of
from .state import LEGACY_NORMALIZATION, EWCState, normalized
from .state_file import array_problem, fisher_kind_ok, shards_problem
from .vector_dict import VectorDict

__all__ = ["EWC", "DEFAULT_LAMBDA", "DEFAULT_NORMALIZATION", "LEGACY_NORMALIZATION"]

PipeLike = Union[Language, TrainablePipe]
"""What `pipe` may be: a Language (the component is `pipe_name`) or the component itself."""

DEFAULT_LAMBDA = 2000.0
"""On the "peak" scale: the smallest round λ that kept the drift of every spaCy component
type at most 1/5 of plain fine-tuning (benchmarks/results/components.md, docs/lambda.md)."""
# An explicit λ above (W200) or below (W201) these is far from the default scale.
LAMBDA_WARN_ABOVE = 100 * DEFAULT_LAMBDA
LAMBDA_WARN_BELOW = DEFAULT_LAMBDA / 50
DEFAULT_NORMALIZATION = "peak"
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
        warn(Warnings.W201.format(value=lambda_, default=DEFAULT_LAMBDA))
    if lambda_ > LAMBDA_WARN_ABOVE:
        warn(Warnings.W200.format(value=lambda_, ratio=lambda_ / DEFAULT_LAMBDA, default=DEFAULT_LAMBDA))


def check_normalize(value: Optional[str]) -> Optional[str]:
    if not isinstance(value, (str, type(None))) or value not in ewc_math.NORMALIZATIONS:
        raise ValueError(Errors.E046.format(value=value))
    return value


def estimated_fields(estimate: FisherEstimate, **settings: Any) -> Dict[str, Any]:
    """`EWCState`'s arguments for an estimate, F normalised as `settings["normalize"]` says."""
    fisher_matrix, fisher_scale = normalized(estimate.fisher_raw, settings["normalize"])
    return dict(
        settings, theta_star=estimate.theta_star, fisher_matrix=fisher_matrix, fisher_scale=fisher_scale,
        n_examples=estimate.n_examples, converged=estimate.converged, fisher_batch_size=estimate.batch_size,
        fisher_fused=estimate.fused,
    )


class EWC(EWCState):
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
    fisher_batch_size: examples per backward pass of the Fisher pass, at most (default None:
        16 for the fused pass, 8 otherwise; at least 8 batches); 1 is the per-example pass,
        more the batched estimator, which is unbiased and faster (docs/fisher.md).
    fisher_tol: stop the pass once F changes by less than this (relative) over the last
        `fisher_block` examples; None uses every example. `n_examples` and `converged`
        say what was used.
    fisher_fused: True takes the predicted targets of ner and parser from the backward pass
        itself instead of a prediction pass first, False never; the default (None) does it
        for ner only, where it costs under one training epoch and protects as the
        per-example pass does (docs/fisher.md).

    `theta_star` and `fisher_matrix` may be replaced at any time; the next update uses them.
    The data and its serialisation are `EWCState`'s, the Fisher pass `estimate_fisher`'s,
    the penalty on the model `Penalty`'s.
    """

    model_type = PipeLike
    """What `pipe` may be (spacy-ewc 0.1.1's name): `typing.get_args(EWC.model_type)`."""

    def __init__(
        self,
        pipe: PipeLike,
        data: Iterable,
        lambda_: float = DEFAULT_LAMBDA,
        pipe_name: Optional[str] = None,
        *,
        fisher: str = "auto",
        normalize: Optional[str] = DEFAULT_NORMALIZATION,
        progress: Optional[Callable] = None,
        seed: int = 0,
        fisher_batch_size: Optional[int] = None,
        fisher_tol: Optional[float] = None,
        fisher_block: int = DEFAULT_BLOCK,
        fisher_fused: Optional[bool] = None,
    ):
        self._estimate(
            pipe, data, lambda_, pipe_name, fisher=fisher, normalize=normalize, progress=progress,
            seed=seed, fisher_batch_size=fisher_batch_size, fisher_tol=fisher_tol, fisher_block=fisher_block,
            fisher_fused=fisher_fused,
        )

    @classmethod
    def _estimated(
        cls, pipe: Any, data: Iterable, lambda_: float, pipe_name: Optional[str], **options: Any
    ) -> EWC:
        """`EWC(...)` with `_estimate`'s options (`n_process` among them)."""
        self = cls.__new__(cls)
        self._estimate(pipe, data, lambda_, pipe_name, **options)
        return self

    def _estimate(
        self, pipe: Any, data: Iterable, lambda_: Any, pipe_name: Optional[str], *,
        fisher: str = "auto", normalize: Optional[str] = DEFAULT_NORMALIZATION,
        progress: Optional[Callable] = None, seed: Any = 0, n_process: int = 1,
        fisher_batch_size: Any = None, fisher_tol: Any = None,
        fisher_block: Any = DEFAULT_BLOCK, fisher_fused: Any = None,
    ) -> None:
        """Check the arguments, run the Fisher pass (in `n_process` processes) and set up."""
        component, nlp, name = self._resolve(pipe, pipe_name)
        lambda_ = check_lambda(lambda_)
        normalize = check_normalize(normalize)
        warn_if_off_scale(lambda_, normalize)
        seed = check_int(seed, "seed", 0)
        options = FisherPass(fisher_batch_size, fisher_tol, fisher_block, fisher_fused).check()
        if n_process > 1 and nlp is None:
            raise ValueError(Errors.E079)
        examples, kind, options = plan_pass(data, fisher, component, nlp, options)
        estimate = estimate_fisher(
            component, name, examples, nlp=nlp, seed=seed, n_process=n_process, progress=progress,
            options=options,
        )
        covered = len(examples) if n_process > 1 else estimate.n_examples
        fields = estimated_fields(
            estimate, pipe_name=name, lambda_=lambda_, fisher_kind=kind, normalize=normalize,
            shards=[(seed, seed + covered)], labels=labels_of(component),
        )
        self._setup(component, nlp, fields)

    @staticmethod
    def _resolve(pipe: Any, pipe_name: Optional[str]) -> Tuple[TrainablePipe, Optional[Language], str]:
        component, nlp, name = resolve_pipe(pipe, pipe_name)
        collect_params(unwrap(component.model), name)
        return component, nlp, name

    def _setup(
        self, component: TrainablePipe, nlp: Optional[Language], fields: Dict[str, Any],
        *, estimated: bool = True, saved_at: Any = None,
    ) -> None:
        """Every constructor ends here: the state from `fields`, bound to `component`.

        Arrays not `estimated` just now are checked against the model and grown where its
        output layers grew since; saved ones (`saved_at` names where from) only where
        labels were added since.
        """
        EWCState.__init__(self, **fields)
        self.nlp, self.pipe, self.model = nlp, component, unwrap(component.model)
        self._reset_cache()
        if not estimated:
            refs = {ref.key: ref for ref in iter_params(self.model)}
            if saved_at is not None:
                self._check_growth(saved_at, refs, labels_of(component))
            self._penalty.match(refs)
        self._check_penalty_scale()

    @classmethod
    def _build(
        cls, pipe: Any, pipe_name: Optional[str], fields: Dict[str, Any], saved_at: Any = None
    ) -> EWC:
        """A state from arrays computed elsewhere or saved, bound without a Fisher pass."""
        self = cls.__new__(cls)
        component, nlp, name = cls._resolve(pipe, pipe_name or fields["pipe_name"])
        fields = dict(fields, pipe_name=name, lambda_=check_lambda(fields["lambda_"]))
        self._setup(component, nlp, fields, estimated=False, saved_at=saved_at)
        return self

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

    def _capture_current_parameters(self, copy: bool = False) -> VectorDict:
        """Current parameters of every array in the tree, keyed by path; copies if `copy`."""
        params = VectorDict()
        for ref in iter_params(self.model):
            value = ref.node.get_param(ref.name)
            params[ref.key] = value.copy() if copy else value
        return params

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

    def compute_ewc_penalty(self, model: Any = None) -> float:
        """½ Σ F (θ − θ*)² at the current parameters (without λ).

        `model` (a thinc Model, a component or a Language) measures another copy of the
        component, for example one fine-tuned without EWC; default: the protected one.
        """
        params = self._penalty.params(self._model_of(model))
        return ewc_math.penalty(params, self.theta_star, self.fisher_matrix)

    def compute_drift(self, model: Any = None) -> float:
        """Fisher-weighted drift Σ F (θ − θ*)²: how far the model moved where it matters."""
        return 2.0 * self.compute_ewc_penalty(model)

    def ewc_loss(self, task_loss: float) -> float:
        """task_loss + λ · ½ Σ F (θ − θ*)²."""
        return task_loss + self.lambda_ * self.compute_ewc_penalty()

    def compute_gradient_penalty(self) -> VectorDict:
        """λ·F·(θ − θ*) for every key of `theta_star`."""
        return VectorDict(self._penalty.gradient(self.lambda_))

    def apply_ewc_penalty_to_gradients(self, model: Optional[Model] = None) -> None:
        """Add λ·F·(θ − θ*) to the gradient of every protected parameter, in place.

        Parameters that have no gradient in this step get one, so the pull towards θ*
        acts at every optimizer step. `model` defaults to the component's model; the
        wrapper passes itself so a deep copy of a wrapped model penalises the copy.
        """
        if self.lambda_ != 0.0:
            self._penalty.apply(model, self.lambda_)

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
            warn(Warnings.W220.format(name=self.pipe_name, drift=drift))
        return add_pseudo_labels(
            examples, self.nlp, labels=labels, replay=replay, seed=seed,
            replay_ratio=DEFAULT_REPLAY_RATIO if replay_ratio is None else replay_ratio,
        )

    # ------------------------------------------------------------------ internals

    def _reset_cache(self) -> None:
        """A fresh penalty on the bound model: no cached steps, buffers or warnings."""
        self._penalty = Penalty(self, self.pipe, self.model)

    def _model_of(self, obj: Any) -> Model:
        if obj is None:
            return self.model
        if isinstance(obj, Model):
            return unwrap(obj)
        component, _, _ = resolve_pipe(obj, self.pipe_name)
        return unwrap(component.model)

    @property
    def nbytes(self) -> int:
        """Bytes the state holds between updates: θ*, F and the unnormalised F where it is
        kept apart (after `consolidate`). An update adds a scratch buffer of 1/128 of θ*
        for its duration (`penalty.penalty_chunk`)."""
        arrays = [*self.theta_star.values(), *self.fisher_matrix.values()]
        if self._fisher_raw is not None:
            arrays.extend(a for k, a in self._fisher_raw.items() if a is not self.fisher_matrix.get(k))
        return sum(int(a.nbytes) for a in arrays)

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        pipe: PipeLike,
        pipe_name: Optional[str] = None,
    ) -> EWC:
        """Load a state from `to_bytes`, after checking it and it against `pipe`'s model."""
        return cls._build(pipe, pipe_name, EWCState._read_bytes(data), saved_at="the EWC state bytes")

    @classmethod
    def from_disk(
        cls,
        path: Union[str, Path],
        pipe: PipeLike,
        pipe_name: Optional[str] = None,
    ) -> EWC:
        """Load a state saved by `to_disk`, after checking its files and it against `pipe`'s model."""
        return cls._build(pipe, pipe_name, EWCState._read_disk(path), saved_at=Path(path))

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
        pipe: PipeLike,
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
        check_normalize(normalize)
        component, _, name = resolve_pipe(pipe, pipe_name)
        _check_parts(theta_star, fisher_raw, n_examples, fisher_kind, shards)
        estimate = FisherEstimate(VectorDict(theta_star), VectorDict(fisher_raw), n_examples, None, None)
        fields = estimated_fields(
            estimate, pipe_name=name, lambda_=lambda_, fisher_kind=fisher_kind, normalize=normalize,
            shards=shards, labels=labels_of(component),
        )
        return cls._build(pipe, name, fields)

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
            elif attr != "_penalty":
                setattr(new, attr, copy.deepcopy(value, memo))
        new._reset_cache()
        return new

    def __repr__(self) -> str:
        return (
            f"EWC(pipe_name={self.pipe_name!r}, lambda_={self.lambda_}, "
            f"fisher={self.fisher_kind!r}, arrays={len(self.theta_star)}, "
            f"floats={self.theta_star.size})"
        )


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
