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


def _resolve_format(fmt: str | None, output: Path | None) -> str:
    from narrate import sinks

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
    return fmt


def _load_prices(path: Path, quiet: bool = False):
    from narrate.prices.store import load_prices

    if not path.exists():
        raise typer.BadParameter(f"no such price directory or file: {path}")
    store = load_prices(path, known_symbols=_known_symbols())
    for problem in store.problems:
        if not quiet or problem.level == "error":
            _report(problem)
    if store.frame.empty and not quiet:
        _stderr.print(f"narrate: warning: no price rows found under {path}", style="yellow")
    return store


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _known_symbols() -> list[str]:
    from narrate.catalog import load_catalog

    return [e.symbol for e in load_catalog().entities if e.symbol]


def _emit(table, fmt: str, output: Path | None, problems, articles=()) -> None:
    from narrate import sinks

    if fmt == "table":
        sinks.render_table(table, Console(file=output.open("w") if output else None))
    elif output is not None:
        sinks.write(output, fmt, table, problems, articles)
        _stderr.print(f"narrate: wrote {table.num_rows} rows to {output}", style="dim")
    elif fmt == "jsonl":
        sinks.write(sys.stdout, fmt, table, problems, articles)
    else:
        sinks.write(sys.stdout.buffer, fmt, table, problems)
        sys.stdout.buffer.flush()


FormatOption = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional here
    typer.Option(
        "--format",
        "-f",
        help="table, jsonl, csv or parquet. Default: from -o's suffix; else a table on a "
        "terminal and JSONL when piped.",
    ),
]
OutputOption = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file.")]  # noqa: UP045
PricesOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(help="Directory (or file) of daily price CSV/Parquet files: adds a price check."),
]


ModelOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--model",
        help="Model name (models/registry.yaml), model folder or Hugging Face id. "
        "Default: narrate-e5-fin.",
    ),
]
QuantizeOption = Annotated[
    str, typer.Option(help="int8 (faster on CPU) or none (full float32 weights).")
]


ModelsOption = Annotated[
    Optional[bool],  # noqa: UP045
    typer.Option(
        "--models/--no-models",
        help="Add model sentiment to events (off by default; on when --model is given).",
    ),
]
CatalogOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(help="YAML/CSV file of extra or overriding catalog entries."),
]


def _pipeline_settings(
    lang: str,
    catalog: Path | None,
    models: bool | None,
    model: str | None,
    quantize: str,
    model_threads: int | None = None,
):
    """Settings from the shared pipeline options; with models, checks the model is there.

    A missing model ends the run with one line (exit 1). Only the model's files are resolved
    here; the weights load lazily where articles are processed (once per process).
    """
    from narrate.pipeline import Settings

    use_models = models if models is not None else model is not None
    settings = Settings(
        lang=lang,
        catalog=catalog,
        models=use_models,
        model=model,
        quantize=_check_quantize(quantize),
        model_threads=model_threads,
    )
    if use_models:
        _model_or_exit(lambda: _shared_models(settings))  # a missing model: one line, exit 1
    return settings


def _check_quantize(value: str) -> str:
    if value not in ("none", "int8"):
        raise typer.BadParameter(f"--quantize must be none or int8, not {value!r}")
    return value


def _shared_models(settings):
    from narrate.models.registry import shared_models

    return shared_models(settings.model, settings.quantize, settings.model_threads)


def _model_or_exit(call):
    """Run `call`; a model that is missing or fails its checks ends the run with one line."""
    from narrate.models.base import ModelError

    try:
        return call()
    except ModelError as err:
        _stderr.print(f"narrate: error: {err}", style="red", markup=False)
        raise typer.Exit(1) from None


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="Text files to read; '-' reads stdin.")],
    fmt: FormatOption = None,
    output: OutputOption = None,
    lang: Annotated[str, typer.Option(help="auto, de or en.")] = "auto",
    published: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Publication date YYYY-MM-DD; overrides a date line in the text."),
    ] = None,
    catalog: CatalogOption = None,
    prices: PricesOption = None,
    models: ModelsOption = None,
    model: ModelOption = None,
    quantize: QuantizeOption = "int8",
) -> None:
    """Extract move events from articles (and check them against prices with --prices)."""
    from narrate import sinks
    from narrate.ingest import read_inputs
    from narrate.pipeline import process

    if lang not in ("auto", "de", "en"):
        raise typer.BadParameter(f"--lang must be auto, de or en, not {lang!r}")
    fmt = _resolve_format(fmt, output)
    settings = _pipeline_settings(lang, catalog, models, model, quantize)
    pub = _parse_published(published)
    store = _load_prices(prices) if prices is not None else None

    events, problems, articles = [], [], []
    for item in read_inputs(paths, published=pub):
        if not hasattr(item, "text"):  # a Problem: the article could not be read
            problems.append(item)
            _report(item)
            continue
        result = _model_or_exit(lambda item=item: process(item, settings))
        for problem in result.problems:
            _report(problem)
        problems.extend(result.problems)
        events.extend(result.events)
        # Article records carry the document sentiment (with models) and the names left
        # unlinked; without models only articles with an unlinked name get one.
        if (settings.models or result.unlinked) and not result.problems:
            articles.append(
                {
                    "article_id": item.id,
                    "source": item.source,
                    "lang": result.lang,
                    "doc_sentiment_label": result.doc_sentiment_label,
                    "doc_sentiment_score": result.doc_sentiment_score,
                    "unlinked": [u.model_dump(mode="json") for u in result.unlinked],
                }
            )

    verifications = None
    if store is not None:
        from narrate.catalog import load_catalog
        from narrate.verify import verify_frame

        cat = load_catalog(catalog)
        frame = sinks.events_table(events).to_pandas()
        verifications = verify_frame(frame, store, lambda i: cat.get(i) if i in cat else None)
    _emit(sinks.events_table(events, verifications), fmt, output, problems, articles)
    if any(p.level == "error" for p in problems):
        raise typer.Exit(1)


@app.command()
def verify(
    events_file: Annotated[
        Path, typer.Argument(help="A saved event table: .jsonl, .csv or .parquet.")
    ],
    prices: Annotated[
        Path, typer.Option(help="Directory (or file) of daily price CSV/Parquet files.")
    ],
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Re-check a saved event table against prices, without re-running NLP."""
    from narrate import sinks
    from narrate.catalog import load_catalog
    from narrate.verify import verify_frame

    fmt = _resolve_format(fmt, output)
    frame, problems = sinks.read_events(events_file)
    for problem in problems:
        _report(problem)
    if frame.empty and any(p.level == "error" for p in problems):
        raise typer.Exit(1)
    store = _load_prices(prices)
    cat = load_catalog()
    checked = verify_frame(frame, store, lambda i: cat.get(i) if i in cat else None)
    keep = [c for c in frame.columns if c not in checked.columns or c == "event_id"]
    _emit(sinks.with_verifications(frame[keep], checked), fmt, output, problems)
    if any(p.level == "error" for p in problems):
        raise typer.Exit(1)


@app.command()
def sentiment(
    file: Annotated[
        str, typer.Argument(help="File with one sentence or headline per line; '-' reads stdin.")
    ] = "-",
    target: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="The entity to score; default: the first catalog entity in the line."),
    ] = None,
    lang: Annotated[str, typer.Option(help="auto, de or en.")] = "auto",
    model: ModelOption = None,
    quantize: QuantizeOption = "int8",
) -> None:
    """Sentiment of each line towards an entity: one JSON line out per non-empty line in.

    Fields: text, lang, target (null: no entity found, the whole line was scored),
    label (negative, neutral or positive) and score (the label's probability).
    """
    import json

    from narrate.models.registry import load_sentiment
    from narrate.sentiment import score_lines

    if lang not in ("auto", "de", "en"):
        raise typer.BadParameter(f"--lang must be auto, de or en, not {lang!r}")
    scorer = _model_or_exit(lambda: load_sentiment(model, quantize=_check_quantize(quantize)))
    if file == "-":
        stream = sys.stdin
    else:
        path = Path(file)
        if not path.is_file():
            raise typer.BadParameter(f"no such file: {file}")
        stream = path.open(encoding="utf-8", errors="replace")

    def emit() -> None:
        with stream:
            for result in score_lines(stream, scorer, target=target, lang=lang):
                print(json.dumps(result.model_dump(), ensure_ascii=False), flush=True)

    _model_or_exit(emit)  # the model loads with the first lines: its errors end the run here


@app.command()
def batch(
    inputs: Annotated[
        list[str], typer.Argument(help="Files, directories or archives of articles.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Output folder (a Parquet dataset).")
    ],
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (1: no pool).")] = 1,
    engine: Annotated[str, typer.Option(help="local or dask.")] = "local",
    scheduler: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="dask scheduler address (with --engine dask), e.g. tcp://host:8786."),
    ] = None,
    prices: PricesOption = None,
    glob: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Only files in directories whose name matches this pattern."),
    ] = None,
    field: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Map a record column onto an article field, e.g. text=body."),
    ] = None,
    chunk_size: Annotated[
        int, typer.Option(min=1, help="Articles per chunk (the unit of work and of resume).")
    ] = 200,
    published: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Publication date YYYY-MM-DD for every article."),
    ] = None,
    lang: Annotated[str, typer.Option(help="auto, de or en.")] = "auto",
    catalog: CatalogOption = None,
    models: ModelsOption = None,
    model: ModelOption = None,
    quantize: QuantizeOption = "int8",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    log_format: Annotated[
        str, typer.Option(help="text, or json: one JSON line per committed chunk on stdout.")
    ] = "text",
) -> None:
    """Process many articles in parallel into a resumable Parquet dataset.

    Exit codes: 0 the run completed (article errors are in the errors/ table), 1 a set-up error,
    2 a wrong command line.
    """
    import json
    import os
    import time

    from narrate.batch import OutputError, run_batch
    from narrate.models.base import ModelError

    if lang not in ("auto", "de", "en"):
        raise typer.BadParameter(f"--lang must be auto, de or en, not {lang!r}")
    if engine not in ("local", "dask"):
        raise typer.BadParameter(f"--engine must be local or dask, not {engine!r}")
    if engine == "dask" and not scheduler:
        raise typer.BadParameter("--engine dask needs --scheduler ADDRESS")
    if log_format not in ("text", "json"):
        raise typer.BadParameter(f"--log-format must be text or json, not {log_format!r}")
    fields = {}
    for item in field or []:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise typer.BadParameter(f"--field takes NAME=COLUMN (e.g. text=body), not {item!r}")
        fields[key] = value
    pub = _parse_published(published)
    # Local workers share the cores: one torch thread pool each of (cores / workers) threads,
    # not one of all cores per worker (which oversubscribes the machine).
    threads = None
    if engine == "local" and workers > 1:
        threads = max(1, (os.cpu_count() or 1) // workers)
    settings = _pipeline_settings(lang, catalog, models, model, quantize, model_threads=threads)
    if prices is not None and not prices.exists():
        _stderr.print(f"narrate: error: no such price directory or file: {prices}", style="red")
        raise typer.Exit(1)
    store = _load_prices(prices, quiet) if prices is not None else None
    show_bar = not quiet and log_format == "text" and _stderr.is_terminal
    progress = None
    task = None
    if show_bar:
        import threading

        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from narrate.sources import estimate_count

        progress = Progress(
            SpinnerColumn(),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("articles, {task.fields[rate]:.1f}/s, {task.fields[events]} events"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=_stderr,
            transient=True,
        )
        task = progress.add_task("batch", total=None, rate=0.0, events=0)

        def count_inputs() -> None:  # a bar without a total shows no ETA until this is done
            total = estimate_count(inputs, glob)
            if total is not None:
                progress.update(task, total=total)

        threading.Thread(target=count_inputs, daemon=True).start()
    started = time.monotonic()

    def on_chunk(report, summary) -> None:
        elapsed = time.monotonic() - started
        if progress is not None:
            rate = summary.articles / elapsed if elapsed else 0.0
            done = summary.articles + summary.already_done
            progress.update(task, completed=done, rate=rate, events=summary.events)
        if log_format == "json" and not quiet:
            line = {
                "chunk": report.seq,
                "articles": report.articles,
                "events": report.events,
                "errors": report.errors,
                "elapsed_s": round(elapsed, 3),
                # this process's peak so far (with --workers 1, the whole run's)
                "peak_rss_mib": round(_peak_rss_mib()),
            }
            print(json.dumps(line), flush=True)

    try:
        if progress is not None:
            progress.start()
        try:
            summary = run_batch(
                inputs,
                output,
                settings=settings,
                workers=workers,
                engine=engine,
                scheduler=scheduler,
                prices=store,
                glob=glob,
                fields=fields or None,
                published=pub,
                chunk_size=chunk_size,
                on_chunk=on_chunk,
            )
        finally:
            if progress is not None:
                progress.stop()
    except (OutputError, ModelError) as err:  # ModelError: the model failed to load
        _stderr.print(f"narrate: error: {err}", style="red", markup=False)
        raise typer.Exit(1) from None
    except OSError as err:  # the dask scheduler could not be reached
        _stderr.print(f"narrate: error: {err}", style="red", markup=False)
        raise typer.Exit(1) from None
    if quiet:
        return
    if log_format == "json":
        final = {
            "summary": True,
            "ok": summary.ok,
            "skipped": summary.skipped,
            "error": summary.errors,
            "events": summary.events,
            "chunks": summary.chunks,
            "already_done": summary.already_done,
            "elapsed_s": round(summary.elapsed_s, 3),
            "output": str(output),
        }
        print(json.dumps(final), flush=True)
        return
    if summary.chunks == 0 and summary.already_done:
        _stderr.print(
            f"narrate: nothing to do: all {summary.already_done} inputs are already in {output}"
        )
        return
    _stderr.print(
        f"narrate: {summary.ok} ok, {summary.skipped} skipped, {summary.errors} error(s); "
        f"{summary.events} events in {summary.elapsed_s:.1f}s -> {output}",
        markup=False,
    )


eval_app = typer.Typer(
    no_args_is_help=True, help="Measure narrate on held-out data in ../shared/data."
)
app.add_typer(eval_app, name="eval")
SharedOption = Annotated[
    Path, typer.Option(help="The shared/ folder with data/ (third-party evaluation data).")
]
_DEFAULT_SHARED = Path("../shared")


def _shared_or_exit(shared: Path) -> None:
    if not (shared / "data").is_dir():
        _stderr.print(f"narrate: error: {shared / 'data'} not found (pass --shared)", style="red")
        raise typer.Exit(1)


def _model_dir(model: str | None) -> Path:
    from narrate.models.base import ModelError
    from narrate.models.registry import resolve, verify

    try:
        ref = resolve(model)
        if ref.path is None:
            raise ModelError(f"{ref.name}: evaluation needs a local model folder, not a hub id")
        verify(ref)
    except ModelError as err:
        _stderr.print(f"narrate: error: {err}", style="red", markup=False)
        raise typer.Exit(1) from None
    return ref.path


@eval_app.command("sentiment")
def eval_sentiment(
    shared: SharedOption = _DEFAULT_SHARED,
    model: Annotated[Optional[str], typer.Option(help="Registry name or folder.")] = None,  # noqa: UP045
    quantize: QuantizeOption = "int8",
) -> None:
    """Target sentiment on the held-out test splits: SEntFiN, FinEntity, GerNTSA."""
    import json

    from narrate.models.training import evaluate_lexicon_sentiment, evaluate_sentiment

    _shared_or_exit(shared)
    folder = _model_dir(model)
    for dataset in ("sentfin", "finentity", "gerntsa"):
        got = evaluate_sentiment(folder, shared, dataset, quantize=_check_quantize(quantize))
        base = evaluate_lexicon_sentiment(shared, dataset)
        row = {
            "dataset": dataset,
            "quantize": quantize,
            "n": got["n"],
            "accuracy": round(got["accuracy"], 4),
            "macro_f1": round(got["macro_f1"], 4),
            "micro_f1": round(got["micro_f1"], 4),
            "lexicon_accuracy": round(base["accuracy"], 4),
            "lexicon_macro_f1": round(base["macro_f1"], 4),
        }
        vader = evaluate_lexicon_sentiment(shared, dataset, backend="vader")
        if vader is not None:
            row["vader_accuracy"] = round(vader["accuracy"], 4)
            row["vader_macro_f1"] = round(vader["macro_f1"], 4)
        print(json.dumps(row))


@eval_app.command("ner")
def eval_ner(
    shared: SharedOption = _DEFAULT_SHARED,
    model: Annotated[Optional[str], typer.Option(help="Registry name or folder.")] = None,  # noqa: UP045
    quantize: QuantizeOption = "int8",
) -> None:
    """Entity-level NER on the held-out test splits: GermEval 2014 (test part A), FinEntity."""
    import json

    from narrate.models.training import evaluate_ner

    _shared_or_exit(shared)
    folder = _model_dir(model)
    for dataset in ("germeval", "finentity"):
        got = evaluate_ner(folder, shared, dataset, quantize=_check_quantize(quantize))
        print(json.dumps({"dataset": dataset, "quantize": quantize, **_round(got)}))


@eval_app.command("moves")
def eval_moves(
    shared: SharedOption = _DEFAULT_SHARED,
    lang: Annotated[
        Optional[list[str]], typer.Option(help="de and/or en (default both).")  # noqa: UP045
    ] = None,
    errors: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Write every miss and false alarm to this JSONL file."),
    ] = None,
) -> None:
    """Move events against the hand-annotated gold corpus (corpus/gold): P, R, F1 per language
    and split (dev: the documents the rules were tuned on; test: held out)."""
    import json

    from narrate.evaluation import evaluate_moves

    _shared_or_exit(shared)
    langs = tuple(lang or ("de", "en"))
    if set(langs) - {"de", "en"}:
        raise typer.BadParameter(f"--lang takes de or en, not {', '.join(langs)}")
    try:
        scores = evaluate_moves(shared, langs)
    except (OSError, ValueError) as err:  # a gold file or a shared data file missing or broken
        _stderr.print(f"narrate: error: {err}", style="red", markup=False)
        raise typer.Exit(1) from None
    for score in scores:
        matched = score.matched or 1
        row = {
            "lang": score.lang,
            "split": score.split,
            "documents": score.documents,
            "gold": score.gold,
            "predicted": score.predicted,
            "matched": score.matched,
            "precision": score.precision,
            "recall": score.recall,
            "f1": score.f1,
            "qualifier_accuracy": score.qualifier_agree / matched,
            "ref_date_accuracy": score.ref_date_agree / matched,
            "strict_f1": score.strict_f1,
        }
        print(json.dumps(_round(row)))
    if errors is not None:
        with errors.open("w", encoding="utf-8") as fh:
            for score in scores:
                for kind, rows in (("miss", score.misses), ("false_alarm", score.false_alarms)):
                    for row in rows:
                        record = {"lang": score.lang, "split": score.split, "error": kind, **row}
                        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        _stderr.print(f"narrate: wrote the misses and false alarms to {errors}", style="dim")


# How many unlinked entities on no gold name `eval entities --models` prints (--errors: all).
UNLINKED_SAMPLE = 12


@eval_app.command("entities")
def eval_entities(
    shared: SharedOption = _DEFAULT_SHARED,
    errors: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Write every missed mention and wrong link to this JSONL file."),
    ] = None,
    models: Annotated[
        bool,
        typer.Option(
            "--models/--no-models",
            help="Also score the names the catalog does not know (NER, unlinked entities).",
        ),
    ] = False,
    model: Annotated[Optional[str], typer.Option(help="Registry name or folder.")] = None,  # noqa: UP045
    quantize: QuantizeOption = "int8",
) -> None:
    """Entity linking: alias-matcher recall on FinEntity spans with a Reuters code of a catalog
    company and on SEntFiN names mapped in corpus/gold/entities_sentfin.yaml; linking precision
    of move events on the gold corpus (all splits) per language. With --models: recall of the
    unlinked entities on gold names the catalog does not link (FinEntity and GermEval ORG, the
    model's held-out test splits), how many were emitted, the share on a gold name, and a
    sample of those on none."""
    import json

    from narrate.evaluation import evaluate_entities, evaluate_unlinked

    _shared_or_exit(shared)
    if models:
        _check_quantize(quantize)
        _model_dir(model)  # a missing or damaged model: one line, exit 1, before any work
    unlinked = []
    try:
        result = evaluate_entities(shared)
        if models:
            unlinked = evaluate_unlinked(shared, quantize=quantize, model=model)
    except (OSError, ValueError) as err:  # a gold file or a shared data file missing or broken
        _stderr.print(f"narrate: error: {err}", style="red", markup=False)
        raise typer.Exit(1) from None
    for score in result.recall:
        row = {
            "dataset": score.dataset,
            "measure": "recall",
            "spans": score.spans,
            "with_code" if score.dataset == "finentity" else "in_gold_names": score.with_code,
            "expected": score.expected,
            "linked": score.linked,
            "recall": score.recall,
            "company_expected": score.company_expected,
            "company_recall": score.company_recall,
        }
        print(json.dumps(_round(row)))
    for link in result.linking:
        row = {
            "dataset": "gold",
            "measure": "linking_precision",
            "lang": link.lang,
            "compared": link.compared,
            "same_entity": link.same_entity,
            "precision": link.precision,
        }
        print(json.dumps(_round(row)))
    for score in unlinked:
        row = {
            "dataset": score.dataset,
            "measure": "unlinked_recall",
            "lang": score.lang,
            "quantize": quantize,
            "documents": score.documents,
            "gold": score.gold,
            "not_linked": score.not_linked,
            "covered": score.covered,
            "by_code": score.coded,
            "recall": score.recall,
            "emitted": score.emitted,
            "on_gold": score.on_gold,
            "on_gold_share": score.precision_floor,
        }
        print(json.dumps(_round(row)))
        for off in score.off_gold[:UNLINKED_SAMPLE]:
            row = {"dataset": score.dataset, "measure": "unlinked_off_gold", **off}
            print(json.dumps(_round(row), ensure_ascii=False))
    if errors is not None:
        with errors.open("w", encoding="utf-8") as fh:
            for score in result.recall:
                for row in score.misses:
                    record = {"dataset": score.dataset, "error": "miss", **row}
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            for link in result.linking:
                for row in link.wrong_links:
                    record = {"dataset": "gold", "lang": link.lang, "error": "wrong_link", **row}
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            for score in unlinked:
                for row in score.off_gold:
                    record = {"dataset": score.dataset, "error": "unlinked_off_gold", **row}
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        _stderr.print(f"narrate: wrote the misses and wrong links to {errors}", style="dim")


def _round(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def main() -> None:
    app()


if __name__ == "__main__":
    main()
