"""`ankigen check`: every problem for N seeds — verified, linted, and measured for variety.

Each variant goes through the same note-making function as `build` (so check fails where
build fails: a template, a check, a figure that does not draw or contradicts its text).
Per problem it then measures what a reader of 50 variants would notice: how many distinct
questions there are, whether the answer ever changes, how often a declared degenerate case
comes up, and how much each constraint rejects.
"""

from __future__ import annotations

import fnmatch
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ankigen.bounds import item_limit, run_limit, worker_pool
from ankigen.errors import Issue, ItemError, UserError
from ankigen.lint import Finding, distinct, form_mismatch, lint_item, lint_note
from ankigen.model import Concept, Library, Problem, Topic
from ankigen.paths import Project, find_project

MIN_DISTINCT_SHARE = 0.8  # at least 40 distinct questions in 50 draws
MAX_DEGENERATE_SHARE = 0.10  # a declared degenerate case in at most 10 % of the variants
MIN_SEEDS_FOR_VARIETY = 10  # fewer draws say little about variety: the rules need this many
REJECTION_TRIES = 200

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ProblemReport:
    problem_id: str
    topic: str
    variants: int
    checks: int
    acceptance: float
    distinct_answers: int
    failures: tuple[str, ...]
    distinct_questions: int = 0
    rejection: tuple[tuple[str, float], ...] = ()  # share of raw draws each constraint rejects
    degenerate: tuple[tuple[str, float], ...] = ()  # share of variants in each degenerate case
    findings: tuple[Finding, ...] = ()
    violations: tuple[str, ...] = ()  # variety rules this problem breaks
    mistakes: int = 0  # mistakes declared
    collisions: int = 0  # draws rejected because a mistake's value equalled the answer
    forms: tuple[str, ...] = ()  # per answer box: what input it accepts

    @property
    def failed(self) -> bool:
        return bool(self.failures or self.violations)


@dataclass(frozen=True)
class CheckReport:
    problems: tuple[ProblemReport, ...]
    identities: int
    identity_trials: int
    failures: tuple[str, ...]
    findings: tuple[Finding, ...] = ()  # concept lints (problem lints are in each ProblemReport)

    @property
    def ok(self) -> bool:
        return not self.failures and not any(p.failed for p in self.problems)

    def all_findings(self) -> tuple[Finding, ...]:
        return self.findings + tuple(f for p in self.problems for f in p.findings)


_STATE: dict[str, Any] = {}


def rejection_shares(problem: Problem, seed: int, tries: int = REJECTION_TRIES) -> tuple[float, tuple[float, ...]]:
    """Acceptance of raw draws, and the share each constraint rejects (judged independently)."""
    from ankigen import identity
    from ankigen.exact import exact_evaluator, make_symbols
    from ankigen.sample import constraints_need_derived, draw_params

    if not problem.constraints:
        return 1.0, ()
    rng = random.Random(identity.variant_seed(seed, problem.id, -1))
    symbols = make_symbols(list(problem.symbols))
    needs_derived = constraints_need_derived(problem)
    rejected = [0] * len(problem.constraints)
    accepted = 0
    for _ in range(tries):
        try:
            ns: dict[str, Any] = {**symbols, **draw_params(problem, rng, symbols)}
            if needs_derived:
                from ankigen.solve import derive

                ns = derive(problem, ns, stop_on_error=False)
        except ItemError:
            rejected = [r + 1 for r in rejected]
            continue
        ev = exact_evaluator(ns)
        ok = True
        for k, (ex, _) in enumerate(problem.constraints):
            try:
                holds = bool(ev.backend.truth(ev.eval(ex)))
            except ItemError:
                holds = False
            if not holds:
                rejected[k] += 1
                ok = False
        accepted += ok
    return accepted / tries, tuple(r / tries for r in rejected)


def _issue(problem: Problem, message: str, hint: str) -> str:
    return Issue(message, path=problem.loc.path, line=problem.loc.line, column=problem.loc.column,
                 item=f"problem '{problem.id}'", hint=hint).format()


def variety_violations(problem: Problem, draws: int, questions: int, answers: int,
                       degenerate: Sequence[tuple[str, float]]) -> list[str]:
    """The variety rules: enough distinct variants, an answer that changes, rare degenerate cases."""
    if draws < MIN_SEEDS_FOR_VARIETY:
        return []
    out = []
    need = math.ceil(MIN_DISTINCT_SHARE * draws)
    if questions < need and not problem.small:
        out.append(_issue(problem, f"only {questions} distinct variants in {draws} draws (at least {need})",
                          "widen the parameter ranges or add parameters; if the problem is small by "
                          "nature, say why with small: \"...\""))
    if answers == 1:
        out.append(_issue(problem, f"the answer is the same in all {draws} variants",
                          "make the answer depend on the parameters"))
    for text, share in degenerate:
        if share > MAX_DEGENERATE_SHARE:
            out.append(_issue(problem, f"degenerate case '{text}' in {share:.0%} of {draws} variants "
                              f"(at most {MAX_DEGENERATE_SHARE:.0%})",
                              "exclude it with a constraint, or change the ranges so it is rare"))
    return out


def _is_degenerate(problem: Problem, ns: dict[str, Any]) -> list[bool]:
    from ankigen.exact import exact_evaluator

    ev = exact_evaluator(ns)
    out = []
    for ex, loc in problem.degenerate:
        try:
            out.append(bool(ev.backend.truth(ev.eval(ex))))
        except ItemError as e:
            raise UserError([Issue(f"degenerate case '{ex.text}': {e.message}", path=loc.path, line=loc.line,
                                   column=loc.column, item=f"problem '{problem.id}'", hint=e.hint)]) from e
    return out


def _check_problem(index: int) -> tuple[int, ProblemReport]:
    """One problem x all seeds (a worker's unit)."""
    from ankigen.pipeline import problem_note, solve_and_verify

    topic, p = _STATE["problems"][index]
    seeds: range = _STATE["seeds"]
    failures: list[str] = []
    questions: set[str] = set()
    answers: set[str] = set()
    findings: list[Finding] = []
    hits = [0] * len(p.degenerate)
    checks = good = collided = 0
    forms: tuple[str, ...] | None = None
    for s in seeds:
        try:
            with item_limit(p, s, 0):
                v = solve_and_verify(p, s, 0)
                collided += v.solved.draw.collisions
                if forms is None and v.spec:
                    forms = tuple(accepted_form(e) for e in v.spec["answers"])
                note, _ = problem_note(_STATE["library"], topic, p, "check", s, (0,), _STATE["project"],
                                       _STATE["figures"], drawing=s - seeds.start < _STATE["draw"],
                                       verified=v)
                for k, hit in enumerate(_is_degenerate(p, v.solved.namespace())):
                    hits[k] += hit
        except UserError as e:
            failures.extend(i.format() for i in e.issues)
            continue
        good += 1
        checks += len(v.results)
        questions.add(note.field("Question"))
        answers.add(note.field("Answer"))
        findings += lint_note(note, p) + form_mismatch(note, p)
    # what the shipped recipes build, so check fails wherever build would (once is enough per problem)
    for s, slot in _STATE["build_variants"] if not failures else ():
        try:
            with item_limit(p, s, slot):
                problem_note(_STATE["library"], topic, p, "check", s, (slot,), _STATE["project"],
                             _STATE["figures"], drawing=_STATE["draw"] > 0)
        except UserError as e:
            failures.extend(i.format() for i in e.issues)
    try:
        with item_limit(p, seeds.start, 0):
            acceptance, rejects = rejection_shares(p, seeds.start)
    except UserError as e:
        failures.extend(i.format() for i in e.issues)
        acceptance, rejects = 0.0, (0.0,) * len(p.constraints)
    degenerate = tuple((ex.text, h / good if good else 0.0) for (ex, _), h in zip(p.degenerate, hits, strict=True))
    violations = variety_violations(p, good, len(questions), len(answers), degenerate) \
        if good == len(seeds) else []
    report = ProblemReport(
        p.id, topic.id, len(seeds), checks, acceptance, len(answers), tuple(failures), len(questions),
        tuple((ex.text, r) for (ex, _), r in zip(p.constraints, rejects, strict=True)), degenerate,
        tuple(lint_item(p) + distinct(findings)), tuple(violations), len(p.mistakes), collided,
        forms or ())
    return index, report


FORMS = {"number": "number (1/2, 0.5, 1e-3, sqrt(2), pi, e, ln)", "vector": "vector (1, 2)",
         "matrix": "matrix [[1, 2], [3, 4]]", "set": "set {{2, 3}} in any order",
         "expr": "expression in {vars}, checked at {n} points"}


def accepted_form(entry: dict[str, Any]) -> str:
    """What one answer box accepts, for the check report: kind, input forms, tolerance."""
    form = FORMS[entry["kind"]].format(vars=", ".join(entry.get("vars") or ()),
                                       n=len(entry.get("points") or ()))
    tol = f"{entry['sig']} significant figures" if entry.get("sig") else \
        f"rtol {entry['rtol']:g}, atol {entry['atol']:g}"
    return f"{entry['name']}: {form}; {tol}; close within {entry['close_rtol']:g}"


def _check_concept(index: int) -> tuple[int, int, tuple[str, ...], tuple[Finding, ...]]:
    """A concept's identity check, then its note (figure drawn, claims checked) and its lints."""
    from ankigen.pipeline import concept_note
    from ankigen.verify import check_identity

    topic, c = _STATE["concepts"][index]
    trials = 0
    seed = _STATE["seeds"].start
    try:
        with item_limit(c, seed, 0):
            if c.checks:
                trials = check_identity(c, seed)
            note, _ = concept_note(_STATE["library"], topic, c, "check", seed, _STATE["project"],
                                   _STATE["figures"], drawing=_STATE["draw"] > 0)
    except UserError as e:
        return index, -1, tuple(i.format() for i in e.issues), ()
    return index, trials, (), tuple(lint_note(note, c))


def build_variants(project: Project, checked: range) -> list[tuple[int, int]]:
    """The (seed, slot) pairs the shipped recipes build that the checked seeds do not cover."""
    from ankigen.pipeline import available_recipes
    from ankigen.recipe import load_recipe

    pairs: set[tuple[int, int]] = set()
    for name in available_recipes(project):
        try:
            recipe = load_recipe(project.recipes / f"{name}.yaml")
        except UserError:
            continue  # `validate` reports a broken recipe
        pairs.update((recipe.seed, slot) for slot in range(recipe.variants))
    return sorted(p for p in pairs if not (p[1] == 0 and p[0] in checked))


def _select(library: Library, topics: Sequence[str]) -> list[Topic]:
    selected = [t for t in library.topics if not topics or any(fnmatch.fnmatchcase(t.id, g) for g in topics)]
    if not selected:
        raise UserError([Issue(f"no topic matches {' '.join(topics)}",
                               hint="run 'ankigen list' to see topic ids")])
    return selected


def run_check(seeds: int = 50, topics: Sequence[str] = (), src: Path | None = None, first_seed: int = 1,
              progress_factory: Callable[[int], Progress] | None = None, workers: int | None = None,
              draw_seeds: int = 2, use_cache: bool = True) -> CheckReport:
    """Generate `seeds` variants of every problem; verify, lint and measure them; check concepts."""
    from ankigen import pipeline

    project = find_project(src)
    library = pipeline.load(project)
    selected = _select(library, topics)
    problems = [(t, p) for t in selected for p in t.problems]
    concepts: list[tuple[Topic, Concept]] = [(t, c) for t in selected for c in t.concepts]
    progress = progress_factory(len(problems) + len(concepts)) if progress_factory else None
    store = None
    if use_cache and draw_seeds > 0:
        from ankigen.cache import Cache, default_dir

        store = Cache(default_dir(), project.templates).figures()
    checked = range(first_seed, first_seed + seeds)
    _STATE.update(problems=problems, concepts=concepts, project=project, library=library, figures=store,
                  seeds=checked, draw=draw_seeds, build_variants=build_variants(project, checked))
    reports: dict[int, ProblemReport] = {}
    failures: list[str] = []
    findings: list[Finding] = []
    identities = trials = 0
    n_workers = workers or pipeline.default_workers()
    try:
        with pipeline._long_lived(figures=draw_seeds > 0), run_limit():
            for _, n, fails, found in _map(_check_concept, len(concepts), n_workers, 8):
                failures.extend(fails)
                findings.extend(found)
                if n > 0:
                    identities += 1
                    trials += n
                if progress:
                    progress(1)
            for index, report in _map(_check_problem, len(problems), n_workers, 1):
                reports[index] = report
                if progress:
                    progress(1)
    finally:
        _STATE.clear()
    return CheckReport(tuple(reports[i] for i in range(len(problems))), identities, trials,
                       tuple(failures), tuple(distinct(findings)))


def _map(fn: Callable[[int], Any], n: int, workers: int, chunk: int) -> Any:
    """fn over range(n), in forked workers when there are several (results in order)."""
    from ankigen import pipeline

    if workers > 1 and n > 1 and pipeline._can_fork():
        with worker_pool(workers, pipeline._die_with_parent) as pool:
            yield from pool.map(fn, range(n), chunksize=chunk)
    else:
        for i in range(n):
            yield fn(i)


def format_check(report: CheckReport, seeds: int, quiet: bool, strict: bool) -> tuple[list[str], list[str], bool]:
    """The check's table (stdout), its failures (stderr), and whether it failed."""
    from collections import Counter

    out: list[str] = []
    err: list[str] = []
    if not quiet:
        out.append(f"{'problem':<36}{'variants':>9}{'checks':>8}{'distinct':>9}{'answers':>8}{'accept':>8}"
                   f"{'reject':>8}{'degen':>7}{'lints':>6}{'mist':>5}{'coll':>5}  status")
    for p in report.problems:
        status = "ok" if not p.failed else f"FAILED ({len(p.failures) + len(p.violations)})"
        warn = "  warning: acceptance under 5%" if p.acceptance < 0.05 else ""
        worst = max((r for _, r in p.rejection), default=0.0)
        degen = max((d for _, d in p.degenerate), default=0.0)
        if not quiet or p.failed:
            out.append(f"{p.problem_id:<36}{p.variants:>9}{p.checks:>8}{p.distinct_questions:>9}"
                       f"{p.distinct_answers:>8}{p.acceptance:>7.0%}{worst:>8.0%}{degen:>7.0%}"
                       f"{len(p.findings):>6}{p.mistakes:>5}{p.collisions:>5}  {status}{warn}")
            out.extend(f"    accepts {f}" for f in p.forms if not quiet)
        err.extend(p.failures[:5])
        err.extend(p.violations)
    err.extend(report.failures)
    findings = report.all_findings()
    for f in findings:
        out.append(f.format())
    n_fail = sum(1 for p in report.problems if p.failed) + len(report.failures)
    failed = not report.ok or (strict and bool(findings))
    if findings:
        counts = Counter(f.lint for f in findings)
        out.append(f"{len(findings)} lint findings: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    out.append(f"{sum(p.mistakes for p in report.problems)} mistakes declared on "
               f"{sum(1 for p in report.problems if p.mistakes)} problems; "
               f"{sum(p.collisions for p in report.problems)} draws rejected because a mistake "
               "equalled the answer")
    out.append(f"{len(report.problems)} problems x {seeds} seeds, {report.identities} formula checks "
               f"({report.identity_trials} trials): "
               + ("all verified" if report.ok else f"{n_fail} FAILED"))
    return out, err, failed
