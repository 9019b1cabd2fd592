"""Shared encoders: a `Tok2Vec` component and the components that listen to it.

In en_core_web_sm, `tagger` and `parser` have no encoder of their own: a
`Tok2VecListener` in their model receives the vectors of the shared `tok2vec` component
and sends its gradients back there. So a backward pass of such a component needs the
tok2vec's forward pass first, and the importance of the tok2vec's own weights comes from
the losses of the components listening to it.

`backward_pass(pipe, nlp, fused)` returns the backward pass the Fisher pass runs on a batch:

* a component with its own encoder (ner, senter in en_core_web_sm): ``pipe.update``, or
  with `fused` the greedy pass of `transition.greedy_backward`;
* a listening component: the tok2vec's forward pass (no gradient goes back to it), then
  the same;
* a `Tok2Vec` component: its forward pass, ``update`` of every enabled listening
  component, then one backward pass of the summed gradients into the tok2vec.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterable, List, Optional, Sequence, Union

from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.pipeline.tok2vec import Tok2Vec, Tok2VecListener
from spacy.tokens import Doc
from spacy.training import Example
from thinc.api import set_dropout_rate

from ..errors import Errors
from .transition import greedy_backward

Update = Callable[[List[Union[Example, Doc]]], None]


def input_docs(batch: Iterable[Union[Example, Doc]]) -> List[Doc]:
    """The Docs a forward pass reads: the Examples' predicted Docs, or the Docs themselves
    (the fused pass takes raw Docs: it needs no reference)."""
    return [item.predicted if isinstance(item, Example) else item for item in batch]


def listeners_in(pipe: TrainablePipe) -> List[Tok2VecListener]:
    """The Tok2VecListener layers in a component's model."""
    model = getattr(pipe, "model", None)
    if model is None or isinstance(model, bool):
        return []
    return [node for node in model.walk() if isinstance(node, Tok2VecListener)]


def upstream_of(pipe: TrainablePipe, nlp: Optional[Language]) -> Optional[Tok2Vec]:
    """The Tok2Vec component `pipe` listens to, or None when it has its own encoder."""
    listeners = listeners_in(pipe)
    if not listeners:
        return None
    if nlp is None:
        raise ValueError(Errors.E018.format(name=pipe.name))
    for _, proc in nlp.components:
        if isinstance(proc, Tok2Vec) and any(node in proc.listeners for node in listeners):
            return proc
    raise ValueError(Errors.E019.format(name=pipe.name))


def listening_components(tok2vec: Tok2Vec, nlp: Language) -> List[TrainablePipe]:
    """Enabled components whose model listens to `tok2vec`, in pipeline order."""
    names = set(tok2vec.listening_components)
    return [proc for name, proc in nlp.pipeline if name in names and proc is not tok2vec]


def shared_encoder(nlp: Language, pipe_name: str) -> Optional[str]:
    """Name of the tok2vec component that `pipe_name` listens to (None if it has its own).

    Protect it too when fine-tuning a listening component, so the other components that
    share it keep their inputs: ``create_ewc_pipe(nlp, data, pipe_name=shared_encoder(nlp,
    "parser"))``.
    """
    upstream = upstream_of(nlp.get_pipe(pipe_name), nlp)
    if upstream is None:
        return None
    return next(name for name, proc in nlp.components if proc is upstream)


def loss_components(pipe: TrainablePipe, nlp: Optional[Language]) -> List[TrainablePipe]:
    """The components whose losses define the Fisher of `pipe`'s weights.

    Raises when they cannot run: a tok2vec or a listening component without `nlp`, or a
    tok2vec that no enabled component listens to.
    """
    if not isinstance(pipe, Tok2Vec):
        upstream_of(pipe, nlp)
        return [pipe]
    if nlp is None:
        raise ValueError(Errors.E020.format(name=pipe.name))
    components = listening_components(pipe, nlp)
    if not components:
        raise ValueError(Errors.E021.format(name=pipe.name))
    return components


def backward_pass(pipe: TrainablePipe, nlp: Optional[Language], fused: bool = False) -> Update:
    """A batch's backward pass for the Fisher of `pipe`: gradients, no optimizer step.

    fused: a transition-based component's targets are its own greedy actions, taken in the
    backward pass (`transition.greedy_backward`), so the batch may be raw Docs.
    """
    if isinstance(pipe, Tok2Vec):
        return _encoder_pass(pipe, loss_components(pipe, nlp))

    def update(batch: List[Union[Example, Doc]]) -> None:
        if fused:
            greedy_backward(pipe, input_docs(batch))
        else:
            pipe.update(batch, drop=0.0, sgd=None, losses={})

    upstream = upstream_of(pipe, nlp)
    if upstream is not None:
        return _listener_pass(update, upstream)
    return update


def _listener_pass(update: Update, tok2vec: Tok2Vec) -> Update:
    """Feed the listeners the tok2vec's output; the gradients that come back are dropped."""

    def fed_update(batch: List[Union[Example, Doc]]) -> None:
        docs = input_docs(batch)
        with _fed_listeners(tok2vec, docs, tok2vec.model.predict(docs), _no_gradient):
            update(batch)

    return fed_update


def _encoder_pass(tok2vec: Tok2Vec, components: Sequence[TrainablePipe]) -> Update:
    """Sum the gradients every listening component sends back, then backprop them once."""

    def update(batch: List[Example]) -> None:
        docs = [eg.predicted for eg in batch]
        model = tok2vec.model
        set_dropout_rate(model, 0.0)
        tokvecs, backprop = model.begin_update(docs)
        d_tokvecs = [model.ops.alloc2f(*vectors.shape) for vectors in tokvecs]

        def accumulate(d_part):
            for total, part in zip(d_tokvecs, d_part):
                total += part
            return []

        with _fed_listeners(tok2vec, docs, tokvecs, accumulate):
            for component in components:
                component.update(batch, drop=0.0, sgd=None, losses={})
        backprop(d_tokvecs)

    return update


def _no_gradient(d_tokvecs):
    return []


@contextlib.contextmanager
def _fed_listeners(tok2vec: Tok2Vec, docs, tokvecs, backprop):
    """Give every listener of `tok2vec` this batch, as `Tok2Vec.update` does; put back
    what they held before, so no training batch is left behind in them."""
    listeners = tok2vec.listeners
    saved = [(node._batch_id, node._outputs, node._backprop) for node in listeners]  # noqa: SLF001
    batch_id = Tok2VecListener.get_batch_id(docs)
    for node in listeners:
        node.receive(batch_id, tokvecs, backprop)
    try:
        yield
    finally:
        for node, (batch, outputs, callback) in zip(listeners, saved):
            node._batch_id, node._outputs, node._backprop = batch, outputs, callback  # noqa: SLF001
