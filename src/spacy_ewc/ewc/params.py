"""Find every parameter of a thinc model tree under a stable key.

A key is the path of layer indices from the root plus the parameter name, for example
``"0/1/0/E"``. Node ids change when spaCy replaces a layer (``resize_output`` after
``add_label``) and across processes; paths do not. Parameters of a torch model in a
node's shims are keyed ``"<path>/shims/<i>/<torch name>"`` (see `torch_params`).
"""

from __future__ import annotations

from typing import Any, Iterator, List, NamedTuple, Tuple

from thinc.api import Model

from ..errors import Errors
from .torch_params import ShimParams, check_shim, shim_key


class ParamRef(NamedTuple):
    key: str
    node: Any
    """A thinc Model, or the `ShimParams` of a torch model in a node's shims."""
    name: str


MAX_DEPTH = 200
"""Deepest layer path walked; spaCy's models are under 30 deep, a tree that never ends is an error."""


def iter_params(model: Model) -> Iterator[ParamRef]:
    """Yield every parameter in the tree once, depth-first, shared layers at first sight;
    a node's own arrays first, then those of the torch models in its shims."""
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
        for index, shim in enumerate(node.shims):
            if id(shim) in seen:
                continue
            seen.add(id(shim))
            check_shim(shim, node.name)
            params = ShimParams(shim)
            for name in params.param_names:
                yield ParamRef(shim_key(prefix, index, name), params, name)
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
    """Identity of the tree's nodes and torch models: changes when a layer is replaced,
    costs no strings."""
    nodes = list(model.walk())
    torch_models = [id(getattr(shim, "_model", shim)) for node in nodes if node.shims for shim in node.shims]
    return (*map(id, nodes), *torch_models)


def drop_grad(node: Model, name: str) -> None:
    """Remove a gradient entirely, as if no update had touched the parameter.

    thinc has no public call for this; zeroing would leave a zero gradient that the
    optimizer still steps on (Adam's weight decay would move the parameter).
    """
    if isinstance(node, ShimParams):
        node.drop_grad(name)
    elif node.has_grad(name):
        node._params._grads.pop((node.id, name), None)  # noqa: SLF001
