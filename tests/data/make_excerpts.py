"""Make the test excerpts in this folder from the full corpora, bit for bit.

    python tests/data/make_excerpts.py --data ../shared/data           # write them
    python tests/data/make_excerpts.py --data ../shared/data --check   # compare only

Each excerpt is a seeded sample (``random.Random(0).shuffle``) of the records the tests
draw, stored in sample order, or a subset of lines kept in corpus order; the tests read
them front to back. docs/data.md says where the full corpora are published.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path
from typing import List, Tuple

HERE = Path(__file__).resolve().parent
SEED = 0
NCBI_SENTENCES = {"train": 260, "devel": 120}
WIKI_LEADS = 60
WIKI_MEDICAL = 30
WIKIGOLD_MISC = 80
WIKIGOLD_MAX_TOKENS = 50
CHEMICAL_SENTENCES = 80
MEDICAL = re.compile(r"\b(disease|syndrome|disorder)\b")
# The lexicon tests/test_continual.py tags CHEMICAL with.
CHEMICALS = set(
    "hydrogen helium lithium carbon nitrogen oxygen fluorine neon sodium magnesium aluminium silicon "
    "phosphorus sulfur chlorine argon potassium calcium titanium chromium manganese cobalt nickel copper "
    "zinc arsenic bromine iodine platinum uranium plutonium radium ethanol methane glucose ammonia benzene "
    "caffeine nicotine morphine penicillin insulin dopamine".split()
)
LICENSES = ("ncbi_disease/LICENSE", "wikigold/LICENSE")


def blocks(text: str) -> List[str]:
    return [block for block in text.split("\n\n") if block.strip()]


def ncbi(data: Path, split: str, n: int) -> str:
    """The first `n` sentences of an NCBI-disease split shuffled with SEED, as TSV."""
    sentences = blocks((data / "ncbi_disease" / f"{split}.tsv").read_text(encoding="utf8"))
    random.Random(SEED).shuffle(sentences)
    return "\n\n".join(s.strip("\n") for s in sentences[:n]) + "\n"


def wikigold(data: Path, n: int) -> str:
    """`n` WikiGold sentences with a MISC entity and at most WIKIGOLD_MAX_TOKENS tokens,
    shuffled with SEED, as `token TAG` lines (IOB1 as in the corpus; -DOCSTART- dropped)."""
    text = (data / "wikigold" / "wikigold.conll.txt").read_text(encoding="utf8")
    sentences: List[List[Tuple[str, str]]] = [
        [tuple(line.rsplit(" ", 1)) for line in block.splitlines() if not line.startswith("-DOCSTART-")]
        for block in text.split("\n\n")
    ]
    sentences = [
        s for s in sentences
        if s and any(tag.endswith("MISC") for _, tag in s) and len(s) <= WIKIGOLD_MAX_TOKENS
    ]
    random.Random(SEED).shuffle(sentences)
    return "\n\n".join("\n".join(f"{w} {t}" for w, t in s) for s in sentences[:n]) + "\n"


def wikipedia(data: Path) -> Tuple[str, str]:
    """Lead paragraphs, and sentences naming a chemical.

    Paragraphs: the first WIKI_LEADS, then (in corpus order) those after them that name a
    disease, syndrome or disorder, up to WIKI_MEDICAL such paragraphs in all. Sentences:
    CHEMICAL_SENTENCES of 6-40 tokens (spaCy's sentencizer and English tokenizer) naming one
    of CHEMICALS, from paragraphs after the first WIKI_LEADS, shuffled with SEED.
    """
    import spacy

    lines = (data / "wikipedia_summaries" / "extracts_en.txt").read_text(encoding="utf8").splitlines()
    kept, medical = lines[:WIKI_LEADS], sum(bool(MEDICAL.search(line)) for line in lines[:WIKI_LEADS])
    for line in lines[WIKI_LEADS:]:
        if medical >= WIKI_MEDICAL:
            break
        if MEDICAL.search(line):
            kept.append(line)
            medical += 1
    paragraphs = [p for p in lines[WIKI_LEADS:] if CHEMICALS & set(re.findall(r"[a-z]+", p.lower()))]
    splitter = spacy.blank("en")
    splitter.add_pipe("sentencizer")
    sentences = [
        s.text for doc in splitter.pipe(paragraphs) for s in doc.sents
        if 6 <= len(s) <= 40 and any(t.lower_ in CHEMICALS for t in s)
    ]
    random.Random(SEED).shuffle(sentences)
    return "\n".join(kept) + "\n", "\n".join(sentences[:CHEMICAL_SENTENCES]) + "\n"


def excerpts(data: Path) -> dict:
    """{path relative to this folder: bytes} of every generated file."""
    out = {f"ncbi_disease/{split}.tsv": ncbi(data, split, n) for split, n in NCBI_SENTENCES.items()}
    out["wikigold/wikigold.conll.txt"] = wikigold(data, WIKIGOLD_MISC)
    leads, chemicals = wikipedia(data)
    out["wikipedia_summaries/extracts_en.txt"] = leads
    out["wikipedia_summaries/chemical_sentences.txt"] = chemicals
    out = {name: text.encode("utf8") for name, text in out.items()}
    out.update({name: (data / name).read_bytes() for name in LICENSES})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with the full corpora")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: this folder)")
    parser.add_argument("--check", action="store_true", help="compare with the files in --out, write nothing")
    args = parser.parse_args()
    differ = []
    for name, content in excerpts(args.data).items():
        target = args.out / name
        if args.check:
            if not target.is_file() or target.read_bytes() != content:
                differ.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        target.write_bytes(content)
        print(f"{target}: {len(content)} bytes")
    if differ:
        print(f"differ from {args.data}: {', '.join(differ)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

