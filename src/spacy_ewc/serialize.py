"""A pipeline and its EWC states in one folder, so a later run continues where this one stopped.

The states go in ``<path>/ewc/<pipe name>/`` beside the components spaCy writes. spaCy
ignores that folder: ``spacy.load(path)`` works without spacy-ewc installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, Mapping, Tuple, Union

import spacy
from spacy.language import Language

from .atomic import replaced_folder
from .checks import as_path, check_folder_name
from .errors import Errors
from .ewc import EWC
from .spacy_wrapper import wrap_pipe

STATES_DIR = "ewc"

States = Union[EWC, Iterable[EWC], Mapping[str, EWC]]


def state_path(path: Union[str, Path], pipe_name: str = "ner") -> Path:
    """Where the state of component `pipe_name` lives inside the pipeline folder `path`."""
    return Path(path) / STATES_DIR / check_folder_name(pipe_name)


def save_pipeline(nlp: Language, path: Union[str, Path], states: States) -> None:
    """`nlp.to_disk(path)` plus each EWC state in ``path/ewc/<pipe>/``.

    The folder is written beside `path` and swapped in when complete: it then holds
    exactly `nlp` and `states`, and a failed save leaves the previous pipeline and states
    as they were.
    """
    if not isinstance(nlp, Language):
        raise TypeError(Errors.E056.format(what="nlp", expected="spaCy Language", type=type(nlp).__name__))
    states = _as_list(states)
    for ewc in states:
        check_folder_name(ewc.pipe_name)
        if ewc.pipe_name not in nlp.pipe_names or nlp.get_pipe(ewc.pipe_name) is not ewc.pipe:
            raise ValueError(Errors.E035.format(name=ewc.pipe_name))
    path = as_path(path)
    if path.is_file() or (path.is_dir() and any(path.iterdir()) and not (path / "config.cfg").is_file()):
        raise FileExistsError(Errors.E032.format(path=path))
    with replaced_folder(path) as tmp:
        nlp.to_disk(tmp)
        for ewc in states:
            ewc.to_disk(state_path(tmp, ewc.pipe_name))


def load_pipeline(
    path: Union[str, Path], *, wrap: bool = True, **load_kwargs
) -> Tuple[Language, Dict[str, EWC]]:
    """`spacy.load(path)` and the EWC states saved beside it, keyed by component name.

    With `wrap` (default) each component's model is wrapped as `create_ewc_pipe` does, so
    `nlp.update` and spaCy's training loop apply the penalty again.
    """
    path = as_path(path)
    if not (path / "config.cfg").is_file():
        raise FileNotFoundError(Errors.E034.format(path=path))
    nlp = spacy.load(path, **load_kwargs)
    states = {}
    folder = path / STATES_DIR
    for sub in sorted(folder.iterdir()) if folder.is_dir() else ():
        if sub.is_dir() and not sub.name.startswith("."):
            states[sub.name] = EWC.from_disk(sub, nlp, pipe_name=sub.name)
    if wrap:
        for ewc in states.values():
            wrap_pipe(ewc.pipe, ewc)
    return nlp, states


def _as_list(states: States) -> list:
    if states is None:
        raise TypeError(Errors.E051.format(what="states", items="EWC states (or one EWC)"))
    if isinstance(states, EWC):
        return [states]
    if isinstance(states, Mapping):
        states = list(states.values())
    states = list(states)
    for i, ewc in enumerate(states):
        if not isinstance(ewc, EWC):
            raise TypeError(Errors.E037.format(index=i, type=type(ewc).__name__))
    names = [ewc.pipe_name for ewc in states]
    if len(set(names)) != len(names):
        raise ValueError(Errors.E036.format(names=", ".join(names)))
    return states
