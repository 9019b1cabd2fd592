"""Training steps with the EWC penalty, for scripts that do not wrap the component.

Each function applies the penalty exactly once per step: when the component is already
wrapped for this EWC the wrapper does it, otherwise it is wrapped for the step.
"""

from __future__ import annotations

import contextlib
from typing import Dict, Iterable, Optional

from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.training import Example
from thinc.api import Optimizer

from ..checks import as_items, check_fraction, check_vocab
from ..errors import Errors
from ..ewc.ewc import EWC
from ..spacy_wrapper.ewc_spacy_wrapper import EWCModelWrapper


@contextlib.contextmanager
def ewc_applied(pipe: TrainablePipe, ewc: EWC):
    """Wrap `pipe` for `ewc` for the duration of the block, unless it already is."""
    model = pipe.model
    if isinstance(model, EWCModelWrapper) and model.ewc is ewc:
        yield pipe
        return
    pipe.model = EWCModelWrapper(model, ewc.apply_ewc_penalty_to_gradients)
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


def _check_step(examples, ewc, vocab, drop) -> list:
    if not isinstance(ewc, EWC):
        raise TypeError(Errors.E056.format(what="ewc", expected="spacy_ewc.EWC", type=type(ewc).__name__))
    check_fraction(drop, "drop")
    examples = as_items(examples, "examples", "spaCy Examples", "Example.from_dict(doc, annotations)")
    for i, eg in enumerate(examples):
        if not isinstance(eg, Example):
            raise TypeError(Errors.E063.format(index=i, type=type(eg).__name__))
    check_vocab(examples, vocab, "the training data")
    return examples


def train_ner_with_ewc(
    ner: TrainablePipe,
    examples: Iterable[Example],
    ewc: EWC,
    *,
    drop: float = 0.0,
    sgd: Optional[Optimizer] = None,
    losses: Optional[Dict[str, float]] = None,
) -> Dict[str, float]:
    """One update of `ner` on `examples` with the EWC penalty; returns the losses.

    Without `sgd` the component's default optimizer is created once and reused.
    The loss is recorded under the component's own name.
    """
    examples = _check_step(examples, ewc, ner.vocab, drop)
    if sgd is None:
        sgd = _optimizer(ewc, ner.create_optimizer)
    losses = {} if losses is None else losses
    with ewc_applied(ner, ewc):
        ner.update(examples, drop=drop, sgd=sgd, losses=losses)
    return losses


def train_nlp_with_ewc(
    nlp: Language,
    examples: Iterable[Example],
    ewc: EWC,
    *,
    drop: float = 0.0,
    sgd: Optional[Optimizer] = None,
    losses: Optional[Dict[str, float]] = None,
    **update_kwargs,
) -> Dict[str, float]:
    """One `nlp.update` on `examples` with the EWC penalty on `ewc`'s component."""
    examples = _check_step(examples, ewc, nlp.vocab, drop)
    if sgd is None:
        sgd = _optimizer(ewc, nlp.resume_training if nlp._optimizer is None else lambda: nlp._optimizer)
    losses = {} if losses is None else losses
    with ewc_applied(nlp.get_pipe(ewc.pipe_name), ewc):
        nlp.update(examples, drop=drop, sgd=sgd, losses=losses, **update_kwargs)
    return losses
