"""Label texts with a pipeline's own entities, in spaCy's (text, annotations) training format."""

from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

from spacy.language import Language


def generate_spacy_entities(
    sentences: Iterable[str], nlp: Language
) -> List[Tuple[str, Dict[str, list]]]:
    """[(text, {"entities": [(start_char, end_char, label), ...]})] as `nlp` predicts them."""
    texts = list(sentences)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"Sentence {i} is a {type(text).__name__}, not a str.")
    return [
        (doc.text, {"entities": [(e.start_char, e.end_char, e.label_) for e in doc.ents]})
        for doc in nlp.pipe(texts)
    ]
