"""The EWC state (θ*, F, λ), its arithmetic and the Fisher estimators."""

from .ewc import DEFAULT_LAMBDA, EWC
from .vector_dict import VectorDict

__all__ = ["EWC", "VectorDict", "DEFAULT_LAMBDA"]
