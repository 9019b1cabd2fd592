"""The training loop every method shares: same batches, seed, epochs and optimizer.

Only the `ner` component is updated (en_core_web_sm's NER has its own tok2vec). A method
changes what goes in (training examples), what wraps the model (EWC) or what runs after
each update (`nlp.rehearse` on raw text); the loop itself is the same for all.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

from spacy.language import Language
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch
from thinc.api import Optimizer


@dataclass
class TrainLog:
    updates: int = 0
    update_seconds: List[float] = field(default_factory=list)
    rehearse_seconds: float = 0.0
    losses: List[float] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(self.update_seconds)

    def per_update(self) -> float:
        """Median seconds per step: robust to other processes sharing the cores."""
        values = sorted(self.update_seconds)
        return values[len(values) // 2] if values else 0.0


def epoch_batches(examples: Sequence[Example], batch_size: int, seed: int, epoch: int):
    order = list(examples)
    random.Random(seed * 1000 + epoch).shuffle(order)
    return list(minibatch(order, size=batch_size))


def train(
    nlp: Language,
    examples: Sequence[Example],
    sgd: Optimizer,
    *,
    epochs: int,
    batch_size: int,
    drop: float,
    seed: int,
    rehearsal: Optional[Sequence[Example]] = None,
    rehearsal_batch_size: int = 4,
) -> TrainLog:
    """`epochs` passes of `nlp.update` over `examples`; with `rehearsal`, each update is
    followed by `nlp.rehearse` on the next batch of those raw-text Examples."""
    fix_random_seed(seed)
    log = TrainLog()
    raw_batches = None
    if rehearsal:
        raw_batches = itertools.cycle(list(minibatch(rehearsal, size=rehearsal_batch_size)))
    with nlp.select_pipes(enable=["ner"]):
        for epoch in range(epochs):
            for batch in epoch_batches(examples, batch_size, seed, epoch):
                losses: dict = {}
                start = time.perf_counter()
                nlp.update(batch, sgd=sgd, drop=drop, losses=losses)
                if raw_batches is not None:
                    rehearse_start = time.perf_counter()
                    nlp.rehearse(next(raw_batches), sgd=sgd, losses=losses)
                    log.rehearse_seconds += time.perf_counter() - rehearse_start
                log.update_seconds.append(time.perf_counter() - start)
                log.losses.append(float(losses.get("ner", 0.0)))
                log.updates += 1
    return log
