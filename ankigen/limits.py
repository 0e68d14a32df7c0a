"""Time limits, so no input can hang a build: one per item (all its work) and one per build.

An item's limit counts the CPU time of the process doing the work (`clock="cpu"`), so a busy
machine does not make a sound item fail; the build's backstop counts wall time. Limits of one
clock nest: its timer is set for the earliest deadline, and each limit handles only its own
expiry, so an item's limit works inside a backstop.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

DEFAULT_SECONDS = 20.0
DEFAULT_BUILD_SECONDS = 1800.0


class _Expired(BaseException):
    """BaseException so that broad `except Exception` blocks inside sympy cannot swallow it."""

    def __init__(self, token: object):
        super().__init__()
        self.token = token


# clock → (time source, interval timer, its signal): wall time, or this process's CPU time
_CLOCKS: dict[str, tuple[Callable[[], float], int, int]] = {
    "wall": (time.monotonic, signal.ITIMER_REAL, signal.SIGALRM),
    "cpu": (time.process_time, signal.ITIMER_PROF, signal.SIGPROF),
} if hasattr(signal, "setitimer") else {}
_ACTIVE: dict[str, list[tuple[float, object]]] = {c: [] for c in ("wall", "cpu")}  # (deadline, token)


def _seconds(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def variant_seconds() -> float:
    """The limit for all the work of one item (ANKIGEN_VARIANT_TIMEOUT)."""
    return _seconds("ANKIGEN_VARIANT_TIMEOUT", DEFAULT_SECONDS)


def build_seconds() -> float:
    """The backstop for a whole build (ANKIGEN_BUILD_TIMEOUT)."""
    return _seconds("ANKIGEN_BUILD_TIMEOUT", DEFAULT_BUILD_SECONDS)


def _expirer(clock: str) -> Callable[[int, object], None]:
    def expire(signum: int, frame: object) -> None:
        if _ACTIVE[clock]:
            raise _Expired(min(_ACTIVE[clock], key=lambda a: a[0])[1])
    return expire


def _arm(clock: str) -> None:
    now, timer, _ = _CLOCKS[clock]
    if _ACTIVE[clock]:
        left = min(d for d, _ in _ACTIVE[clock]) - now()
        signal.setitimer(timer, max(left, 0.001))
    else:
        signal.setitimer(timer, 0)


@contextmanager
def time_limit(seconds: float, on_expiry: Callable[[], Exception], clock: str = "wall") -> Iterator[None]:
    """Raise on_expiry() if the block runs longer than `seconds` of `clock` ("wall" or "cpu";
    main thread, Unix only)."""
    usable = (seconds > 0 and clock in _CLOCKS
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return
    now, _, signum = _CLOCKS[clock]
    token = object()
    entry = (now() + seconds, token)
    previous = signal.signal(signum, _expirer(clock)) if not _ACTIVE[clock] else None
    _ACTIVE[clock].append(entry)
    _arm(clock)
    try:
        yield
    except _Expired as e:
        if e.token is not token:
            raise
        raise on_expiry() from None
    finally:
        _ACTIVE[clock].remove(entry)
        _arm(clock)
        if previous is not None:
            signal.signal(signum, previous)


def reset_in_child() -> None:
    """In a forked worker: forget the parent's limits (its timers did not survive the fork)."""
    for clock, (_, timer, signum) in _CLOCKS.items():
        _ACTIVE[clock].clear()
        signal.setitimer(timer, 0)
        signal.signal(signum, signal.SIG_DFL)
