"""Sinks: event records -> JSONL, CSV, Parquet files, or a table on a terminal.

One flat row per event; the columns are the fields of records.Event, in that order. Problems
(bad input) travel in JSONL as records of their own ({"record": "problem", ...}); the tabular
formats hold events only and the caller reports problems on stderr.
"""

from __future__ import annotations

import datetime as dt
import json
import types
import typing
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from narrate.records import Event, Problem

Format = Literal["table", "jsonl", "csv", "parquet"]
FORMATS: tuple[str, ...] = typing.get_args(Format)
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def format_for_path(path: Path) -> Format:
    """The output format a file name asks for."""
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"cannot tell the output format from {path.name!r}: use a .jsonl, .csv or .parquet "
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


EVENT_SCHEMA = pa.schema(
    [pa.field(name, _arrow_type(f.annotation)) for name, f in Event.model_fields.items()]
)


def events_table(events: Sequence[Event]) -> pa.Table:
    """Events as an Arrow table with a fixed schema (also when there are none)."""
    columns = {name: [getattr(e, name) for e in events] for name in EVENT_SCHEMA.names}
    return pa.table(columns, schema=EVENT_SCHEMA)


def write_jsonl(out: IO[str], events: Iterable[Event], problems: Iterable[Problem] = ()) -> None:
    for problem in problems:
        out.write(
            json.dumps({"record": "problem", **problem.model_dump(mode="json")}, ensure_ascii=False)
        )
        out.write("\n")
    for event in events:
        out.write(
            json.dumps({"record": "event", **event.model_dump(mode="json")}, ensure_ascii=False)
        )
        out.write("\n")


def write_file(
    path: Path, fmt: Format, events: Sequence[Event], problems: Sequence[Problem]
) -> None:
    """Write a whole event table to `path` in `fmt` (jsonl, csv or parquet)."""
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as out:
            write_jsonl(out, events, problems)
    elif fmt == "csv":
        pacsv.write_csv(events_table(events), path)
    elif fmt == "parquet":
        pq.write_table(events_table(events), path)
    else:
        raise ValueError(f"cannot write format {fmt!r} to a file (expected jsonl, csv or parquet)")


def _human(value: float) -> str:
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if value >= scale:
            return f"{value / scale:,.6g} {word}"
    return f"{value:,.12g}"


def render_table(events: Sequence[Event], console) -> None:
    """A readable table for a person at a terminal (rich)."""
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold")
    for col in ("source", "ref_date", "entity", "symbol", "kind", "move", "period", "conf"):
        table.add_column(col, overflow="fold")
    arrows = {"up": "▲", "down": "▼", "flat": "■", None: ""}
    for e in events:
        if e.value is None:
            move = arrows[e.direction]
        else:
            qual = f"{e.qualifier.replace('_', ' ')} " if e.qualifier else ""
            unit = e.unit or ""
            value = _human(e.value)
            move = f"{arrows[e.direction]} {qual}{value} {unit}".strip()
        ref = str(e.ref_date) if e.ref_date else "—"
        if e.date_basis == "inferred":
            ref += "*"
        table.add_row(
            Path(e.source).name,
            ref,
            e.entity_name,
            e.symbol or "—",
            e.kind,
            move,
            e.period or "",
            f"{e.confidence:.2f}",
        )
    console.print(table)
    if any(e.date_basis == "inferred" for e in events):
        console.print("* date inferred from the article's narrative date", style="dim")
