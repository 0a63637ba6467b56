"""Sinks: event tables -> JSONL, CSV, Parquet files or a terminal table; and back again.

One flat row per event: the fields of records.Event, in that order, then (after a price check)
the fields of records.Verification. Problems (bad input) travel in JSONL as records of their own
({"record": "problem", ...}); the tabular formats hold events only and the caller reports
problems on stderr.
"""

from __future__ import annotations

import datetime as dt
import json
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from pydantic import BaseModel

from narrate.records import Event, Problem, Verification

Format = Literal["table", "jsonl", "csv", "parquet"]
FORMATS: tuple[str, ...] = typing.get_args(Format)
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def format_for_path(path: Path) -> Format:
    """The file format a file name asks for."""
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"cannot tell the format from {path.name!r}: use a .jsonl, .csv or .parquet "
            "name, or --format"
        )
    return fmt  # type: ignore[return-value]


def _arrow_type(annotation) -> pa.DataType:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return _arrow_type(args[0])
    if typing.get_origin(annotation) is Literal or annotation is str:
        return pa.string()
    return {float: pa.float64(), int: pa.int64(), dt.date: pa.date32()}[annotation]


def _schema(model: type[BaseModel], skip: Sequence[str] = ()) -> pa.Schema:
    return pa.schema(
        [
            pa.field(name, _arrow_type(f.annotation))
            for name, f in model.model_fields.items()
            if name not in skip
        ]
    )


EVENT_SCHEMA = _schema(Event)
VERIFICATION_SCHEMA = _schema(Verification, skip=["event_id"])


def events_table(events: Sequence[Event], verifications: pd.DataFrame | None = None) -> pa.Table:
    """Events as an Arrow table with a fixed schema; verification columns joined when given."""
    columns = {name: [getattr(e, name) for e in events] for name in EVENT_SCHEMA.names}
    table = pa.table(columns, schema=EVENT_SCHEMA)
    if verifications is not None:
        table = with_verifications(table.to_pandas(), verifications)
    return table


def with_verifications(events: pd.DataFrame, verifications: pd.DataFrame) -> pa.Table:
    """Join verification columns onto an event table (row order of `events` is kept)."""
    joined = events.reset_index(drop=True).merge(
        verifications.drop_duplicates("event_id"), on="event_id", how="left", suffixes=("", "_v")
    )
    fields = [f for f in EVENT_SCHEMA if f.name in joined.columns]
    fields += [f for f in VERIFICATION_SCHEMA if f.name in joined.columns]
    schema = pa.schema(fields)
    return pa.Table.from_pandas(joined[schema.names], schema=schema, preserve_index=False)


def _json_rows(table: pa.Table):
    for row in table.to_pylist():
        yield {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}


def write_jsonl(
    out: IO[str], table: pa.Table, problems: Sequence[Problem] = (), articles: Sequence[dict] = ()
) -> None:
    """Problems first, then one line per article summary (with --models), then the events."""
    for problem in problems:
        out.write(
            json.dumps({"record": "problem", **problem.model_dump(mode="json")}, ensure_ascii=False)
        )
        out.write("\n")
    for article in articles:
        out.write(json.dumps({"record": "article", **article}, ensure_ascii=False))
        out.write("\n")
    for row in _json_rows(table):
        out.write(json.dumps({"record": "event", **row}, ensure_ascii=False))
        out.write("\n")


def write(
    target: Path | IO,
    fmt: Format,
    table: pa.Table,
    problems: Sequence[Problem] = (),
    articles: Sequence[dict] = (),
) -> None:
    """Write an event table to a path or an open stream (text for JSONL, binary otherwise).

    Article summaries (document sentiment, unlinked companies) go to JSONL only.
    """
    if fmt == "jsonl":
        if isinstance(target, Path):
            with target.open("w", encoding="utf-8") as out:
                write_jsonl(out, table, problems, articles)
        else:
            write_jsonl(target, table, problems, articles)
    elif fmt == "csv":
        pacsv.write_csv(table, target)
    elif fmt == "parquet":
        pq.write_table(table, target)
    else:
        raise ValueError(f"cannot write format {fmt!r} (expected jsonl, csv or parquet)")


REQUIRED_COLUMNS = (
    "event_id",
    "entity_id",
    "entity_type",
    "symbol",
    "kind",
    "direction",
    "value",
    "unit",
    "qualifier",
    "period",
    "period_start",
    "ref_date",
    "date_basis",
)


def read_events(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a saved event table (JSONL, CSV or Parquet) for re-verification.

    Malformed rows (not JSON, not an object, a missing column) are reported and skipped; a file
    that cannot be read at all is one problem and an empty table.
    """
    problems: list[Problem] = []
    source = str(path)

    def problem(message: str) -> Problem:
        return Problem(
            source=source, level="error", code="unreadable", message=f"{source}: {message}"
        )

    if not path.is_file():
        return pd.DataFrame(columns=REQUIRED_COLUMNS), [
            Problem(
                source=source, level="error", code="not_found", message=f"no such file: {source}"
            )
        ]
    try:
        fmt = format_for_path(path)
        if fmt == "jsonl":
            rows = []
            with path.open(encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as err:
                        problems.append(problem(f"line {lineno}: not JSON ({err.msg})"))
                        continue
                    if not isinstance(row, dict):
                        problems.append(problem(f"line {lineno}: not a JSON object"))
                    elif row.get("record", "event") == "event":
                        rows.append(row)
            frame = pd.DataFrame(rows)
        elif fmt == "csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        else:
            frame = pq.read_table(path).to_pandas()
    except (ValueError, OSError, pa.ArrowException, UnicodeDecodeError) as err:
        return pd.DataFrame(columns=REQUIRED_COLUMNS), [problem(f"cannot read event table ({err})")]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        return pd.DataFrame(columns=REQUIRED_COLUMNS), problems + [
            problem(f"not an event table: missing column(s) {', '.join(missing)}")
        ]
    frame = frame.replace({"": None})
    bad = frame["event_id"].isna() | frame["kind"].isna()
    for idx in frame.index[bad]:
        problems.append(problem(f"row {idx + 1}: no event_id or kind; skipped"))
    frame = frame[~bad].reset_index(drop=True)
    for col in ("ref_date", "period_start", "published"):
        if col in frame.columns:
            parsed = pd.to_datetime(frame[col], errors="coerce")
            for idx in frame.index[parsed.isna() & frame[col].notna()]:
                problems.append(
                    problem(f"row {idx + 1}: {col} {frame.at[idx, col]!r} is not a date")
                )
            frame[col] = parsed.dt.date.where(parsed.notna(), None)
    for field in EVENT_SCHEMA:  # CSV gives strings: give every known column its type back
        if field.name in frame.columns and field.name not in (
            "ref_date",
            "period_start",
            "published",
        ):
            if pa.types.is_floating(field.type):
                frame[field.name] = pd.to_numeric(frame[field.name], errors="coerce")
            elif pa.types.is_integer(field.type):
                frame[field.name] = pd.to_numeric(frame[field.name], errors="coerce").astype(
                    "Int64"
                )
    return frame, problems


def _human(value: float) -> str:
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if value >= scale:
            return f"{value / scale:,.6g} {word}"
    return f"{value:,.12g}"


def render_table(table: pa.Table, console) -> None:
    """A readable table for a person at a terminal (rich)."""
    from rich.markup import escape
    from rich.table import Table

    rows = table.to_pylist()
    checked = "verification_status" in table.column_names
    scored = any(e.get("sentiment_label") for e in rows)
    out = Table(show_lines=False, header_style="bold")
    columns = ["source", "ref_date", "entity", "symbol", "kind", "move", "period", "conf"]
    if scored:
        columns.append("sentiment")
    if checked:
        columns += ["check", "observed"]
    for col in columns:
        out.add_column(col, overflow="fold")
    arrows = {"up": "▲", "down": "▼", "flat": "■", None: ""}
    styles = {"confirmed": "green", "confirmed_intraday": "green", "contradicted": "red"}
    for e in rows:
        if e["value"] is None:
            move = arrows[e["direction"]]
        else:
            qual = f"{e['qualifier'].replace('_', ' ')} " if e["qualifier"] else ""
            move = f"{arrows[e['direction']]} {qual}{_human(e['value'])} {e['unit'] or ''}".strip()
        ref = str(e["ref_date"]) if e["ref_date"] else "—"
        if e["date_basis"] == "inferred":
            ref += "*"
        cells = [
            escape(Path(e["source"]).name),
            ref,
            escape(e["entity_name"]),
            escape(e["symbol"] or "—"),
            e["kind"],
            move,
            e["period"] or "",
            f"{e['confidence']:.2f}",
        ]
        if scored:
            label = e.get("sentiment_label")
            cells.append(f"{label} {e['sentiment_score']:.2f}" if label else "")
        if checked:
            status = e["verification_status"] or ""
            why = f" ({e['verification_reason']})" if e["verification_reason"] else ""
            seen = ""
            if e["observed_change_pct"] is not None and e["kind"] != "level":
                seen = f"{e['observed_change_pct']:+.2f} %"
            elif e["observed_close"] is not None:
                seen = f"{e['day_low']:,.2f}–{e['day_high']:,.2f}"
            style = styles.get(status, "yellow")
            cells += [f"[{style}]{status}{why}[/{style}]", seen]
        out.add_row(*cells)
    console.print(out)
    if any(e["date_basis"] == "inferred" for e in rows):
        console.print("* date inferred from the article's narrative date", style="dim")
