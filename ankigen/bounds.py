"""Bounds on the work of one note and of a whole run: time, sizes of fields and figures.

Every piece of work done for one item (sampling, derived values, figure arguments and drawing,
all templates, identity checks) runs under one time limit naming the item, seed and slot;
a whole build or check has a backstop limit as well.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from ankigen.errors import Issue, UserError, Variant
from ankigen.limits import build_seconds, time_limit, variant_seconds
from ankigen.model import Concept, Problem
from ankigen.render import MAX_FIELD
from ankigen.texsafe import field_problems
from ankigen.texutil import latex_problems


def label_of(item: Concept | Problem) -> str:
    """How messages name an item: problem 'id' or concept 'id'."""
    return f"{'problem' if isinstance(item, Problem) else 'concept'} '{item.id}'"


def where_of(item: Concept | Problem) -> dict[str, object]:
    return {"path": item.loc.path, "line": item.loc.line, "column": item.loc.column, "item": label_of(item)}


def check_fields(fields: tuple[tuple[str, str], ...], item: Concept | Problem, seed: int, slot: int,
                  latex: bool = True) -> None:
    """Final fields: at most 64 KB each, balanced LaTeX, only allowed TeX commands."""
    for name, html in fields:
        found = _field_problem(name, html, latex)
        if found is not None:
            raise item.loc.error(found[0], item=label_of(item), hint=found[1], variant=Variant(item.id, seed, slot))


def _field_problem(name: str, html: str, latex: bool) -> tuple[str, str] | None:
    """The first thing wrong with one rendered field, and how to fix it."""
    if len(html) > MAX_FIELD:
        return f"rendered {name} is longer than {MAX_FIELD // 1024} KB", "show fewer or shorter values"
    for msg in latex_problems(html) if latex else ():
        return f"rendered {name} has {msg}", "check the template and the values it shows"
    for msg, hint in field_problems(html) if name != "Source" else ():
        return f"rendered {name}: {msg}", hint
    return None


@contextmanager
def item_limit(item: Concept | Problem, seed: int, slot: int) -> Iterator[None]:
    """All the work of one item's note under one time limit; running out of memory is its error too."""
    seconds = variant_seconds()
    what = "variant" if isinstance(item, Problem) else "note"
    variant = Variant(item.id, seed, slot)

    def expired() -> UserError:
        return item.loc.error(f"computing the {what} took longer than {seconds:g} s ({variant.label}); stopped",
                              item=label_of(item),
                              hint="make the derivation cheaper, e.g. build the answer by construction "
                                   "instead of simplify/solve/integrate")

    try:
        with time_limit(seconds, expired, clock="cpu"):  # CPU time: a busy machine is no error
            yield
    except (MemoryError, RecursionError) as e:
        why = "ran out of memory" if isinstance(e, MemoryError) else "nested too deeply"
        raise item.loc.error(f"computing the {what} {why} ({variant.label}); stopped", item=label_of(item),
                             hint="use smaller sizes: fewer terms, smaller matrices and ranges") from None



@contextmanager
def run_limit() -> Iterator[None]:
    """The backstop: a whole build or check stops after ANKIGEN_BUILD_TIMEOUT seconds."""
    seconds = build_seconds()

    def expired() -> UserError:
        return UserError([Issue(f"the run took longer than {seconds:g} s; stopped, nothing was written",
                                hint="set ANKIGEN_BUILD_TIMEOUT to allow more, or build fewer topics")])

    with time_limit(seconds, expired):
        yield


def stop_pool(pool: object) -> None:
    """Cancel what is queued and end the workers now (each is also bounded by its item limit)."""
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
