"""Command line: each command parses its arguments and calls one pipeline function.

Heavy modules (sympy, matplotlib, genanki) are imported inside the commands so
`ankigen --help` stays fast. Errors are caught once, in main().
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from ankigen import __version__
from ankigen.errors import AnkigenError

_state = {"debug": False}


def _progress_factory(quiet: bool) -> Callable[[int], Callable[[int], None]] | None:
    if quiet or not sys.stderr.isatty():
        return None

    def factory(total: int) -> Callable[[int], None]:
        """A rich progress bar that appears only once the work has taken more than a second."""
        start = time.monotonic()
        state: dict[str, Any] = {"done": 0, "bar": None}

        def advance(n: int) -> None:
            state["done"] += n
            bar = state["bar"]
            if bar is None and time.monotonic() - start > 1.0 and state["done"] < total:
                from rich.console import Console  # noqa: PLC0415 (only once a bar is shown)
                from rich.progress import (  # noqa: PLC0415
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TimeRemainingColumn,
                )

                bar = Progress("[progress.description]{task.description}", BarColumn(),
                               MofNCompleteColumn(), TimeRemainingColumn(),
                               console=Console(stderr=True), transient=True)
                bar.start()
                state["task"] = bar.add_task("notes", total=total, completed=state["done"] - n)
                state["bar"] = bar
            if bar is not None:
                bar.advance(state["task"], n)
                if state["done"] >= total:
                    bar.stop()

        return advance

    return factory


src_option = click.option("--src", type=click.Path(path_type=Path, file_okay=False),
                          default=None, help="cards_src folder (default: ./cards_src, else the bundled one)")


jobs_option = click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
                           help="Worker processes (default: one per core).")


def cache_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """`--no-cache` and `--cache-dir`, alike in every command that makes notes."""
    f = click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
                     help="Cache folder (default: $ANKIGEN_CACHE_DIR or ~/.cache/ankigen).")(f)
    return click.option("--no-cache", is_flag=True,
                        help="Recompute every note; do not read or write the cache.")(f)


def selection(params: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    """(recipe, topic globs) from `[RECIPE]` or `--topics GLOB [GLOB...]`.

    click options take one value, so the globs after the first arrive as arguments.
    """
    args: tuple[str, ...] = tuple(params.get("recipe_or_topics") or ())
    topic: str | None = params.get("topic")
    if topic is not None:
        return None, (topic, *args)
    if len(args) > 1:
        raise click.UsageError("give one recipe, or topic globs after --topics")
    return (args[0] if args else None), ()


def deck_selection(f: Callable[..., Any]) -> Callable[..., Any]:
    """`[RECIPE]` or `--topics GLOB [GLOB...]`: the one definition every command with --topics uses.

    The command receives `recipe` and `topics` instead of the raw arguments.
    """

    @functools.wraps(f)
    def command(*args: Any, recipe_or_topics: tuple[str, ...], topic: str | None, **kwargs: Any) -> Any:
        recipe, topics = selection({"recipe_or_topics": recipe_or_topics, "topic": topic})
        return f(*args, recipe=recipe, topics=topics, **kwargs)

    command = click.option("--topics", "topic", default=None, metavar="GLOB",
                           help='Topic glob, e.g. "linear-algebra/*"; more globs may follow.')(command)
    return click.argument("recipe_or_topics", nargs=-1, metavar="[RECIPE]")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ankigen")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def cli(debug: bool) -> None:
    """Build verified, regenerable Anki decks for the mathematics of machine learning."""
    _state["debug"] = debug


@cli.command()
@click.option("--variants", type=click.IntRange(1, 100), default=None, help="Variants per problem.")
@click.option("--seed", type=click.IntRange(0), default=None, help="Seed for the numbers.")
@click.option("-o", "--output", default=None, help="Output .apkg path.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
@jobs_option
@cache_options
@src_option
@deck_selection
def build(recipe: str | None, topics: tuple[str, ...], variants: int | None, seed: int | None,
          output: str | None, quiet: bool, jobs: int | None, no_cache: bool, cache_dir: Path | None,
          src: Path | None) -> None:
    """Build a deck: the default recipe, a recipe file, or --topics GLOB [GLOB...]."""
    from ankigen import pipeline  # noqa: PLC0415 (keeps `ankigen --help` fast)

    result = pipeline.build(recipe, topics, variants=variants, seed=seed, output=output, src=src,
                            progress_factory=_progress_factory(quiet), workers=jobs, use_cache=not no_cache,
                            cache_dir=cache_dir)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not quiet:
        click.echo(f"wrote {result.output}: {result.notes} notes ({result.concepts} concepts, "
                   f"{result.clozes} clozes, {result.problems} problems) in "
                   f"{result.topics} decks, {result.media} figures; {result.cached} from cache")


@cli.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--items", is_flag=True, help="Also list each topic's concept and problem ids.")
@src_option
def list_cmd(as_json: bool, items: bool, src: Path | None) -> None:
    """Show areas and topics with their counts of concepts, clozes, problems and figures."""
    from ankigen import listing  # noqa: PLC0415 (keeps `ankigen --help` fast; no sympy for a listing)

    topics = listing.list_topics(src)
    if as_json:
        rows = [t.__dict__ | {"requires": list(t.requires), "items": list(t.items)} for t in topics]
        click.echo(json.dumps([r if items else {k: v for k, v in r.items() if k != "items"} for r in rows],
                              indent=2))
        return
    area = None
    click.echo(f"{'topic':<44}{'concepts':>9}{'clozes':>8}{'problems':>9}{'figures':>8}")
    for t in sorted(topics, key=lambda t: (t.area, t.id)):
        if t.area != area:
            area = t.area
            click.echo(f"{area}/")
        click.echo(f"  {t.id.split('/', 1)[1]:<42}{t.concepts:>9}{t.clozes:>8}{t.problems:>9}{t.figures:>8}")
        for item_id in t.items if items else ():
            click.echo(f"    - {item_id}")
    totals = [sum(getattr(t, k) for t in topics) for k in ("concepts", "clozes", "problems", "figures")]
    click.echo(f"{'total (' + str(len(topics)) + ' topics)':<44}"
               f"{totals[0]:>9}{totals[1]:>8}{totals[2]:>9}{totals[3]:>8}")


@cli.command()
@src_option
def validate(src: Path | None) -> None:
    """Check every source and recipe; report every error at once."""
    from ankigen import pipeline  # noqa: PLC0415 (keeps `ankigen --help` fast)

    lib = pipeline.validate(src)
    n_items = sum(len(t.concepts) + len(t.problems) for t in lib.topics)
    click.echo(f"ok: {len(lib.topics)} topics, {n_items} items")


@cli.command()
@click.option("--seeds", type=click.IntRange(1, 10_000), default=50, help="Variants per problem.")
@click.option("-q", "--quiet", is_flag=True, help="Only the summary, failures and lint findings.")
@jobs_option
@click.option("--draw", "draw_seeds", type=click.IntRange(0, 10_000), default=2, show_default=True,
              help="Also draw each problem's figure for this many seeds (claims are checked for all; "
                   "the variants the recipes build are always drawn, as build draws them).")
@click.option("--strict", is_flag=True, help="Lint findings fail the check too (exit 2).")
@cache_options
@src_option
@deck_selection
def check(recipe: str | None, topics: tuple[str, ...], seeds: int, quiet: bool, jobs: int | None,
          draw_seeds: int, strict: bool, no_cache: bool, cache_dir: Path | None, src: Path | None) -> None:
    """Generate N variants of every problem (all topics, a recipe's, or --topics GLOB [GLOB...]):
    verify, lint and measure their variety."""
    from ankigen import pipeline  # noqa: PLC0415 (keeps `ankigen --help` fast)
    from ankigen.variety import format_check  # noqa: PLC0415

    report = pipeline.check(seeds, topics, recipe_arg=recipe, src=src, progress_factory=_progress_factory(quiet),
                            workers=jobs, draw_seeds=draw_seeds, use_cache=not no_cache, cache_dir=cache_dir)
    out, err, failed = format_check(report, seeds, quiet, strict)
    for line in out:
        click.echo(line)
    for line in err:
        click.echo(line, err=True)
    if failed:
        sys.exit(2)


@cli.command()
@click.argument("item_id")
@click.option("--seed", type=click.IntRange(0), default=None, help="Build seed (default: the recipe's).")
@click.option("--slot", "slot", type=click.IntRange(0), default=0, help="Variant slot K (also written ID#K).")
@click.option("--recipe", default=None, help="Recipe whose deck names and seed to use.")
@click.option("--figure", "figure_out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the note's figure to this file.")
@click.option("--html", is_flag=True, help="Print the raw HTML fields.")
@src_option
def show(item_id: str, seed: int | None, slot: int, recipe: str | None, figure_out: Path | None,
         html: bool, src: Path | None) -> None:
    """Print exactly the note a build with --seed put in slot K (--slot K or ID#K)."""
    from ankigen import pipeline  # noqa: PLC0415 (keeps `ankigen --help` fast)
    from ankigen.show import format_note, write_figure  # noqa: PLC0415

    if "#" in item_id:
        item_id, _, slot_text = item_id.partition("#")
        if not slot_text.isdigit():
            raise click.UsageError(f"'{item_id}#{slot_text}': the part after # must be a variant number")
        slot = int(slot_text)
    note, media = pipeline.show(item_id, seed=seed, slot=slot, recipe_arg=recipe, src=src)
    click.echo(format_note(note, raw=html))
    if figure_out is not None:
        if media is None:
            raise click.UsageError(f"{item_id} has no figure")
        if not write_figure(media, figure_out):  # never overwrite the user's files
            raise click.UsageError(f"refusing to overwrite {figure_out}: it is not an SVG figure")
        click.echo(f"figure written to {figure_out}")


@cli.command()
@click.option("--variants", type=click.IntRange(1, 100), default=None)
@click.option("--seed", type=click.IntRange(0), default=None)
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("site"), show_default=True, help="Folder for the site.")
@click.option("--mathjax", type=click.Path(path_type=Path), default=None,
              help="Local MathJax 3 (tex-chtml.js from the mathjax npm package); default: CDN.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
@jobs_option
@cache_options
@src_option
@deck_selection
def preview(recipe: str | None, topics: tuple[str, ...], variants: int | None, seed: int | None,
            out_dir: Path, mathjax: Path | None, open_browser: bool, jobs: int | None, no_cache: bool,
            cache_dir: Path | None, src: Path | None) -> None:
    """Write a static HTML preview of exactly the notes a build would produce."""
    from ankigen.preview import preview as run  # noqa: PLC0415 (keeps `ankigen --help` fast)

    result = run(recipe, topics, variants=variants, seed=seed, out_dir=out_dir, src=src, mathjax=mathjax,
                 workers=jobs, use_cache=not no_cache, cache_dir=cache_dir)
    click.echo(f"wrote {result.index} ({result.notes} notes)")
    if open_browser:
        webbrowser.open(result.index.as_uri())


@cli.command()
@click.argument("old", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("new", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.option("--recipe", default=None, help="Without NEW: compare against this recipe's build.")
@click.option("--list", "show_list", is_flag=True, help="List the ids in each group.")
@src_option
def diff(old: Path, new: Path | None, recipe: str | None, show_list: bool, src: Path | None) -> None:
    """What importing NEW (default: the current build) over OLD will do, by Anki's import rule.

    OLD is what your collection holds: an export of it (.colpkg or .apkg) or the package
    you imported last.
    """
    from ankigen import diff as reader  # noqa: PLC0415 (keeps `ankigen --help` fast)

    result = reader.diff(old, new, recipe_arg=recipe, src=src)
    rows = (("new", result.added, "notes Anki will add"),
            ("updated", result.updated, "changed and newer: Anki updates them in place"),
            ("unchanged", result.unchanged, "same content: Anki leaves them untouched"),
            ("skipped", result.skipped, "changed but NOT newer: Anki keeps the old note"),
            ("rewritten", result.rewritten, "same content but newer: Anki rewrites them as they are"),
            ("orphaned", result.orphaned, "no longer built: they stay in your collection"),
            ("edited", result.edited_overwritten + result.edited_kept, "edited in Anki since import"),
            ("moved", result.moved, "deck renamed: Anki leaves their cards in the old deck"),
            ("stale-media", result.stale_media, "figures no note uses after the import"))
    for name, items, meaning in rows:
        click.echo(f"{name:<12}{len(items):>6}   {meaning}")
        if show_list and items and name != "unchanged":
            for item in items:
                click.echo(f"    {item}")
    for line, to_stderr in reader.advice(result):
        click.echo(line, err=to_stderr)


@cli.command(name="clear-cache")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), default=None)
def clear_cache(cache_dir: Path | None) -> None:
    """Delete the build cache."""
    from ankigen.cache import clear  # noqa: PLC0415 (keeps `ankigen --help` fast)

    notes, figures = clear(cache_dir)
    click.echo(f"removed {notes} cached notes and {figures} cached figures")


@cli.command()
def figures() -> None:
    """List figure kinds and their arguments (for authors)."""
    from ankigen.figures import REGISTRY  # noqa: PLC0415 (matplotlib: only for this command)

    for name in sorted(REGISTRY):
        k = REGISTRY[name]
        args = ", ".join(a if a in k.required else f"[{a}]" for a in k.params)
        click.echo(f"{name}({args})\n    {k.title}")


def main(argv: list[str] | None = None) -> Any:
    try:
        cli.main(args=argv, prog_name="ankigen", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted; nothing was written", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(2)
    except AnkigenError as e:
        if _state["debug"]:
            raise
        click.echo(str(e), err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted; nothing was written", err=True)
        sys.exit(130)
    except Exception as e:
        if _state["debug"] or "--debug" in (argv or sys.argv):
            raise
        click.echo(f"internal error: {type(e).__name__}: {e}\n"
                   "this is a bug in ankigen; run again with --debug for a traceback", err=True)
        sys.exit(1)
    return 0


def entry() -> None:
    """Console entry point: run main(), then leave without tearing the interpreter down.

    Unwinding sympy's and matplotlib's module state takes ~0.2 s after a build and does
    nothing useful: every file was already written atomically and the pool shut down.
    """
    try:
        main()
        code = 0
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            code = e.code or 0
        else:
            print(e.code, file=sys.stderr)
            code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader left (ankigen list | head): fine
            pass
        except OSError:
            code = code or 1
    os._exit(code)
