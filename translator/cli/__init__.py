"""The ``translate`` command: parses options, calls the pipeline, maps errors to exit codes."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import ExitCode, TranslatorError
from ..glossary.entries import Entry, Glossary, default_glossary_path, load_csv, write_csv
from ..progress_bar import RichProgress
from ..settings import load_settings

if TYPE_CHECKING:
    from ..jobs import JobSpec
    from ..pipeline import RunResult
from .options import settings_from, settings_options
from .service import batch_command, watch_command
from .workers import status_command, submit_command, worker_command


class PaperGroup(click.Group):
    """``translate PAPER …`` runs the ``run`` command; ``translate glossary …`` manages glossaries."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``translate --help`` shows the options of ``translate PAPER`` too, not only the commands."""
        super().format_help(ctx, formatter)
        command = self.commands["run"]
        run_ctx = click.Context(command, info_name="translate PAPER")
        with formatter.section("Options of translate PAPER"):
            formatter.write_dl(
                [r for p in command.get_params(run_ctx) if (r := p.get_help_record(run_ctx)) is not None]
            )


@click.group(cls=PaperGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Translate a scientific paper into bilingual Markdown, HTML and JSON.

    \b
    translate PAPER [OPTIONS]          translate a PDF or GROBID TEI (see: translate run --help)
    translate notes PAPER [OPTIONS]    write bilingual reading notes, every point traceable to the paper
    translate batch INBOX [--out DIR]  translate every PDF in a folder, several at a time
    translate watch INBOX [--out DIR]  translate every PDF dropped into a folder, as a service
    translate worker --broker URL      translate papers from a queue shared by many machines
    translate submit PATHS --broker URL   queue papers for the workers, follow them, write outputs
    translate status --broker URL      list the jobs of the workers' queue
    translate glossary COMMAND         manage your default glossary per language
    """


def paper_command(command: Callable[..., Any]) -> Callable[..., Any]:
    """The arguments and options of the commands that take one PAPER (run, notes)."""
    command = click.option(
        "--json", "as_json", is_flag=True, help="With --dry-run: print the estimate as JSON."
    )(command)
    command = click.option(
        "--dry-run",
        is_flag=True,
        help="Parse and plan; print requests, tokens and cost; call no API, write nothing.",
    )(command)
    command = click.option(
        "--force",
        is_flag=True,
        help="Run even when the outputs are up to date (made from this PDF with these settings).",
    )(command)
    command = settings_options(command)
    command = click.option(
        "--tei",
        type=click.Path(path_type=Path),
        help="Start from this GROBID TEI instead of parsing the PDF.",
    )(command)
    command = click.option(
        "-o",
        "--out",
        "out_dir",
        type=click.Path(path_type=Path),
        help="Output folder (default: beside PAPER).",
    )(command)
    return click.argument("input_path", metavar="PAPER", type=click.Path(path_type=Path))(command)


@main.command("run", context_settings={"help_option_names": ["-h", "--help"]})
@paper_command
def run_command(**options: Any) -> None:
    """Translate a scientific paper (PDF or GROBID TEI) into bilingual Markdown, HTML and JSON.

    \b
    Exit codes: 0 done · 2 bad input or settings · 3 GROBID unreachable · 4 GROBID
    cannot parse the PDF · 5 API key refused or no quota · 6 some segments left
    untranslated (outputs written, marked) · 7 API unreachable · 8 outputs cannot
    be written (folder, disk full) · 9 a spend cap stopped the run (outputs written,
    marked; rerun with a higher cap to continue) · 130 interrupted (rerun to continue).
    """
    _run(options)


@main.command("notes", context_settings={"help_option_names": ["-h", "--help"]})
@paper_command
def notes_command(**options: Any) -> None:
    """Write the reading notes of a paper: <stem>.<lang>.notes.md, .notes.html and .notes.json.

    \b
    A summary (background, past methods, the method and its steps, results with the
    paper's numbers, limitations), then each section's key points, formulas and
    figures, and a term table; English terms in bold beside their translations.
    Every point cites the paragraphs it rests on and is checked against them (the
    ids exist, its numbers are there, its bold terms are in the paper); a point that
    fails is asked once more, then dropped (--keep-unverified: shown, marked).
    Only the title, headings and captions are translated; after a translation of
    the same paper, only the note requests are paid for.
    """
    _run({**options, "notes_only": True})


def _run(options: dict[str, Any]) -> None:
    """One paper: its dry run, or its run and closing lines. ``options`` are the command's;
    those that steer the command are taken out, the rest are settings."""
    from ..jobs import JobSpec, fresh  # the pipeline loads only when there is work to do

    input_path, out_dir, tei = options.pop("input_path"), options.pop("out_dir"), options.pop("tei")
    config_file, price = options.pop("config_file"), options.pop("price")
    dry_run, as_json, force = options.pop("dry_run"), options.pop("as_json"), options.pop("force")
    verbose, quiet = options.pop("verbose"), options.pop("quiet")
    console = Console(stderr=True, quiet=quiet)
    progress = RichProgress(console, enabled=not quiet)
    # SIGTERM (a service manager, `kill`) stops a run as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        settings = settings_from(options, price, config_file)
        spec = JobSpec(input_path, settings, out_dir, tei)
        if dry_run:
            _dry_run(spec, progress, as_json)
            return
        done = None if force else fresh.up_to_date(spec)
        if done is not None:
            _up_to_date(console, spec.output_folder, done)
            return
        from ..jobs import build_job

        result = build_job(spec, progress=progress).run()
    except TranslatorError as exc:
        progress.stop()
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        if quiet:
            click.echo(f"error: {exc}", err=True)
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        progress.stop()
        click.echo("interrupted: translations received so far are cached; rerun to continue", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    progress.stop()
    _closing(console, result, verbose)


def _dry_run(spec: JobSpec, progress: RichProgress, as_json: bool) -> None:
    """Parse and plan as a run would, then print what it would cost. Writes nothing."""
    from ..jobs import build_job

    input_path, settings = spec.input_path, spec.settings
    estimate = build_job(spec, progress=progress).estimate()
    if as_json:
        click.echo(json.dumps(estimate, indent=2))
        return
    table = Table(
        title=f"Dry run: {input_path.name} → {settings.lang} with {settings.engine.model}", show_header=False
    )
    table.add_column(style="bold")
    table.add_column(justify="right")
    units, cached = estimate["units"], estimate["cached_units"]
    cost = estimate["cost_estimate"]
    rows = [
        ("pages", "—" if estimate["pages"] is None else str(estimate["pages"])),
        ("segments", str(estimate["segments"])),
        ("already translated (cache)", f"{cached} of {units} pieces ({cached / max(1, units):.0%})"),
        ("glossary", f"{estimate['glossary_terms']} terms, {estimate['glossary_requests']} term request(s)"),
        ("requests", str(estimate["requests"])),
        *([("of which note requests", str(estimate["note_requests"]))] if estimate["note_requests"] else []),
        ("prompt tokens", f"{estimate['prompt_tokens']:,}"),
        ("completion tokens (guess)", f"{estimate['completion_tokens_estimate']:,}"),
        ("cost", "pass --price IN,OUT to see it" if cost is None else f"{cost:.4f}"),
    ]
    if estimate["over_caps"] is not None:
        over = estimate["over_caps"]
        rows.append(("spend caps", f"over: {', '.join(over)}" if over else "within"))
    for name, value in rows:
        table.add_row(name, value)
    Console().print(table)


def _up_to_date(console: Console, folder: Path, record: dict[str, Any]) -> None:
    """The earlier run's summary, and its outputs, which this run would write again."""
    console.print(record.get("summary", ""), highlight=False, soft_wrap=True)
    names = [name for name in record["outputs"] if "/" not in name]
    console.print(
        f"up to date: {', '.join(names)} in {folder} were made from this paper with these settings; "
        "nothing to do (--force runs again)",
        highlight=False,
        soft_wrap=True,
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _closing(console: Console, result: RunResult, verbose: bool) -> None:
    """The summary, the files written, and the one line that explains a non-zero exit
    (printed even with -q)."""
    report = result.report
    if verbose:
        console.print_json(json.dumps(report, ensure_ascii=False))
    console.print(report["summary"], highlight=False, soft_wrap=True)
    for path in result.outputs:
        console.print(f"wrote {path}", highlight=False, soft_wrap=True)
    if result.stats.stopped_by:
        click.echo(
            f"stopped: {result.stats.stopped_by}; {report['pending']} segment(s) not translated yet (marked "
            "in the outputs); everything received is cached: rerun with a higher cap to continue",
            err=True,
        )
        sys.exit(int(ExitCode.SPEND_CAP))
    if result.interrupted:
        click.echo(
            f"interrupted: {report['pending']} segment(s) not translated yet (marked in the outputs); "
            "everything received is cached: rerun the same command to continue where it stopped",
            err=True,
        )
        sys.exit(int(ExitCode.INTERRUPTED))
    if result.failed:
        if result.stats.gave_up:
            click.echo(f"warning: {result.stats.gave_up}", err=True)
        click.echo(
            f"warning: {len(result.failed)} segment(s) kept their original text (marked in the outputs, "
            "listed in the JSON report); rerun to retry only those",
            err=True,
        )
        sys.exit(int(ExitCode.PARTIAL))


@main.group("glossary")
def glossary_group() -> None:
    """Your default glossary per target language, loaded by every run."""


def _glossary_file(lang: str | None) -> tuple[Path, str]:
    settings = load_settings({"lang": lang})
    return default_glossary_path(settings.storage.config_dir, settings.lang), settings.lang


def _load(path: Path) -> Glossary:
    return Glossary(load_csv(path)) if path.is_file() else Glossary()


def _guard(action: Any) -> Any:
    try:
        return action()
    except TranslatorError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(int(exc.exit_code))


LANG_OPTION = click.option("-l", "--lang", help="Target language of the glossary. Default: zh.")


@glossary_group.command("list")
@LANG_OPTION
def glossary_list(lang: str | None) -> None:
    """Print the entries (source, target, note) as CSV."""
    path, _ = _guard(lambda: _glossary_file(lang))
    for entry in _guard(lambda: _load(path)):
        click.echo(f"{entry.source},{entry.target},{entry.note}")


@glossary_group.command("add")
@click.argument("source")
@click.argument("target", default="")
@click.option("--note", default="", help="A note for yourself.")
@LANG_OPTION
def glossary_add(source: str, target: str, note: str, lang: str | None) -> None:
    """Add or replace SOURCE → TARGET (no TARGET: keep SOURCE untranslated)."""
    path, code = _guard(lambda: _glossary_file(lang))
    glossary = _guard(lambda: _load(path))
    glossary.add(Entry(source, target, note))
    write_csv(path, glossary)
    click.echo(f"{source} → {target or '(keep)'} in {path} ({len(glossary)} entries for {code})")


@glossary_group.command("remove")
@click.argument("source")
@LANG_OPTION
def glossary_remove(source: str, lang: str | None) -> None:
    """Remove the entry for SOURCE."""
    path, _ = _guard(lambda: _glossary_file(lang))
    glossary = _guard(lambda: _load(path))
    if not glossary.remove(source):
        click.echo(f"error: no entry for {source!r} in {path}", err=True)
        sys.exit(int(ExitCode.BAD_INPUT))
    write_csv(path, glossary)


@glossary_group.command("import")
@click.argument("csv_file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@LANG_OPTION
def glossary_import(csv_file: Path, lang: str | None) -> None:
    """Merge a CSV (e.g. a paper's .glossary.csv after you edited it); its entries win."""
    path, code = _guard(lambda: _glossary_file(lang))
    glossary = _guard(lambda: _load(path))
    before = len(glossary)
    for entry in _guard(lambda: load_csv(csv_file)):
        glossary.add(Entry(entry.source, entry.target, entry.note.removeprefix("auto").lstrip(": ")))
    write_csv(path, glossary)
    click.echo(f"imported {csv_file}: {len(glossary) - before} new, {len(glossary)} entries for {code}")


@glossary_group.command("export")
@click.argument("csv_file", type=click.Path(path_type=Path, dir_okay=False))
@LANG_OPTION
def glossary_export(csv_file: Path, lang: str | None) -> None:
    """Write the default glossary to CSV_FILE."""
    path, _ = _guard(lambda: _glossary_file(lang))
    glossary = _guard(lambda: _load(path))
    write_csv(csv_file, glossary)
    click.echo(f"wrote {len(glossary)} entries to {csv_file}")


main.add_command(batch_command)
main.add_command(watch_command)
main.add_command(worker_command)
main.add_command(submit_command)
main.add_command(status_command)

if __name__ == "__main__":
    main()
