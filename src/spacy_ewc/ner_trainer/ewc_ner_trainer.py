"""Training steps with the EWC penalty, for scripts that do not wrap the component.

Each function applies the penalty exactly once per step: when the component is already
wrapped for this EWC the wrapper does it, otherwise it is wrapped for the step.

`sgd`: an optimizer steps with it; None (the default) steps with the component's default
optimizer, created once and kept (Adam's moments carry over); False takes no step, as
`pipe.update(sgd=False)` does: the gradients, with the penalty added, stay on the model
for a later step (gradient accumulation).
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.pipeline.tok2vec import Tok2Vec
from spacy.training import Example
from thinc.api import Optimizer

from ..checks import as_items, check_fraction, check_vocab
from ..errors import Errors, InvalidDataError
from ..ewc.ewc import EWC
from ..ewc.listeners import listening_components, upstream_of
from ..spacy_wrapper.ewc_spacy_wrapper import EWCModelWrapper, wrap_pipe


@contextlib.contextmanager
def ewc_applied(pipe: TrainablePipe, ewc: EWC):
    """Wrap `pipe` for `ewc` for the duration of the block, unless it already is."""
    model = pipe.model
    if isinstance(model, EWCModelWrapper) and model.ewc is ewc:
        yield pipe
        return
    wrap_pipe(pipe, ewc)
    try:
        yield pipe
    finally:
        pipe.model = model


def _optimizer(ewc: EWC, create) -> Optimizer:
    """The optimizer used when the caller gives none: created once, kept on the EWC so
    Adam's moments carry over from step to step (spaCy's components take no new attributes)."""
    sgd = getattr(ewc, "_default_optimizer", None)
    if sgd is None:
        sgd = create()
        ewc._default_optimizer = sgd
    return sgd


def _check_step(examples, ewc, vocab, update_kwargs) -> list:
    if not isinstance(ewc, EWC):
        raise TypeError(Errors.E056.format(what="ewc", expected="spacy_ewc.EWC", type=type(ewc).__name__))
    if "drop" in update_kwargs:
        check_fraction(update_kwargs["drop"], "drop")
    examples = as_items(examples, "examples", "spaCy Examples", "Example.from_dict(doc, annotations)")
    for i, eg in enumerate(examples):
        if not isinstance(eg, Example):
            raise InvalidDataError(Errors.E203.format(index=i, type=type(eg).__name__))
    check_vocab(examples, vocab, "the training data")
    return examples


def _update_with_ewc(
    pipe: TrainablePipe,
    update: Callable,
    create_optimizer: Callable,
    examples: List[Example],
    ewc: EWC,
    update_kwargs: Dict[str, Any],
) -> Dict[str, float]:
    """`update(examples, **update_kwargs)` with `ewc`'s penalty on `pipe` applied once; `sgd`
    as in the module docstring. Returns the losses."""
    sgd = update_kwargs.get("sgd")
    if sgd is None:
        sgd = update_kwargs["sgd"] = _optimizer(ewc, create_optimizer)
    if update_kwargs.get("losses") is None:
        update_kwargs["losses"] = {}
    with ewc_applied(pipe, ewc):
        update(examples, **update_kwargs)
        if sgd is False:
            ewc.apply_ewc_penalty_to_gradients(pipe.model)
    return update_kwargs["losses"]


def trained_components(nlp: Language, pipe: TrainablePipe) -> List[str]:
    """The components one step of `pipe` updates: `pipe`, and what its gradient flows
    through (the tok2vec it listens to; the listeners of a tok2vec)."""
    needed = [pipe]
    upstream = upstream_of(pipe, nlp)
    if upstream is not None:
        needed.append(upstream)
    if isinstance(pipe, Tok2Vec):
        needed.extend(listening_components(pipe, nlp))
    return [name for name, proc in nlp.pipeline if any(proc is p for p in needed)]


def train_ner_with_ewc(
    ner: TrainablePipe,
    examples: Iterable[Example],
    ewc: EWC,
    *,
    drop: float = 0.0,
    sgd: Union[Optimizer, None, bool] = None,
    losses: Optional[Dict[str, float]] = None,
) -> Dict[str, float]:
    """One update of `ner` on `examples` with the EWC penalty; returns the losses.

    `sgd` as in the module docstring. The loss is recorded under the component's own name.
    """
    update_kwargs = {"drop": drop, "sgd": sgd, "losses": losses}
    examples = _check_step(examples, ewc, ner.vocab, update_kwargs)
    return _update_with_ewc(ner, ner.update, ner.create_optimizer, examples, ewc, update_kwargs)


def train_nlp_with_ewc(
    nlp: Language, examples: Iterable[Example], ewc: EWC, **update_kwargs: Any
) -> Dict[str, float]:
    """One `nlp.update` of `ewc`'s component on `examples`, with the EWC penalty.

    Only the protected component is updated (as in spacy-ewc 0.1.1), with what its
    gradient flows through (`trained_components`). `update_kwargs` are `Language.update`'s:
    `drop`, `sgd` (as in the module docstring), `losses`, and `exclude`, which leaves out more.
    """
    examples = _check_step(examples, ewc, nlp.vocab, update_kwargs)
    pipe = nlp.get_pipe(ewc.pipe_name)
    keep = trained_components(nlp, pipe)
    exclude = set(update_kwargs.get("exclude", ())) | {n for n in nlp.pipe_names if n not in keep}
    update_kwargs["exclude"] = sorted(exclude)
    create = nlp.resume_training if nlp._optimizer is None else lambda: nlp._optimizer
    return _update_with_ewc(pipe, nlp.update, create, examples, ewc, update_kwargs)
