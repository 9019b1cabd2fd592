"""The command-line tool, run in-process on tiny inputs: fisher, merge, consolidate, evaluate."""

from __future__ import annotations

import json
import runpy
import sys
from importlib.metadata import entry_points

import numpy
import pytest
import spacy
from conftest import NEW_LABEL, ncbi_examples
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_ewc import EWC
from spacy_ewc.cli import app
from spacy_ewc.serialize import state_path

runner = CliRunner()


def run(*args, code=0):
    result = runner.invoke(app, [str(arg) for arg in args])
    assert result.exit_code == code, result.output + repr(result.exception)
    return result.output


@pytest.fixture(scope="module")
def files(tmp_path_factory, wiki_sentences):
    """A text file, a JSONL file, a gold .spacy corpus (DISEASE) and a pipeline folder."""
    tmp = tmp_path_factory.mktemp("cli")
    texts = wiki_sentences[50:56]
    (tmp / "texts.txt").write_text("\n".join(texts) + "\n", encoding="utf8")
    (tmp / "texts.jsonl").write_text("\n".join(json.dumps({"text": t}) for t in texts), encoding="utf8")
    nlp = spacy.load("en_core_web_sm")
    DocBin(docs=[eg.reference for eg in ncbi_examples(nlp, "devel", 4)]).to_disk(tmp / "gold.spacy")
    nlp.get_pipe("ner").add_label(NEW_LABEL)
    nlp.to_disk(tmp / "model")
    return tmp


@pytest.mark.slow
def test_fisher_shards_merge_into_the_full_state(files):
    run("fisher", "en_core_web_sm", files / "texts.txt", "-o", files / "full", "-l", 7)
    for shard in ("0/2", "1/2"):
        run("fisher", "en_core_web_sm", files / "texts.jsonl", "-o", files / shard.replace("/", "of"),
            "-l", 7, "--shard", shard)
    out = run("merge", "en_core_web_sm", files / "0of2", files / "1of2", "-o", files / "merged")
    assert "6 examples" in out
    nlp = spacy.load("en_core_web_sm")
    full, merged = EWC.from_disk(files / "full", nlp), EWC.from_disk(files / "merged", nlp)
    assert merged.lambda_ == 7.0 and merged.n_examples == 6 and full.fisher_kind == "predicted"
    for key in full.fisher_raw:
        numpy.testing.assert_allclose(merged.fisher_raw[key], full.fisher_raw[key], rtol=1e-4, atol=1e-12)


@pytest.mark.slow
def test_fisher_and_consolidate_keep_the_state_in_the_pipeline_folder(files):
    model = files / "model"
    run("fisher", model, files / "texts.txt", "-l", 7, "--limit", 3)
    out = run("consolidate", model, files / "gold.spacy", "--gamma", 0.9)
    assert "2 tasks" in out
    ewc = EWC.from_disk(state_path(model, "ner"), spacy.load(model))
    assert ewc.tasks == 2 and ewc.n_examples == 3 + 4 and ewc.fisher_kind == "empirical+predicted"
    assert ewc.lambda_ == 7.0


@pytest.mark.slow
def test_evaluate_reports_agreement_and_gold_per_label(files):
    out = run("evaluate", "en_core_web_sm", files / "texts.txt", "-r", "en_core_web_sm",
              "-o", files / "report.json", "--png", files / "report.png")
    assert "Agreement with the reference model" in out
    report = json.loads((files / "report.json").read_text())
    assert report["n_texts"] == 6 and report["agreement"]["f"] == 1.0
    assert all(v["f"] == 1.0 for v in report["agreement"]["per_label"].values())
    assert (files / "report.png").stat().st_size > 0
    run("evaluate", files / "model", files / "gold.spacy", "-o", files / "gold.json")
    gold = json.loads((files / "gold.json").read_text())["gold"]["model"]
    assert set(gold["per_label"]) == {NEW_LABEL} and gold["per_label"][NEW_LABEL]["n"] > 0


@pytest.mark.slow
def test_bad_paths_and_files_fail_clearly(files):
    blank = files / "blank"
    spacy.blank("en").to_disk(blank)
    sm = "en_core_web_sm"
    assert "No data at" in run("fisher", sm, files / "missing.txt", "-o", files / "x", code=1)
    assert "--output" in run("fisher", sm, files / "texts.txt", code=1)
    assert "--shard" in run("fisher", sm, files / "texts.txt", "-o", files / "x", "--shard", "2", code=1)
    assert "--reference" in run("evaluate", sm, files / "texts.txt", code=1)
    assert "en_core_web_xx" in run("fisher", "en_core_web_xx", files / "texts.txt", "-o", files / "x", code=1)
    (files / "bad.jsonl").write_text('{"text": "fine"}\nnot json\n', encoding="utf8")
    assert "Line 2" in run("fisher", blank, files / "bad.jsonl", "-o", files / "x", code=1)
    (files / "bad.spacy").write_bytes(b"not a docbin")
    assert ".spacy corpus" in run("evaluate", blank, files / "bad.spacy", code=1)
    assert "No EWC state" in run("merge", blank, files / "nothing", "-o", files / "x", code=1)
    assert "ner" in run("fisher", blank, files / "texts.txt", code=1)
    assert "does not know" in run("fisher", sm, files / "gold.spacy", "-o", files / "x", code=1)


def test_console_script_and_module_are_installed(monkeypatch):
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("spacy-ewc") == "spacy_ewc.cli:setup_cli"
    monkeypatch.setattr(sys, "argv", ["python -m spacy_ewc", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("spacy_ewc", run_name="__main__")
    assert exit_info.value.code == 0
