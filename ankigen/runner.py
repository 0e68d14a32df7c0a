"""The one parallel runner: a function over jobs, in forked workers, longest jobs first.

Workers are forked, so they inherit the sources, sympy and matplotlib instead of
receiving them pickled; the work of the current run is the one thing they look up
(`_CURRENT`, typed, set for the duration of a run). Every worker dies with its
parent, the whole run is bounded by `bounds.run_limit`, and a failure or Ctrl-C
ends the workers at once (`bounds.worker_pool`).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from ankigen.bounds import run_limit, worker_pool
from ankigen.limits import reset_in_child

J = TypeVar("J")
R = TypeVar("R")
Progress = Callable[[int], None]
CHUNKS_PER_WORKER = 32  # jobs are handed out in chunks: enough of them that no worker idles at the end


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def die_with_parent() -> None:
    """Pool initializer: on Linux, have the kernel stop a worker whose parent was killed."""
    reset_in_child()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # forked while the parent deferred Ctrl-C
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def warm_up(figures: bool = True) -> None:
    """Import the heavy modules once in the parent so forked workers share them.

    matplotlib (~0.35 s) only when many figures may be drawn: after a small edit most
    figures come from the cache and the workers import it only if they must draw.
    """
    if figures:
        import matplotlib  # noqa: PLC0415

        matplotlib.use("Agg", force=False)
        import matplotlib.figure  # noqa: F401, PLC0415

        from ankigen import figures as _kinds  # noqa: F401, PLC0415
    from ankigen import exact, numeric, render  # noqa: F401, PLC0415

    render.environment()


@contextmanager
def long_lived(figures: bool) -> Iterator[None]:
    """Import the heavy modules, then freeze everything alive for the duration.

    The sources, sympy and matplotlib live as long as the run: the collector need not
    rescan them after every figure, and forked workers need not copy them.
    """
    warm_up(figures)
    gc.collect(1)  # the young garbage; a full pass over the long-lived heap costs ~0.1 s
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C while the workers are forked, and deliver it right after.

    A KeyboardInterrupt raised during fork() comes out of an at-fork callback (logging's),
    which prints "Exception ignored" and drops it: the build would then finish as if never
    stopped. Blocking the signal is not enough (numpy's BLAS threads would take it), so the
    handler only notes it until the workers exist.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: got.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if got and callable(previous):
            previous(signal.SIGINT, None)
        elif got and previous == signal.SIG_DFL:
            signal.raise_signal(signal.SIGINT)


@dataclass
class _Work(Generic[R]):
    """The function of the run in progress, over job indices; forked workers inherit it."""

    call: Callable[[int], R] | None = None


_CURRENT: _Work[object] = _Work()


def _call(index: int) -> tuple[int, object]:
    """A worker's unit: one job of the current run, by index (runs in a forked worker)."""
    call = _CURRENT.call
    assert call is not None, "a worker runs only inside Runner.map"
    return index, call(index)


class Runner:
    """Runs functions over jobs under one run limit, with the heavy modules loaded once.

    `with Runner(workers=4, figures=True) as run: results = run.map(fn, jobs, ...)`
    """

    def __init__(self, *, workers: int, figures: bool) -> None:
        self.workers = workers
        self.figures = figures
        self._stack = ExitStack()

    def __enter__(self) -> Runner:
        self._stack.enter_context(long_lived(self.figures))
        self._stack.enter_context(run_limit())
        return self

    def __exit__(self, *exc: Any) -> bool | None:
        return self._stack.__exit__(*exc)  # the run limit turns its own expiry into its error

    def map(self, work: Callable[[J], R], jobs: Sequence[J], *, cost: Callable[[J], int] | None = None,
            chunk: int | None = None, progress: Progress | None = None) -> list[R]:
        """work(job) for every job, results in job order; `progress(1)` as each one finishes.

        With several workers the jobs run in forked processes, the costliest first (so no
        worker is left with a long tail); otherwise in order, here.
        """
        results: dict[int, R] = {}
        if self.workers > 1 and len(jobs) > 1 and can_fork():
            order = sorted(range(len(jobs)), key=lambda i: -cost(jobs[i])) if cost else range(len(jobs))
            size = chunk or max(1, len(jobs) // (self.workers * CHUNKS_PER_WORKER))
            assert _CURRENT.call is None, "runs do not nest"
            _CURRENT.call = lambda i: work(jobs[i])
            try:
                with worker_pool(self.workers, die_with_parent) as pool:
                    with _sigint_deferred():  # map() forks every worker before it returns
                        done = pool.map(_call, order, chunksize=size)
                    for index, result in done:
                        results[index] = cast(R, result)
                        if progress:
                            progress(1)
            finally:
                _CURRENT.call = None
        else:
            for index, job in enumerate(jobs):
                results[index] = work(job)
                if progress:
                    progress(1)
        return [results[i] for i in range(len(jobs))]
