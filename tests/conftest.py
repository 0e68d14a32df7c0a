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
FIRST_ON_THE_DECK = ("review", "rendered")  # the longest content tests start as soon as the deck is built


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order for 2 xdist workers, which take tests in this order: the first test starts the
    full-deck build (the longest single piece of work); the tests that do not need the deck come
    next (the other worker runs them meanwhile); then the content tests on the full deck, the
    reviewer and phone first; last, the tests that reuse a once-per-session result, so that no
    worker sits waiting for the other one to finish computing it."""
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
    deck = [i for i in leaders if "built_deck" in names(i)]
    if not deck:
        return
    rest = [i for i in leaders if "built_deck" not in names(i)]
    deck.sort(key=lambda i: next((k for k, n in enumerate(FIRST_ON_THE_DECK) if n in names(i)), len(FIRST_ON_THE_DECK)))
    first = next((i for i in deck if not any(n in names(i) for n in SHARED)), None)  # the build alone
    if first is None:  # a selection (one file, -k) with no plain deck test: keep the rest of the order
        items[:] = [*rest, *deck, *followers]
        return
    items[:] = [first, *rest, *[i for i in deck if i is not first], *followers]


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
