"""Labels used in training data."""

from __future__ import annotations

from typing import Iterable, Set

from spacy.training import Example

from ..checks import as_items
from ..errors import Errors, InvalidDataError


def extract_labels(data: Iterable) -> Set[str]:
    """The set of entity labels in `(text, {"entities": [(start, end, label), ...]})` items
    or Examples."""
    labels: Set[str] = set()
    for i, item in enumerate(as_items(data, "data", "(text, annotations) tuples or Examples")):
        if isinstance(item, Example):
            labels.update(ent.label_ for ent in item.reference.ents)
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], dict):
            labels.update(entity[2] for entity in item[1].get("entities", []))
        else:
            raise InvalidDataError(Errors.E201.format(index=i, type=type(item).__name__))
    return labels
