"""The one place that decides whether a missing tool skips a test or fails it.

On a developer's machine a test whose tool is missing (ruff, mypy, the `anki` package, node
with MathJax, Chromium with playwright, Anki desktop under Xvfb) is skipped with the command
that installs it. With `CI=true` it FAILS: a CI run that skipped a real check would report
success for something it never tested.
"""

from __future__ import annotations

import fcntl
import importlib
import importlib.util
import os
import pickle
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
MATHJAX_NODE = TESTS / "mathjax" / "node_modules"
CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require(ok: bool, what: str) -> None:
    """Skip (fail under CI=true) unless `ok`; `what` says what is missing and how to get it."""
    if ok:
        return
    if in_ci():
        pytest.fail(f"needs {what} (CI=true: a missing tool fails instead of skipping)", pytrace=False)
    pytest.skip(f"needs {what}", allow_module_level=True)


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


def importorskip_or_fail(name: str) -> ModuleType:
    """`pytest.importorskip`, except that under CI=true a missing module fails."""
    require(_has_module(name), f"the Python module {name} (pip install '.[test]')")
    return importlib.import_module(name)


def _reviewer_missing() -> list[str]:
    from tests.reviewer_run import missing_tools

    return missing_tools()


TOOLS = {
    "ruff": (lambda: shutil.which("ruff") is not None, "ruff (pip install '.[test]')"),
    "mypy": (lambda: _has_module("mypy"), "mypy (pip install '.[test]')"),
    "anki": (lambda: _has_module("anki.collection"), "the anki package (pip install '.[test]')"),
    "node": (lambda: shutil.which("node") is not None, "node (apt-get install nodejs; .ci/run does)"),
    "mathjax": (lambda: shutil.which("node") is not None and (MATHJAX_NODE / "mathjax-full").is_dir()
                and (MATHJAX_NODE / "mathjax" / "es5").is_dir(),
                "node and MathJax (npm ci --prefix tests/mathjax)"),
    "chromium": (lambda: CHROMIUM is not None and _has_module("playwright.sync_api"),
                 "Debian's chromium and playwright (.ci/run installs them)"),
}


def require_tool(*names: str) -> None:
    """Skip (fail under CI=true) unless every named tool (TOOLS, or "reviewer") is here."""
    for name in names:
        if name == "reviewer":
            missing = _reviewer_missing()
            require(not missing, f"{', '.join(missing)} for Anki desktop under Xvfb (.ci/run installs them)")
            continue
        present, what = TOOLS[name]
        require(present(), what)


# ---- once per test session, across xdist workers -------------------------------------------


def session_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder shared by every xdist worker of this session (and by nothing else)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once_per_session(tmp_path_factory: pytest.TempPathFactory, name: str, make: Any) -> Any:
    """`make()` run by one worker of the session, under a file lock (so never two at once: the
    full build, the real Anki reviewer); the other workers wait for it and load its pickle."""
    root = session_root(tmp_path_factory)
    done = root / f"{name}.pickle"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also on failure
        if done.exists():
            return pickle.loads(done.read_bytes())
        value = make()
        part = done.with_suffix(".part")
        part.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        part.replace(done)
        return value
