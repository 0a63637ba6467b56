"""Parallel, resumable batch runs: inputs -> chunks -> workers -> committed Parquet chunks.

The parent streams candidates from narrate.sources.iter_articles, cuts them into chunks in input
order, and hands each chunk to an engine (in-process, a process pool, or a dask cluster). At most
a few chunks are in flight, so memory stays flat however large the input. Results are committed
strictly in chunk order, which keeps committed chunks a prefix of the input: a restarted run
skips exactly the sources named by the manifests.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa

from narrate.batch.store import (
    ARTICLES_SCHEMA,
    ERRORS_SCHEMA,
    UNLINKED_SCHEMA,
    BatchStore,
    chunk_name,
)
from narrate.models.base import ModelError
from narrate.pipeline import ArticleResult, Settings, process
from narrate.records import Article, Problem
from narrate.sinks import EVENT_SCHEMA


@dataclass(frozen=True)
class Candidate:
    """One input item: an Article (with the warnings read before it) or an error Problem."""

    item: Article | Problem | None
    warnings: tuple[Problem, ...] = ()
    duplicate_of: str | None = None  # source of the first article with the same id

    @property
    def source(self) -> str:
        if self.item is not None:
            return self.item.source
        return self.warnings[0].source

    @property
    def article_id(self) -> str | None:
        return self.item.id if isinstance(self.item, Article) else None


@dataclass(frozen=True)
class ChunkReport:
    """What one committed chunk held; handed to the progress callback."""

    seq: int
    articles: int
    ok: int
    skipped: int
    errors: int
    events: int
    problems: int


@dataclass
class BatchSummary:
    outdir: Path
    ok: int = 0
    skipped: int = 0
    errors: int = 0
    events: int = 0
    chunks: int = 0
    resumed_chunks: int = 0
    already_done: int = 0  # candidates committed by an earlier run
    elapsed_s: float = 0.0

    @property
    def articles(self) -> int:
        return self.ok + self.skipped + self.errors


def _problem_row(problem: Problem) -> dict:
    return problem.model_dump(include=set(ERRORS_SCHEMA.names))


def _article_row(article: Article | None, **values) -> dict:
    row = dict.fromkeys(ARTICLES_SCHEMA.names)
    if article is not None:
        row.update(
            article_id=article.id,
            source=article.source,
            title=article.title,
            published=article.published,
        )
    row.update(values)
    return row


def process_chunk(candidates: Sequence[Candidate], settings: Settings) -> dict[str, list[dict]]:
    """Run the pipeline on one chunk; plain rows out (events, articles, errors, unlinked), input
    order.

    A module-level function of picklable arguments, so a process pool or a dask worker can run it.
    A model error (missing, damaged) is raised, not recorded: it would fail every article.
    """
    events: list[dict] = []
    articles: list[dict] = []
    errors: list[dict] = []
    unlinked: list[dict] = []
    for cand in candidates:
        errors.extend(_problem_row(w) for w in cand.warnings)
        item = cand.item
        if item is None:  # warnings with no article after them: they are all there is
            continue
        if isinstance(item, Problem):
            errors.append(_problem_row(item))
            articles.append(
                _article_row(
                    None,
                    source=item.source,
                    status="error",
                    reason=item.code,
                    message=item.message,
                    event_count=0,
                )
            )
            continue
        if cand.duplicate_of is not None:
            reason = f"duplicate of {cand.duplicate_of}"
            articles.append(_article_row(item, status="skipped", reason=reason, event_count=0))
            continue
        try:
            result = process(item, settings)
        except ModelError:  # a missing or damaged model is a set-up error: end the run
            raise
        except Exception as err:  # noqa: BLE001 - one bad article must not end a long run
            problem = Problem(
                source=item.source,
                level="error",
                code="internal",
                message=f"{item.source}: internal error ({type(err).__name__}: {err})",
                article_id=item.id,
            )
            result = ArticleResult(article=item, lang=None, problems=[problem])
        errors.extend(_problem_row(p) for p in result.problems)
        failed = [p for p in result.problems if p.level == "error"]
        for event in result.events:
            row = event.model_dump()
            day = event.ref_date or event.published
            row["date"] = day.isoformat() if day else "unknown"
            events.append(row)
        ids = {"article_id": item.id, "source": item.source}
        unlinked.extend({**ids, **u.model_dump()} for u in result.unlinked)
        articles.append(
            _article_row(
                item,
                lang=result.lang,
                status="error" if failed else "ok",
                reason=failed[0].code if failed else None,
                message=failed[0].message if failed else None,
                event_count=len(result.events),
                doc_sentiment_label=result.doc_sentiment_label,
                doc_sentiment_score=result.doc_sentiment_score,
            )
        )
    events.sort(key=lambda r: (r["source"], r["start"], r["end"], r["event_id"]))
    return {"events": events, "articles": articles, "errors": errors, "unlinked": unlinked}


def candidates_of(items: Iterable[Article | Problem]) -> Iterator[Candidate]:
    """Group iter_articles output: warnings belong to the Article (or error) that follows them."""
    pending: list[Problem] = []
    for item in items:
        if isinstance(item, Problem) and item.level == "warning":
            pending.append(item)
            continue
        yield Candidate(item, tuple(pending))
        pending = []
    if pending:
        yield Candidate(None, tuple(pending))


class _Inline:
    """The engine for one worker: no pool, the chunk runs in this process."""

    def submit(self, fn, *args) -> Future:
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def close(self) -> None:
        pass


class _Dask:
    def __init__(self, address: str) -> None:
        from distributed import Client

        self.client = Client(address, timeout="20s")
        self.threads = max(1, sum(self.client.nthreads().values()))

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def close(self) -> None:
        self.client.close()


class _Pool:
    def __init__(self, workers: int) -> None:
        import multiprocessing

        # Not plain fork: the parent may run threads (the progress bar), and fork copies locks.
        # A fork server is a clean process that imports narrate.batch.warm once and forks the
        # workers from itself, so they start warm; spawn (where there is no fork server) makes
        # each worker import and load everything itself.
        if "forkserver" in multiprocessing.get_all_start_methods():
            from multiprocessing import forkserver

            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["narrate.batch.warm"])
            forkserver.ensure_running()  # warms up while this process reads the first chunks
        else:
            context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(workers, mp_context=context)

    def submit(self, fn, *args) -> Future:
        return self.pool.submit(fn, *args)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _chunks(cands: Iterable[Candidate], size: int) -> Iterator[list[Candidate]]:
    chunk: list[Candidate] = []
    for cand in cands:
        chunk.append(cand)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_batch(
    inputs: Sequence[str],
    outdir: Path,
    *,
    settings: Settings | None = None,
    workers: int = 1,
    engine: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    prices=None,
    glob: str | None = None,
    fields: Mapping[str, str] | None = None,
    published: dt.date | None = None,
    chunk_size: int = 200,
    on_chunk: Callable[[ChunkReport, BatchSummary], None] | None = None,
) -> BatchSummary:
    """Process every input into a Parquet dataset in `outdir`, resuming an earlier run there.

    Args:
        inputs: files, directories or archives for narrate.sources.iter_articles.
        outdir: the output folder (created; see narrate.batch.store for its layout).
        settings: pipeline settings.
        workers: processes for the local engine (1: in this process, no pool).
        engine: "local" (process pool) or "dask" (a distributed scheduler at `scheduler`).
        prices: a loaded narrate.prices.store.PriceStore; adds the verifications table.
        chunk_size: candidates per chunk, the unit of work and of commit.
        on_chunk: called after each commit (progress, logs).

    Raises:
        narrate.batch.store.OutputError: `outdir` cannot be used.
        OSError: the dask scheduler cannot be reached.
        narrate.models.base.ModelError: with settings.models, the model is missing or damaged.

    With settings.models, each worker process loads the model once (narrate.models.registry.
    shared_models) and keeps it for all its chunks; the articles table gets the document
    sentiment, and the unlinked table also gets the companies the NER model found that the
    catalog does not know.
    """
    from narrate.sources import iter_articles

    settings = settings or Settings()
    started = time.monotonic()
    store = BatchStore(outdir)
    committed = store.open()
    summary = BatchSummary(outdir=Path(outdir), resumed_chunks=committed.chunks)
    first_source_of = dict(committed.first_source_of)
    entity = None
    if prices is not None:
        from narrate.catalog import load_catalog

        cat = load_catalog(settings.catalog)

        def entity(i):
            return cat.get(i) if i in cat else None

    # The engine starts before the inputs are read: local workers warm up meanwhile (_Pool).
    if engine == "dask":
        if not scheduler:
            raise ValueError("the dask engine needs a scheduler address")
        runner = _Dask(scheduler)
        limit = 2 * max(workers, runner.threads)
    elif workers > 1:
        runner = _Pool(workers)
        limit = 2 * workers
    else:
        runner = _Inline()
        limit = 1

    def fresh() -> Iterator[Candidate]:
        items = iter_articles(inputs, glob=glob, fields=fields, published=published)
        for cand in candidates_of(items):
            if cand.source in committed.sources:
                summary.already_done += 1
                continue
            article_id = cand.article_id
            if article_id is not None:
                first = first_source_of.setdefault(article_id, cand.source)
                if first != cand.source:
                    cand = Candidate(cand.item, cand.warnings, duplicate_of=first)
            yield cand

    seq = committed.next_seq
    in_flight: deque = deque()

    def commit_oldest() -> None:
        chunk_seq, chunk, future = in_flight.popleft()
        rows = future.result()
        _commit(store, chunk_seq, chunk, rows, prices, entity, summary, on_chunk)

    try:
        for chunk in _chunks(fresh(), chunk_size):
            in_flight.append((seq, chunk, runner.submit(process_chunk, chunk, settings)))
            seq += 1
            while len(in_flight) >= limit:
                commit_oldest()
        while in_flight:
            commit_oldest()
    finally:
        runner.close()
    summary.elapsed_s = time.monotonic() - started
    return summary


def _commit(store, seq, chunk, rows, prices, entity, summary, on_chunk) -> None:
    events = pa.Table.from_pylist(
        rows["events"], schema=pa.schema([*EVENT_SCHEMA, pa.field("date", pa.string())])
    )
    tables = {
        "events": events,
        "articles": pa.Table.from_pylist(rows["articles"], schema=ARTICLES_SCHEMA),
        "errors": pa.Table.from_pylist(rows["errors"], schema=ERRORS_SCHEMA),
        "unlinked": pa.Table.from_pylist(rows["unlinked"], schema=UNLINKED_SCHEMA),
    }
    if prices is not None:
        from narrate.batch.store import VERIFICATIONS_SCHEMA
        from narrate.verify import verify_frame

        frame = events.select(EVENT_SCHEMA.names).to_pandas()
        checked = verify_frame(frame, prices, entity)
        tables["verifications"] = pa.Table.from_pandas(
            checked[VERIFICATIONS_SCHEMA.names], schema=VERIFICATIONS_SCHEMA, preserve_index=False
        )
    entries = [
        {
            "source": row["source"],
            "article_id": row["article_id"],
            "status": row["status"],
        }
        for row in rows["articles"]
    ]
    entries += [
        {"source": c.source, "article_id": None, "status": "warning"}
        for c in chunk
        if c.item is None
    ]
    store.commit(seq, tables, entries)
    statuses = [row["status"] for row in rows["articles"]]
    report = ChunkReport(
        seq=seq,
        articles=len(statuses),
        ok=statuses.count("ok"),
        skipped=statuses.count("skipped"),
        errors=statuses.count("error"),
        events=events.num_rows,
        problems=len(rows["errors"]),
    )
    summary.ok += report.ok
    summary.skipped += report.skipped
    summary.errors += report.errors
    summary.events += report.events
    summary.chunks += 1
    if on_chunk is not None:
        on_chunk(report, summary)


__all__ = ["BatchSummary", "ChunkReport", "chunk_name", "process_chunk", "run_batch"]
