"""`spacy-ewc merge`: combine Fisher states estimated on shards of the data."""

from __future__ import annotations

from pathlib import Path
from typing import List

from wasabi import msg

from ..ewc import EWC
from ..ewc.continual import merge
from ._util import (
    Arg,
    Opt,
    app,
    check_output_folder,
    check_pipe_name,
    check_state_folder,
    load_model,
    user_errors,
)


@app.command("merge")
def merge_cli(
    model: str = Arg(..., help="Pipeline package name or folder the shards were estimated with"),
    shards: List[Path] = Arg(..., help="State folders written by `spacy-ewc fisher --shard`"),
    output: Path = Opt(..., "--output", "-o", help="Folder for the merged state"),
    pipe_name: str = Opt("ner", "--pipe", "-p", help="Component the states belong to"),
):
    """Merge shard states into the state one pass over all their examples gives."""
    check_pipe_name(pipe_name)
    for path in shards:
        check_state_folder(path, "SHARDS")
    check_output_folder(output, "--output")
    nlp = load_model(model)
    with user_errors():
        states = [EWC.from_disk(path, nlp, pipe_name) for path in shards]
        merged = merge(states)
        merged.to_disk(output)
    msg.good(f"Merged {len(states)} states ({merged.n_examples} examples) into {output}")
