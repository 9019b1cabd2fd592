"""Labels used in training data."""

from __future__ import annotations

from typing import Iterable, List

from spacy.training import Example


def extract_labels(data: Iterable) -> List[str]:
    """Entity labels in `(text, {"entities": [(start, end, label), ...]})` items or Examples,
    in order of first appearance."""
    labels: List[str] = []
    for i, item in enumerate(data):
        if isinstance(item, Example):
            found = [ent.label_ for ent in item.reference.ents]
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], dict):
            found = [entity[2] for entity in item[1].get("entities", [])]
        else:
            raise TypeError(
                f"Element {i} is a {type(item).__name__}; give (text, {{'entities': [...]}}) "
                "tuples or spaCy Examples."
            )
        for label in found:
            if label not in labels:
                labels.append(label)
    return labels
