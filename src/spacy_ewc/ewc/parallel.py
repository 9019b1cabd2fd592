"""One Fisher pass spread over processes on this machine, in contiguous shards.

Each worker loads a copy of the pipeline (started as spaCy's `nlp.pipe(n_process=...)`
starts them) and sums the squared gradients of its shard, seeded by the global index of
the shard's first example, so the parts add up to what one pass gives.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example

from ..checks import check_int
from ..errors import Errors
from . import math as ewc_math
from .fisher import FisherPass, FisherSums, squared_gradient_sums
from .listeners import input_docs
from .params import collect_params, unwrap


def shard_bounds(n_items: int, shard: int, n_shards: int) -> Tuple[int, int]:
    """[start, end) of contiguous shard `shard` (0-based) of `n_shards` over `n_items`."""
    check_int(n_shards, "n_shards", 1)
    if isinstance(shard, bool) or not isinstance(shard, int) or not 0 <= shard < n_shards:
        raise ValueError(Errors.E080.format(last=n_shards - 1, shard=shard))
    return n_items * shard // n_shards, n_items * (shard + 1) // n_shards


def parallel_sums(
    nlp: Language, pipe_name: str, examples: Sequence[Union[Example, Doc]], offset: int, n_process: int,
    options: FisherPass,
) -> FisherSums:
    """Σ g² over `examples`, split into `n_process` contiguous parts, one per process.

    `options` go to `squared_gradient_sums` in every part; the parts' example counts add
    up, and the pass converged when every part did.
    """
    with tempfile.TemporaryDirectory(prefix="spacy-ewc-") as tmp:
        model_dir = Path(tmp) / "model"
        nlp.to_disk(model_dir)
        unsaved = unsaved_attrs(unwrap(nlp.get_pipe(pipe_name).model))
        jobs = []
        for shard in range(n_process):
            start, end = shard_bounds(len(examples), shard, n_process)
            part = examples[start:end]
            references = None if options.fused else _doc_bytes(eg.y for eg in part)
            jobs.append((str(model_dir), pipe_name, _doc_bytes(input_docs(part)), references,
                         offset + start, unsaved, options))
        with multiprocessing.get_context().Pool(n_process) as pool:
            parts = pool.starmap(_shard_sums, jobs)
    sums = FisherSums(ewc_math.add(part for part, _, _, _ in parts))
    sums.n_examples = sum(n for _, n, _, _ in parts)
    flags = [converged for _, _, converged, _ in parts]
    sums.converged = None if None in flags else all(flags)
    sums.batch_size = max(batch for _, _, _, batch in parts)
    return sums


UNSAVED_ATTRS = ("unseen_classes",)
"""Model attrs that `nlp.to_disk` does not keep but the loss depends on: the transition
models' `unseen_classes` (output classes of labels added since training, masked in the
gradient until an example shows them). Workers get them from the parent."""


def unsaved_attrs(model) -> Dict[int, Dict[str, object]]:
    """{position in model.walk(): {attr: value}} of the attrs in `UNSAVED_ATTRS`."""
    found = {}
    for i, node in enumerate(model.walk()):
        attrs = {name: node.attrs[name] for name in UNSAVED_ATTRS if name in node.attrs}
        if attrs:
            found[i] = attrs
    return found


def restore_attrs(model, attrs: Dict[int, Dict[str, object]]) -> None:
    nodes = list(model.walk())
    for i, values in attrs.items():
        for name, value in values.items():
            nodes[i].attrs[name] = type(value)(value) if isinstance(value, (set, list, dict)) else value


def _doc_bytes(docs) -> bytes:
    return DocBin(docs=docs, store_user_data=False).to_bytes()


def _shard_sums(
    model_dir: str, pipe_name: str, x_bytes: bytes, y_bytes: Optional[bytes], offset: int, unsaved: Dict,
    options: FisherPass,
) -> Tuple[Dict, int, Optional[bool], int]:
    """Worker: Σ g² of one shard (and its count, convergence, batch size), with the
    pipeline loaded from `model_dir`."""
    nlp = spacy.load(model_dir)
    component = nlp.get_pipe(pipe_name)
    restore_attrs(component.model, unsaved)
    examples: List = list(DocBin().from_bytes(x_bytes).get_docs(nlp.vocab))
    if y_bytes is not None:
        reference = DocBin().from_bytes(y_bytes).get_docs(nlp.vocab)
        examples = [Example(x, y) for x, y in zip(examples, reference)]
    refs = collect_params(component.model, pipe_name)
    sums = squared_gradient_sums(component, examples, refs, seed=offset, nlp=nlp, options=options)
    return dict(sums), sums.n_examples, sums.converged, sums.batch_size
