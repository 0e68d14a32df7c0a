"""How often each declared mistake coincides with the correct answer. Prints figures; run by hand:

    python benchmarks/mistake_coincidence.py [--root cards_src] [--seeds 50] [--slots 5] [ID ...]

For every problem that declares `mistakes:` (or only the given ids), every seed 1..S and
slot 0..K-1: sample and solve the problem, evaluate each mistake with the exact backend over the
solved namespace, and compare it with its answer's value twice: numerically within rel. 1e-6
(`raw`), and with the judge's own tolerances for that box, i.e. what the generator rejects
(`judge`, via ankigen.answers.spec_for/collisions). A mistake that cannot be evaluated or has
the wrong shape is counted as an error. A problem whose coincidence share exceeds 10 % is flagged.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout, not an installed copy

from ankigen.answers import collisions, overrides_for_form, spec_for  # noqa: E402
from ankigen.errors import AnkigenError  # noqa: E402
from ankigen.exact import exact_evaluator  # noqa: E402
from ankigen.load import load_library  # noqa: E402
from ankigen.model import Problem  # noqa: E402
from ankigen.sample import sample  # noqa: E402
from ankigen.solve import solve  # noqa: E402

LIMIT = 0.10


def _plain(problem: Problem, value: Any) -> Any:
    """The value with the solver's real symbols replaced by plain ones, as spec_for samples them."""
    import sympy as sp

    sub = {sp.Symbol(n, real=True): sp.Symbol(n) for n in problem.symbols}
    if isinstance(value, list | tuple):
        return [_plain(problem, v) for v in value]
    return value.xreplace(sub) if isinstance(value, sp.Basic | sp.MatrixBase) else value


def _spec(problem: Problem, name: str, value: Any, mistakes: list[tuple[Any, str]],
          strict: bool, seed: int) -> dict[str, Any]:
    box = next(b for b in problem.answers if b.name == name)
    value, mistakes = _plain(problem, value), [(_plain(problem, v), msg) for v, msg in mistakes]
    tol: dict[str, Any] = {"rtol": 1e-6, "atol": 1e-12} if strict else {
        **overrides_for_form(problem.form),
        **{k: v for k, v in (("rtol", box.rtol), ("atol", box.atol), ("sig", box.sig),
                             ("close_rtol", box.close_rtol)) if v is not None}}
    return spec_for(value, name=name, kind=box.kind or None, variables=list(problem.symbols) or None,
                    mistakes=mistakes, seed=seed, **tol)


def measure(problem: Problem, seeds: int, slots: int) -> dict[str, Any]:
    """Per mistake: draws, raw coincidences, judge coincidences, errors (first message)."""
    n = len(problem.mistakes)
    raw, judged, errors, draws = Counter[int](), Counter[int](), Counter[int](), 0
    first_error: dict[int, str] = {}
    for seed in range(1, seeds + 1):
        for slot in range(slots):
            solved = solve(problem, sample(problem, seed, slot))
            ns = solved.namespace()
            draws += 1
            for i, m in enumerate(problem.mistakes):
                try:
                    mv = exact_evaluator(ns).eval(m.value)
                    for strict, counter in ((True, raw), (False, judged)):
                        spec = _spec(problem, m.answer, ns[m.answer], [(mv, m.message)], strict,
                                     seed * 100 + slot)
                        if collisions(spec):
                            counter[i] += 1
                except (AnkigenError, ValueError, TypeError, ZeroDivisionError) as e:
                    errors[i] += 1
                    first_error.setdefault(i, f"{type(e).__name__}: {e}")
    share = max((max(raw[i], judged[i]) + errors[i]) / draws for i in range(n)) if n else 0.0
    return {"draws": draws, "raw": raw, "judged": judged, "errors": errors,
            "first_error": first_error, "share": share}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("ids", nargs="*")
    ap.add_argument("--root", default=str(ROOT / "cards_src"))
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--slots", type=int, default=5)
    args = ap.parse_args()
    lib = load_library(Path(args.root))
    bad = 0
    total_m = 0
    per_area: Counter[str] = Counter()
    for p in lib.problems():
        if not p.mistakes or (args.ids and p.id not in args.ids):
            continue
        r = measure(p, args.seeds, args.slots)
        total_m += len(p.mistakes)
        per_area[p.topic.split("/")[0]] += 1
        flag = "  <-- over 10 %" if r["share"] > LIMIT else ""
        bad += bool(flag)
        print(f"{p.id}: {len(p.mistakes)} mistakes, {r['draws']} draws, "
              f"worst coincidence {100 * r['share']:.1f} %{flag}")
        for i, m in enumerate(p.mistakes):
            err = f", {r['errors'][i]} errors ({r['first_error'][i]})" if r["errors"][i] else ""
            print(f"  [{m.answer}] {m.value.text}: raw {r['raw'][i]}, judge {r['judged'][i]}{err}")
        sys.stdout.flush()
    print(f"problems with mistakes: {sum(per_area.values())} "
          f"({', '.join(f'{a} {c}' for a, c in sorted(per_area.items()))}); mistakes: {total_m}; "
          f"over 10 %: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
