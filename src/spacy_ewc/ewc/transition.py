"""The fused `predicted` pass of transition-based components (ner, parser).

The predicted Fisher takes a component's own decisions as targets. For a greedy
transition-based component these are the actions its backward pass computes anyway: one
forward of its model over a batch of documents, then at every step the highest-scoring
valid action is both the target of the loss and the transition taken. The targets then
cost no separate prediction pass. The loss is spaCy's (`cpu_log_loss`) with that action as
the one zero-cost action, and no dropout anywhere, so the pass is deterministic.
"""

from __future__ import annotations

from typing import List

import numpy
from spacy.pipeline import EntityRecognizer, TrainablePipe
from spacy.pipeline.transition_parser import Parser
from spacy.tokens import Doc
from thinc.api import set_dropout_rate

from . import math as ewc_math
from .params import unwrap


def fusable(pipe: TrainablePipe) -> bool:
    """Whether `pipe`'s predicted targets can come from its backward pass: a transition-based
    component that predicts greedily (a beam's predictions are not greedy steps).

    For ner the fused loss is spaCy's own on the predicted entities, which leave one
    zero-cost action per state; the parser's oracle often leaves several (arc-eager's
    spurious ambiguity), so its fused Fisher weighs other actions than its two-pass one.
    """
    return isinstance(pipe, Parser) and int(pipe.cfg.get("beam_width", 1)) < 2


def fused_by_default(pipe: TrainablePipe) -> bool:
    """Whether the fused pass is `pipe`'s default: a greedy ner, whose fused Fisher is spaCy's
    own loss on its predictions (benchmarks/results/fisher_cost.md). The parser's is not the
    same quantity as its two-pass one, so it stays an option there."""
    return isinstance(pipe, EntityRecognizer) and fusable(pipe)


def greedy_backward(pipe: Parser, docs: List[Doc]) -> list:
    """Add to `pipe`'s gradients those of the loss of its own greedy actions on `docs`;
    return the final states (the parses it followed, for `pipe.set_annotations`).

    Each document is one whole sequence (no oracle cut). The one place that relies on
    spaCy's transition internals (tests/test_private_api.py): the step model that
    `TransitionModel.begin_update` returns and its fixed 0.1 dropout on state vectors
    (`dropout_rate` attr, set to 0 here), the transition system's `init_batch`,
    `get_class_name` and `is_valid`, and `Parser.transition_states`.
    """
    model = unwrap(pipe.model)
    set_dropout_rate(model, 0.0)
    step_model, finish_steps = model.begin_update(docs)
    step_model.attrs["dropout_rate"] = 0.0
    moves = pipe.moves
    names = [moves.get_class_name(i) for i in range(moves.n_moves)]
    parses = moves.init_batch(docs)
    states = [state for state in parses if not state.is_final()]
    while states:
        scores, backprop = step_model.begin_update(states)
        actions = scores.argmax(axis=1)
        for i, (state, best) in enumerate(zip(states, actions.tolist())):
            if not moves.is_valid(state, names[best]):
                ranked = numpy.argsort(-scores[i], kind="stable").tolist()
                actions[i] = next((a for a in ranked if moves.is_valid(state, names[a])), -1)
        backprop(ewc_math.log_loss_gradient(scores, actions))
        chosen = numpy.zeros_like(scores)
        chosen[numpy.arange(len(states)), actions] = 1.0
        chosen[actions < 0] = 0.0
        # Scores that make the chosen action the best valid one; none valid: spaCy ends the state.
        states = pipe.transition_states(states, chosen)
    finish_steps(None)
    step_model.clear_memory()
    return parses
