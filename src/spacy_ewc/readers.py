"""Fisher and evaluation data from files: one reader for the CLI, the config callback and tune.

The formats, by suffix:

* ``.spacy`` (or a folder of them): a DocBin corpus read by spaCy's own ``Corpus``, so
  the gold Examples are those ``spacy train`` sees;
* ``.jsonl``: one object a line with ``"text"`` and optionally ``"entities"``
  (``[[start, end, label], ...]``), as spaCy's ``JsonlCorpus`` reads texts;
* anything else: UTF-8 text, one text a non-empty line, as ``spacy.PlainTextCorpus.v1``.

Texts come back as ``str``, annotated lines as ``(text, {"entities": ...})`` and corpus
items as ``Example``: what ``spacy_ewc.EWC`` and ``protect`` take.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Iterator, List, Union

import srsly
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Corpus, Example
from spacy.vocab import Vocab

from .checks import check_entities
from .errors import Errors

LIMIT_RANGE = "an integer >= 0 (0: all items)"
ANNOTATIONS = ("ENT_IOB", "TAG", "POS", "MORPH", "LEMMA", "DEP", "SENT_START")


def read_items(path: Union[str, Path], nlp: Language, limit: int = 0) -> list:
    """The first `limit` items (0: all) of the data file `path`; an empty file is an error."""
    path = Path(path)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(Errors.E090.format(option="--limit", expected=LIMIT_RANGE, value=limit))
    items = list(islice(iter_items(path, nlp), limit or None))
    if not items:
        raise ValueError(Errors.E094.format(path=path))
    return items


def iter_items(path: Union[str, Path], nlp: Language) -> Iterator:
    """The items of the data file `path`, read lazily."""
    path = Path(path)
    check_path(path)
    if path.suffix == ".spacy" or path.is_dir():
        return _corpus(path, nlp)
    if path.suffix == ".jsonl":
        return _jsonl(path)
    return (line.strip() for line in _lines(path) if line.strip())


def check_path(path: Path) -> None:
    if not Path(path).exists():
        raise FileNotFoundError(Errors.E092.format(path=path))


def is_raw(example: Example) -> bool:
    """An Example whose reference carries no annotation (spacy.PlainTextCorpus.v1 and
    spacy.JsonlCorpus.v1 make these): a text, as far as the Fisher is concerned."""
    ref = example.reference
    return not (ref.cats or ref.spans or any(ref.has_annotation(attr) for attr in ANNOTATIONS))


def item_text(item) -> str:
    """The text of an item `read_items` gives: an Example's reference, a tuple's first field, a text."""
    if isinstance(item, Example):
        return item.reference.text
    return item[0] if isinstance(item, tuple) else item


def token_copy(doc: Doc, vocab: Union[Vocab, None] = None) -> Doc:
    """A Doc with the same tokens and spaces as `doc` and nothing else (no annotation)."""
    return Doc(vocab or doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])


def _corpus(path: Path, nlp: Language) -> Iterator[Example]:
    try:
        yield from Corpus(path)(nlp)
    except Exception as err:
        raise ValueError(Errors.E093.format(path=path, error=" ".join(str(err).split()))) from None


def _lines(path: Path) -> Iterator[str]:
    try:
        with path.open(encoding="utf8") as handle:
            yield from handle
    except UnicodeDecodeError as err:
        raise ValueError(Errors.E083.format(path=path, error=err)) from None


def _jsonl(path: Path) -> Iterator:
    for number, line in enumerate(_lines(path), 1):
        if not line.strip():
            continue
        try:
            record = srsly.json_loads(line)
        except ValueError as err:
            problem = f"not JSON ({err})"
            raise ValueError(Errors.E095.format(number=number, path=path, problem=problem)) from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise ValueError(Errors.E095.format(number=number, path=path, problem='no "text"'))
        if "entities" not in record:
            yield record["text"]
            continue
        try:
            entities = [tuple(entity) for entity in record["entities"]]
            check_entities(0, record["text"], {"entities": entities})
        except (TypeError, ValueError):
            problem = f'"entities" {record["entities"]!r} are not [start, end, label] spans of the text'
            raise ValueError(Errors.E095.format(number=number, path=path, problem=problem)) from None
        yield record["text"], {"entities": entities}


__all__: List[str] = ["read_items", "iter_items", "check_path", "is_raw", "token_copy"]
