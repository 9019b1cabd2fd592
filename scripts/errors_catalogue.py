"""Rewrite the catalogue tables at the end of docs/errors.md from src/spacy_ewc/errors.py.

    python scripts/errors_catalogue.py
"""

from __future__ import annotations

import re
from pathlib import Path

from spacy_ewc.errors import Errors, Warnings

PAGE = Path(__file__).resolve().parents[1] / "docs" / "errors.md"
MARK = "### Errors\n"


def table(cls, title: str) -> str:
    rows = [f"### {title}\n", "| Code | Message |", "|---|---|"]
    for code in sorted(k for k in vars(cls) if k[:1] in "EW" and k[1:].isdigit()):
        text = type.__getattribute__(cls, code)
        text = re.sub(r"(?<!\{)\{(\w+)(![rs])?(:[^}]*)?\}(?!\})", r"‹\1›", text)
        rows.append(f"| {code} | {text.replace('{{', '{').replace('}}', '}').replace('|', chr(92) + '|')} |")
    return "\n".join(rows) + "\n"


def main() -> None:
    page = PAGE.read_text(encoding="utf8")
    head = page.split(MARK)[0]
    PAGE.write_text(head + table(Errors, "Errors") + "\n" + table(Warnings, "Warnings"), encoding="utf8")


if __name__ == "__main__":
    main()
