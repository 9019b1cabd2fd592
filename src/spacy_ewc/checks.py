"""Checks of what users pass in: data sets, counts, names that become paths.

Each check raises a coded error from the catalogue that says what to pass instead.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, List

from spacy.tokens import Doc
from spacy.training import Example
from spacy.vocab import Vocab

from .errors import Errors

_SINGLE_ITEMS = (str, bytes, Doc, Example, Mapping)


def as_items(data: Any, what: str, items: str, example: str = "text") -> List:
    """`data` as a list; a single text, Doc, Example or dict is refused, not iterated."""
    if data is None:
        raise TypeError(Errors.E051.format(what=what, items=items))
    if isinstance(data, _SINGLE_ITEMS) or not isinstance(data, Iterable):
        given = f"a single {type(data).__name__}" if isinstance(data, _SINGLE_ITEMS) else type(data).__name__
        raise TypeError(Errors.E050.format(what=what, items=items, given=given, example=example))
    return list(data)


def as_path(path: Any, what: str = "path") -> Path:
    if not isinstance(path, (str, os.PathLike)):
        expected = "folder path (str or Path)"
        raise TypeError(Errors.E056.format(what=what, expected=expected, type=type(path).__name__))
    return Path(path)


def check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(Errors.E054.format(name=name, minimum=minimum, value=value))
    if value < minimum:
        raise ValueError(Errors.E054.format(name=name, minimum=minimum, value=value))
    return int(value)


def check_fraction(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(Errors.E055.format(name=name, value=value))
    if not 0.0 <= value < 1.0:
        raise ValueError(Errors.E055.format(name=name, value=value))
    return float(value)


def check_folder_name(name: Any) -> str:
    """A component name that can be one folder of a path: no separators, no '.', '..'."""
    if (
        not isinstance(name, str)
        or not name
        or name.startswith(".")
        or any(c in name for c in "/\\:\0")
        or name != name.strip()
    ):
        raise ValueError(Errors.E033.format(name=name))
    return name


def check_vocab(items: List, vocab: Vocab, what: str) -> None:
    """Docs and Examples must share the pipeline's Vocab."""
    for i, item in enumerate(items):
        docs = (item.x, item.y) if isinstance(item, Example) else (item,) if isinstance(item, Doc) else ()
        if any(doc.vocab is not vocab for doc in docs):
            raise ValueError(Errors.E053.format(index=i, what=what))


def check_entities(index: int, text: str, annotations: Mapping) -> None:
    """(start, end, label) character spans inside `text`, start < end (BILUO tags pass)."""
    entities = annotations.get("entities", ())
    if isinstance(entities, (str, bytes)) or not isinstance(entities, Iterable):
        raise ValueError(Errors.E052.format(index=index, entity=entities, length=len(text)))
    entities = list(entities)
    if entities and all(isinstance(tag, str) for tag in entities):
        return
    for entity in entities:
        ok = (
            isinstance(entity, (tuple, list))
            and len(entity) == 3
            and all(isinstance(x, numbers.Integral) and not isinstance(x, bool) for x in entity[:2])
            and isinstance(entity[2], str)
            and 0 <= entity[0] < entity[1] <= len(text)
        )
        if not ok:
            raise ValueError(Errors.E052.format(index=index, entity=entity, length=len(text)))
