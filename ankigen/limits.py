"""Time limits for one variant's computation, so a huge simplify cannot hang a build."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

DEFAULT_SECONDS = 20.0


class _Expired(BaseException):
    """BaseException so that broad `except Exception` blocks inside sympy cannot swallow it."""


def variant_seconds() -> float:
    try:
        return float(os.environ.get("ANKIGEN_VARIANT_TIMEOUT", DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS


@contextmanager
def time_limit(seconds: float, on_expiry: Callable[[], Exception]) -> Iterator[None]:
    """Raise on_expiry() if the block runs longer than `seconds` (main thread, Unix only)."""
    usable = (seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise on_expiry() from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
