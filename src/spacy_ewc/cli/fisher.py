"""`spacy-ewc fisher`: estimate and save the EWC state of a pipeline component."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from wasabi import msg

from ..errors import Errors
from ..ewc.continual import estimate, shard_bounds
from ..ewc.ewc import DEFAULT_LAMBDA, DEFAULT_NORMALIZATION
from ..ewc.fisher import DEFAULT_BLOCK
from ..readers import check_path, read_items
from ._util import (
    Arg,
    Opt,
    app,
    check_fisher_options,
    check_number,
    check_option,
    check_output_folder,
    default_state,
    load_model,
    progress_bar,
    user_errors,
)


@app.command("fisher")
def fisher_cli(
    model: str = Arg(..., help="Pipeline package name or folder"),
    data: Path = Arg(
        ..., help="Data: .spacy corpus, .jsonl ({'text': ...} per line) or text file (one per line)"
    ),
    output: Optional[Path] = Opt(
        None, "--output", "-o", help="Folder for the state [default: MODEL/ewc/PIPE]"
    ),
    pipe_name: str = Opt("ner", "--pipe", "-p", help="Component to protect"),
    kind: str = Opt(
        "auto", "--kind", "-k", help="Fisher targets: empirical (gold), predicted (raw text) or auto"
    ),
    lambda_: float = Opt(
        DEFAULT_LAMBDA, "--lambda", "-l", help="Strength λ of the penalty, saved with the state"
    ),
    normalize: str = Opt(
        DEFAULT_NORMALIZATION, "--normalize", help="Scale of F: peak, mean, max or none (docs/lambda.md)"
    ),
    n_process: int = Opt(1, "--n-process", "-n", help="Processes for the Fisher pass"),
    shard: Optional[str] = Opt(
        None, "--shard", help="Only shard I of N, as I/N (0-based); merge the shards later"
    ),
    limit: int = Opt(0, "--limit", help="Use the first N items of DATA (0: all)"),
    silent: bool = Opt(False, "--silent", help="No progress bar or progress messages"),
    batch_size: Optional[int] = Opt(
        None, "--batch-size", "-b",
        help="Examples per backward pass (1: per-example) [default: 16 with the fused pass, else 8]",
    ),
    tol: Optional[float] = Opt(
        None, "--tol", help="Stop once F changes by less than this over the last block [default: use all]"
    ),
    block: int = Opt(DEFAULT_BLOCK, "--block", help="Examples between two convergence checks"),
    fused: Optional[bool] = Opt(
        None, "--fused/--no-fused",
        help="ner, parser: predicted targets from the backward pass (no prediction pass) [default: ner only]",
    ),
):
    """Estimate the Fisher information of a component on DATA and save θ*, F and λ.

    Raw text gives the 'predicted' Fisher (the model's own predictions as targets), a
    .spacy corpus the 'empirical' one. With --shard the items are cut into N contiguous
    parts and only part I is estimated, seeded by its global position, so that
    `spacy-ewc merge` of all parts equals a single pass (exactly with --batch-size 1; with
    batches every part is an unbiased estimate of its own F, so the merge is one too).
    """
    check_fisher_options(pipe_name, kind, n_process, limit)
    scales = ("peak", "mean", "max", "none")
    check_option(normalize in scales, "--normalize", "peak, mean, max or none", normalize)
    check_number(lambda_, "--lambda")
    with user_errors():
        index, count = _parse_shard(shard) if shard is not None else (0, 1)
        check_path(data)
    output = default_state(model, pipe_name, output, "--output")
    check_output_folder(output, "--output")
    nlp = load_model(model)
    with user_errors():
        items = read_items(data, nlp, limit)
        start, end = shard_bounds(len(items), index, count)
        items = items[start:end]
        if not silent:
            msg.info(f"Fisher of '{pipe_name}' on {len(items)} items from {data}")
        ewc = estimate(
            nlp, items, lambda_, pipe_name,
            fisher=kind, normalize=None if normalize == "none" else normalize,
            offset=start, n_process=n_process, progress=progress_bar("Fisher", silent),
            fisher_batch_size=batch_size, fisher_tol=tol, fisher_block=block, fisher_fused=fused,
        )
        ewc.to_disk(output)
    used = f"{ewc.n_examples} examples" + (", converged" if ewc.converged else "")
    msg.good(f"Saved the EWC state ({ewc.fisher_kind} Fisher, {used}) to {output}")


def _parse_shard(text: str):
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(
            Errors.E090.format(option="--shard", expected="I/N, for example 0/4", value=text)
        ) from None
    if not 0 <= index < count:
        expected = "I/N with 0 <= I < N (0-based)"
        raise ValueError(Errors.E090.format(option="--shard", expected=expected, value=text))
    return index, count
