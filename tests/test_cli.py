"""Every command through a real process: output, files written, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest


@pytest.fixture()
def proj(small_copy):
    """The small project laid out as a clone, plus one small, stable topic that these tests edit."""
    import shutil

    shutil.copy(Path(__file__).parent / "fixtures" / "cli_topic.yaml",
                small_copy / "cards_src" / "linear-algebra" / "zz-cli.yaml")
    return small_copy


def run(*args: str, cwd: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "ankigen", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env=env)


def test_help_and_list_do_not_import_the_heavy_libraries(proj):
    """`ankigen --help` and `ankigen list` stay quick (README, Benchmark: <= 0.3 s / <= 0.6 s): they
    import neither sympy, numpy nor matplotlib. Checked by module, not by a timed assertion."""
    code = ("import sys\nfrom ankigen import cli\n"
            "for args in (['--help'], ['list']):\n"
            "    try:\n        cli.main(args)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('sympy', 'numpy', 'matplotlib') if m in sys.modules), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], cwd=proj, capture_output=True, text=True, timeout=60)
    assert "total (" in r.stdout, r.stderr
    assert r.stderr.strip().splitlines()[-1] == "[]", r.stderr


def test_help_lists_commands(tmp_path):
    r = run("--help", cwd=tmp_path)
    assert r.returncode == 0
    for cmd in ("build", "list", "validate", "check", "show", "figures"):
        assert cmd in r.stdout


def test_build_default_deck_from_a_clone(proj):
    r = run("build", "-q", cwd=proj)
    assert r.returncode == 0, r.stderr
    out = proj / "decks" / "ml-math.apkg"
    with zipfile.ZipFile(out) as zf:
        assert {"collection.anki2", "media"} <= set(zf.namelist())


def test_build_from_any_folder_uses_bundled_sources(tmp_path, built_deck):
    """The whole default deck from the bundled sources (its notes come from the session's cache,
    filled when `built_deck` was built: the deck is computed once per test session)."""
    r = run("build", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "decks" / "ml-math.apkg").is_file()
    assert "wrote" in r.stdout and f"{len(built_deck.notes)} notes" in r.stdout


def test_build_topic_subset(proj):
    r = run("build", "--topics", "linear-algebra/eig*", "linear-algebra/zz-*", "--variants", "2",
            "--seed", "7", "-o", "decks/my.apkg", cwd=proj)
    assert r.returncode == 0, r.stderr
    assert (proj / "decks" / "my.apkg").is_file()
    from ankigen.pipeline import list_topics

    topics = list_topics(proj / "cards_src")
    expected_decks = sum(1 for t in topics if t.area == "linear-algebra")
    assert 2 == expected_decks < len(topics)  # two patterns, a subset of the topics
    assert f"in {expected_decks} decks" in r.stdout


@pytest.mark.parametrize("recipe", sorted(p.name for p in (Path(__file__).parent.parent / "decks").glob("*.yaml")))
def test_build_each_shipped_recipe(src_copy, recipe, built_deck):
    """Every shipped recipe on the real sources (notes from the session's cache, see above)."""
    r = run("build", f"decks/{recipe}", "-q", cwd=src_copy)
    assert r.returncode == 0, r.stderr
    from ankigen.recipe import load_recipe

    assert (src_copy / "decks" / load_recipe(src_copy / "decks" / recipe).output).is_file()


def test_list_and_json(proj):
    r = run("list", cwd=proj)
    assert r.returncode == 0
    assert "linear-algebra/" in r.stdout and "total" in r.stdout
    j = run("list", "--json", cwd=proj)
    data = json.loads(j.stdout)
    assert {"id", "concepts", "clozes", "problems", "figures", "requires"} <= set(data[0])


def test_validate_ok_and_bad(proj):
    r = run("validate", cwd=proj)
    assert r.returncode == 0 and r.stdout.startswith("ok:")
    bad = proj / "cards_src" / "calculus" / "broken.yaml"
    bad.write_text("title: Broken\nconcepts:\n  - id: Bad Id\n    front: x\n")
    r = run("validate", cwd=proj)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert ("cards_src/calculus/broken.yaml:3:9: concept id 'Bad Id' is missing or not lowercase-with-dashes "
            "(write id: like-this-2x2)") in r.stderr


def test_check_reports_per_problem(proj):
    r = run("check", "--seeds", "3", "--topics", "linear-algebra/zz-cli", cwd=proj)
    assert r.returncode == 0, r.stderr
    assert "cli-eigen-2x2" in r.stdout and "all verified" in r.stdout


def test_check_fails_with_exit_2_on_a_wrong_answer(proj):
    f = proj / "cards_src" / "linear-algebra" / "zz-cli.yaml"
    text = f.read_text()
    assert 'expect: "eigvals(A)"}' in text
    f.write_text(text.replace('expect: "eigvals(A)"}', 'expect: "eigvals(A) + 1"}'))
    r = run("check", "--seeds", "2", "--topics", "linear-algebra/zz-cli", cwd=proj)
    assert r.returncode == 2
    assert "check failed for seed 1" in r.stderr and "FAILED" in r.stdout


def test_show_reproduces_the_built_note(proj):
    import os

    from ankigen.pipeline import build

    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        build(seed=5, output=str(proj / "decks" / "s5.apkg"), src=proj / "cards_src")
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    r = run("show", "cli-eigen-2x2", "--seed", "5", "--slot", "2", "--html", cwd=proj)
    assert r.returncode == 0, r.stderr
    import sqlite3

    with zipfile.ZipFile(proj / "decks" / "s5.apkg") as zf:
        db = proj / "c.anki2"
        db.write_bytes(zf.read("collection.anki2"))
    from ankigen.identity import guid
    from ankigen.package import FIELDS
    from ankigen.variants import all_variants

    flds = sqlite3.connect(db).execute("select flds from notes where guid=?",  # one note, K variants
                                       (guid("cli-eigen-2x2", 0),)).fetchone()[0]
    question = dict(all_variants(dict(zip(FIELDS["problem"], flds.split("\x1f"), strict=True))))[2]["Question"]
    assert question and question in r.stdout


def test_show_unknown_id_exit_2(proj):
    r = run("show", "cli-eigen-2x3", cwd=proj)
    assert r.returncode == 2
    assert "no concept or problem with id 'cli-eigen-2x3' (did you mean 'cli-eigen-2x2'?)" in r.stderr


def test_show_writes_figure(proj):
    r = run("show", "cli-eigen-2x2", "--seed", "1", "--figure", "fig.svg", cwd=proj)
    assert r.returncode == 0, r.stderr
    assert (proj / "fig.svg").read_bytes().startswith(b"<?xml")


def test_debug_shows_traceback_only_when_asked(proj):
    r = run("build", "no-such-recipe", cwd=proj)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "recipe 'no-such-recipe' not found" in r.stderr
    r = run("--debug", "build", "no-such-recipe", cwd=proj)
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_usage_error_exit_2(tmp_path):
    r = run("build", "--variants", "0", cwd=tmp_path)
    assert r.returncode == 2


def test_figures_lists_kinds(tmp_path):
    r = run("figures", cwd=tmp_path)
    assert r.returncode == 0 and "linear_map(A)" in r.stdout


def test_check_warns_about_rare_constraints(proj):
    f = proj / "cards_src" / "linear-algebra" / "zz-cli.yaml"
    f.write_text(f.read_text().replace('constraints: ["l1 < l2"]',
                                       'constraints: ["l1 < l2", "l1 == -5", "l2 == 5"]'))
    r = run("check", "--seeds", "1", "--topics", "linear-algebra/zz-cli", cwd=proj)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("cli-eigen-2x2"))
    assert "warning: acceptance under 5%" in line


def test_internal_error_exit_1_without_traceback(proj, monkeypatch, capsys):
    from ankigen import cli, listing

    monkeypatch.chdir(proj)

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(listing, "list_topics", boom)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["list"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert err == ("internal error: RuntimeError: simulated bug\n"
                   "this is a bug in ankigen; run again with --debug for a traceback\n")
