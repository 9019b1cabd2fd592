"""Every user-facing message of src/ comes from the catalogue in `spacy_ewc/errors.py`, as in
spaCy: each `raise` builds its message from `Errors`, each warning goes through `errors.warn`
with a message from `Warnings`, and every message starts with its code."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Tuple

from spacy_ewc.errors import Errors, Warnings

SRC = Path(__file__).resolve().parents[1] / "src" / "spacy_ewc"

# Raises that are not messages to a user: the CLI's exit after printing a coded line, and
# the AttributeError of Python's attribute protocol in the wrapper's __getattr__.
NOT_MESSAGES = {("cli/_util.py", "typer.Exit"), ("spacy_wrapper/ewc_spacy_wrapper.py", "AttributeError")}
# Warnings take their message from `Warnings`, shown by `errors.warn` or the CLI's printer;
# `warnings.warn` outside errors.py or a log line at warning level would bypass both.
WARN = ("warn", "printer.warn", "msg.warn")
BYPASS = ("warnings.warn", "logger.warning", "logging.warning", "logger.warn")


def nodes(kind: type) -> Iterator[Tuple[str, ast.AST]]:
    for path in sorted(SRC.rglob("*.py")):
        where = path.relative_to(SRC).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
            if isinstance(node, kind):
                yield where, node


def from_catalogue(node: ast.AST, catalogue: str) -> bool:
    """`Errors.E012` or `Errors.E012.format(...)`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        node = node.func.value
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == catalogue
    )


def test_every_raise_takes_its_message_from_the_catalogue():
    bypass: List[str] = []
    for where, node in nodes(ast.Raise):
        exc = node.exc
        if exc is None or isinstance(exc, ast.Call) and (where, ast.unparse(exc.func)) in NOT_MESSAGES:
            continue
        if not (isinstance(exc, ast.Call) and exc.args and from_catalogue(exc.args[0], "Errors")):
            bypass.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    assert bypass == []


def test_every_warning_goes_through_errors_warn_with_a_catalogue_message():
    bypass: List[str] = []
    for where, node in nodes(ast.Call):
        name = ast.unparse(node.func)
        if where == "errors.py" or name not in WARN + BYPASS:
            continue
        if name in BYPASS or not (node.args and from_catalogue(node.args[0], "Warnings")):
            bypass.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    assert bypass == []


def test_every_message_starts_with_its_code():
    codes = [(cls, k) for cls in (Errors, Warnings) for k in vars(cls) if k[:1] in "EW" and k[1:].isdigit()]
    assert len(codes) > 100
    assert [code for cls, code in codes if not getattr(cls, code).startswith(f"[{code}] ")] == []
