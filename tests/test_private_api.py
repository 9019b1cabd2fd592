"""The private parts of spaCy and thinc that spacy-ewc relies on, each used in one function.

If an upgrade of spaCy or thinc changes one of them, these tests fail with a message that
names the function to fix, instead of EWC silently protecting nothing.
"""

from __future__ import annotations

import numpy
import spacy
from spacy.pipeline.tok2vec import Tok2VecListener
from thinc.api import Linear, Model
from thinc.compat import torch
from thinc.shims import PyTorchShim

from spacy_ewc import EWCModelWrapper
from spacy_ewc.ewc.params import drop_grad
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


def test_pytorch_shim_keeps_its_torch_module_in_model():
    module = torch.nn.Linear(2, 3)
    shim = PyTorchShim(module)
    assert getattr(shim, "_model", None) is module, WHERE.format(
        where="ewc/torch_params.py ShimParams.__init__", lib="thinc"
    )
    assert ShimParams(shim).param_names == ("weight", "bias")
