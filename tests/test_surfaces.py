"""spaCy's own surfaces: `python -m spacy ewc`, and packaging a pipeline with or without its EWC state."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
import spacy
from spacy.training import Example

from spacy_ewc import protect, save_pipeline
from spacy_ewc.cli import app, package_pipeline

TRAIN = [
    ("Alice lives in Paris.", {"entities": [(0, 5, "PERSON"), (15, 20, "GPE")]}),
    ("Bob visited Berlin last May.", {"entities": [(0, 3, "PERSON"), (12, 18, "GPE")]}),
]


@pytest.fixture(scope="module")
def trained_folder(tmp_path_factory):
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    examples = [Example.from_dict(nlp.make_doc(text), ann) for text, ann in TRAIN]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(5):
        nlp.update(examples, sgd=optimizer)
    ewc = protect(nlp, examples, lambda_=1.0, fisher="empirical")
    folder = tmp_path_factory.mktemp("pipeline") / "model-best"
    save_pipeline(nlp, folder, ewc)
    return folder


def test_spacy_cli_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "spacy", "ewc", "--help"], capture_output=True, text=True, check=True
    ).stdout
    commands = [command.name for command in app.registered_commands]
    assert commands and all(name in out for name in commands)
    top = subprocess.run([sys.executable, "-m", "spacy", "--help"], capture_output=True, text=True).stdout
    assert "ewc" in top


@pytest.mark.slow
@pytest.mark.parametrize("include_ewc", [False, True])
def test_package_keeps_or_drops_the_ewc_state(trained_folder, tmp_path, include_ewc):
    assert (trained_folder / "ewc" / "ner" / "ewc.json").is_file()
    version = "0.0.1" if include_ewc else "0.0.2"
    package_pipeline(
        trained_folder, tmp_path, include_ewc=include_ewc, name="ewc_test", version=version,
        create_sdist=False, create_wheel=True,
    )
    wheels = list(tmp_path.glob("*/dist/*.whl"))
    assert len(wheels) == 1
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert any(name.endswith("ner/model") for name in names)
    has_state = any("/ewc/ner/" in name for name in names)
    assert has_state == include_ewc
    assert (trained_folder / "ewc" / "ner" / "ewc.json").is_file()
