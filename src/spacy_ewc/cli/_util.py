"""Shared pieces of the command-line tool: the typer app, loading models and data, errors."""

from __future__ import annotations

import contextlib
import functools
import math
import os
from pathlib import Path
from typing import Any, Iterator, Optional

import spacy
import typer
from spacy.language import Language
from tqdm import tqdm
from wasabi import color, msg
from wasabi.util import locale_escape

from ..checks import check_folder_name
from ..errors import Errors
from ..ewc.fisher import FISHER_KINDS
from ..ewc.state_file import STATE_FILES
from ..readers import LIMIT_RANGE

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
    except (OSError, ValueError, TypeError, KeyError, ImportError) as err:
        fail(str(err).strip("'\""))


def fail(text: str) -> None:
    """The failure as one line (wasabi would wrap it at 80 columns), exit code 1."""
    line = locale_escape(f"{msg.icons.get('fail', '')} {' '.join(text.split())}").strip()
    typer.echo(color(line, fg="red") if msg.show_color else line)
    raise typer.Exit(1)


def check_option(ok: bool, option: str, expected: str, value: Any) -> None:
    if not ok:
        fail(Errors.E090.format(option=option, expected=expected, value=value))


def check_limit(limit: int) -> None:
    check_option(limit >= 0, "--limit", LIMIT_RANGE, limit)


def check_n_process(n_process: int) -> None:
    check_option(n_process >= 1, "--n-process", "an integer >= 1", n_process)


def check_kind(kind: str) -> None:
    check_option(kind in FISHER_KINDS, "--kind", " or ".join(FISHER_KINDS), kind)


def check_pipe_name(pipe_name: str) -> None:
    with user_errors():
        check_folder_name(pipe_name)


def check_fisher_options(pipe_name: str, kind: str, n_process: int, limit: int) -> None:
    """The options of every command that runs a Fisher pass."""
    check_pipe_name(pipe_name)
    check_kind(kind)
    check_n_process(n_process)
    check_limit(limit)


def check_number(value: float, option: str) -> None:
    check_option(math.isfinite(value) and value >= 0, option, "a finite number >= 0", value)


def check_output_folder(path: Optional[Path], option: str) -> None:
    """A folder that can be written: not a file, under a folder (or nothing) we may write in."""
    if path is None:
        return
    if path.exists() and not path.is_dir():
        fail(Errors.E091.format(option=option, path=path, problem="it is a file, not a folder"))
    _check_writable_parent(path, option)


def check_output_file(path: Optional[Path], option: str) -> None:
    if path is None:
        return
    if path.is_dir():
        fail(Errors.E091.format(option=option, path=path, problem="it is a folder; give a file name"))
    if not path.parent.is_dir():
        fail(Errors.E091.format(option=option, path=path, problem=f"the folder {path.parent} does not exist"))
    _check_writable_parent(path, option)


def _check_writable_parent(path: Path, option: str) -> None:
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        fail(Errors.E091.format(option=option, path=path, problem=f"{ancestor} is a file, not a folder"))
    if not os.access(ancestor, os.W_OK):
        fail(Errors.E091.format(option=option, path=path, problem=f"the folder {ancestor} is not writable"))


def check_state_folder(path: Path, option: str) -> None:
    """An existing state folder to read (its content is checked when it is loaded)."""
    if not path.is_dir():
        fail(Errors.E013.format(path=path, files=", ".join(STATE_FILES)) + f" ({option})")


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
        with user_errors():
            return state_path(model, pipe_name)
    fail(Errors.E099.format(model=model, option=what))


def progress_bar(desc: str, silent: bool = False):
    """A tqdm wrapper for the Fisher pass, shown on stderr as spaCy's CLI shows its bars
    (off when stderr is not a terminal); None when `silent`."""
    if silent:
        return None
    return functools.partial(tqdm, desc=desc, unit="ex", leave=False, disable=None)
