"""Shared fixtures: the full default deck built ONCE per test session, and a small project.

The full deck (~900 notes) is for content tests only (Anki import and rendering, MathJax,
phones, the real reviewer, notation, hazards). Build properties (determinism, cache,
parallel, progress, interruption, diff, the CLI) are proven on tests/fixtures/small, which
builds in seconds. Under pytest-xdist the first worker that needs the full deck builds it
(under a file lock) and the others load what it saved next to their base temp folders.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tools import once_per_session

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL = FIXTURES / "small"
SHARED_CACHE_ENV = "ANKIGEN_TEST_SHARED_CACHE"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/golden/*.json from the current output instead of comparing")


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    # The per-item limit stays at its default (20 s): it counts CPU time, so a loaded test machine
    # does not turn a slow variant into a failure (tests/test_limits.py).
    # Never touch the user's cache; subprocesses inherit this. One folder for the whole session:
    # the controller makes it and xdist workers (which inherit its environment) share it.
    if not os.environ.get(SHARED_CACHE_ENV):
        folder = tempfile.mkdtemp(prefix="ankigen-test-cache-")
        os.environ[SHARED_CACHE_ENV] = folder
        config.stash[_OWN_CACHE] = folder
    os.environ["ANKIGEN_CACHE_DIR"] = os.environ[SHARED_CACHE_ENV]


_OWN_CACHE = pytest.StashKey[str]()


# Fixtures computed once per session (tests/tools.py once_per_session): the first test that uses
# one computes it; the others wait for its lock, so they are moved to the end of the run.
SHARED = ("review", "rendered", "deck_check", "site", "calculus", "full_apkg", "new_apkg")
# The longest pieces of work, started first (their leaders), in this order: while one worker builds
# the full deck, the other checks every problem for 10 seeds; the real reviewer follows the build.
LONGEST = ("deck_check", "review", "rendered", "site")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order for greedy scheduling (see pytest_xdist_make_scheduler: each worker takes the next
    test in this order when it is free): the full-deck build first, the longest pieces of work
    next, the other tests on the full deck, the rest, and last the tests that reuse a
    once-per-session result, so that no worker sits waiting for another to finish computing it."""
    def names(item: pytest.Item) -> tuple[str, ...]:
        return tuple(getattr(item, "fixturenames", ()))

    for item in items:  # `-m "not deck"`: the fast part, without the full deck (CONTRIBUTING.md)
        if "built_deck" in names(item):
            item.add_marker(pytest.mark.deck)
    seen: set[str] = set()
    followers: list[pytest.Item] = []
    leaders: list[pytest.Item] = []
    for item in items:
        shared = [n for n in SHARED if n in names(item)]
        if shared and all(n in seen for n in shared):
            followers.append(item)
        else:
            seen.update(shared)
            leaders.append(item)
    first = next((i for i in leaders if "built_deck" in names(i) and not any(n in names(i) for n in SHARED)), None)
    if first is None:  # a selection (one file, -k) with no plain deck test: keep the rest of the order
        items[:] = [*leaders, *followers]
        return
    followers_ = set(followers)

    def rank(item: pytest.Item) -> int:
        long = [n for n in LONGEST if n in names(item)]
        if item is first:
            return 0
        if item in followers_:  # the long ones early (their leader is done or nearly), the reviewer's last
            return 9 if "review" in long else 5 if long else 8
        if long:
            return 1 + LONGEST.index(long[0])
        return 7 if "built_deck" not in names(item) else 6

    items[:] = sorted(items, key=rank)  # a stable sort: collection order within a rank


@pytest.hookimpl(optionalhook=True)  # without pytest-xdist (-p no:xdist) there is no such hook
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Greedy list scheduling for `-n N`: every worker holds at most two tests (the one it runs
    and the next) and takes the next one in collection order when it finishes one. xdist's
    default hands each worker a quarter of the suite up front, which starts the long tests late."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadScheduling

    class InOrder(LoadScheduling):
        def schedule(self) -> None:
            if self.collection is not None or not self._check_nodes_have_same_collection():
                super().schedule()
                return
            self.collection = next(iter(self.node2collection.values()))
            self.pending[:] = range(len(self.collection))
            self.maxschedchunk = 1
            for _ in range(2):  # round robin: worker k gets tests k and N + k
                for node in self.nodes:
                    if self.pending:
                        self._send_tests(node, 1)
            if not self.pending:
                for node in self.nodes:
                    node.shutdown()

    return InOrder(config, log)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_OWN_CACHE, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(SHARED_CACHE_ENV, None)


# ---- the real sources: the full default deck ---------------------------------------------


@pytest.fixture(scope="session")
def project():
    from ankigen.paths import find_project

    return find_project(ROOT / "cards_src")


@pytest.fixture(scope="session")
def library(project):
    from ankigen.pipeline import load

    return load(project)


@pytest.fixture(scope="session")
def default_recipe(project):
    from ankigen.recipe import load_recipe

    return load_recipe(project.recipes / "ml-math.yaml")


def _generate(library, recipe, project, **options):
    from ankigen.pipeline import generate

    return generate(library, recipe, project, **options)


@pytest.fixture(scope="session")
def built_deck(library, default_recipe, project, tmp_path_factory):
    """The whole default deck (seed 1), built once per session, through the session's cache:
    later `ankigen build` runs of the default recipe in any worker reuse its notes."""
    from ankigen.cache import Cache, default_dir

    def make():
        return _generate(library, default_recipe, project, workers=1, cache=Cache(default_dir(), project.templates))

    return once_per_session(tmp_path_factory, "full-deck", make)


@pytest.fixture()
def src_copy(tmp_path):
    """A writable copy of the real project (sources, templates, recipes): content tests only."""
    for name in ("cards_src", "templates", "decks"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.apkg"))
    return tmp_path


# ---- the small project: build properties ------------------------------------------------


@pytest.fixture(scope="session")
def small_proj():
    from ankigen.paths import find_project

    return find_project(SMALL / "cards_src")


@pytest.fixture(scope="session")
def small_library(small_proj):
    from ankigen.pipeline import load

    return load(small_proj)


@pytest.fixture(scope="session")
def small_recipe(small_proj):
    from ankigen.recipe import load_recipe

    return load_recipe(small_proj.recipes / "ml-math.yaml")


@pytest.fixture(scope="session")
def small_deck(small_library, small_recipe, small_proj):
    """The small project's default deck (8 notes, 3 variants), built serially without a cache."""
    return _generate(small_library, small_recipe, small_proj)


@pytest.fixture()
def small_copy(tmp_path) -> Path:
    """A writable copy of the small project laid out like a clone: cards_src, decks, templates."""
    shutil.copytree(SMALL, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.apkg", "README.md"))
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return tmp_path


@pytest.fixture()
def fixed_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return 1700000000


# ---- child processes ---------------------------------------------------------------------


def kill_group(proc: Any) -> None:
    """End a child started with start_new_session=True and everything it started."""
    import signal

    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):  # cleanup must not hide the test's own failure
        proc.wait(timeout=30)


@pytest.fixture()
def children() -> Iterator[list[Any]]:
    """Register Popen objects here (start them with start_new_session=True): each one's process
    group is killed after the test, pass or fail."""
    procs: list[Any] = []
    try:
        yield procs
    finally:
        for proc in procs:
            kill_group(proc)
