"""`spacy-ewc tune`: a tiny λ grid on real data, and its checks before anything is loaded."""

from __future__ import annotations

import json

import pytest
import spacy
from conftest import ncbi_examples
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_ewc.cli import app
from spacy_ewc.cli.tune import DEFAULT_GRID, knee, log_grid, recommend
from spacy_ewc.ewc.ewc import DEFAULT_LAMBDA

runner = CliRunner()
KEEP = 0.9


@pytest.fixture(scope="module")
def data(tmp_path_factory, wiki_sentences):
    """NCBI DISEASE sentences (train, dev) and old-domain Wikipedia text, as files."""
    tmp = tmp_path_factory.mktemp("tune")
    blank = spacy.blank("en")
    for name, split, n in (("train", "train", 40), ("dev", "devel", 30)):
        DocBin(docs=[eg.reference for eg in ncbi_examples(blank, split, n)]).to_disk(tmp / f"{name}.spacy")
    (tmp / "old.txt").write_text("\n".join(wiki_sentences[:40]) + "\n", encoding="utf8")
    return tmp


@pytest.mark.slow
def test_tune_recommends_a_lambda_that_keeps_the_old_labels(data):
    out = data / "out"
    result = runner.invoke(app, [
        "tune", "en_core_web_sm", str(data / "train.spacy"), str(data / "dev.spacy"), "--old",
        str(data / "old.txt"), "--lambdas", "0,4000,12000", "--n-updates", "15", "--batch-size", "4",
        "--learn-rate", "0.005", "--keep", str(KEEP), "-o", str(out),
    ])
    assert result.exit_code == 0, result.output + repr(result.exception)
    lines = result.output.strip().splitlines()
    assert "old agree" in result.output and "new F" in result.output
    report = json.loads((out / "tune.json").read_text(encoding="utf8"))
    runs = {run["lambda"]: run for run in report["runs"]}
    assert sorted(runs) == [0.0, 4000.0, 12000.0]
    # EWC is what keeps the old labels: without it the same training forgets far more
    assert runs[12000.0]["agreement"] > runs[0.0]["agreement"] + 0.1
    assert all(run["new_f"] > 0 for run in runs.values())
    best = report["best"]
    kept = [run for run in runs.values() if run["agreement"] >= KEEP]
    assert report["reason"] == "keep" and best["agreement"] >= KEEP
    assert best["new_f"] == max(run["new_f"] for run in kept)
    override = f"--initialize.after_init.lambda_ {best['lambda']:g}"
    assert lines[-1] == override == report["override"]
    assert (out / "override.txt").read_text(encoding="utf8").strip() == override
    assert (out / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args,code", [
    (["--keep", "1.5"], "E321"),
    (["--lambdas", "1,x"], "E320"),
    (["--lambdas", "-1,3"], "E320"),
    (["--n-updates", "0"], "E324"),
    (["--no-old"], "E322"),
])
def test_tune_checks_options_before_loading_anything(data, args, code):
    """A pipeline name that does not exist: the option error must come first."""
    old = [] if args == ["--no-old"] else ["--old", str(data / "old.txt")]
    args = [] if args == ["--no-old"] else args
    result = runner.invoke(app, [
        "tune", "no_such_pipeline", str(data / "train.spacy"), str(data / "dev.spacy"), *old, *args,
    ])
    assert result.exit_code == 1
    assert f"[{code}]" in result.output


def test_recommend_keeps_the_constraint_or_takes_the_knee():
    runs = [
        {"lambda": 0.0, "agreement": 0.50, "new_f": 0.80},
        {"lambda": 1.0, "agreement": 0.85, "new_f": 0.75},
        {"lambda": 10.0, "agreement": 0.93, "new_f": 0.60},
        {"lambda": 100.0, "agreement": 0.96, "new_f": 0.20},
    ]
    assert recommend(runs, 0.9) == (runs[2], "keep")
    assert recommend(runs, 0.95) == (runs[3], "keep")
    assert recommend(runs, 0.99) == (runs[1], "knee")
    assert knee(runs) is runs[1]
    assert log_grid(1, 100, 5) == [1.0, 3.0, 10.0, 30.0, 100.0]
    assert DEFAULT_GRID[2] == DEFAULT_LAMBDA and DEFAULT_GRID == tuple(sorted(DEFAULT_GRID))
