"""`python -m spacy ewc ...`: the spacy-ewc commands under spaCy's own CLI.

spaCy imports everything registered under the `spacy_cli` entry point group when its CLI
starts (`registry.cli.get_all()`); importing this module adds our typer app as `ewc`.
"""

from spacy.cli._util import app as spacy_app

from . import app

if not any(group.name == "ewc" for group in spacy_app.registered_groups):
    spacy_app.add_typer(app, name="ewc")

__all__ = ["app"]
