"""The benchmark's data: NCBI disease (new label), WikiGold (gold old labels), Wikipedia text.

IOB files are converted with spaCy's own `iob_to_docs` (one `token|TAG` line per sentence;
it reads IOB1 and IOB2), so the Docs keep the corpus' tokens: the models see the given
tokenisation, never a re-tokenised text, and gold spans never need aligning.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from spacy.tokens import Doc, DocBin, Span
from spacy.training.converters import iob_to_docs
from spacy.vocab import Vocab

NEW_LABEL = "DISEASE"
GPE_OR_LOC = "GPE|LOC"
WIKIGOLD_LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": GPE_OR_LOC}
WIKIPEDIA_SEED = 0
FILES = {
    "ncbi": "ncbi_disease/{split}.tsv",
    "wikigold": "wikigold/wikigold.conll.txt",
    "wikipedia": "wikipedia_summaries/extracts_en.txt",
}


def default_data_dir() -> Path:
    """`../shared/data` from the repository root."""
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def check_data_dir(data_dir: Path) -> Path:
    missing = [
        pattern.format(split=split)
        for pattern in FILES.values()
        for split in (("train", "devel", "test") if "{split}" in pattern else ("",))
        if not (data_dir / pattern.format(split=split)).is_file()
    ]
    if missing:
        raise FileNotFoundError(
            f"Benchmark data not found in {data_dir} (missing {', '.join(missing)}). "
            "Pass --data DIR with a folder of the full corpora; docs/data.md says where to fetch them."
        )
    return data_dir


def read_sentences(path: Path, sep: str) -> List[List[Tuple[str, str]]]:
    """(token, tag) sentences of a CoNLL-style file; `-DOCSTART-` lines are skipped."""
    sentences: List[List[Tuple[str, str]]] = [[]]
    for line in path.read_text(encoding="utf8").splitlines():
        if not line.strip():
            if sentences[-1]:
                sentences.append([])
            continue
        token, tag = line.rsplit(sep, 1)
        if token == "-DOCSTART-":
            continue
        sentences[-1].append((token, tag))
    return [s for s in sentences if s]


def iob_docs(sentences: Sequence[Sequence[Tuple[str, str]]], vocab: Vocab) -> List[Doc]:
    """Docs with entities from IOB1/IOB2 tagged sentences, through spaCy's `iob_to_docs`."""
    for sent in sentences:
        bad = [token for token, _ in sent if "|" in token or " " in token]
        if bad:
            raise ValueError(f"Token {bad[0]!r} contains '|' or a space, which iob_to_docs cannot read.")
    text = "\n".join(" ".join(f"{token}|{tag}" for token, tag in sent) for sent in sentences)
    docs = iob_to_docs(text, n_sents=1, no_print=True)
    return list(DocBin(docs=docs, store_user_data=False).get_docs(vocab))


def relabel(docs: Sequence[Doc], mapping: Dict[str, str]) -> List[Doc]:
    """Copies of `docs` with entity labels renamed by `mapping`; labels not in it are dropped."""
    out = []
    for doc in docs:
        copy = Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
        copy.ents = [Span(copy, e.start, e.end, mapping[e.label_]) for e in doc.ents if e.label_ in mapping]
        out.append(copy)
    return out


def load_ncbi(data_dir: Path, split: str, vocab: Vocab) -> List[Doc]:
    """NCBI disease sentences with the label `Disease` renamed DISEASE."""
    docs = iob_docs(read_sentences(data_dir / FILES["ncbi"].format(split=split), "\t"), vocab)
    return relabel(docs, {"Disease": NEW_LABEL})


def load_wikigold(data_dir: Path, vocab: Vocab) -> List[Doc]:
    """WikiGold sentences with PER→PERSON, ORG→ORG, LOC→"GPE|LOC"; MISC dropped."""
    docs = iob_docs(read_sentences(data_dir / FILES["wikigold"], " "), vocab)
    return relabel(docs, WIKIGOLD_LABELS)


def split_wikipedia(data_dir: Path, sizes: Sequence[int], seed: int = WIKIPEDIA_SEED) -> List[List[str]]:
    """Disjoint parts of the Wikipedia paragraphs, shuffled with `random.Random(seed)`.

    Part i holds the next `sizes[i]` paragraphs of the shuffled order, so parts never
    share a paragraph: the benchmark uses part 0 to protect (Fisher, rehearsal) and the
    others only to measure.
    """
    lines = [line.strip() for line in (data_dir / FILES["wikipedia"]).read_text(encoding="utf8").splitlines()]
    lines = [line for line in lines if line]
    if sum(sizes) > len(lines):
        raise ValueError(f"Asked for {sum(sizes)} Wikipedia paragraphs, the file has {len(lines)}.")
    random.Random(seed).shuffle(lines)
    parts, start = [], 0
    for size in sizes:
        parts.append(lines[start:start + size])
        start += size
    return parts


def sample(items: Sequence, n: int, seed: int) -> list:
    """`n` items in a fixed pseudo-random order (all of them, in order, when n >= len)."""
    if n >= len(items):
        return list(items)
    indices = sorted(random.Random(seed).sample(range(len(items)), n))
    return [items[i] for i in indices]
