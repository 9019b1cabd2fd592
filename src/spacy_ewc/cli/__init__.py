"""The `spacy-ewc` command-line tool (also `python -m spacy_ewc`)."""

from ._util import app
from .consolidate import consolidate_cli
from .evaluate import evaluate_cli
from .fisher import fisher_cli
from .merge import merge_cli
from .package import package_cli, package_pipeline
from .tune import TuneResult, tune, tune_cli


def setup_cli(prog_name: str = "spacy-ewc") -> None:
    app(prog_name=prog_name)


__all__ = [
    "app", "setup_cli", "consolidate_cli", "evaluate_cli", "fisher_cli", "merge_cli", "package_cli",
    "package_pipeline", "tune", "tune_cli", "TuneResult",
]
