"""Label texts with a pipeline's own entities, in spaCy's (text, annotations) training format."""

from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

from spacy.language import Language

from ..checks import as_items
from ..errors import Errors, InvalidDataError


def generate_spacy_entities(
    sentences: Iterable[str], nlp: Language
) -> List[Tuple[str, Dict[str, list]]]:
    """[(text, {"entities": [(start_char, end_char, label), ...]})] as `nlp` predicts them."""
    if not isinstance(nlp, Language):
        raise InvalidDataError(
            Errors.E056.format(what="nlp", expected="spaCy Language", type=type(nlp).__name__)
        )
    texts = as_items(sentences, "sentences", "texts (str)")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise InvalidDataError(Errors.E202.format(index=i, type=type(text).__name__))
    return [
        (doc.text, {"entities": [(e.start_char, e.end_char, e.label_) for e in doc.ents]})
        for doc in nlp.pipe(texts)
    ]
