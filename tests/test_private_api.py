"""The private parts of spaCy and thinc that spacy-ewc relies on, each used in one function.

If an upgrade of spaCy or thinc changes one of them, these tests fail with a message that
names the function to fix, instead of EWC silently protecting nothing.
"""

from __future__ import annotations

import numpy
import spacy
from spacy.pipeline.tok2vec import Tok2VecListener
from thinc.api import Linear, Model, set_dropout_rate
from thinc.compat import torch
from thinc.shims import PyTorchShim

from spacy_ewc import EWCModelWrapper
from spacy_ewc.ewc.params import drop_grad, unwrap
from spacy_ewc.ewc.torch_params import ShimParams

WHERE = "spacy_ewc/{where} relies on it: update that function for this version of {lib}."


def test_param_server_keeps_gradients_in_grads_by_node_id_and_name():
    model = Linear(2, 3).initialize()
    model.inc_grad("W", numpy.ones((2, 3), dtype="f"))
    grads = getattr(model._params, "_grads", None)  # noqa: SLF001
    assert isinstance(grads, dict) and (model.id, "W") in grads, WHERE.format(
        where="ewc/params.py drop_grad", lib="thinc"
    )
    drop_grad(model, "W")
    assert not model.has_grad("W")


def test_listeners_hold_their_batch_in_three_attributes():
    listener = Tok2VecListener(upstream_name="tok2vec", width=4)
    for name in ("_batch_id", "_outputs", "_backprop"):
        assert hasattr(listener, name), WHERE.format(where="ewc/listeners.py _fed_listeners", lib="spaCy")
    listener.receive("batch", ["outputs"], "backprop")
    assert (listener._batch_id, listener._outputs, listener._backprop) == (  # noqa: SLF001
        "batch", ["outputs"], "backprop"
    )


def test_language_keeps_its_optimizer_in_optimizer_attribute():
    nlp = spacy.blank("en")
    assert getattr(nlp, "_optimizer", "missing") is None, WHERE.format(
        where="ner_trainer/ewc_ner_trainer.py train_nlp_with_ewc", lib="spaCy"
    )
    optimizer = nlp.initialize()
    assert nlp._optimizer is optimizer  # noqa: SLF001


def test_wrapper_mirrors_every_model_slot():
    inner = Linear(2, 3).initialize()
    wrapper = EWCModelWrapper(inner, lambda: None)
    for slot in Model.__slots__:
        assert getattr(wrapper, slot) is getattr(inner, slot), WHERE.format(
            where=f"spacy_wrapper EWCModelWrapper.__init__ (slot {slot})", lib="thinc"
        )


def test_transition_models_step_in_python_with_their_state_dropout_in_an_attr(blank_ner):
    """What `greedy_backward` reads of spaCy's transition internals, each with what it must do."""
    where = WHERE.format(where="ewc/transition.py greedy_backward", lib="spaCy")
    ner = blank_ner.get_pipe("ner")
    model, moves = unwrap(ner.model), ner.moves
    docs = [blank_ner.make_doc("Aspirin may cause Reye syndrome in children with a fever .")]
    set_dropout_rate(model, 0.0)
    step_model, finish_steps = model.begin_update(docs)
    assert isinstance(step_model.attrs.get("dropout_rate"), float), where
    states = moves.init_batch(docs)
    numpy.random.seed(0)
    noisy = [step_model.begin_update(states)[0].copy() for _ in range(2)]
    assert not numpy.array_equal(*noisy), where  # the fixed state dropout is on in training
    step_model.attrs["dropout_rate"] = 0.0
    (scores, backprop), (again, _) = step_model.begin_update(states), step_model.begin_update(states)
    assert numpy.array_equal(scores, again), where  # ... and the attr turns it off
    names = [moves.get_class_name(i) for i in range(moves.n_moves)]
    assert scores.shape == (1, len(names)), where
    valid = [name for name in names if moves.is_valid(states[0], name)]
    assert valid and len(valid) < len(names), where
    backprop(numpy.zeros_like(scores))
    chosen = numpy.zeros_like(scores)
    chosen[0, names.index(valid[0])] = 1.0
    left = ner.transition_states(states, chosen)
    assert isinstance(left, list) and len(states[0].queue) == len(docs[0]) - 1, where
    finish_steps(None)
    step_model.clear_memory()
    assert any(node.has_grad(name) for node in model.walk() for name in node.param_names), where


def test_pytorch_shim_keeps_its_torch_module_in_model():
    module = torch.nn.Linear(2, 3)
    shim = PyTorchShim(module)
    assert getattr(shim, "_model", None) is module, WHERE.format(
        where="ewc/torch_params.py ShimParams.__init__", lib="thinc"
    )
    assert ShimParams(shim).param_names == ("weight", "bias")
