"""VectorDict: parameter or gradient arrays keyed by a stable parameter name."""

from __future__ import annotations

import numpy

from ..errors import Errors


class VectorDict(dict):
    """A `dict` from parameter key (str) to array, as EWC keeps θ* and F.

    Keys name a parameter by its position in the model tree (for example ``"0/1/0/E"``),
    not by node id, so they survive `resize_output` and a save/load round trip.
    """

    def __setitem__(self, key, value):
        if not isinstance(key, str):
            raise TypeError(Errors.E065.format(type=type(key).__name__))
        super().__setitem__(key, value)

    def copy(self) -> VectorDict:
        """Deep copy: the arrays are copied too."""
        return VectorDict((key, value.copy()) for key, value in self.items())

    @property
    def size(self) -> int:
        """Number of floats over all arrays."""
        return sum(int(value.size) for value in self.values())

    def to_numpy(self) -> VectorDict:
        """Copy to NumPy arrays on the host (for saving or reporting)."""
        out = VectorDict()
        for key, value in self.items():
            out[key] = value.get() if hasattr(value, "get") else numpy.asarray(value)
        return out
