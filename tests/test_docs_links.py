"""The README is the front door and docs/ holds the rest: every relative link must resolve.

Reads Markdown only (no spaCy model): links and images outside code, each checked against
the repository's files, and `#anchors` against the headings of the page they point to.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MAX_LINES = 200

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.M)
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
# Repository paths named in code spans, such as `tests/test_pipes.py` or `data_examples/`.
_REPO_DIRS = ("benchmarks", "configs", "data_examples", "docs", "examples", "scripts", "src", "tests")
_REPO_PATH = re.compile(r"`((?:" + "|".join(_REPO_DIRS) + r")/(?:[\w.-]+/?)*)`")


def pages() -> List[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def prose(text: str) -> str:
    """The text without fenced code blocks and code spans, where brackets are not links."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def links(text: str) -> List[str]:
    body = prose(text)
    return _LINK.findall(body) + _REFERENCE.findall(body)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"[`*~]|<[^>]+>", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> Set[str]:
    seen: Counter = Counter()
    out = set()
    for heading in _HEADING.findall(_FENCE.sub("", path.read_text(encoding="utf8"))):
        base = slug(heading)
        out.add(base if not seen[base] else f"{base}-{seen[base]}")
        seen[base] += 1
    return out


def broken_links(page: Path, root: Path = ROOT) -> List[Tuple[str, str]]:
    problems = []
    cache: Dict[Path, Set[str]] = {}
    for target in links(page.read_text(encoding="utf8")):
        if _EXTERNAL.match(target):
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.exists():
            problems.append((target, "no such file"))
        elif root not in resolved.parents and resolved != root:
            problems.append((target, "outside the repository"))
        elif anchor and resolved.suffix == ".md":
            if resolved not in cache:
                cache[resolved] = anchors(resolved)
            if anchor not in cache[resolved]:
                problems.append((target, f"no heading #{anchor}"))
    return problems


def missing_paths(page: Path, root: Path = ROOT) -> List[str]:
    """Repository paths in code spans outside code blocks that name no file or folder."""
    named = _REPO_PATH.findall(_FENCE.sub("", page.read_text(encoding="utf8")))
    return [path for path in named if "/." not in path and not (root / path).exists()]


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_paths_exist(page):
    assert missing_paths(page) == []


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    assert page.is_file(), f"{page} is missing"
    assert broken_links(page) == []


def test_readme_is_short():
    lines = README.read_text(encoding="utf8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move the rest into docs/"


def test_every_docs_page_is_reachable_from_the_index():
    linked = {
        (DOCS / target.partition("#")[0]).resolve()
        for target in links((DOCS / "index.md").read_text(encoding="utf8"))
        if not _EXTERNAL.match(target) and target.partition("#")[0]
    }
    pages_ = sorted(DOCS.glob("*.md"))
    orphans = [p.name for p in pages_ if p.name != "index.md" and p.resolve() not in linked]
    assert orphans == []


def test_link_check_catches_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("# A heading: with `code`, λ\n", encoding="utf8")
    page.write_text(
        "[ok](there.md) [anchor](there.md#a-heading-with-code-λ) `[in code](gone.md)`\n"
        "```\n[in a block](gone.md)\n```\n"
        "[missing](gone.md) [bad anchor](there.md#nope) [web](https://spacy.io)\n",
        encoding="utf8",
    )
    assert [target for target, _ in broken_links(page, tmp_path)] == ["gone.md", "there.md#nope"]


def test_path_check_catches_a_missing_file(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("", encoding="utf8")
    page = tmp_path / "page.md"
    page.write_text(
        "`tests/test_a.py`, `tests/`, `tests`, `tests/test_b.py`, `benchmarks/.cache/`, `ewc/x.py`\n",
        encoding="utf8",
    )
    assert missing_paths(page, tmp_path) == ["tests/test_b.py"]
