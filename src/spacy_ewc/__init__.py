"""Elastic Weight Consolidation for spaCy: fine-tune a trained pipeline without forgetting."""

from .ewc import EWC, VectorDict
from .ewc.listeners import shared_encoder
from .serialize import load_pipeline, save_pipeline
from .spacy_wrapper import EWCModelWrapper, create_ewc_pipe, protect
from .utils.pseudo_labels import RECIPE_LAMBDA, add_pseudo_labels

__version__ = "0.3.1"

__all__ = [
    "EWC",
    "VectorDict",
    "EWCModelWrapper",
    "create_ewc_pipe",
    "protect",
    "add_pseudo_labels",
    "RECIPE_LAMBDA",
    "save_pipeline",
    "load_pipeline",
    "shared_encoder",
    "__version__",
]
