"""One exception hierarchy, caught once in the CLI.

User mistakes are collected as `Problem` records (file, line, column, item,
what, how to fix) so that one run reports every mistake at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One user-facing mistake, located as precisely as we know it."""

    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    item: str | None = None
    hint: str | None = None

    def format(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        item = f"{self.item}: " if self.item else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{item}{self.message}{hint}"


@dataclass(frozen=True)
class Variant:
    """One variant of an item: the (seed, slot) its numbers are drawn for.

    `label` is the one place a variant is written in a message."""

    item: str
    seed: int
    slot: int

    @property
    def label(self) -> str:
        return f"seed {self.seed}, slot {self.slot}"


@dataclass(frozen=True)
class Loc:
    """Where something is in a source file; `issue` is the one place a located message is made."""

    path: str
    line: int | None = None
    column: int | None = None

    def issue(self, message: str, *, item: str | None = None, hint: str | None = None,
              variant: Variant | None = None) -> Issue:
        if variant is not None:
            message = f"{message} ({variant.label})"
        return Issue(message, path=self.path, line=self.line, column=self.column, item=item, hint=hint)

    def error(self, message: str, *, item: str | None = None, hint: str | None = None,
              variant: Variant | None = None) -> UserError:
        return UserError([self.issue(message, item=item, hint=hint, variant=variant)])


class AnkigenError(Exception):
    """Base class of every error ankigen raises on purpose."""

    exit_code = 1


class ItemError(AnkigenError):
    """An expression or template of one item failed; the caller knows where and adds it
    (`Loc.error`)."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message)


class UserError(AnkigenError):
    """Bad input: sources, recipes, options. Exit code 2."""

    exit_code = 2

    def __init__(self, issues: Iterable[Issue] | str):
        if isinstance(issues, str):
            issues = [Issue(issues)]
        self.issues: tuple[Issue, ...] = tuple(issues)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [i.format() for i in self.issues]
        if len(lines) > 1:
            lines.append(f"{len(lines)} errors found; nothing was written.")
        return "\n".join(lines)


class Collector:
    """Gathers issues across a whole run, then raises them all at once."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, message: str, **where: object) -> None:
        self.issues.append(Issue(message, **where))  # type: ignore[arg-type]

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    def raise_if_any(self) -> None:
        if self.issues:
            raise UserError(dict.fromkeys(self.issues))
