"""Command line: thin typer wrappers over the pipeline functions.

Exit codes: 0 every input was processed; 1 at least one input failed (each failure printed as one
line on stderr and, in JSONL mode, written as a problem record); 2 the command line was wrong.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from narrate import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="German and English market news -> structured, price-checked move events.",
)
_stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        print(f"narrate {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    pass


def _parse_published(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date of the form YYYY-MM-DD") from None


def _report(problem) -> None:
    style = "red" if problem.level == "error" else "yellow"
    _stderr.print(f"narrate: {problem.level}: {problem.message}", style=style, markup=False)


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="Text files to read; '-' reads stdin.")],
    fmt: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional here
        typer.Option(
            "--format",
            "-f",
            help="table, jsonl, csv or parquet. Default: from -o's suffix; else a table on a "
            "terminal and JSONL when piped.",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,  # noqa: UP045
    lang: Annotated[str, typer.Option(help="auto, de or en.")] = "auto",
    published: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Publication date YYYY-MM-DD; overrides a date line in the text."),
    ] = None,
    catalog: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="YAML/CSV file of extra or overriding catalog entries."),
    ] = None,
) -> None:
    """Extract move events from articles."""
    from narrate import sinks
    from narrate.ingest import read_inputs
    from narrate.pipeline import Settings, process

    if lang not in ("auto", "de", "en"):
        raise typer.BadParameter(f"--lang must be auto, de or en, not {lang!r}")
    if fmt is None:
        if output is not None:
            try:
                fmt = sinks.format_for_path(output)
            except ValueError as err:
                raise typer.BadParameter(str(err)) from None
        else:
            fmt = "table" if sys.stdout.isatty() else "jsonl"
    if fmt not in sinks.FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(sinks.FORMATS)}, not {fmt!r}")
    if fmt == "parquet" and output is None:
        raise typer.BadParameter("parquet output needs a file: add -o FILE.parquet")
    settings = Settings(lang=lang, catalog=catalog)
    pub = _parse_published(published)

    events, problems = [], []
    for item in read_inputs(paths, published=pub):
        if not hasattr(item, "text"):  # a Problem: the article could not be read
            problems.append(item)
            _report(item)
            continue
        result = process(item, settings)
        for problem in result.problems:
            _report(problem)
        problems.extend(result.problems)
        events.extend(result.events)

    if output is not None and fmt != "table":
        sinks.write_file(output, fmt, events, problems)
        _stderr.print(f"narrate: wrote {len(events)} events to {output}", style="dim")
    elif fmt == "jsonl":
        sinks.write_jsonl(sys.stdout, events, problems)
    elif fmt == "csv":
        import pyarrow.csv as pacsv

        sink = sys.stdout.buffer
        pacsv.write_csv(sinks.events_table(events), sink)
        sink.flush()
    else:
        sinks.render_table(events, Console())
    if any(p.level == "error" for p in problems):
        raise typer.Exit(1)


def main() -> None:
    app()
if __name__ == "__main__":
    main()
