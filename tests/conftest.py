"""Shared fixtures: the real en_core_web_sm and excerpts of the real corpora in tests/data.

The excerpts are part of the repository (tests/data/README.md); a missing one is an error,
and so is any skipped test: a run that skips reads as green while it tests less.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import List

import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FILES = (
    "ncbi_disease/train.tsv",
    "ncbi_disease/devel.tsv",
    "wikigold/wikigold.conll.txt",
    "wikipedia_summaries/extracts_en.txt",
    "wikipedia_summaries/chemical_sentences.txt",
)
REGENERATE = (
    "They are committed with the repository: restore them with `git checkout -- tests/data`, "
    "or make them from the full corpora (docs/data.md) with "
    "`python tests/data/make_excerpts.py --data DIR`."
)
NEW_LABEL = "DISEASE"
_SKIPPED: List[str] = []


def _missing_message(paths) -> str:
    return f"Test data missing: {', '.join(str(p) for p in paths)}. {REGENERATE}"


def _require(path: Path) -> Path:
    """`path`, which must exist: a missing data file fails the test, it never skips it."""
    if not Path(path).is_file():
        raise FileNotFoundError(_missing_message([path]))
    return Path(path)


def data_path(name: str) -> Path:
    """A file of tests/data, by its path relative to that folder."""
    return _require(DATA_DIR / name)


def read_iob_sentences(path: Path) -> List[List[tuple]]:
    """NCBI-disease sentences as [(word, tag)] with the tag renamed to DISEASE."""
    sentences, current = [], []
    for line in _require(path).read_text(encoding="utf8").splitlines():
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


def ncbi_sentences(split: str, seed: int = 0) -> List[List[tuple]]:
    """The excerpt of an NCBI-disease split: a sample already shuffled with seed 0, kept in
    that order for seed 0 and shuffled again with any other seed."""
    sentences = read_iob_sentences(data_path(f"ncbi_disease/{split}.tsv"))
    if seed:
        random.Random(seed).shuffle(sentences)
    return sentences


def ncbi_examples(nlp, split: str, n: int, seed: int = 0) -> List[Example]:
    """`n` Examples of sentences with at least one disease mention."""
    picked = [s for s in ncbi_sentences(split, seed) if any(t != "O" for _, t in s)][:n]
    if len(picked) < n:
        raise ValueError(
            f"tests/data/ncbi_disease/{split}.tsv has {len(picked)} sentences with a mention, "
            f"the test asks for {n}: raise NCBI_SENTENCES in tests/data/make_excerpts.py."
        )
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
    lines = []
    with data_path("wikipedia_summaries/extracts_en.txt").open(encoding="utf8") as handle:
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


# ---------------------------------------------------------------- the fast tier


@pytest.fixture(scope="session")
def _blank_ner_bytes() -> bytes:
    """`spacy.blank("en")` + ner, taught DISEASE on 16 NCBI sentences for a few steps."""
    fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    examples = ncbi_examples(nlp, "train", 16)
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(3):
        for batch in minibatch(examples, 8):
            nlp.update(batch, sgd=optimizer, drop=0.0)
    return nlp.to_bytes()


def blank_ner_from(data: bytes):
    """A pipeline of `spacy.blank("en")` + ner with the weights in `data`."""
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    return nlp.from_bytes(data)


@pytest.fixture()
def blank_ner(_blank_ner_bytes):
    """A fresh copy of the small trained pipeline of the fast tier (no en_core_web_sm)."""
    return blank_ner_from(_blank_ner_bytes)


# ---------------------------------------------------------------- guards


def pytest_sessionstart(session):
    missing = [DATA_DIR / name for name in DATA_FILES if not (DATA_DIR / name).is_file()]
    if missing:
        raise pytest.UsageError(_missing_message(missing))


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _SKIPPED and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _SKIPPED:
        terminalreporter.section("skipped tests fail this run", sep="=", red=True, bold=True)
        terminalreporter.line(
            f"{len(_SKIPPED)} test(s) skipped; no test of spacy-ewc may skip (a skip reads as green "
            "but tests nothing). Make them run or remove them: " + ", ".join(_SKIPPED[:10]),
            red=True,
        )
