"""docs/coverage.md stays true: every listed topic and item exists, every topic is listed.

The format (also of the fragments in docs/coverage-parts/ that helpers write for new topics):

    ## <section of the book>
    ### <area>/<topic>
    - <item-id> — what it covers
    - GAP: what is missing
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "docs" / "coverage.md", *sorted((ROOT / "docs" / "coverage-parts").glob("*.md"))]
ITEM = re.compile(r"^- (?P<id>[a-z0-9][a-z0-9-]*) — \S")


def parse(text: str) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """Topics, (topic, item) pairs, and lines that break the format."""
    topics: list[str] = []
    items: list[tuple[str, str]] = []
    bad: list[str] = []
    section = topic = None
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            section, topic = line[3:].strip(), None
        elif line.startswith("### "):
            topic = line[4:].strip()
            topics.append(topic)
            if section is None:
                bad.append(f"line {n}: topic outside a section")
        elif line.startswith("- GAP: "):
            if section is None:
                bad.append(f"line {n}: GAP outside a section")
        elif line.startswith("- "):
            m = ITEM.match(line)
            if m is None or topic is None:
                bad.append(f"line {n}: not '- <item-id> — text' under a '### area/topic': {line[:60]}")
            else:
                items.append((topic, m.group("id")))
        elif line.strip() and section is not None:
            bad.append(f"line {n}: unexpected text in a section: {line[:60]}")
    return topics, items, bad


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_listed_topics_and_items_exist(doc, library):
    topics, items, bad = parse(doc.read_text())
    assert bad == []
    known = {t.id: {i.id for i in (*t.concepts, *t.problems)} for t in library.topics}
    assert [t for t in topics if t not in known] == []
    assert [f"{t}: {i}" for t, i in items if t in known and i not in known[t]] == []


def test_every_topic_is_on_the_checklist(library):
    listed = {t for doc in DOCS for t in parse(doc.read_text())[0]}
    assert [t.id for t in library.topics if t.id not in listed] == []


def test_the_checklist_covers_the_book_and_the_roadmap():
    text = (ROOT / "docs" / "coverage.md").read_text()
    sections = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    for chapter in range(2, 13):
        assert any(s.startswith(f"{chapter} ") for s in sections), chapter
    for extra in ("normalization layers", "attention", "convolution theorem"):
        assert extra in text.lower() or extra.replace(" theorem", "-theorem") in text.lower(), extra


def test_the_parser_rejects_what_the_format_forbids():
    topics, items, bad = parse("## 2 A\n### linear-algebra/eigen\n- Bad Id — x\n- eigen-definition — ok\n"
                               "- GAP: more\nloose text\n")
    assert topics == ["linear-algebra/eigen"] and items == [("linear-algebra/eigen", "eigen-definition")]
    assert len(bad) == 2
