"""Deck names that sort in curriculum order.

With its default options Anki gathers new cards deck by deck, in the order of
deck names, and ignores the due positions across decks. So the order has to
live in the names: ``ML Math::03 Multivariable Calculus::02 Multivariate chain
rule``. The numbers are computed here from the prerequisite order, never
written in the sources, and do not depend on the recipe (a topic keeps its
deck name in every subset).
"""

from __future__ import annotations

from ankigen.errors import Issue, UserError
from ankigen.model import Library, Topic


def _area_order(library: Library) -> list[str]:
    """Areas in an order where every prerequisite lies in the same or an earlier area.

    Ties keep the areas.yaml order. Raises when areas depend on each other both ways:
    then no nesting of area and topic decks can follow the prerequisites.
    """
    listed = [a.id for a in library.areas]
    area_of = {t.id: t.area for t in library.topics}
    needs: dict[str, set[str]] = {a: set() for a in listed}
    for t in library.topics:
        needs[t.area].update(area_of[r] for r in t.requires if area_of.get(r, t.area) != t.area)
    done: list[str] = []
    while len(done) < len(listed):
        ready = [a for a in listed if a not in done and needs[a] <= set(done)]
        if not ready:
            raise UserError([_cycle_issue(library, [a for a in listed if a not in done])])
        done.append(ready[0])
    return done


def _cycle_issue(library: Library, stuck: list[str]) -> Issue:
    area_of = {t.id: t.area for t in library.topics}
    for t in library.topics:
        for r in t.requires:
            if t.area in stuck and area_of.get(r) in stuck and area_of[r] != t.area:
                loc = t.requires_loc
                return Issue(
                    f"topic '{t.id}' requires '{r}' from area '{area_of[r]}', which itself needs "
                    f"area '{t.area}': decks cannot be ordered by prerequisites",
                    path=loc.path if loc else None, line=loc.line if loc else None,
                    column=loc.column if loc else None,
                    hint="move one of the topics to another area so areas depend on each other one way")
    return Issue(f"areas {', '.join(stuck)} depend on each other", hint="check the topics' requires")


def _number(i: int, count: int) -> str:
    return f"{i + 1:0{max(2, len(str(count)))}d}"


_CACHE: dict[int, tuple[Library, dict[str, tuple[str, str]]]] = {}


def _numbered(library: Library) -> dict[str, tuple[str, str]]:
    """Numbered (area, topic) titles by topic id; cached by identity (hashing a Library is slow)."""
    hit = _CACHE.get(id(library))
    if hit is not None and hit[0] is library:
        return hit[1]
    areas = _area_order(library)
    titles = {a.id: a.title for a in library.areas}
    out: dict[str, tuple[str, str]] = {}
    for ai, area in enumerate(areas):
        topics = [t for t in library.topics if t.area == area]
        for ti, t in enumerate(topics):
            out[t.id] = (f"{_number(ai, len(areas))} {titles[area]}", f"{_number(ti, len(topics))} {t.title}")
    _CACHE.clear()  # one library at a time is enough
    _CACHE[id(library)] = (library, out)
    return out


def check(library: Library) -> None:
    """Raise a UserError if the deck order cannot follow the prerequisites."""
    _numbered(library)


def deck_name(library: Library, root: str, topic: Topic) -> str:
    """``<root>::<NN Area>::<NN Topic>``; sorting these names gives a prerequisite order."""
    area, name = _numbered(library)[topic.id]
    return f"{root}::{area}::{name}"


def curriculum_order(library: Library) -> list[str]:
    """Topic ids in the order Anki's deck-by-deck gathering will show them."""
    numbered = _numbered(library)
    return sorted(numbered, key=lambda tid: numbered[tid])
