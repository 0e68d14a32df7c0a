"""Build benchmark: prints figures, asserts nothing. Run by hand: python benchmarks/bench_build.py

Measures, for the default deck: cold build wall time (a fresh process, as a user runs it),
notes per second, median/p95 ms per figure and per solved variant, peak memory, and the
wall time of `ankigen --help` and `ankigen list`.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(cmd: list[str], cwd: Path) -> tuple[float, str]:
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True)
    return time.perf_counter() - t, r.stdout


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> None:
    exe = [sys.executable, "-m", "ankigen"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ml-math.apkg"
        build_s, stdout = wall([*exe, "build", "-o", str(out)], ROOT)
        print(f"cold build (fresh process):   {build_s:8.2f} s   {stdout.strip()}")
    help_s = min(wall([*exe, "--help"], ROOT)[0] for _ in range(3))
    list_s = min(wall([*exe, "list"], ROOT)[0] for _ in range(3))

    # per-stage timings, in process
    from ankigen import draw, render
    from ankigen.paths import find_project
    from ankigen.pipeline import concept_note, generate, load
    from ankigen.recipe import load_recipe, select_topics
    from ankigen.sample import sample
    from ankigen.solve import solve

    project = find_project(ROOT / "cards_src")
    library = load(project)
    recipe = load_recipe(project.recipes / "ml-math.yaml")
    solve_ms: list[float] = []
    figure_ms: list[float] = []
    for topic in select_topics(library, recipe):
        for c in topic.concepts:
            if c.figure is not None:
                args = draw.figure_args(c.figure, {}, c.id)
                t = time.perf_counter()
                draw.render_svg(c.figure.kind, dict(args))
                figure_ms.append((time.perf_counter() - t) * 1000)
        for p in topic.problems:
            for slot in range(recipe.variants):
                t = time.perf_counter()
                solved = solve(p, sample(p, recipe.seed, slot))
                solve_ms.append((time.perf_counter() - t) * 1000)
                if p.figure is not None:
                    args = draw.figure_args(p.figure, solved.namespace(), p.id)
                    t = time.perf_counter()
                    draw.render_svg(p.figure.kind, dict(args))
                    figure_ms.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    deck = generate(library, recipe, project)
    gen_s = time.perf_counter() - t
    _ = (render, concept_note)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"notes:                        {len(deck.notes):8d}   ({len(deck.media)} figures)")
    print(f"notes/second (cold build):    {len(deck.notes) / build_s:8.1f}")
    print(f"in-process generate (warm):   {gen_s:8.2f} s")
    if figure_ms:
        print(f"ms per figure:  median {statistics.median(figure_ms):7.1f}   p95 {pct(figure_ms, 0.95):7.1f}   (n={len(figure_ms)})")
    if solve_ms:
        print(f"ms per solved variant: median {statistics.median(solve_ms):6.1f}   p95 {pct(solve_ms, 0.95):7.1f}   (n={len(solve_ms)})")
    print(f"peak memory (this process):   {peak_mb:8.0f} MiB")
    print(f"ankigen --help:               {help_s:8.3f} s")
    print(f"ankigen list:                 {list_s:8.3f} s")
    print(f"cpu count: {os.cpu_count()}")


if __name__ == "__main__":
    main()
