"""The README's first code block, the keep-both recipe in Python, runs as written; so does
docs/recipe.md's second-component block.

Whether the recipe keeps the old labels is measured on real data in tests/test_recipe.py;
the block's two sentences are too few to tell a kept label from a forgotten one."""

from __future__ import annotations

import re
from pathlib import Path

import numpy
import pytest
import spacy

from spacy_ewc.ewc.params import iter_params

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(page: Path) -> list:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf8"), re.S)


def first_python_block(page: Path) -> str:
    return python_blocks(page)[0]


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


@pytest.mark.slow
def test_second_component_block_keeps_the_original_ner_untouched(tmp_path, monkeypatch, capsys):
    """The saved pipeline runs the new ner before the original one, whose weights are
    en_core_web_sm's. (The original grows output rows for DISEASE when it first meets a
    preset DISEASE entity; spaCy marks them unseen, so it never predicts them.)"""
    block = next(b for b in python_blocks(ROOT / "docs/recipe.md") if 'name="ner_disease"' in b)
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "docs/recipe.md", "exec"), {})
    assert "DISEASE" in capsys.readouterr().out
    saved = spacy.load(tmp_path / "en_disease_second")
    names = saved.pipe_names
    assert names.index("ner_disease") == names.index("ner") - 1
    assert "DISEASE" in saved.get_pipe("ner_disease").labels
    original = spacy.load("en_core_web_sm").get_pipe("ner").model
    assert has_original_weights(saved.get_pipe("ner").model, original)
    assert not has_original_weights(saved.get_pipe("ner_disease").model, original)


def has_original_weights(model, original) -> bool:
    """Whether every parameter of `model` equals `original`'s on the original's shape (an
    output layer may have grown rows)."""
    params = {ref.key: ref.node.get_param(ref.name) for ref in iter_params(model)}
    for ref in iter_params(original):
        old = ref.node.get_param(ref.name)
        if not numpy.array_equal(params[ref.key][tuple(slice(0, n) for n in old.shape)], old):
            return False
    return True
