"""EWCModelWrapper: a thinc model that applies the EWC penalty in `finish_update`."""

from __future__ import annotations

import inspect
from typing import Any, Callable, Iterable, Optional

from spacy.pipeline import TrainablePipe
from thinc.api import Model, Optimizer

from ..errors import Errors
from ..ewc.ewc import DEFAULT_LAMBDA, EWC, PipeLike, resolve_pipe
from ..ewc.params import unwrap


class EWCModelWrapper(Model):
    """Stand-in for a component's model that adds the EWC penalty to its gradients.

    The wrapper is a twin of the wrapped root node: it shares its layers, parameters,
    dims, refs and attrs (and its id), so spaCy and thinc see the same model — prediction,
    `to_bytes`, `resize_output`, `walk` and optimizer state all behave as before — and
    only `finish_update` differs: it calls `apply_ewc_penalty_to_gradients` first, then
    the wrapped model's own `finish_update` (so a subclass's override runs).

    Attributes the wrapper does not have are read from the wrapped model, which is also
    `wrapped_model` (`_wrapped_model` in spacy-ewc 0.1.1). Wrapping a wrapper replaces its
    penalty instead of stacking a second one.
    """

    def __init__(self, model: Model, apply_ewc_penalty_to_gradients: Callable):
        if not isinstance(model, Model):
            raise TypeError(Errors.E204.format(type=type(model).__name__))
        if not callable(apply_ewc_penalty_to_gradients):
            raise TypeError(
                Errors.E016.format(
                    what="apply_ewc_penalty_to_gradients",
                    type=type(apply_ewc_penalty_to_gradients).__name__,
                )
            )
        inner = unwrap(model)
        for slot in Model.__slots__:
            object.__setattr__(self, slot, getattr(inner, slot))
        self.wrapped_model = inner
        self.apply_ewc_penalty_to_gradients = apply_ewc_penalty_to_gradients
        self._pass_model = isinstance(getattr(apply_ewc_penalty_to_gradients, "__self__", None), EWC)

    def finish_update(self, optimizer: Optimizer) -> None:
        if self._pass_model:
            self.apply_ewc_penalty_to_gradients(self)
        else:
            self.apply_ewc_penalty_to_gradients()
        self.wrapped_model.finish_update(optimizer)

    def __getattr__(self, name: str):
        # Only called when normal lookup fails. Dunder names and a wrapper whose __dict__ is
        # not filled yet (copy and pickle create it empty) must fail, not recurse.
        inner = self.__dict__.get("wrapped_model")
        if inner is None or name.startswith("__"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        return getattr(inner, name)

    @property
    def _wrapped_model(self) -> Model:
        """The wrapped model, under spacy-ewc 0.1.1's name."""
        return self.wrapped_model

    @property
    def ewc(self) -> Optional[EWC]:
        """The EWC whose penalty this wrapper applies, when it is a bound EWC method."""
        owner = getattr(self.apply_ewc_penalty_to_gradients, "__self__", None)
        return owner if isinstance(owner, EWC) else None


def wrap_pipe(component: TrainablePipe, ewc: EWC) -> TrainablePipe:
    """Make `component`'s model apply `ewc`'s penalty in `finish_update`: the one place that
    replaces a component's model. An earlier wrapper is replaced, never stacked."""
    component.model = EWCModelWrapper(component.model, ewc.apply_ewc_penalty_to_gradients)
    return component


def protect(
    pipe: PipeLike,
    data: Iterable,
    lambda_: float = DEFAULT_LAMBDA,
    pipe_name: Optional[str] = None,
    **ewc_kwargs,
) -> EWC:
    """Compute an EWC state for the component, wrap its model and return the EWC.

    Calling it again on the same component replaces the earlier wrapper: the penalty is
    never applied twice. Extra keyword arguments (`fisher`, `normalize`, ...) go to `EWC`.
    """
    component, _, _ = resolve_pipe(pipe, pipe_name)
    ewc = EWC(pipe, data, lambda_=lambda_, pipe_name=pipe_name, **ewc_kwargs)
    wrap_pipe(component, ewc)
    return ewc


def create_ewc_pipe(*args: Any, **kwargs: Any) -> TrainablePipe:
    """`protect` with the same arguments, returning the wrapped component instead of the EWC
    (as spacy-ewc 0.1.1). The EWC state is reachable as `component.model.ewc`."""
    return protect(*args, **kwargs).pipe


create_ewc_pipe.__signature__ = inspect.signature(protect).replace(return_annotation="TrainablePipe")


def unwrap_pipe(pipe: PipeLike, pipe_name: Optional[str] = None) -> None:
    """Remove the EWC wrapper from a component (no-op when it has none)."""
    component, _, _ = resolve_pipe(pipe, pipe_name)
    component.model = unwrap(component.model)
