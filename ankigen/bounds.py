"""Bounds on the work of one note and of a whole run: time, sizes of fields and figures.

Every piece of work done for one item (sampling, derived values, figure arguments and drawing,
all templates, identity checks) runs under one time limit naming the item, seed and slot;
a whole build or check has a backstop limit as well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ankigen.errors import Issue, UserError
from ankigen.model import Concept, Problem

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


def where_of(item: Concept | Problem) -> dict[str, object]:
    kind = "problem" if isinstance(item, Problem) else "concept"
    return {"path": item.loc.path, "line": item.loc.line, "column": item.loc.column,
            "item": f"{kind} '{item.id}'"}


def check_fields(fields: tuple[tuple[str, str], ...], where: dict[str, object], seed: int, slot: int,
                  latex: bool = True) -> None:
    """Final fields: at most 64 KB each, balanced LaTeX, only allowed TeX commands."""
    from ankigen.render import MAX_FIELD
    from ankigen.texsafe import field_problems
    from ankigen.texutil import latex_problems

    for name, html in fields:
        if len(html) > MAX_FIELD:
            raise UserError([Issue(f"rendered {name} is longer than {MAX_FIELD // 1024} KB "
                                   f"(seed {seed}, slot {slot})", hint="show fewer or shorter values",
                                   **where)])  # type: ignore[arg-type]
        for msg in latex_problems(html) if latex else ():
            raise UserError([Issue(f"rendered {name} has {msg} (seed {seed}, slot {slot})",
                                   hint="check the template and the values it shows",
                                   **where)])  # type: ignore[arg-type]
        for msg, hint in field_problems(html) if name != "Source" else ():
            raise UserError([Issue(f"rendered {name}: {msg} (seed {seed}, slot {slot})", hint=hint,
                                   **where)])  # type: ignore[arg-type]


@contextmanager
def item_limit(item: Concept | Problem, seed: int, slot: int) -> Iterator[None]:
    """All the work of one item's note under one time limit; running out of memory is its error too."""
    from ankigen.limits import time_limit, variant_seconds

    seconds = variant_seconds()
    what = "variant" if isinstance(item, Problem) else "note"

    def expired() -> UserError:
        return UserError([Issue(f"computing the {what} took longer than {seconds:g} s "
                                f"(seed {seed}, slot {slot}); stopped",
                                hint="make the derivation cheaper, e.g. build the answer by construction "
                                     "instead of simplify/solve/integrate",
                                **where_of(item))])  # type: ignore[arg-type]

    try:
        with time_limit(seconds, expired, clock="cpu"):  # CPU time: a busy machine is no error
            yield
    except (MemoryError, RecursionError) as e:
        why = "ran out of memory" if isinstance(e, MemoryError) else "nested too deeply"
        raise UserError([Issue(f"computing the {what} {why} (seed {seed}, slot {slot}); stopped",
                               hint="use smaller sizes: fewer terms, smaller matrices and ranges",
                               **where_of(item))]) from None  # type: ignore[arg-type]



@contextmanager
def run_limit() -> Iterator[None]:
    """The backstop: a whole build or check stops after ANKIGEN_BUILD_TIMEOUT seconds."""
    from ankigen.limits import build_seconds, time_limit

    seconds = build_seconds()

    def expired() -> UserError:
        return UserError([Issue(f"the run took longer than {seconds:g} s; stopped, nothing was written",
                                hint="set ANKIGEN_BUILD_TIMEOUT to allow more, or build fewer topics")])

    with time_limit(seconds, expired):
        yield


def stop_pool(pool: object) -> None:
    """Cancel what is queued and end the workers now (each is also bounded by its item limit)."""
    import contextlib

    processes = dict(getattr(pool, "_processes", None) or {})
    pool.shutdown(wait=False, cancel_futures=True)  # type: ignore[attr-defined]
    for proc in processes.values():
        with contextlib.suppress(Exception):
            proc.terminate()


def worker_died() -> UserError:
    """A worker process ended abruptly (the kernel's OOM killer, a crash in a C library)."""
    return UserError([Issue("a worker process died while computing notes (out of memory?); nothing was written",
                            hint="run again with -j 1 to see which item it was")])


@contextmanager
def worker_pool(workers: int, initializer: Callable[[], None]) -> Iterator[ProcessPoolExecutor]:
    """Forked worker processes that are ended at once when the run fails or is stopped."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=initializer)
    try:
        yield pool
    except BrokenProcessPool as e:
        stop_pool(pool)
        raise worker_died() from e
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown()
