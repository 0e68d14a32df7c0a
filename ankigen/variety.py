"""`ankigen check`: every problem for N seeds — verified, linted, and measured for variety.

Each variant goes through the same note-making function as `build` (so check fails where
build fails: a template, a check, a figure that does not draw or contradicts its text).
Per problem it then measures what a reader of 50 variants would notice: how many distinct
questions there are, whether the answer ever changes, how often a declared degenerate case
comes up, and how much each constraint rejects.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ankigen import identity
from ankigen.bounds import item_limit
from ankigen.errors import ItemError, UserError
from ankigen.exact import exact_evaluator, make_symbols
from ankigen.hazards import note_issues
from ankigen.lint import Finding, distinct, form_mismatch, lint_item, lint_note
from ankigen.model import Concept, Problem, Topic
from ankigen.notes import NoteContext, items_of, make_note
from ankigen.paths import Project, find_project
from ankigen.prepare import DEFAULT_CACHE, CacheOptions, load
from ankigen.recipe import available_recipes, load_recipe, match_topics, resolve_recipe, select_topics
from ankigen.runner import Runner, default_workers
from ankigen.sample import constraints_need_derived, raw_draw

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


def rejection_shares(problem: Problem, seed: int, tries: int = REJECTION_TRIES) -> tuple[float, tuple[float, ...]]:
    """Acceptance of raw draws, and the share each constraint rejects (judged independently)."""
    if not problem.constraints:
        return 1.0, ()
    rng = random.Random(identity.variant_seed(seed, problem.id, -1))
    symbols = make_symbols(list(problem.symbols))
    needs_derived = constraints_need_derived(problem)
    rejected = [0] * len(problem.constraints)
    accepted = 0
    for _ in range(tries):
        try:
            _, ns = raw_draw(problem, rng, symbols, needs_derived)
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
    return problem.loc.issue(message, item=f"problem '{problem.id}'", hint=hint).format()


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
    ev = exact_evaluator(ns)
    out = []
    for ex, loc in problem.degenerate:
        try:
            out.append(bool(ev.backend.truth(ev.eval(ex))))
        except ItemError as e:
            raise loc.error(f"degenerate case '{ex.text}': {e.message}", item=f"problem '{problem.id}'",
                            hint=e.hint) from e
    return out


@dataclass(frozen=True)
class _Run:
    """What the check of every item shares; forked workers inherit it."""

    ctx: NoteContext
    seeds: range  # the checked seeds (slot 0 of each)
    draw: int  # the first `draw` of them are drawn too
    build_variants: tuple[tuple[int, int], ...]  # (seed, slot) the recipes build, not drawn above


@dataclass
class _Tally:
    """What the checked seeds of one problem showed."""

    failures: list[str] = field(default_factory=list)
    questions: set[str] = field(default_factory=set)
    answers: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    hits: list[int] = field(default_factory=list)  # per degenerate case
    checks: int = 0
    good: int = 0
    collided: int = 0
    forms: tuple[str, ...] | None = None


def _tally(run: _Run, topic: Topic, p: Problem) -> _Tally:
    """Every checked seed through the note-making function of `build`; measured as it goes."""
    t = _Tally(hits=[0] * len(p.degenerate))
    for s in run.seeds:
        try:
            with item_limit(p, s, 0):
                made = make_note(run.ctx, topic, p, seed=s, drawing=s - run.seeds.start < run.draw)
                v = made.verified
                assert v is not None
                for k, hit in enumerate(_is_degenerate(p, v.solved.namespace())):
                    t.hits[k] += hit
        except UserError as e:
            t.failures.extend(i.format() for i in e.issues)
            continue
        t.collided += v.solved.draw.collisions
        if t.forms is None and v.spec:
            t.forms = tuple(accepted_form(e) for e in v.spec["answers"])
        t.good += 1
        t.checks += len(v.results)
        t.failures.extend(i.format() for i in note_issues(made.note, p.loc))  # what build and validate refuse
        t.questions.add(made.note.field("Question"))
        t.answers.add(made.note.field("Answer"))
        t.findings += lint_note(made.note, p) + form_mismatch(made.note, p)
    return t


def _check_problem(run: _Run, job: tuple[Topic, Problem]) -> ProblemReport:
    """One problem x all seeds (a worker's unit), then the variants the recipes build, drawn as build draws them."""
    topic, p = job
    t = _tally(run, topic, p)
    for s, slot in run.build_variants if not t.failures else ():
        try:
            make_note(run.ctx, topic, p, seed=s, slots=(slot,))
        except UserError as e:
            t.failures.extend(i.format() for i in e.issues)
    try:
        with item_limit(p, run.seeds.start, 0):
            acceptance, rejects = rejection_shares(p, run.seeds.start)
    except UserError as e:
        t.failures.extend(i.format() for i in e.issues)
        acceptance, rejects = 0.0, (0.0,) * len(p.constraints)
    good = t.good
    degenerate = tuple((ex.text, h / good if good else 0.0) for (ex, _), h in zip(p.degenerate, t.hits, strict=True))
    violations = variety_violations(p, good, len(t.questions), len(t.answers), degenerate) \
        if good == len(run.seeds) else []
    return ProblemReport(
        p.id, topic.id, len(run.seeds), t.checks, acceptance, len(t.answers), tuple(dict.fromkeys(t.failures)),
        len(t.questions), tuple((ex.text, r) for (ex, _), r in zip(p.constraints, rejects, strict=True)),
        degenerate, tuple(lint_item(p) + distinct(t.findings)), tuple(violations), len(p.mistakes), t.collided,
        t.forms or ())


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


ConceptOutcome = tuple[int, tuple[str, ...], tuple[Finding, ...]]


def _check_concept(run: _Run, job: tuple[Topic, Concept]) -> ConceptOutcome:
    """A concept's note as build makes it (identity checks, figure drawn as build draws it) and its lints."""
    topic, c = job
    try:
        made = make_note(run.ctx, topic, c, seed=run.seeds.start)
    except UserError as e:
        return -1, tuple(i.format() for i in e.issues), ()
    hazards = tuple(i.format() for i in note_issues(made.note, c.loc))
    return sum(chk.trials for chk in c.checks), hazards, tuple(lint_note(made.note, c))


def build_variants(project: Project, checked: range) -> list[tuple[int, int]]:
    """The (seed, slot) pairs the shipped recipes build that the checked (and drawn) seeds do not cover."""
    pairs: set[tuple[int, int]] = set()
    for name in available_recipes(project):
        try:
            recipe = load_recipe(project.recipes / f"{name}.yaml")
        except UserError:
            continue  # `validate` reports a broken recipe
        pairs.update((recipe.seed, slot) for slot in range(recipe.variants))
    return sorted(p for p in pairs if not (p[1] == 0 and p[0] in checked))


def run_check(seeds: int = 50, topics: Sequence[str] = (), *, recipe_arg: str | None = None,
              src: Path | None = None, first_seed: int = 1,
              progress_factory: Callable[[int], Progress] | None = None, workers: int | None = None,
              draw_seeds: int = 2, cache: CacheOptions = DEFAULT_CACHE) -> CheckReport:
    """Generate `seeds` variants of every problem; verify, lint and measure them; check concepts.

    Whatever `draw_seeds` says, every figure a build draws is drawn (so check fails where build fails).
    """
    project = find_project(src)
    library = load(project)
    selected = select_topics(library, resolve_recipe(project, recipe_arg)[0]) if recipe_arg is not None \
        else match_topics(library, topics)
    problems = [(t, p) for t in selected for p in t.problems]
    concepts = [(t, c) for t in selected for c in t.concepts]
    progress = progress_factory(len(problems) + len(concepts)) if progress_factory else None
    store = cache.open(project.templates)
    checked = range(first_seed, first_seed + seeds)
    run = _Run(NoteContext(library, project, "check", store.figures() if store is not None else None),
               checked, draw_seeds, tuple(build_variants(project, checked[:draw_seeds])))
    figures = any(i.figure is not None for t in selected for i in items_of(t))
    with Runner(workers=workers or default_workers(), figures=figures) as runner:
        concept_outcomes = runner.map(partial(_check_concept, run), concepts, chunk=8, progress=progress)
        reports = runner.map(partial(_check_problem, run), problems, chunk=1, progress=progress)
    failures = [f for _, fails, _ in concept_outcomes for f in fails]
    findings = [f for _, _, found in concept_outcomes for f in found]
    trials = [n for n, _, _ in concept_outcomes if n > 0]
    return CheckReport(tuple(reports), len(trials), sum(trials), tuple(failures), tuple(distinct(findings)))


def format_check(report: CheckReport, seeds: int, quiet: bool, strict: bool) -> tuple[list[str], list[str], bool]:
    """The check's table (stdout), its failures (stderr), and whether it failed."""
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
