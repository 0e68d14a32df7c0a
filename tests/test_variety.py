"""`ankigen check` measures variety and fails where `build` fails; figures prove their claims.

tests/fixtures/variety/ has one problem per variety rule (and ones that pass); the claims
fixture draws the momentum figure with the old β = 0.7, for which it contradicted its text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ankigen import cli

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def variety_report():
    from ankigen.pipeline import check

    return check(seeds=50, src=FIXTURES / "variety" / "cards_src", workers=1, draw_seeds=0)


def test_each_variety_rule_fires_on_its_fixture(variety_report):
    by_id = {p.problem_id: p for p in variety_report.problems}
    assert by_id["few-variants"].violations == (
        "cards_src/calculus/variety.yaml:12:5: problem 'few-variants': only 3 distinct variants in 50 draws "
        "(at least 40) (widen the parameter ranges or add parameters; if the problem is small by nature, "
        "say why with small: \"...\")",)
    assert by_id["constant-answer"].violations == (
        "cards_src/calculus/variety.yaml:29:5: problem 'constant-answer': the answer is the same in all 50 "
        "variants (make the answer depend on the parameters)",)
    (degenerate,) = by_id["often-degenerate"].violations
    assert degenerate.startswith("cards_src/calculus/variety.yaml:37:5: problem 'often-degenerate': "
                                 "degenerate case 's == 0' in ")
    assert degenerate.endswith(" of 50 variants (at most 10%) (exclude it with a constraint, or change the "
                               "ranges so it is rare)")
    for ok in ("varied", "small-by-nature", "rarely-degenerate"):
        assert by_id[ok].violations == () and not by_id[ok].failed, ok


def test_measured_shares(variety_report):
    by_id = {p.problem_id: p for p in variety_report.problems}
    (text, share), = by_id["often-degenerate"].degenerate
    assert text == "s == 0" and 0.15 < share < 0.5  # s is 0 in a third of the draws
    (ctext, rejected), = by_id["varied"].rejection
    assert ctext == "a % 4 != 0" and 0.15 < rejected < 0.35  # a multiple of 4 a quarter of the time
    assert by_id["varied"].distinct_questions == 50 and by_id["varied"].distinct_answers == 50


def test_variety_rules_need_ten_draws():
    from ankigen.model import Loc, Problem
    from ankigen.variety import variety_violations

    p = Problem("p", "t/t", (), (), (), (), (), "", "", "", None, (), (), Loc("x.yaml", 1, 1), "")
    assert variety_violations(p, 9, 1, 1, [("a == 0", 1.0)]) == []
    assert len(variety_violations(p, 10, 1, 1, [("a == 0", 0.2)])) == 3
    assert variety_violations(p, 10, 8, 2, [("a == 0", 0.1)]) == []


def _project(tmp: Path, *parts: str) -> Path:
    shutil.copytree(FIXTURES / "base", tmp, dirs_exist_ok=True)
    case = FIXTURES.joinpath(*parts)
    shutil.copytree(case, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.txt"))
    return tmp


def _fails(args: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as e:
        cli.main(args)
    captured = capsys.readouterr()
    assert e.value.code == 2, captured.out + captured.err
    assert "Traceback" not in captured.err
    return captured.err


def test_check_fails_like_build_on_a_figure_that_does_not_draw(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(_project(tmp_path, "bad", "figure-fails-to-draw"))
    message = (FIXTURES / "bad" / "figure-fails-to-draw" / "expected.txt").read_text().strip()
    assert message in _fails(["build", "-o", "out.apkg"], capsys)
    assert message in _fails(["check", "--seeds", "1", "-j", "1"], capsys)


def test_build_and_check_fail_on_a_figure_that_contradicts_its_text(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(_project(tmp_path, "claims"))
    message = ("cards_src/optimization/momentum.yaml:6:13: concept 'momentum-too-heavy': figure "
               "'momentum_paths' contradicts its text: after 30 steps momentum is 0.0099 from the minimum "
               "and gradient descent 0.005, but the figure says momentum gets there faster (choose arguments "
               "for which the claim holds, or change what the text claims)")
    assert message in _fails(["build", "-o", "out.apkg"], capsys)
    assert message in _fails(["check", "--seeds", "1", "-j", "1", "--draw", "0"], capsys)
    assert not (tmp_path / "out.apkg").exists()


# ---- figure claims ------------------------------------------------------------------------------


def test_momentum_converges_faster_than_gradient_descent():
    from ankigen.figures.optimization import _momentum_runs

    gd, hb = _momentum_runs(1, 8, 0.2, 0.5, -4, 1.5, 30)  # the figure's defaults
    d_gd, d_hb = np.hypot(*gd.T), np.hypot(*hb.T)
    assert d_hb[-1] < d_gd[-1] / 10
    rate = lambda d: (d[-1] / d[-11]) ** 0.1  # noqa: E731 - per-step rate over the last 10 steps
    assert rate(d_hb) < rate(d_gd)
    gd_old, hb_old = _momentum_runs(1, 8, 0.2, 0.7, -4, 1.5, 30)  # the review's figure: slower
    assert np.hypot(*hb_old[-1]) > np.hypot(*gd_old[-1])


CLAIMS = [  # kind, arguments for which the claim holds, arguments for which it must fail
    ("momentum_paths", {}, {"beta": 0.7}),
    ("newton_vs_gradient", {"A": np.array([[3.0, 1.0], [1.0, 2.0]]), "b": [1.0, 0.0], "x0": [2.0, 2.0]},
     {"A": np.eye(2), "b": [1.0, 0.0], "x0": [2.0, 2.0]}),
    ("ridge_fit", {"xs": [1.0, 2.0], "ys": [2.0, 3.0], "lam": 1.0},
     {"xs": [1.0, 2.0], "ys": [2.0, 3.0], "lam": 0.0}),
    ("lagrange_tangency", {"f": lambda x, y: x**2 + y**2, "p": 1, "q": 1, "c": 2, "xs": 1, "ys": 1},
     {"f": lambda x, y: x**2 + y**2, "p": 1, "q": 1, "c": 2, "xs": 2, "ys": 0}),
    ("tangent_line", {"f": lambda x: x**2, "x0": 1.0}, {"f": np.abs, "x0": 0.0}),
    ("newton_quadratic_model", {"f": lambda x: x**4 + x, "x0": 1.0}, {"f": lambda x: -(x**2), "x0": 1.0}),
    ("eigen_directions", {"A": np.array([[2.0, 1.0], [0.0, 3.0]])}, {"A": np.array([[0.0, -1.0], [1.0, 0.0]])}),
    ("likelihood_curve", {"k": 3, "n": 10}, None),
    ("loglik_plot", {"f": lambda t: -((t - 2) ** 2), "xhat": 2, "xmin": 0, "xmax": 4},
     {"f": lambda t: -((t - 2) ** 2), "xhat": 3, "xmin": 0, "xmax": 4}),
    ("ball_cube_ratio", {}, {"dmax": 3}),
    ("secant_to_tangent", {}, {"f": np.abs, "x0": 0.0, "h": 1.0}),
    ("running_mean", {"mean": 0.5, "sd": 0.5, "n": 30, "streak": 10}, {"mean": 0.5, "sd": 0.5, "faces": 6}),
    ("entropy_compare", {}, None),
    ("sigmoid_and_derivative", {}, None),
    ("tanh_and_derivative", {}, None),
    ("bernoulli_entropy", {}, None),
    ("l1_l2_regions", {}, {"cx": -2, "cy": -1}),
    ("contour_gradient", {"f": lambda x, y: x**2 + 3 * y**2, "x0": 1.0, "y0": 1.0},
     {"f": lambda x, y: x**2 + 3 * y**2, "x0": 0.0, "y0": 0.0}),
    ("projection_2d", {"a": [3.0, 1.0], "b": [1.0, 2.0]}, {"a": [3.0, 1.0], "b": [0.0, 0.0]}),
]


@pytest.mark.parametrize("kind, good, bad", CLAIMS, ids=[c[0] for c in CLAIMS])
def test_figure_claims_hold_and_can_fail(kind, good, bad):
    from ankigen.figures import REGISTRY

    claim = REGISTRY[kind].claim
    assert claim is not None
    assert claim(**good) == []
    if bad is not None:
        assert claim(**bad) != []


def test_claims_of_fixed_data_fail_when_the_data_changes(monkeypatch):
    from ankigen.figures import REGISTRY, probability

    monkeypatch.setattr(probability, "_ENTROPY_DISTS", (np.array([0.5, 0.5, 0, 0]),) * 3)
    assert REGISTRY["entropy_compare"].claim() != []
    from ankigen.figures import basic

    monkeypatch.setattr(basic, "_sigmoid_curves", lambda: (np.linspace(-6, 6, 601),) * 3)
    assert REGISTRY["sigmoid_and_derivative"].claim() != []
    monkeypatch.setattr(np, "argmax", lambda a: 0)  # curves whose peak is at their left end
    assert REGISTRY["likelihood_curve"].claim(k=3, n=10) != []
    assert REGISTRY["tanh_and_derivative"].claim() != []
    assert REGISTRY["bernoulli_entropy"].claim() != []


def test_a_claim_takes_the_figure_arguments():
    from ankigen.figures import figure

    with pytest.raises(RuntimeError, match="must take the same arguments"):
        figure("zz_bad_claim", claim=lambda a: [])(lambda ax, b: None)


def test_check_also_covers_the_variants_the_recipes_build():
    from ankigen.paths import find_project
    from ankigen.variety import build_variants

    project = find_project(FIXTURES / "base" / "cards_src")  # one recipe: seed 1, 2 variants
    assert build_variants(project, range(1, 11)) == [(1, 1)]
    assert build_variants(project, range(2, 12)) == [(1, 0), (1, 1)]
