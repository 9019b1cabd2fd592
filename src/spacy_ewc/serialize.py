"""A pipeline and its EWC states in one folder, so a later run continues where this one stopped.

The states go in ``<path>/ewc/<pipe name>/`` beside the components spaCy writes. spaCy
ignores that folder: ``spacy.load(path)`` works without spacy-ewc installed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Dict, Iterable, Mapping, Tuple, Union

import spacy
from spacy.language import Language

from .ewc import EWC
from .spacy_wrapper import EWCModelWrapper

STATES_DIR = "ewc"

States = Union[EWC, Iterable[EWC], Mapping[str, EWC]]


def state_path(path: Union[str, Path], pipe_name: str = "ner") -> Path:
    """Where the state of component `pipe_name` lives inside the pipeline folder `path`."""
    return Path(path) / STATES_DIR / pipe_name


def save_pipeline(nlp: Language, path: Union[str, Path], states: States) -> None:
    """`nlp.to_disk(path)` plus each EWC state in ``path/ewc/<pipe>/``.

    States saved there earlier are replaced, so the folder holds exactly `states`.
    """
    states = _as_list(states)
    for ewc in states:
        if ewc.pipe_name not in nlp.pipe_names or nlp.get_pipe(ewc.pipe_name) is not ewc.pipe:
            raise ValueError(
                f"The EWC state of '{ewc.pipe_name}' belongs to another pipeline than the one being "
                "saved: pass the states computed on this nlp (or EWC.from_disk them with it)."
            )
    path = Path(path)
    nlp.to_disk(path)
    shutil.rmtree(path / STATES_DIR, ignore_errors=True)
    for ewc in states:
        ewc.to_disk(state_path(path, ewc.pipe_name))


def load_pipeline(
    path: Union[str, Path], *, wrap: bool = True, **load_kwargs
) -> Tuple[Language, Dict[str, EWC]]:
    """`spacy.load(path)` and the EWC states saved beside it, keyed by component name.

    With `wrap` (default) each component's model is wrapped as `create_ewc_pipe` does, so
    `nlp.update` and spaCy's training loop apply the penalty again.
    """
    path = Path(path)
    if not (path / "config.cfg").is_file():
        raise FileNotFoundError(
            f"No spaCy pipeline at {path}: expected a folder with config.cfg, as written by "
            "save_pipeline or nlp.to_disk."
        )
    nlp = spacy.load(path, **load_kwargs)
    states = {}
    folder = path / STATES_DIR
    for sub in sorted(folder.iterdir()) if folder.is_dir() else ():
        if sub.is_dir():
            states[sub.name] = EWC.from_disk(sub, nlp, pipe_name=sub.name)
    if wrap:
        for ewc in states.values():
            ewc.pipe.model = EWCModelWrapper(ewc.pipe.model, ewc.apply_ewc_penalty_to_gradients)
    return nlp, states


def _as_list(states: States) -> list:
    if isinstance(states, EWC):
        return [states]
    if isinstance(states, Mapping):
        states = list(states.values())
    states = list(states)
    for i, ewc in enumerate(states):
        if not isinstance(ewc, EWC):
            raise TypeError(f"State {i} is a {type(ewc).__name__}, not an EWC.")
    names = [ewc.pipe_name for ewc in states]
    if len(set(names)) != len(names):
        raise ValueError(f"One EWC state per component, got several for: {', '.join(names)}.")
    return states
