"""Helpers for training data. Import each from its module, as in spacy-ewc 0.1.1:
``from spacy_ewc.utils.extract_labels import extract_labels``. The package does not
re-export them, so ``spacy_ewc.utils.extract_labels`` stays the module."""

from .pseudo_labels import add_pseudo_labels

__all__ = ["add_pseudo_labels"]
