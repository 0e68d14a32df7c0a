"""Project hygiene checked like any other test: ruff, mypy, and what the wheel ships."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.tools import require_tool

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_clean():
    require_tool("ruff")
    r = subprocess.run(["ruff", "check", "."], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_clean():
    require_tool("mypy")
    r = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_recipe_is_shipped_in_the_wheel_config():
    text = (ROOT / "pyproject.toml").read_text()
    for recipe in sorted((ROOT / "decks").glob("*.yaml")):
        assert f'"decks/{recipe.name}" = "ankigen/_data/decks/{recipe.name}"' in text


NOT_SHIPPED = {"tests", ".git", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
               ".hypothesis", ".ankigen-cache", "benchmarks", "docs"}


def test_wheel_contains_sources_templates_and_recipes(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                        str(ROOT)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    wheel = next(tmp_path.glob("ankigen-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "ankigen/_data/cards_src/areas.yaml" in names
    assert "ankigen/_data/templates/anki/style.css" in names
    assert "ankigen/_data/decks/ml-math.yaml" in names
    sources = {str(p.relative_to(ROOT)) for p in (ROOT / "cards_src").rglob("*.yaml")}
    assert {f"ankigen/_data/{s}" for s in sources} <= names
    assert not any(n.endswith(".apkg") for n in names)
    # every module, template and recipe; nothing but the package and its metadata
    code = {f"ankigen/{p.relative_to(ROOT / 'ankigen')}" for p in (ROOT / "ankigen").rglob("*.py")
            if "__pycache__" not in p.parts and "_data" not in p.parts}
    assert code <= names, sorted(code - names)
    templates = {f"ankigen/_data/templates/{p.relative_to(ROOT / 'templates')}"
                 for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert templates <= names, sorted(templates - names)
    recipes = {f"ankigen/_data/decks/{p.name}" for p in (ROOT / "decks").glob("*.yaml")}
    assert {n for n in names if n.startswith("ankigen/_data/decks/")} == recipes
    assert {n.split("/")[0] for n in names} == {"ankigen", wheel.name.split("-py")[0] + ".dist-info"}
    assert {n.split("/")[2] for n in names if n.startswith("ankigen/_data/")} == {"cards_src", "templates", "decks"}
    assert not [n for n in names if NOT_SHIPPED & set(n.split("/")) or n.endswith((".pyc", ".pyo"))]
    entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "ankigen = ankigen.cli:entry" in zipfile.ZipFile(wheel).read(entry).decode()


def test_subprocesses_run_the_code_under_test(tmp_path):
    """`python -m ankigen` from another folder (as the CLI tests run it) imports the installed
    package: its modules, templates and sources must be these files. A stale `pip install .`
    (not -e) would make every CLI test check old code."""
    import hashlib

    def digest(root: Path) -> dict[str, str]:
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*.py")) if "__pycache__" not in p.parts and "_data" not in p.parts}

    code = "import ankigen, pathlib; print(pathlib.Path(ankigen.__file__).parent)"
    installed = Path(subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                                    timeout=60, check=True).stdout.strip())
    assert digest(installed) == digest(ROOT / "ankigen"), (
        f"the ankigen that subprocesses import ({installed}) is not this checkout's code: "
        f"reinstall it with `pip install -e .`")


def test_benchmark_stage_timings_run_on_the_small_project():
    """The benchmark (run by hand, never timed in tests) must keep working as the stages change."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_build", ROOT / "benchmarks" / "bench_build.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    solve_ms, figure_ms, notes, verify_s = bench.stage_timings(ROOT / "tests" / "fixtures" / "small" / "cards_src")
    assert notes == 8 and solve_ms and figure_ms and verify_s > 0
