"""Shared pieces of the command-line tool: the typer app, loading models and data, errors."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import Iterator, List, Optional

import spacy
import srsly
import typer
from spacy.language import Language
from spacy.training import Corpus
from tqdm import tqdm
from wasabi import msg

NAME = "spacy-ewc"
HELP = """spacy-ewc: Elastic Weight Consolidation for spaCy pipelines.

Estimate, consolidate and merge the EWC state (θ*, Fisher) of a pipeline, and report
what a fine-tuned model forgot. States live in MODEL/ewc/<pipe>/ by default.
"""

Arg = typer.Argument
Opt = typer.Option

app = typer.Typer(
    name=NAME, help=HELP, no_args_is_help=True, add_completion=False,
    rich_markup_mode=None, pretty_exceptions_enable=False,
)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show a library's complaint about the input as one failure line, exit code 1."""
    try:
        yield
    except (OSError, ValueError, TypeError, KeyError) as err:
        msg.fail(str(err).strip("'\""), exits=1)


def load_model(name: str) -> Language:
    """A pipeline by package name or path, as `spacy.load` finds it."""
    with user_errors():
        return spacy.load(name)


def default_state(model: str, pipe_name: str, given: Optional[Path], what: str) -> Path:
    """`given`, or MODEL/ewc/<pipe> when MODEL is a folder."""
    from ..serialize import state_path

    if given is not None:
        return given
    if Path(model).is_dir():
        return state_path(model, pipe_name)
    msg.fail(f"{model} is not a pipeline folder: pass {what} (a folder for the EWC state).", exits=1)


def read_data(path: Path, nlp: Language, limit: int = 0) -> list:
    """Fisher or evaluation data from a file.

    `.spacy`: a DocBin corpus (gold Examples, as `spacy train` reads it); `.jsonl`: one
    object per line with "text" and optionally "entities" ([[start, end, label], ...]);
    anything else: plain text, one text per non-empty line.
    """
    check_path(path)
    if path.suffix == ".spacy" or path.is_dir():
        try:
            items = list(Corpus(path, limit=limit)(nlp))
        except Exception as err:
            raise ValueError(f"Could not read {path} as a .spacy corpus (DocBin): {err}") from None
    elif path.suffix == ".jsonl":
        items = _read_jsonl(path, limit)
    else:
        items = [line.strip() for line in path.read_text(encoding="utf8").splitlines() if line.strip()]
        items = items[:limit] if limit else items
    if not items:
        raise ValueError(f"{path} holds no texts.")
    return items


def check_path(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(f"No data at {path}: give a .spacy corpus, a .jsonl file or a text file.")


def _read_jsonl(path: Path, limit: int) -> list:
    items: List = []
    for number, line in enumerate(path.read_text(encoding="utf8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = srsly.json_loads(line)
        except ValueError as err:
            raise ValueError(f"Line {number} of {path} is not JSON ({err}).") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise ValueError(f'Line {number} of {path} has no "text": each line must be {{"text": "..."}}.')
        if "entities" in record:
            entities = [tuple(entity) for entity in record["entities"]]
            items.append((record["text"], {"entities": entities}))
        else:
            items.append(record["text"])
        if limit and len(items) >= limit:
            break
    return items


def progress_bar(desc: str, silent: bool = False):
    """A tqdm wrapper for the Fisher pass, shown on stderr as spaCy's CLI shows its bars
    (off when stderr is not a terminal); None when `silent`."""
    if silent:
        return None
    return functools.partial(tqdm, desc=desc, unit="ex", leave=False, disable=None)
