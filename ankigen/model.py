"""Frozen records passed between pipeline stages (load → sample → solve → verify → render → draw → package)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ankigen.errors import Loc
from ankigen.expr import Expr

__all__ = ["Loc"]


# ---- load -------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureSpec:
    kind: str
    args: tuple[tuple[str, Expr], ...]
    side: str  # "front" or "back"
    alt: str
    loc: Loc


@dataclass(frozen=True)
class IdentityCheck:
    """A concept's formula checked on random inputs: lhs == rhs, or `holds` is true."""

    vars: tuple[tuple[str, Expr], ...]
    lhs: Expr | None
    rhs: Expr | None
    holds: Expr | None
    tol: float
    trials: int
    loc: Loc


@dataclass(frozen=True)
class Concept:
    id: str
    topic: str
    kind: str  # "basic" or "cloze"
    front: str
    back: str
    text: str
    extra: str
    figure: FigureSpec | None
    tags: tuple[str, ...]
    checks: tuple[IdentityCheck, ...]  # formulas checked on random inputs
    loc: Loc
    digest: str  # hash of the item's source, for caches and change detection
    defines: tuple[str, ...] = ()  # symbols the card's own text defines (for the symbol lint)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "int" or "choice"
    lo: int
    hi: int
    choices: tuple[Expr, ...]
    loc: Loc


@dataclass(frozen=True)
class CheckItem:
    shown: str
    expect: Expr
    tol: float
    loc: Loc
    field: str = "answer"  # the field that must show the value: "answer" or "solution"


@dataclass(frozen=True)
class AnswerBox:
    """One answer box of a problem card: the value it judges and declared overrides."""

    name: str
    label: str = ""
    kind: str = ""  # "" = the default for the value's type
    rtol: float | None = None
    atol: float | None = None
    sig: int | None = None
    close_rtol: float | None = None


@dataclass(frozen=True)
class Mistake:
    """A usual wrong answer (exact expression over the problem's names) and what to say."""

    answer: str
    value: Expr
    message: str
    loc: Loc


@dataclass(frozen=True)
class Problem:
    id: str
    topic: str
    symbols: tuple[str, ...]
    params: tuple[Param, ...]
    constraints: tuple[tuple[Expr, Loc], ...]
    derived: tuple[tuple[str, Expr, Loc], ...]
    given: tuple[str, ...]
    question: str
    answer: str
    solution: str
    figure: FigureSpec | None
    checks: tuple[CheckItem, ...]
    tags: tuple[str, ...]
    loc: Loc
    digest: str
    form: str = ""  # the answer's form as the question states it ("exact fraction", ...)
    defines: tuple[str, ...] = ()  # symbols the card's own text defines (for the symbol lint)
    small: str = ""  # why this problem has few distinct variants (exempts it from the variety rule)
    degenerate: tuple[tuple[Expr, Loc], ...] = ()  # tolerated degenerate cases, rare by `check`
    answers: tuple[AnswerBox, ...] = ()  # one per value the answer shows
    mistakes: tuple[Mistake, ...] = ()


@dataclass(frozen=True)
class Topic:
    id: str  # "<area>/<name>"
    area: str
    title: str
    path: str
    requires: tuple[str, ...]
    concepts: tuple[Concept, ...]
    problems: tuple[Problem, ...]
    requires_loc: Loc | None = None  # where 'requires' is written, for prerequisite messages


@dataclass(frozen=True)
class Area:
    id: str
    title: str


@dataclass(frozen=True)
class Library:
    """Every source, loaded and validated, topics in prerequisite order."""

    root: str
    areas: tuple[Area, ...]
    topics: tuple[Topic, ...]

    def problems(self) -> tuple[Problem, ...]:
        return tuple(p for t in self.topics for p in t.problems)

    def find_item(self, item_id: str) -> Concept | Problem | None:
        for t in self.topics:
            items: tuple[Concept | Problem, ...] = (*t.concepts, *t.problems)
            for item in items:
                if item.id == item_id:
                    return item
        return None


@dataclass(frozen=True)
class Recipe:
    name: str  # root deck name
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    variants: int
    seed: int
    output: str
    path: str | None = None


# ---- sample / solve / verify -------------------------------------------------------


@dataclass(frozen=True)
class Draw:
    problem_id: str
    seed: int
    slot: int
    params: tuple[tuple[str, Any], ...]
    attempts: int
    collisions: int = 0  # draws rejected because a mistake's value equalled the answer


@dataclass(frozen=True)
class Sampled:
    """An accepted draw and every value derived from it: derived once, while sampling (constraints
    and the mistake check read them), and only labelled by `solve`."""

    draw: Draw
    values: tuple[tuple[str, Any], ...]  # symbols, params and derived values, in order


@dataclass(frozen=True)
class Solved:
    problem: Problem
    draw: Draw
    values: tuple[tuple[str, Any], ...]  # params, symbols and derived values, in order

    def namespace(self) -> dict[str, Any]:
        return dict(self.values)


@dataclass(frozen=True)
class CheckResult:
    shown: str
    card_value: Any
    expected: Any
    ok: bool
    error: float


@dataclass(frozen=True)
class Verified:
    solved: Solved
    results: tuple[CheckResult, ...]
    answer_html: str  # the Answer field that was checked; render uses it as is
    solution_html: str = ""  # the Solution field that was checked (intermediate values)
    spec: Any = None  # the checker spec of this variant (ankigen.variants.variant_spec)


# ---- render / draw / package -------------------------------------------------------


@dataclass(frozen=True)
class RenderedNote:
    item_id: str
    note_type: str  # "concept", "problem" or "cloze"
    guid: str
    deck: str
    fields: tuple[tuple[str, str], ...]
    tags: tuple[str, ...]
    seed: int
    slot: int


@dataclass(frozen=True)
class Media:
    name: str
    data: bytes


@dataclass(frozen=True)
class FinalNote:
    item_id: str
    note_type: str
    guid: str
    deck: str
    fields: tuple[tuple[str, str], ...]
    tags: tuple[str, ...]
    seed: int
    slot: int
    media: tuple[str, ...] = field(default=())

    def field(self, name: str) -> str:
        return dict(self.fields)[name]


@dataclass(frozen=True)
class BuiltDeck:
    recipe: Recipe
    notes: tuple[FinalNote, ...]
    media: tuple[Media, ...]
