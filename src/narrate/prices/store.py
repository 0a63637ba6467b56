"""Daily price bars from files in many layouts, normalized into one table.

Every reader here ends in the same normalized frame (``PRICE_COLUMNS``): one row per
(symbol, trading day). Parsing is vectorized (pandas string and datetime operations over whole
columns); Python loops run over files and columns, never over rows.

Layouts read (each seen in the wild, see ../shared/data/SOURCES.md):

* plain ``Date,Open,High,Low,Close[,Adj Close],Volume`` in any column order;
* yfinance multi-index CSVs: a ``Price`` header row, a ``Ticker`` row, a ``Date,,,`` row;
  several tickers in one file are split into one series each;
* a ``Symbol``/``Ticker`` column naming the symbol of each row;
* dates with a time and a UTC offset (``2018-01-02 00:00:00-05:00``): the bar's local calendar
  date is kept, never the UTC-shifted one;
* US number formats with thousands separators (``"23,723.0"``), ``K/M/B`` volume suffixes and
  MM/DD/YYYY dates (investing.com exports); ``;``-separated files with decimal commas;
* single-series files (FRED ``observation_date,SP500``), whose blank rows are market holidays;
* Parquet files, including data frames saved straight from ``yfinance.download``.

Monthly (or weekly) series such as Shiller's S&P 500 or the World Bank gold price are not daily
bars: they are skipped with a warning naming the file, so that a month's average is never
compared with a day's close.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from narrate.records import Problem

PRICE_COLUMNS = ["symbol", "date", "open", "high", "low", "close", "adj_close", "volume", "source"]
_FLOAT_COLUMNS = ["open", "high", "low", "close", "adj_close", "volume"]
_PRICE_FIELDS = ["open", "high", "low", "close", "adj_close"]

# Header spellings, compared after lower-casing and dropping everything but letters and digits
# ("Adj Close" -> "adjclose", "Vol." -> "vol", "Close/Last" -> "closelast").
_HEADER_ALIASES: dict[str, str] = {
    "date": "date",
    "datetime": "date",
    "observationdate": "date",
    "timestamp": "date",
    "time": "date",
    "day": "date",
    "tradedate": "date",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "closelast": "close",
    "last": "close",
    "price": "close",  # investing.com calls the close "Price"
    "adjclose": "adj_close",
    "adjustedclose": "adj_close",
    "volume": "volume",
    "vol": "volume",
    "symbol": "symbol",
    "ticker": "symbol",
}

# Single-series files name their value column by a series id rather than "Close". FRED ids of
# series that Yahoo also carries, so that FRED's SP500 and Yahoo's ^GSPC meet as one symbol.
_SERIES_SYMBOLS: dict[str, str] = {
    "sp500": "^GSPC",
    "djia": "^DJI",
    "nasdaqcom": "^IXIC",
    "nasdaq100": "^NDX",
    "vixcls": "^VIX",
    "dexuseu": "EURUSD=X",
}

# More than this many days between consecutive dates (median) means the file is not a series of
# daily bars: daily series have a median gap of 1 day, weekly 7, monthly about 30.
_MAX_MEDIAN_GAP_DAYS = 4

# Individual row problems reported per file before the rest are summarized in one record: a broken
# export can have thousands of bad rows, and one line each would bury the other problems.
_MAX_ROW_PROBLEMS_PER_FILE = 20

_MISSING_TOKENS = ["", "-", "--", "null", "NULL", "Null", "nan", "NaN", "NA", "N/A", "n/a", "None"]

# Tried in order; the format that parses most values of a column wins. MM/DD before DD/MM because
# the slash form is the US export convention (investing.com, Nasdaq); a file whose days exceed 12
# still wins with DD/MM.
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%Y", "%Y%m%d", "%Y-%m")

# A time of day and a zone after the date. Dropped rather than converted: a bar stamped
# 00:00-05:00 is the New York session of that date; converting to UTC first would not change it,
# but one stamped 00:00+09:00 (Tokyo) would move to the previous day.
_TIME_SUFFIX = re.compile(
    r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?$"
)

_SUFFIXES = (".csv", ".parquet", ".pq", ".csv.gz")


class FileReport(BaseModel):
    """What one file contributed: for the load summary and for debugging a source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    layout: str  # "yfinance", "columns", "parquet", or "skipped"
    symbols: list[str] = []
    rows: int = 0  # bars kept from this file, before duplicates across files are removed
    blank_rows: int = 0  # rows with a date but no close (holidays in FRED-style series)
    bad_rows: int = 0  # rows skipped as malformed, each reported as a Problem
    duplicate_rows: int = 0  # repeated (symbol, date) within the file; the last one is kept


class PriceDataError(ValueError):
    """A price table handed to the store is unusable; the message names what is wrong."""


class PriceStore:
    """Normalized daily bars, one row per (symbol, date), plus what went wrong while loading.

    Construction is cheap: it takes an already-normalized frame. Use ``load_prices`` to read
    files and ``PriceStore.from_frame`` to wrap a frame of one's own.

    Attributes:
        frame: columns ``PRICE_COLUMNS``, sorted by symbol and date.
        problems: skipped files and rows, as warnings.
        reports: one ``FileReport`` per file read.
        duplicates: rows dropped because another file had the same (symbol, date).
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        problems: Sequence[Problem] = (),
        reports: Sequence[FileReport] = (),
        duplicates: int = 0,
    ) -> None:
        self.frame = frame
        self.problems: list[Problem] = list(problems)
        self.reports: list[FileReport] = list(reports)
        self.duplicates = duplicates

    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, source: str = "<frame>") -> PriceStore:
        """Wrap a caller's frame, checking and normalizing its columns.

        Args:
            df: needs ``symbol``, ``date`` and ``close``; ``open``, ``high``, ``low``,
                ``adj_close``, ``volume`` and ``source`` are optional (NaN / ``source`` when
                absent). Dates may be strings, dates or timestamps (a zone is dropped, keeping
                the local date).
            source: the ``source`` value for rows that do not carry one.

        Raises:
            PriceDataError: a required column is missing, or a value cannot be read as a date or
                a number (the message names the column and the first bad value).
        """
        missing = [c for c in ("symbol", "date", "close") if c not in df.columns]
        if missing:
            raise PriceDataError(
                f"price frame lacks column(s) {missing}; expected at least symbol, date, close "
                f"(got {list(df.columns)})"
            )
        out = pd.DataFrame(index=df.index)
        out["symbol"] = df["symbol"].astype(str)
        dates = _dates_from_any(df["date"])
        if dates.isna().any():
            bad = df["date"][dates.isna()].iloc[0]
            raise PriceDataError(
                f"price frame column 'date' has a value that is not a date: {bad!r}"
            )
        out["date"] = dates
        for col in _FLOAT_COLUMNS:
            if col not in df.columns:
                out[col] = np.nan
                continue
            values = pd.to_numeric(df[col], errors="coerce").astype("float64")
            bad_mask = values.isna() & df[col].notna()
            if bad_mask.any():
                bad = df[col][bad_mask].iloc[0]
                raise PriceDataError(f"price frame column {col!r} has a non-numeric value: {bad!r}")
            out[col] = values
        out["source"] = df["source"].astype(str) if "source" in df.columns else source
        return cls(_finish(out))

    def symbols(self) -> list[str]:
        """Sorted symbols with at least one bar."""
        return sorted(self.frame["symbol"].unique().tolist())

    def bars(self, symbol: str) -> pd.DataFrame:
        """Bars of one symbol, sorted by date (an empty frame when the symbol is unknown)."""
        rows = self.frame[self.frame["symbol"] == symbol]
        return rows.sort_values("date", kind="stable").reset_index(drop=True)

    @property
    def sources(self) -> list[str]:
        """Files that contributed at least one bar, in load order."""
        return [r.source for r in self.reports if r.rows > 0]

    def between(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """Bars of ``symbols`` with ``start <= date <= end`` (both inclusive)."""
        f = self.frame
        mask = f["symbol"].isin(list(symbols)) & (f["date"] >= pd.Timestamp(start))
        mask &= f["date"] <= pd.Timestamp(end)
        return f[mask].reset_index(drop=True)

    def __repr__(self) -> str:
        return (
            f"PriceStore({len(self.frame)} bars, {self.frame['symbol'].nunique()} symbols, "
            f"{len(self.problems)} problems)"
        )


def load_prices(path: str | Path, *, known_symbols: Iterable[str] = ()) -> PriceStore:
    """Read every price file under ``path`` into one normalized store.

    Files (``.csv``, ``.csv.gz``, ``.parquet``) are read in sorted path order, so the result is
    the same on every machine. A file or row that cannot be used becomes a warning in
    ``PriceStore.problems``; nothing here raises for bad data.

    The symbol of a series comes from, in order: a ``Symbol``/``Ticker`` column, the ``Ticker``
    header row of a yfinance file, a known series id as the value column (FRED ``SP500`` ->
    ``^GSPC``), and the file name. A file name is matched against ``known_symbols`` so that
    ``GSPC.csv`` becomes ``^GSPC`` and ``BTC_USD_investingcom.csv`` becomes ``BTC-USD`` when those
    are known.

    When two files have a bar for the same (symbol, date), the one with open/high/low wins, then
    the one from the file first in sorted order; ``PriceStore.duplicates`` counts the others.
    Within one file a repeated date keeps its last row (later rows are corrections).

    Args:
        path: a file or a directory (searched recursively).
        known_symbols: symbols the caller can use (for example the catalog's); only used to
            resolve file names.

    Returns:
        The store; its frame is empty (with all columns) when nothing could be read.
    """
    root = Path(path)
    known = frozenset(known_symbols)
    if not root.exists():
        problem = _problem(str(root), f"{root}: no such file or directory", code="not_found")
        return PriceStore(_empty_frame(), problems=[problem])
    files = [root] if root.is_file() else _price_files(root)
    frames: list[pd.DataFrame] = []
    problems: list[Problem] = []
    reports: list[FileReport] = []
    for rank, file in enumerate(files):
        frame, file_problems, report = _load_file(file, known)
        problems.extend(file_problems)
        reports.append(report)
        if len(frame):
            frame["_rank"] = rank
            frames.append(frame)
    if not files:
        problems.append(_problem(str(root), f"{root}: no .csv or .parquet files found", "empty"))
    if not frames:
        return PriceStore(_empty_frame(), problems=problems, reports=reports)
    combined = pd.concat(frames, ignore_index=True)
    # Prefer a full bar (open/high/low present) over a close-only one, then the earlier file.
    combined["_partial"] = combined[["open", "high", "low"]].isna().any(axis=1)
    combined = combined.sort_values(["symbol", "date", "_partial", "_rank"], kind="stable")
    deduped = combined.drop_duplicates(["symbol", "date"], keep="first")
    duplicates = len(combined) - len(deduped)
    frame = _finish(deduped.drop(columns=["_rank", "_partial"]))
    return PriceStore(frame, problems=problems, reports=reports, duplicates=duplicates)


def frame_from_yfinance(df: pd.DataFrame, *, source: str = "yfinance") -> pd.DataFrame:
    """Normalize a frame as returned by ``yfinance.download`` (or saved from one).

    Accepts single- and multi-ticker frames, ``(Price, Ticker)`` or ``(Ticker, Price)`` column
    levels, and the date as index or column.

    Returns:
        A frame with ``PRICE_COLUMNS``; rows that fail the checks of ``load_prices`` are dropped.
    """
    blocks, _ = _blocks_from_frame(df)
    frames = [_normalize_block(b, fallback_symbol="", source=source)[0] for b in blocks]
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty_frame()
    return _finish(pd.concat(frames, ignore_index=True))


@runtime_checkable
class PriceProvider(Protocol):
    """Anything that can hand out normalized daily bars."""

    def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """Bars of ``symbols`` from ``start`` to ``end`` (inclusive), columns ``PRICE_COLUMNS``."""
        ...


class LocalFiles:
    """Price files on disk, read once on first use (construction reads nothing)."""

    def __init__(self, path: str | Path, *, known_symbols: Iterable[str] = ()) -> None:
        self.path = Path(path)
        self.known_symbols = tuple(known_symbols)

    @cached_property
    def store(self) -> PriceStore:
        """The loaded store (read on first access)."""
        return load_prices(self.path, known_symbols=self.known_symbols)

    def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """Bars of ``symbols`` from ``start`` to ``end`` (inclusive)."""
        return self.store.between(symbols, start, end)


class YFinanceProvider:
    """Yahoo Finance over the network, through the optional ``yfinance`` package.

    Never used by default: the default must work offline, and Yahoo's data may change
    retroactively, which would make verifications irreproducible.
    """

    def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """Download daily bars of ``symbols`` from ``start`` to ``end`` (inclusive).

        Raises:
            ImportError: ``yfinance`` is not installed (the message says how to install it).
        """
        try:
            import yfinance  # noqa: PLC0415 - optional dependency, imported only when used
        except ImportError as exc:
            raise ImportError(
                "YFinanceProvider needs the optional package yfinance: pip install yfinance"
            ) from exc
        if not symbols:
            return _empty_frame()
        raw = yfinance.download(
            list(symbols),
            start=start.isoformat(),
            # yfinance's end is exclusive; ours is inclusive.
            end=(end + dt.timedelta(days=1)).isoformat(),
            auto_adjust=False,
            actions=False,
            progress=False,
            group_by="column",
        )
        if raw is None or raw.empty:
            return _empty_frame()
        frame = frame_from_yfinance(raw, source="yfinance")
        if len(symbols) == 1 and (frame["symbol"] == "").all():
            frame["symbol"] = symbols[0]
        return frame


# --- reading files -------------------------------------------------------------------------------


class _Block:
    """One series' rows from a file, columns still raw (strings or numbers), canonical names."""

    def __init__(self, table: pd.DataFrame, lines: np.ndarray, symbol: str | None, layout: str):
        self.table = table
        self.lines = lines  # 1-based line (CSV) or row (Parquet) number of each row
        self.symbol = symbol
        self.layout = layout
        self.value_series: str | None = None  # symbol implied by a series-id value column


def _price_files(root: Path) -> list[Path]:
    files = [
        p
        for p in root.rglob("*")
        if p.is_file()
        and not p.name.startswith(".")
        and any(p.name.lower().endswith(s) for s in _SUFFIXES)
    ]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def _load_file(file: Path, known: frozenset[str]) -> tuple[pd.DataFrame, list[Problem], FileReport]:
    source = str(file)
    try:
        if file.name.lower().endswith((".parquet", ".pq")):
            blocks, problems = _blocks_from_frame(pd.read_parquet(file), layout="parquet")
        else:
            blocks, problems = _blocks_from_csv(file)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        # pyarrow's errors (ArrowInvalid) subclass ValueError; csv errors are ParserError.
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        message = f"{source}: cannot read as a price table ({detail})"
        return (
            _empty_frame(),
            [_problem(source, message)],
            FileReport(source=source, layout="skipped"),
        )
    problems = [_problem(source, f"{source}, {p}") for p in problems]
    if not blocks:
        return _empty_frame(), problems, FileReport(source=source, layout="skipped")

    fallback = _symbol_from_name(file, known)
    frames, counts = [], {"blank": 0, "bad": len(problems), "dup": 0}
    row_messages: list[str] = []
    layout = blocks[0].layout
    for block in blocks:
        frame, messages, stats, skip_reason = _normalize_block(block, fallback, source)
        if skip_reason:
            problems.append(_problem(source, f"{source}: {skip_reason}; skipped"))
            return _empty_frame(), problems, FileReport(source=source, layout="skipped")
        frames.append(frame)
        row_messages.extend(messages)
        for key in counts:
            counts[key] += stats[key]
    shown = row_messages[: max(_MAX_ROW_PROBLEMS_PER_FILE - len(problems), 0)]
    problems.extend(_problem(source, f"{source}, {m}") for m in shown)
    if counts["bad"] > len(problems):
        more = counts["bad"] - len(problems)
        problems.append(_problem(source, f"{source}: {more} more malformed rows skipped"))
    frame = pd.concat(frames, ignore_index=True) if frames else _empty_frame()
    report = FileReport(
        source=source,
        layout=layout,
        symbols=sorted(frame["symbol"].unique().tolist()),
        rows=len(frame),
        blank_rows=counts["blank"],
        bad_rows=counts["bad"],
        duplicate_rows=counts["dup"],
    )
    return frame, problems, report


def _blocks_from_csv(file: Path) -> tuple[list[_Block], list[str]]:
    head = file.open("rb").read(8192) if not file.name.lower().endswith(".gz") else b""
    if b"\x00" in head:
        raise ValueError("binary content, not a text CSV")
    text_head = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first_line = next((ln for ln in text_head.splitlines() if ln.strip()), "")
    # German spreadsheet exports separate fields with ';' because ',' is their decimal mark.
    sep = ";" if first_line.count(";") > first_line.count(",") else ","
    if sep == "," and first_line.count("\t") > first_line.count(","):
        sep = "\t"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            grid = _read_grid(file, sep, "utf-8-sig")
        except UnicodeDecodeError:
            grid = _read_grid(file, sep, "latin-1")
    messages = []
    for w in caught:
        for m in re.finditer(r"Skipping line (\d+): (.+)", str(w.message)):
            messages.append(f"line {m.group(1)}: {m.group(2).strip()}; row skipped")
    if grid.empty or grid.shape[0] < 2:
        raise ValueError("no data rows")
    lines = np.arange(1, len(grid) + 1)
    row0 = [str(c).strip() for c in grid.iloc[0].fillna("")]
    row1 = [str(c).strip() for c in grid.iloc[1].fillna("")]
    if row0[0].lower() in ("price", "ticker") and row1[0].lower() in ("ticker", "price"):
        # yfinance multi-index layout; which header row is which depends on group_by.
        fields, tickers = (row0, row1) if row0[0].lower() == "price" else (row1, row0)
        start = 2
        if len(grid) > 2 and str(grid.iat[2, 0]).strip().lower() in ("date", "datetime"):
            start = 3
        fields = ["date", *fields[1:]]
        data = grid.iloc[start:].reset_index(drop=True)
        blocks = _split_by_ticker(fields, tickers, data, lines[start:], layout="yfinance")
        return blocks, messages
    data = grid.iloc[1:].reset_index(drop=True)
    return _split_by_ticker(row0, None, data, lines[1:], layout="columns"), messages


def _read_grid(file: Path, sep: str, encoding: str) -> pd.DataFrame:
    return pd.read_csv(
        file,
        sep=sep,
        header=None,
        dtype=str,
        keep_default_na=False,
        # Blank lines are kept (and dropped later) so that row numbers stay file line numbers.
        skip_blank_lines=False,
        on_bad_lines="warn",
        encoding=encoding,
        engine="c",
    )


def _blocks_from_frame(df: pd.DataFrame, layout: str = "parquet") -> tuple[list[_Block], list[str]]:
    if not isinstance(df.index, pd.RangeIndex):
        df = df.reset_index()
    if isinstance(df.columns, pd.MultiIndex):
        level0 = [str(c[0]) for c in df.columns]
        level1 = [str(c[1]) for c in df.columns]
        # The level whose values are field names ("Close", "Open") is the field level.
        known0 = sum(_canonical(c) in ("open", "high", "low", "close") for c in level0)
        known1 = sum(_canonical(c) in ("open", "high", "low", "close") for c in level1)
        fields, tickers = (level0, level1) if known0 >= known1 else (level1, level0)
        # reset_index leaves the date under the field level with an empty ticker.
        data = df.copy()
        data.columns = range(len(fields))
        lines = np.arange(1, len(df) + 1)
        return _split_by_ticker(fields, tickers, data, lines, layout=layout), []
    fields = [str(c) for c in df.columns]
    data = df.copy()
    data.columns = range(len(fields))
    data = data.reset_index(drop=True)
    return _split_by_ticker(fields, None, data, np.arange(1, len(df) + 1), layout=layout), []


def _split_by_ticker(
    fields: list[str],
    tickers: list[str] | None,
    data: pd.DataFrame,
    lines: np.ndarray,
    *,
    layout: str,
) -> list[_Block]:
    names = [_canonical(f) for f in fields]
    date_cols = [i for i, n in enumerate(names) if _HEADER_ALIASES.get(n) == "date"]
    if not date_cols:
        raise ValueError(f"no date column (columns: {', '.join(fields)})")
    date_col = date_cols[0]
    if tickers is None:
        groups: dict[str | None, list[int]] = {None: list(range(len(fields)))}
    else:
        groups = {}
        for i, t in enumerate(tickers):
            t = t.strip()
            if i == date_col or not t or t.lower() in ("nan", "none", "ticker"):
                continue
            groups.setdefault(t, []).append(i)
    blocks = []
    for ticker, cols in groups.items():
        table = pd.DataFrame({"date": data[date_col]})
        value_series = None
        used = {date_col}
        for i in cols:
            target = _HEADER_ALIASES.get(names[i])
            if target in (None, "date") or target in table.columns:
                continue
            table[target] = data[i]
            used.add(i)
        if "close" not in table.columns:
            # A single-series file names its value column by the series (FRED: SP500).
            series = [i for i in cols if names[i] in _SERIES_SYMBOLS]
            others = [i for i in cols if i not in used and names[i]]
            if series:
                table["close"] = data[series[0]]
                value_series = _SERIES_SYMBOLS[names[series[0]]]
            elif len(others) == 1:
                table["close"] = data[others[0]]
            else:
                raise ValueError(f"no close/price column (columns: {', '.join(fields)})")
        block = _Block(table, np.asarray(lines), ticker, layout)
        block.value_series = value_series
        blocks.append(block)
    return blocks


def _canonical(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header).lower())


def _symbol_from_name(file: Path, known: frozenset[str]) -> str:
    """The symbol a file name stands for, preferring one the caller knows."""
    name = file.name
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    if not known:
        return name
    # "BTC_USD_investingcom" -> "BTC_USD_investingcom", "BTC_USD", "BTC": drop trailing parts.
    parts = name.split("_")
    stems = ["_".join(parts[:n]) for n in range(len(parts), 0, -1)]
    for stem in stems:
        for candidate in (
            stem,
            stem.replace("_", "-"),
            stem.upper(),
            stem.upper().replace("_", "-"),
        ):
            for symbol in (candidate, "^" + candidate):
                if symbol in known:
                    return symbol
    return name


# --- normalizing -------------------------------------------------------------------------------


def _normalize_block(
    block: _Block, fallback_symbol: str, source: str
) -> tuple[pd.DataFrame, list[str], dict[str, int], str | None]:
    """Parse one block into normalized rows.

    Returns:
        (rows, row problem messages, counts of blank/bad/duplicate rows, reason to skip the whole
        file or None).
    """
    t = block.table
    lines = pd.Series(block.lines, index=t.index)
    # Blank lines and ",,,,," rows carry nothing to report; only rows without a date can be such.
    empty_row = _blank(t[["date"]])["date"]
    if empty_row.any():
        empty_row[empty_row] = _blank(t[empty_row]).all(axis=1)
    t, lines = t[~empty_row], lines[~empty_row]
    raw_date = t["date"]

    dates = _dates_from_any(raw_date)
    stats = {"blank": 0, "bad": 0, "dup": 0}
    messages: list[str] = []
    bad = pd.Series(False, index=t.index)

    def report(mask: pd.Series, what: str, column: str | None = None) -> None:
        # Only the first few rows get a message of their own; the caller summarizes the rest
        # from the count in stats["bad"].
        nonlocal bad
        new = mask & ~bad
        if not new.any():
            return
        room = _MAX_ROW_PROBLEMS_PER_FILE - len(messages)
        for idx in new[new].index[: max(room, 0)]:
            value = f" {t.at[idx, column]!r}" if column else ""
            messages.append(f"line {lines[idx]}: {what}{value}; row skipped")
        bad |= new

    report(dates.isna(), "unparseable date", "date")
    valid_dates = dates[dates.notna()].drop_duplicates().sort_values()
    if len(valid_dates) >= 3:
        gap = valid_dates.diff().dt.days.median()
        if gap > _MAX_MEDIAN_GAP_DAYS:
            kind = "monthly" if gap >= 25 else "weekly" if 6 <= gap <= 8 else "sparse"
            return (
                _empty_frame(),
                [],
                stats,
                f"a {kind} series (median {gap:.0f} days between rows), not daily bars",
            )

    decimal_comma = _uses_decimal_comma(t)
    values: dict[str, pd.Series] = {}
    for col in _FLOAT_COLUMNS:
        if col not in t.columns:
            values[col] = pd.Series(np.nan, index=t.index, dtype="float64")
            continue
        parsed, unparseable = _numbers(
            t[col], decimal_comma=decimal_comma, suffixes=col == "volume"
        )
        if col == "volume":
            # A bad volume loses only the volume, not the bar: verification never uses it.
            parsed = parsed.where(~unparseable)
        else:
            report(unparseable, f"unparseable {col}", col)
        values[col] = parsed

    no_close = values["close"].isna() & ~bad
    stats["blank"] = int(no_close.sum())

    symbol = block.symbol or block.value_series or fallback_symbol
    if "symbol" in t.columns:
        row_symbols = t["symbol"].astype(str).str.strip()
        row_symbols = row_symbols.where(~_blank(t[["symbol"]]).iloc[:, 0], symbol)
    else:
        row_symbols = pd.Series(symbol, index=t.index, dtype=object)

    # Yahoo writes 0 for an open/high/low it does not have (early index history): that is a
    # missing value, not a price of zero.
    for col in ("open", "high", "low"):
        values[col] = values[col].mask(values[col] == 0)
    prices = pd.DataFrame({c: values[c] for c in _PRICE_FIELDS})
    # Futures can settle below zero (WTI on 2020-04-20: -37.63); any other price cannot.
    may_go_negative = row_symbols.str.endswith("=F")
    negative = (prices < 0).any(axis=1) & ~may_go_negative
    report(negative, "negative price")
    report((values["close"] == 0) & ~may_go_negative, "zero close")
    report(values["high"] < values["low"], "high < low")

    keep = ~bad & ~no_close
    stats["bad"] = int(bad.sum())
    out = pd.DataFrame(
        {
            "symbol": row_symbols[keep].astype(str),
            "date": dates[keep],
            **{c: values[c][keep].astype("float64") for c in _FLOAT_COLUMNS},
            "source": source,
        }
    )
    before = len(out)
    out = out.drop_duplicates(["symbol", "date"], keep="last")
    stats["dup"] = before - len(out)
    return out.reset_index(drop=True), messages, stats, None


def _blank(t: pd.DataFrame) -> pd.DataFrame:
    """True where a cell holds nothing (NaN, None, or an empty/missing-marker string)."""
    result = t.isna()
    for col in t.columns:
        if not pd.api.types.is_numeric_dtype(t[col].dtype):
            result[col] = result[col] | t[col].isin(_MISSING_TOKENS)
    return result


def _dates_from_any(raw: pd.Series) -> pd.Series:
    """Trading days (tz-naive midnight) from strings, dates or timestamps; NaT where unreadable."""
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        # The wall-clock date where the bar was stamped, not the UTC date.
        return raw.dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        return raw.dt.normalize().astype("datetime64[ns]")
    values = raw.dropna()
    if len(values) and all(isinstance(v, (dt.date, pd.Timestamp)) for v in values.iloc[:50]):
        return _dates_from_objects(raw)
    text = raw.astype(str).str.strip().str.replace(_TIME_SUFFIX, "", regex=True)
    text = text.where(~text.isin(_MISSING_TOKENS))
    n_present = int(text.notna().sum())
    best = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    best_count = 0
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        count = int(parsed.notna().sum())
        if count > best_count:
            best, best_count = parsed, count
        if count == n_present:
            break
    return best.astype("datetime64[ns]")


def _dates_from_objects(raw: pd.Series) -> pd.Series:
    def one(v: object) -> object:
        if isinstance(v, pd.Timestamp):
            return v.tz_localize(None).normalize() if v.tzinfo else v.normalize()
        if isinstance(v, dt.datetime):
            return pd.Timestamp(v.replace(tzinfo=None)).normalize()
        if isinstance(v, dt.date):
            return pd.Timestamp(v)
        return pd.NaT

    # Objects (datetime.date from a caller's frame) have no vectorized accessor; this runs only
    # for such frames, never for file text.
    return pd.to_datetime(raw.map(one), errors="coerce").astype("datetime64[ns]")


def _uses_decimal_comma(t: pd.DataFrame) -> bool:
    """True when prices are written 1.234,56 (German) rather than 1,234.56 (US)."""
    if "close" not in t.columns or pd.api.types.is_numeric_dtype(t["close"].dtype):
        return False
    text = t["close"].dropna().astype(str).str.strip()
    text = text[text != ""].head(500)
    if text.empty:
        return False
    german = text.str.fullmatch(r"-?\d{1,3}(?:\.\d{3})*,\d+|-?\d+,\d+").mean()
    us = text.str.fullmatch(r"-?\d{1,3}(?:,\d{3})*\.\d+|-?\d+\.\d+|-?\d{1,3}(?:,\d{3})+").mean()
    return bool(german > us)


_SCALE = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def _numbers(raw: pd.Series, *, decimal_comma: bool, suffixes: bool) -> tuple[pd.Series, pd.Series]:
    """Floats from a raw column, and a mask of cells that hold something but not a number."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.astype("float64")
        return values, pd.Series(False, index=raw.index)
    if not decimal_comma:
        # Most files hold plain numbers: parse them in one C-level pass and clean only the rest.
        values = pd.to_numeric(raw, errors="coerce").astype("float64")
        rest = values.isna() & raw.notna()
        if not rest.any():
            return values, rest
        cleaned, bad = _clean_numbers(raw[rest], decimal_comma=False, suffixes=suffixes)
        values[rest] = cleaned
        return values, bad.reindex(raw.index, fill_value=False)
    return _clean_numbers(raw, decimal_comma=True, suffixes=suffixes)


def _clean_numbers(
    raw: pd.Series, *, decimal_comma: bool, suffixes: bool
) -> tuple[pd.Series, pd.Series]:
    text = raw.astype(str).str.strip()
    missing = raw.isna() | text.isin(_MISSING_TOKENS)
    text = text.str.replace(r"[\s$€£\u00a0']", "", regex=True)
    if decimal_comma:
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    scale = pd.Series(1.0, index=raw.index)
    if suffixes:
        suffix = text.str.extract(r"^[-+.\d]+([KMBTkmbt])$", expand=False).str.upper()
        scale = suffix.map(_SCALE).astype("float64").fillna(1.0)
        text = text.str.replace(r"(?<=\d)[KMBTkmbt]$", "", regex=True)
    values = pd.to_numeric(text.where(~missing), errors="coerce").astype("float64") * scale
    return values, values.isna() & ~missing


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[PRICE_COLUMNS].copy()
    out["symbol"] = out["symbol"].astype(str)
    out["date"] = out["date"].astype("datetime64[ns]")
    for col in _FLOAT_COLUMNS:
        out[col] = out[col].astype("float64")
    out["source"] = out["source"].astype(str)
    return out.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": pd.Series([], dtype=str),
            "date": pd.Series([], dtype="datetime64[ns]"),
            **{c: pd.Series([], dtype="float64") for c in _FLOAT_COLUMNS},
            "source": pd.Series([], dtype=str),
        }
    )


def _problem(source: str, message: str, code: str = "unreadable") -> Problem:
    return Problem(source=source, level="warning", code=code, message=message)
