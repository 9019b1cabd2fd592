"""Find every parameter of a thinc model tree under a stable key.

A key is the path of layer indices from the root plus the parameter name, for example
``"0/1/0/E"``. Node ids change when spaCy replaces a layer (``resize_output`` after
``add_label``) and across processes; paths do not.
"""

from __future__ import annotations

from typing import Iterator, List, NamedTuple, Tuple

from thinc.api import Model

from ..errors import Errors


class ParamRef(NamedTuple):
    key: str
    node: Model
    name: str


MAX_DEPTH = 200
"""Deepest layer path walked; spaCy's models are under 30 deep, a tree that never ends is an error."""


def iter_params(model: Model) -> Iterator[ParamRef]:
    """Yield every parameter in the tree once, depth-first, shared layers at first sight."""
    seen = set()
    stack: List[Tuple[Tuple[int, ...], Model]] = [((), model)]
    while stack:
        path, node = stack.pop()
        if id(node) in seen:
            continue
        if len(path) > MAX_DEPTH:
            shown = "/".join(map(str, path[:12])) + "/..."
            raise ValueError(Errors.E200.format(name=model.name, limit=MAX_DEPTH, path=shown))
        seen.add(id(node))
        prefix = "".join(f"{i}/" for i in path)
        for name in node.param_names:
            yield ParamRef(prefix + name, node, name)
        stack.extend(reversed([(path + (i,), layer) for i, layer in enumerate(node.layers)]))


def unwrap(model: Model) -> Model:
    """The model inside an EWCModelWrapper, or the model itself."""
    return getattr(model, "wrapped_model", model)


def collect_params(model: Model, component: str) -> List[ParamRef]:
    """All parameters of a trained model; raise when there are none or one is unset."""
    refs = list(iter_params(model))
    if not refs:
        raise ValueError(Errors.E004.format(name=component))
    for ref in refs:
        if not ref.node.has_param(ref.name):
            raise ValueError(Errors.E005.format(name=component, param=ref.name, layer=ref.node.name))
    return refs


def structure_signature(model: Model) -> Tuple[int, ...]:
    """Identity of the tree's nodes: changes when a layer is replaced, costs no strings."""
    return tuple(map(id, model.walk()))


def drop_grad(node: Model, name: str) -> None:
    """Remove a gradient entirely, as if no update had touched the parameter.

    thinc has no public call for this; zeroing would leave a zero gradient that the
    optimizer still steps on (Adam's weight decay would move the parameter).
    """
    if node.has_grad(name):
        node._params._grads.pop((node.id, name), None)  # noqa: SLF001
