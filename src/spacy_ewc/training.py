"""EWC inside `python -m spacy train`: registered functions, no custom training loop.

Registered through entry points (see pyproject.toml), so a config can name them without
`--code`:

* ``spacy-ewc.ewc.v1`` (``[initialize.after_init]``): computes θ* and the Fisher of the
  named components once the pipeline is set up and wraps their models, so spaCy's own
  loop adds λ·F·(θ−θ*) to the gradients at every optimizer step (in ``finish_update``,
  once per step whatever ``accumulate_gradient`` is). Its Fisher ``data`` is a corpus
  from ``[corpora]`` (``data = ${corpora.fisher}``, any reader) or a file path.
* ``spacy-ewc.EWCLogger.v2`` (a leaf logger, to combine with ``spacy.ChainLogger.v1``)
  saves each EWC state beside the checkpoints, in ``model-last/ewc/<pipe>/`` and
  ``model-best/ewc/<pipe>/``; the logger is the one hook of the loop that is told where a
  checkpoint was written. ``spacy-ewc.EWCLogger.v1`` (0.2.0) wraps an inner logger.

The arguments are typed, so confection rejects a wrong type in the config and names the
setting; what a type cannot say (λ ≥ 0, a file that exists) gets a coded error here.

The trained pipeline loads with plain ``spacy.load``: the wrapper only changes
``finish_update``, and spaCy does not resolve ``[initialize]`` or ``[training]`` when
it loads a pipeline.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from itertools import islice
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterable, Iterator, List, Literal, Optional, Union

import srsly
from spacy.language import Language
from spacy.pipeline.tok2vec import Tok2Vec
from spacy.training import Example
from spacy.training.loop import DIR_MODEL_BEST
from spacy.util import registry
from tqdm import tqdm
from wasabi import msg

from .checks import check_folder_name
from .errors import Errors, Warnings, warn
from .ewc import math as ewc_math
from .ewc.ewc import DEFAULT_LAMBDA, DEFAULT_NORMALIZATION, check_lambda
from .ewc.fisher import DEFAULT_BLOCK, FISHER_KINDS, check_pass_options
from .ewc.listeners import shared_encoder
from .readers import is_raw, iter_items
from .serialize import STATES_DIR
from .spacy_wrapper import EWCModelWrapper, protect

CALLBACK_NAME = "spacy-ewc.ewc.v1"
LOGGER_NAME = "spacy-ewc.EWCLogger.v2"
LOGGER_NAME_V1 = "spacy-ewc.EWCLogger.v1"
LOGGER_FAMILY = "spacy-ewc.EWCLogger."
CONSOLE_LOGGER = "spacy.ConsoleLogger.v1"

Corpus = Callable[[Language], Iterable]
FisherData = Union[str, Path, Corpus]
FisherKind = Literal[FISHER_KINDS]  # type: ignore[valid-type]
Normalization = Optional[Literal[tuple(n for n in ewc_math.NORMALIZATIONS if n is not None)]]  # type: ignore


def create_ewc_callback(
    pipes: List[str],
    lambda_: float = DEFAULT_LAMBDA,
    data: Optional[FisherData] = None,
    fisher: FisherKind = "predicted",
    normalize: Normalization = DEFAULT_NORMALIZATION,
    limit: int = 0,
    progress: bool = True,
    fisher_batch_size: Optional[int] = None,
    fisher_tol: Optional[float] = None,
    fisher_block: int = DEFAULT_BLOCK,
    fisher_fused: Optional[bool] = None,
) -> Callable[[Language], Language]:
    """An [initialize.after_init] callback that turns EWC on for `pipes`.

    pipes: names of the trained components to protect, for example ["ner"].
    lambda_: strength of the penalty λ on the `normalize` scale (0 wraps the models but
        applies nothing; see docs/lambda.md).
    data: the Fisher data: a corpus from [corpora] (``data = ${corpora.fisher}`` with
        ``@readers = "spacy.PlainTextCorpus.v1"``, ``"spacy.JsonlCorpus.v1"`` or
        ``"spacy.Corpus.v1"``; Examples without annotation count as raw texts), or a path
        read by `spacy_ewc.readers` (.spacy file or folder, .jsonl with "text" and
        optionally "entities", any other file one text a line).
    fisher: "predicted" (the model's own predictions as targets: raw text is enough),
        "empirical" (gold annotations of labels the component knows) or "auto".
    normalize: "peak" (default), "mean", "max" or null (see `spacy_ewc.EWC`).
    limit: use the first `limit` texts or examples (0: all).
    progress: a progress bar for each Fisher pass, on stderr when it is a terminal (as
        spaCy's own bars); false silences it.
    fisher_batch_size, fisher_tol, fisher_block, fisher_fused: the Fisher pass (see
        `spacy_ewc.EWC` and docs/fisher.md): examples per backward pass, the stopping rule,
        and the fused pass (predicted targets of ner and parser from the backward pass).
    """
    if not isinstance(pipes, (list, tuple)) or not pipes or not all(isinstance(p, str) for p in pipes):
        raise ValueError(Errors.E101.format(callback=CALLBACK_NAME, value=pipes))
    lambda_ = check_lambda(lambda_)
    if fisher not in FISHER_KINDS:
        raise ValueError(Errors.E104.format(callback=CALLBACK_NAME, kinds=FISHER_KINDS, value=fisher))
    if normalize not in ewc_math.NORMALIZATIONS:
        values = ewc_math.NORMALIZATIONS
        raise ValueError(Errors.E105.format(callback=CALLBACK_NAME, values=values, value=normalize))
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(Errors.E106.format(callback=CALLBACK_NAME, value=limit))
    check_pass_options(fisher_batch_size, fisher_tol, fisher_block, fisher_fused)
    pass_options = dict(
        fisher_batch_size=fisher_batch_size, fisher_tol=fisher_tol, fisher_block=fisher_block,
        fisher_fused=fisher_fused,
    )
    read = fisher_data_reader(data)

    def enable_ewc(nlp: Language) -> Language:
        check_pipes(nlp, pipes)
        with fisher_pipes_enabled(nlp, pipes):
            items = list(islice(read(nlp), limit or None))
            if not items:
                raise ValueError(Errors.E109.format(callback=CALLBACK_NAME, path=data))
            for name in pipes:
                start = time.perf_counter()
                ewc = protect(
                    nlp, items, lambda_=lambda_, pipe_name=name, fisher=fisher, normalize=normalize,
                    progress=fisher_progress(name) if progress else None,
                    **pass_options,
                )
                msg.info(
                    f"EWC on for '{name}': lambda_={lambda_:g}, {ewc.fisher_kind} Fisher from "
                    f"{ewc.n_examples} items ({time.perf_counter() - start:.1f}s), protecting "
                    f"labels {list(getattr(nlp.get_pipe(name), 'labels', ()))}"
                )
        return nlp

    return enable_ewc


def fisher_progress(name: str) -> Callable:
    return functools.partial(tqdm, desc=f"EWC Fisher '{name}'", unit="ex", leave=False, disable=None)


def fisher_data_reader(data: FisherData) -> Callable[[Language], Iterator]:
    """A function nlp → Fisher items, from a path or a corpus made by a reader."""
    if callable(data):
        return functools.partial(_corpus_items, data)
    if not isinstance(data, (str, Path)) or not str(data):
        raise ValueError(Errors.E102.format(callback=CALLBACK_NAME, value=data))
    path = Path(data)
    if not path.exists():
        raise FileNotFoundError(Errors.E103.format(callback=CALLBACK_NAME, path=path))
    return functools.partial(iter_items, path)


def _corpus_items(corpus: Corpus, nlp: Language) -> Iterator:
    """The corpus' items; an Example without annotation stands for its text (its Doc)."""
    for item in corpus(nlp):
        yield item.predicted if isinstance(item, Example) and is_raw(item) else item


def check_pipes(nlp: Language, pipes: List[str]) -> None:
    names = nlp.component_names
    config = nlp.config.interpolate()
    frozen = config["training"].get("frozen_components", [])
    for name in pipes:
        if name not in names:
            names_list = ", ".join(names)
            raise ValueError(Errors.E107.format(callback=CALLBACK_NAME, name=name, names=names_list))
        if name in frozen:
            raise ValueError(Errors.E108.format(callback=CALLBACK_NAME, name=name))
        if name not in nlp.disabled:
            warn(Warnings.W101.format(name=name))
    if LOGGER_FAMILY not in srsly.json_dumps(config["training"].get("logger", {})):
        warn(Warnings.W102.format(logger=LOGGER_NAME))


@contextlib.contextmanager
def fisher_pipes_enabled(nlp: Language, pipes: List[str]):
    """Enable `pipes`, the tok2vec they listen to, and the listeners of a protected tok2vec,
    for the Fisher.

    init_nlp runs `nlp.initialize`, and so `after_init`, with the sourced and frozen
    components disabled; the Fisher pass needs the protected ones and their inputs.
    """
    needed = set(pipes)
    for name in pipes:
        pipe = nlp.get_pipe(name)
        if isinstance(pipe, Tok2Vec):
            needed.update(pipe.listening_components)
        else:
            needed.add(shared_encoder(nlp, name) or name)
    enabled = [name for name in nlp.disabled if name in needed]
    for name in enabled:
        nlp.enable_pipe(name)
    try:
        yield
    finally:
        for name in enabled:
            nlp.disable_pipe(name)


def create_ewc_state_logger(folder: str = STATES_DIR, logger: Optional[Any] = None) -> Callable:
    """A [training.logger] that saves the EWC states with each checkpoint, and logs nothing else.

    After spaCy saves model-last (and copies it to model-best when the score is the best
    so far), the state of every EWC-wrapped component goes to
    ``<checkpoint>/<folder>/<pipe>/``; ``spacy_ewc.EWC.from_disk`` reads it back. Combine it
    with the logger you want to see: ``@loggers = "spacy.ChainLogger.v1"``,
    ``logger1 = {"@loggers": "spacy.ConsoleLogger.v1"}``,
    ``logger2 = {"@loggers": "spacy-ewc.EWCLogger.v2"}``. `logger` is only there to say so
    to a config written for ``spacy-ewc.EWCLogger.v1``.
    """
    if logger is not None:
        raise ValueError(Errors.E340.format(logger=LOGGER_NAME, wrapping=LOGGER_NAME_V1))
    folder = check_folder_name(folder)

    def setup(nlp: Language, stdout: IO = sys.stdout, stderr: IO = sys.stderr):
        def save(info: Optional[Dict[str, Any]]) -> None:
            if info is not None and info.get("output_path"):
                last = Path(info["output_path"])
                save_ewc_states(nlp, last / folder)
                if is_best(info):
                    save_ewc_states(nlp, last.parent / DIR_MODEL_BEST / folder)

        return save, lambda: None

    return setup


def create_ewc_logger(logger: Optional[Callable] = None, folder: str = STATES_DIR) -> Callable:
    """0.2.0's [training.logger]: saves the EWC states (as ``spacy-ewc.EWCLogger.v2``), then
    runs `logger` (default: spacy.ConsoleLogger.v1). Same as a spacy.ChainLogger.v1 of the two."""
    inner = logger if logger is not None else registry.get("loggers", CONSOLE_LOGGER)()
    return registry.get("loggers", "spacy.ChainLogger.v1")(create_ewc_state_logger(folder), inner)


def is_best(info: Dict[str, Any]) -> bool:
    """The test spaCy's loop applies before copying model-last to model-best."""
    checkpoints = info.get("checkpoints") or []
    return info.get("score") is not None and bool(checkpoints) and info["score"] == max(checkpoints)[0]


def save_ewc_states(nlp: Language, path: Union[str, Path]) -> List[str]:
    """Save the EWC state of every wrapped component to `path/<pipe>/`; return their names."""
    saved = []
    for name, proc in nlp.components:
        model = getattr(proc, "model", None)
        if isinstance(model, EWCModelWrapper) and model.ewc is not None:
            model.ewc.to_disk(Path(path) / check_folder_name(name))
            saved.append(name)
    return saved


__all__ = [
    "CALLBACK_NAME",
    "LOGGER_NAME",
    "LOGGER_NAME_V1",
    "create_ewc_callback",
    "create_ewc_logger",
    "create_ewc_state_logger",
    "save_ewc_states",
]
