"""Time limits: an item's limit counts CPU time, so a loaded machine does not fail a sound item,
while a runaway computation is still stopped; the build's backstop counts wall time."""

from __future__ import annotations

import threading
import time

import pytest

from ankigen.limits import time_limit


class Stopped(Exception):
    pass


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_cpu_limit_stops_a_busy_loop():
    start = time.process_time()
    with pytest.raises(Stopped), time_limit(0.2, Stopped, clock="cpu"):
        _spin(10)
    assert time.process_time() - start < 5


def test_cpu_limit_ignores_time_spent_waiting():
    # Waiting (as a worker does while the machine is busy with other work) uses no CPU time:
    # 0.6 s of waiting inside a 0.3 s CPU limit is not stopped. This wait is the thing tested.
    with time_limit(0.3, Stopped, clock="cpu"):
        threading.Event().wait(0.6)
        _spin(0.05)


def test_wall_limit_counts_waiting():
    with pytest.raises(Stopped), time_limit(0.2, Stopped, clock="wall"):
        threading.Event().wait(5)


def test_limits_of_both_clocks_nest_and_each_handles_its_own():
    class Outer(Exception):
        pass

    with pytest.raises(Stopped), time_limit(30, Outer, clock="wall"), time_limit(0.2, Stopped, clock="cpu"):
        _spin(10)
    with pytest.raises(Outer), time_limit(0.3, Outer, clock="wall"), time_limit(30, Stopped, clock="cpu"):
        threading.Event().wait(5)


def test_an_items_limit_is_cpu_time(library, monkeypatch):
    """The limit every item's work runs under (bounds.item_limit) uses the CPU clock."""
    from ankigen.bounds import item_limit
    from ankigen.errors import UserError

    monkeypatch.setenv("ANKIGEN_VARIANT_TIMEOUT", "0.3")
    problem = library.problems()[0]
    with item_limit(problem, 7, 0):
        threading.Event().wait(0.6)  # waiting: not counted
    with pytest.raises(UserError, match=r"took longer than 0.3 s \(seed 7, slot 0\); stopped"), \
            item_limit(problem, 7, 0):
        _spin(10)
