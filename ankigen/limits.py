"""Time limits, so no input can hang a build: one per item (all its work) and one per build.

Limits nest: the alarm is set for the earliest deadline, and each limit handles only its own
expiry, so an item's limit works inside the build's backstop.
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


_ACTIVE: list[tuple[float, object]] = []  # (deadline on the monotonic clock, token)


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


def _expire(signum: int, frame: object) -> None:
    if _ACTIVE:
        raise _Expired(min(_ACTIVE, key=lambda a: a[0])[1])


def _arm() -> None:
    if _ACTIVE:
        left = min(d for d, _ in _ACTIVE) - time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))
    else:
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextmanager
def time_limit(seconds: float, on_expiry: Callable[[], Exception]) -> Iterator[None]:
    """Raise on_expiry() if the block runs longer than `seconds` (main thread, Unix only)."""
    usable = (seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return
    token = object()
    entry = (time.monotonic() + seconds, token)
    previous = signal.signal(signal.SIGALRM, _expire) if not _ACTIVE else None
    _ACTIVE.append(entry)
    _arm()
    try:
        yield
    except _Expired as e:
        if e.token is not token:
            raise
        raise on_expiry() from None
    finally:
        _ACTIVE.remove(entry)
        _arm()
        if previous is not None:
            signal.signal(signal.SIGALRM, previous)


def reset_in_child() -> None:
    """In a forked worker: forget the parent's limits (its timer did not survive the fork)."""
    _ACTIVE.clear()
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
