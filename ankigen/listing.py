"""`ankigen list`: counts from a fast scan of the YAML, without sympy or the expression checks
(that is `validate`), so that listing stays quick."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ankigen.load import scan_library
from ankigen.paths import find_project


@dataclass(frozen=True)
class TopicSummary:
    id: str
    area: str
    title: str
    concepts: int
    clozes: int
    problems: int
    figures: int
    requires: tuple[str, ...]
    items: tuple[str, ...] = ()  # the ids of its concepts and problems, in file order


def list_topics(src: Path | None = None) -> tuple[TopicSummary, ...]:
    """Counts from a fast scan of the YAML (no expression checks: that is `validate`)."""
    out = []
    for t in scan_library(find_project(src).sources):
        concepts = [c for c in t.get("concepts") or [] if isinstance(c, dict)]
        problems = [p for p in t.get("problems") or [] if isinstance(p, dict)]
        figs = sum(1 for i in (*concepts, *problems) if "figure" in i)
        out.append(TopicSummary(t["id"], t["area"], str(t.get("title", t["id"])),
                                sum(1 for c in concepts if "cloze" not in c),
                                sum(1 for c in concepts if "cloze" in c),
                                len(problems), figs, tuple(t.get("requires") or ()),
                                tuple(str(i["id"]) for i in (*concepts, *problems) if "id" in i)))
    return tuple(out)

