from .extract_labels import extract_labels
from .generate_spacy_entities import generate_spacy_entities

__all__ = ["extract_labels", "generate_spacy_entities"]
