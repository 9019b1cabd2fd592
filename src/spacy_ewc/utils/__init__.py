from .extract_labels import extract_labels
from .generate_spacy_entities import generate_spacy_entities
from .pseudo_labels import add_pseudo_labels

__all__ = ["add_pseudo_labels", "extract_labels", "generate_spacy_entities"]
