"""`spacy-ewc consolidate`: fold a new task into an EWC state (online EWC)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from wasabi import msg

from ..errors import Errors
from ..ewc import EWC
from ..ewc.continual import estimate
from ..ewc.math import DEFAULT_GAMMA
from ..readers import check_path, read_items
from ._util import (
    Arg,
    Opt,
    app,
    check_fisher_options,
    check_number,
    check_output_folder,
    check_state_folder,
    default_state,
    fail,
    load_model,
    progress_bar,
    user_errors,
)


@app.command("consolidate")
def consolidate_cli(
    model: str = Arg(..., help="The pipeline after training on the new task (package name or folder)"),
    data: Optional[Path] = Arg(None, help="Data of the new task (.spacy, .jsonl or text); or give --new"),
    state: Optional[Path] = Opt(None, "--state", "-s", help="The old state [default: MODEL/ewc/PIPE]"),
    new: Optional[Path] = Opt(None, "--new", help="A state of the new task already estimated (and merged)"),
    output: Optional[Path] = Opt(
        None, "--output", "-o", help="Folder for the result [default: the old state's]"
    ),
    gamma: float = Opt(
        DEFAULT_GAMMA, "--gamma", "-g", help="Decay of the old importance: F = γ·F_old + F_new"
    ),
    pipe_name: str = Opt("ner", "--pipe", "-p", help="Component the state belongs to"),
    kind: str = Opt("auto", "--kind", "-k", help="Fisher targets for DATA: empirical, predicted or auto"),
    n_process: int = Opt(1, "--n-process", "-n", help="Processes for the Fisher pass"),
    limit: int = Opt(0, "--limit", help="Use the first N items of DATA (0: all)"),
    silent: bool = Opt(False, "--silent", help="No progress bar or progress messages"),
):
    """After training on a task: θ* becomes MODEL's weights and F becomes γ·F_old + F_new.

    F_new is estimated on DATA with MODEL (or read from --new); the old importance is
    zero-padded for labels added since. λ and the normalisation stay those of the old state.
    """
    if (data is None) == (new is None):
        fail(Errors.E098)
    check_fisher_options(pipe_name, kind, n_process, limit)
    check_number(gamma, "--gamma")
    state = default_state(model, pipe_name, state, "--state")
    check_state_folder(state, "--state")
    if new is not None:
        check_state_folder(new, "--new")
    if data is not None:
        with user_errors():
            check_path(data)
    check_output_folder(output, "--output")
    nlp = load_model(model)
    with user_errors():
        old = EWC.from_disk(state, nlp, pipe_name)
        if new is not None:
            fresh = EWC.from_disk(new, nlp, pipe_name)
        else:
            items = read_items(data, nlp, limit)
            if not silent:
                msg.info(f"Fisher of '{pipe_name}' on {len(items)} items from {data}")
            fresh = estimate(
                nlp, items, old.lambda_, pipe_name, fisher=kind, normalize=old.normalize,
                n_process=n_process, progress=progress_bar("Fisher", silent),
            )
        old.consolidate(fresh, gamma)
        output = output or state
        old.to_disk(output)
    msg.good(f"Consolidated state ({old.tasks} tasks, γ={gamma:g}, {old.n_examples} examples): {output}")
