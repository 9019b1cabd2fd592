"""`spacy-ewc.PseudoLabelCorpus.v1`: a training corpus completed with the base pipeline's labels.

The keep-both recipe for `spacy train`, from the config alone (the reader is registered
through an entry point, no `--code`):

    [corpora.train]
    @readers = "spacy-ewc.PseudoLabelCorpus.v1"
    path = ${paths.train}
    model = "en_core_web_sm"

Every example read from `path` (a .spacy file or folder, as `spacy.Corpus.v1`) gets the
entities (spancat spans, textcat_multilabel categories) that the reference pipeline
predicts where its gold has none; gold wins on overlaps. The reference (`model`, the pipeline
the trained components are sourced from) is loaded on its own, so it is the base pipeline
as it was before training; its predictions are computed once per text and reused in every
epoch.
With `replay`, old-domain texts labelled by the reference are mixed in.
"""

import math
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Union

import spacy
from spacy.language import Language
from spacy.training import Corpus, Example

from .errors import Errors
from .readers import item_text
from .utils.pseudo_labels import DEFAULT_REPLAY_RATIO, PseudoLabeller, check_ratio, replay_examples

READER_NAME = "spacy-ewc.PseudoLabelCorpus.v1"


class PseudoLabelCorpus:
    """A `[corpora.train]` reader: `spacy.Corpus.v1` completed with the reference's labels.

    Registered as `spacy-ewc.PseudoLabelCorpus.v1` itself, so its typed arguments are what
    the config is checked against (confection reads them as types: this module does not
    postpone annotations). Cheap to construct: the reference is loaded on the first read.

    model: the reference pipeline (package name or path), the one the trained components
        are sourced from, e.g. "en_core_web_sm".
    labels: the labels to take from the reference (default: all that it predicts).
    replay: old-domain texts (a .spacy file or folder, a .jsonl with a "text" field, or a
        text file with one text a line), labelled by the reference and mixed in.
    replay_ratio: replayed examples per training example, when `replay` is set (0: none).
    replay_limit: use the first `replay_limit` replay texts (0: all).
    The other arguments are those of `spacy.Corpus.v1`.
    """

    def __init__(
        self,
        path: Optional[Union[str, Path]],
        model: Optional[str] = None,
        labels: Optional[List[str]] = None,
        replay: Optional[Union[str, Path]] = None,
        replay_ratio: float = DEFAULT_REPLAY_RATIO,
        replay_limit: int = 0,
        seed: int = 0,
        gold_preproc: bool = False,
        max_length: int = 0,
        limit: int = 0,
        augmenter: Optional[Callable] = None,
    ):
        self.corpus = Corpus(
            path, gold_preproc=gold_preproc, max_length=max_length, limit=limit, augmenter=augmenter
        )
        self.model = model
        self.labels = labels
        self.replay_ratio = check_ratio(replay_ratio)
        self.replay = replay
        if self.replay_ratio and replay is not None and not Path(replay).exists():
            raise FileNotFoundError(Errors.E229.format(reader=READER_NAME, path=replay))
        self.replay_limit = replay_limit
        self.seed = seed
        self.labeller: Optional[PseudoLabeller] = None
        self._replayed: Optional[List[Example]] = None

    def __call__(self, nlp: Language) -> Iterator[Example]:
        labeller = self.labeller_for(nlp)
        examples = labeller.complete(self.corpus(nlp))
        yield from examples
        if self.replay is not None and self.replay_ratio:
            n = math.ceil(self.replay_ratio * len(examples))
            if self._replayed is None or len(self._replayed) != n:
                texts = self.replay_texts(nlp)
                self._replayed = replay_examples(labeller, texts, n, self.seed, make_doc=nlp.make_doc)
            yield from self._replayed

    def labeller_for(self, nlp: Language) -> PseudoLabeller:
        if self.labeller is None:
            if not self.model:
                raise ValueError(Errors.E228.format(reader=READER_NAME))
            self.labeller = PseudoLabeller(spacy.load(self.model), self.labels)
        return self.labeller

    def replay_texts(self, nlp: Language) -> List[str]:
        from .training import fisher_data_reader

        if self.replay is None:
            raise ValueError(Errors.E222)
        items = islice(fisher_data_reader(self.replay)(nlp), self.replay_limit or None)
        return [item_text(item) for item in items]


create_pseudo_label_corpus = PseudoLabelCorpus
"""The name the reader was registered under before the class itself was."""

__all__ = ["READER_NAME", "PseudoLabelCorpus", "create_pseudo_label_corpus"]
