"""Parameters of PyTorch models inside thinc shims (`PyTorchWrapper`, curated transformers).

thinc keeps a torch model's weights in the model itself, not in ``node.param_names``:
`PyTorchShim.finish_update` steps every parameter whose ``.grad`` is set, then zeroes it.
`ShimParams` lets the rest of spacy-ewc treat them as any other array: ``get_param``
and ``get_grad`` are zero-copy views (NumPy on CPU, CuPy on GPU) of the torch storage,
so θ*, the Fisher pass and the state need no torch code, and `add_penalty` does the
per-update work in torch on the model's device.

Only parameters with ``requires_grad`` are protected: a frozen one never moves, and a
gradient set on it would make the shim step it.
"""

from __future__ import annotations

from typing import Dict

from thinc.compat import torch
from thinc.shims import PyTorchShim, Shim
from thinc.util import torch2xp, xp2torch

from ..errors import Errors


def shim_key(prefix: str, index: int, name: str) -> str:
    """Key of a torch parameter: the node's path, the shim's index, the torch name."""
    return f"{prefix}shims/{index}/{name}"


def check_shim(shim: Shim, layer: str) -> None:
    """Only PyTorch shims are read; another framework's weights would go unprotected."""
    if not isinstance(shim, PyTorchShim):
        raise TypeError(Errors.E300.format(type=type(shim).__name__, layer=layer))


class ShimParams:
    """The trainable parameters of one `PyTorchShim`, through thinc's parameter calls."""

    def __init__(self, shim: PyTorchShim):
        self.shim = shim
        self.name = type(shim._model).__name__  # noqa: SLF001
        self._params: Dict[str, object] = {
            name: param for name, param in shim._model.named_parameters() if param.requires_grad  # noqa: SLF001
        }

    @property
    def param_names(self):
        return tuple(self._params)

    def has_param(self, name: str) -> bool:
        return name in self._params

    def get_param(self, name: str):
        return torch2xp(self._params[name].detach())

    def set_param(self, name: str, value) -> None:
        param = self._params[name]
        param.data.copy_(xp2torch(value, device=param.device))

    def has_grad(self, name: str) -> bool:
        return self._params[name].grad is not None

    def get_grad(self, name: str):
        return torch2xp(self._params[name].grad)

    def set_grad(self, name: str, value) -> None:
        param = self._params[name]
        param.grad = xp2torch(value, device=param.device).clone()

    def inc_grad(self, name: str, value) -> None:
        param = self._params[name]
        grad = xp2torch(value, device=param.device)
        if param.grad is None:
            param.grad = grad.clone()
        else:
            param.grad.add_(grad)

    def drop_grad(self, name: str) -> None:
        self._params[name].grad = None

    def tensor(self, name: str, array):
        """A torch view of `array` (θ*, F or a buffer) on the parameter's device."""
        return xp2torch(array, device=self._params[name].device)

    def add_penalty(self, name: str, anchor, fisher, buffer, lambda_: float) -> None:
        """grad += λ·F·(θ − θ*) in torch, chunk by chunk through `buffer` (θ*, F flat torch
        views, `buffer` a flat array on the same device); a missing grad starts at zero."""
        param = self._params[name]
        buffer = xp2torch(buffer, device=param.device)
        if param.grad is None:
            param.grad = torch.zeros_like(param)
        values, grad = param.detach().view(-1), param.grad.view(-1)
        size, chunk = anchor.numel(), buffer.numel()
        for start in range(0, size, chunk):
            stop = min(start + chunk, size)
            out = buffer[: stop - start]
            torch.sub(values[start:stop], anchor[start:stop], out=out)
            grad[start:stop].addcmul_(fisher[start:stop], out, value=lambda_)
