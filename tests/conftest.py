"""Shared fixtures: the real sources, built once per session where possible."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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


@pytest.fixture(scope="session")
def built_deck(library, default_recipe, project):
    from ankigen.pipeline import generate

    return generate(library, default_recipe, project)


@pytest.fixture()
def src_copy(tmp_path):
    """A writable copy of the project (sources, templates, recipes)."""
    for name in ("cards_src", "templates", "decks"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.apkg"))
    return tmp_path


@pytest.fixture()
def fixed_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return 1700000000


def pytest_configure(config):
    import tempfile

    os.environ.setdefault("MPLBACKEND", "Agg")
    # never touch the user's cache; subprocesses inherit this
    os.environ["ANKIGEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="ankigen-test-cache-")
