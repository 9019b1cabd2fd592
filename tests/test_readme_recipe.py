"""The README's first code block, the keep-both recipe in Python, runs as written.

Whether the recipe keeps the old labels is measured on real data in tests/test_recipe.py;
the block's two sentences are too few to tell a kept label from a forgotten one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import spacy

ROOT = Path(__file__).resolve().parents[1]


def first_python_block(page: Path) -> str:
    return re.search(r"```python\n(.*?)```", page.read_text(encoding="utf8"), re.S).group(1)


@pytest.mark.slow
@pytest.mark.parametrize("page", ["README.md", "docs/recipe.md"])
def test_recipe_block_runs_and_saves_a_pipeline_with_the_new_label(page, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(first_python_block(ROOT / page), page, "exec"), {})
    printed = capsys.readouterr().out
    assert "DISEASE" in printed
    saved = spacy.load(tmp_path / "en_disease")
    labels = saved.get_pipe("ner").labels
    assert "DISEASE" in labels and "PERSON" in labels
