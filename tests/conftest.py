"""Shared fixtures: the real en_core_web_sm and small slices of the real benchmark data."""

from __future__ import annotations

import random
from pathlib import Path
from typing import List

import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NEW_LABEL = "DISEASE"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"benchmark data not found at {path} (see ../shared/data/README.md)")
    return path


def read_iob_sentences(path: Path) -> List[List[tuple]]:
    """NCBI-disease sentences as [(word, tag)] with the tag renamed to DISEASE."""
    sentences, current = [], []
    for line in path.read_text(encoding="utf8").splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
            continue
        word, tag = line.split("\t")
        current.append((word, tag.replace("Disease", NEW_LABEL)))
    if current:
        sentences.append(current)
    return sentences


def ncbi_examples(nlp, split: str, n: int, seed: int = 0) -> List[Example]:
    sentences = read_iob_sentences(_require(DATA_DIR / "ncbi_disease" / f"{split}.tsv"))
    random.Random(seed).shuffle(sentences)
    picked = [s for s in sentences if any(t != "O" for _, t in s)][:n]
    examples = []
    for sentence in picked:
        words = [w for w, _ in sentence]
        tags = [t for _, t in sentence]
        examples.append(
            Example(Doc(nlp.vocab, words=words), Doc(nlp.vocab, words=words, ents=tags))
        )
    return examples


@pytest.fixture(scope="session")
def wiki_sentences() -> List[str]:
    """Short sentences from real Wikipedia lead paragraphs (the first 60 paragraphs)."""
    path = _require(DATA_DIR / "wikipedia_summaries" / "extracts_en.txt")
    lines = []
    with path.open(encoding="utf8") as handle:
        for line in handle:
            if line.strip():
                lines.append(line.strip())
            if len(lines) >= 60:
                break
    nlp = spacy.load("en_core_web_sm", disable=["ner", "lemmatizer", "attribute_ruler", "tagger"])
    sentences = []
    for doc in nlp.pipe(lines):
        sentences.extend(s.text.strip() for s in doc.sents if 6 <= len(s) <= 45)
    return sentences


@pytest.fixture(scope="session")
def fisher_texts(wiki_sentences) -> List[str]:
    return wiki_sentences[:50]


@pytest.fixture(scope="session")
def heldout_texts(wiki_sentences) -> List[str]:
    return wiki_sentences[50:110]


@pytest.fixture()
def nlp():
    return spacy.load("en_core_web_sm")
