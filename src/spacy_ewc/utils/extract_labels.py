"""Labels used in training data."""

from __future__ import annotations

from typing import Iterable, List

from spacy.training import Example

from ..checks import as_items
from ..errors import Errors


def extract_labels(data: Iterable) -> List[str]:
    """Entity labels in `(text, {"entities": [(start, end, label), ...]})` items or Examples,
    in order of first appearance."""
    labels: List[str] = []
    for i, item in enumerate(as_items(data, "data", "(text, annotations) tuples or Examples")):
        if isinstance(item, Example):
            found = [ent.label_ for ent in item.reference.ents]
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], dict):
            found = [entity[2] for entity in item[1].get("entities", [])]
        else:
            raise TypeError(Errors.E057.format(index=i, type=type(item).__name__))
        for label in found:
            if label not in labels:
                labels.append(label)
    return labels
