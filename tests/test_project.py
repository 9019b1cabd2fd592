"""project.yml: a valid spaCy (weasel) project that runs what the Makefile runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from weasel.util import load_project_config

ROOT = Path(__file__).resolve().parents[1]


def project(**overrides):
    return load_project_config(ROOT, overrides={f"vars.{k}": v for k, v in overrides.items()})


def test_project_is_valid_and_its_workflows_name_commands():
    config = project(data="elsewhere")
    commands = {command["name"]: command for command in config["commands"]}
    assert {"convert", "silver", "fisher", "tune", "train", "evaluate", "report", "bench"} <= set(commands)
    assert config["workflows"]["all"][0] == "convert" and "bench" in config["workflows"]["all"]
    for steps in config["workflows"].values():
        assert set(steps) <= set(commands)
    for asset in config["assets"]:
        assert asset["dest"].startswith("elsewhere/") and re.fullmatch(r"[0-9a-f]{32}", asset["checksum"])
    for command in commands.values():
        for script in command["script"]:
            for word in shlex.split(script):
                if word.startswith(("scripts/", "configs/", "benchmarks/")):
                    assert (ROOT / word).is_file(), word


def test_train_passes_the_overrides_of_make_train_disease():
    """The two ways of running the DISEASE training must not drift apart."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf8").replace("\\\n", " ")
    make_train = next(line for line in makefile.splitlines() if "spacy train" in line)
    make_options = {word for word in shlex.split(make_train) if word.startswith("--")}
    train = next(c for c in project()["commands"] if c["name"] == "train")
    project_options = {word for word in shlex.split(train["script"][0]) if word.startswith("--")}
    assert make_options == project_options


def test_lambda_is_the_makefiles():
    makefile = (ROOT / "Makefile").read_text(encoding="utf8")
    default = re.search(r"^EWC_LAMBDA \?= (\S+)$", makefile, re.M).group(1)
    assert float(project()["vars"]["lambda"]) == float(default)
