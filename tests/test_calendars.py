"""Trading calendars: holidays, weekends, 24/7 and 24/5 markets, the symbol -> calendar table."""

from __future__ import annotations

import datetime as dt

import pytest

from narrate.prices.calendars import (
    CalendarError,
    calendar_name,
    is_session,
    next_session,
    previous_session,
    session_on_or_before,
    session_opened_by,
    sessions_between,
)
from narrate.records import CatalogEntity

D = dt.date
BERLIN = dt.timezone(dt.timedelta(hours=2))  # CEST


@pytest.mark.parametrize(
    ("cal", "day", "expected"),
    [
        ("XNYS", D(2026, 1, 19), False),  # Martin Luther King Jr. Day
        ("XNYS", D(2025, 12, 25), False),  # Christmas
        ("XNYS", D(2025, 11, 27), False),  # Thanksgiving
        ("XNYS", D(2026, 2, 11), True),
        ("XNYS", D(2026, 2, 7), False),  # Saturday
        ("XNYS", D(2026, 2, 8), False),  # Sunday
        ("XNYS", D(1987, 10, 19), True),  # Black Monday: open, and inside the supported range
        ("XNAS", D(2026, 1, 19), False),  # an alias of XNYS in exchange_calendars
        ("XETR", D(2024, 10, 3), True),  # Tag der Deutschen Einheit: Xetra trades
        ("XETR", D(2024, 12, 24), False),  # Heiligabend: Xetra closed
        ("XETR", D(2024, 12, 31), False),  # Silvester: Xetra closed
        ("XETR", D(2025, 4, 18), False),  # Good Friday
        ("XETR", D(2025, 6, 9), True),  # Whit Monday: Xetra trades
        ("XEUR", D(2024, 12, 24), False),
        ("XLON", D(2025, 8, 25), False),  # UK summer bank holiday
        ("CMES", D(2026, 4, 3), False),  # Good Friday: CME closed
        ("CMES", D(2025, 12, 25), False),
        ("CMES", D(2026, 1, 19), True),  # MLK day: Globex trades, early close
        ("24/7", D(2026, 2, 8), True),  # crypto trades on a Sunday
        ("24/7", D(2025, 12, 25), True),
        ("24/5", D(2026, 2, 8), False),  # FX: no Sunday bar
        ("24/5", D(2026, 2, 9), True),
    ],
)
def test_is_session(cal: str, day: dt.date, expected: bool) -> None:
    assert is_session(cal, day) is expected


def test_previous_session_before_monday_is_friday() -> None:
    assert previous_session("XNYS", D(2026, 2, 9)) == D(2026, 2, 6)
    assert previous_session("XETR", D(2026, 2, 9)) == D(2026, 2, 6)


def test_previous_session_skips_holiday() -> None:
    # Tuesday after MLK day: the session before is Friday, not the holiday Monday.
    assert previous_session("XNYS", D(2026, 1, 20)) == D(2026, 1, 16)
    # 27 Dec 2024 (Friday) at Xetra: 24-26 Dec closed, previous session is Monday 23 Dec.
    assert previous_session("XETR", D(2024, 12, 27)) == D(2024, 12, 23)


def test_previous_session_of_non_session_day() -> None:
    assert previous_session("XNYS", D(2026, 2, 8)) == D(2026, 2, 6)  # Sunday
    assert previous_session("24/7", D(2026, 2, 8)) == D(2026, 2, 7)


def test_session_on_or_before() -> None:
    assert session_on_or_before("XNYS", D(2026, 2, 11)) == D(2026, 2, 11)
    assert session_on_or_before("XNYS", D(2026, 2, 8)) == D(2026, 2, 6)
    assert session_on_or_before("XNYS", D(2026, 1, 19)) == D(2026, 1, 16)
    assert session_on_or_before("24/7", D(2026, 2, 8)) == D(2026, 2, 8)


def test_next_session() -> None:
    assert next_session("XNYS", D(2026, 1, 16)) == D(2026, 1, 20)


def test_sessions_between() -> None:
    days = sessions_between("XNYS", D(2026, 1, 15), D(2026, 1, 21))
    assert days == [D(2026, 1, 15), D(2026, 1, 16), D(2026, 1, 20), D(2026, 1, 21)]
    assert all(isinstance(d, dt.date) for d in days)
    assert sessions_between("XNYS", D(2026, 2, 7), D(2026, 2, 8)) == []  # a weekend
    assert len(sessions_between("24/7", D(2026, 2, 1), D(2026, 2, 28))) == 28


def test_full_range_is_available() -> None:
    assert is_session("XNYS", D(1987, 1, 2))
    assert is_session("XNYS", D(2027, 12, 31))
    assert len(sessions_between("XNYS", D(1987, 1, 1), D(2027, 12, 31))) > 10_000


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: is_session("XXXX", D(2026, 1, 2)), "unknown trading calendar 'XXXX'"),
        (lambda: is_session("XNYS", D(1980, 1, 2)), "outside the range"),
        (lambda: is_session("XNYS", D(2031, 1, 2)), "outside the range"),
        (lambda: is_session("XNYS", "not a date"), "is not a date"),
        (lambda: sessions_between("XNYS", D(2026, 2, 2), D(2026, 2, 1)), "is after end"),
        (lambda: previous_session("XNYS", D(1987, 1, 1)), "no XNYS session before"),
        # Shanghai's holidays are recorded from 1991 only: the calendar still builds.
        (lambda: is_session("XSHG", D(1988, 1, 4)), "outside the range"),
    ],
)
def test_bad_input_is_a_message(call, fragment: str) -> None:
    with pytest.raises(CalendarError, match=fragment):
        call()


def _entity(symbol: str | None, type_: str, exchange: str | None = None) -> CatalogEntity:
    return CatalogEntity(
        id=f"{type_}:{symbol}", name=str(symbol), type=type_, symbol=symbol, exchange=exchange
    )


@pytest.mark.parametrize(
    ("symbol", "type_", "exchange", "expected"),
    [
        ("NVDA", "company", "XNAS", "XNAS"),  # the catalog's exchange wins
        ("SAP.DE", "company", None, "XETR"),
        ("NVDA", "company", None, "XNYS"),
        ("^GSPC", "index", None, "XNYS"),
        ("^IXIC", "index", None, "XNYS"),
        ("^DJI", "index", None, "XNYS"),
        ("^NDX", "index", None, "XNYS"),
        ("^RUT", "index", None, "XNYS"),
        ("^SOX", "index", None, "XNYS"),
        ("^VIX", "index", None, "XNYS"),
        ("^GDAXI", "index", None, "XETR"),
        ("^MDAXI", "index", None, "XETR"),
        ("^TECDAX", "index", None, "XETR"),
        ("^SDAXI", "index", None, "XETR"),
        ("^STOXX50E", "index", None, "XEUR"),
        ("^FTSE", "index", None, "XLON"),
        ("^N225", "index", None, "XTKS"),
        ("^FCHI", "index", None, "XPAR"),
        ("^SSMI", "index", None, "XSWX"),
        ("^STOXX", "index", None, "XEUR"),
        ("FTSEMIB.MI", "index", None, "XMIL"),
        ("^FTMC", "index", None, "XLON"),
        ("^IBEX", "index", None, "XMAD"),
        ("^AEX", "index", None, "XAMS"),
        ("^ATX", "index", None, "XWBO"),
        ("^GSPTSE", "index", None, "XTSE"),
        ("^AXJO", "index", None, "XASX"),
        ("^NSEI", "index", None, "XBOM"),
        ("^BSESN", "index", None, "XBOM"),
        ("^TWII", "index", None, "XTAI"),
        ("^BVSP", "index", None, "BVMF"),
        ("GC=F", "commodity", None, "CMES"),
        ("SI=F", "commodity", None, "CMES"),
        ("CL=F", "commodity", None, "CMES"),
        ("BTC-USD", "crypto", None, "24/7"),
        ("EURUSD=X", "currency", None, "24/5"),
        (None, "crypto", None, "24/7"),
        (None, "aggregate", None, "XNYS"),
    ],
)
def test_calendar_name(symbol, type_, exchange, expected) -> None:
    assert calendar_name(_entity(symbol, type_, exchange)) == expected


def test_every_mapped_calendar_exists() -> None:
    from narrate.prices.calendars import _mapping

    table = _mapping()
    names = set(table["symbols"].values()) | {v for _, v in table["suffixes"]}
    names |= set(table["types"].values()) | {table["default"]}
    for name in sorted(names):
        assert isinstance(is_session(name, D(2025, 6, 2)), bool), name


@pytest.mark.parametrize(
    ("cal", "moment", "expected"),
    [
        # Thursday 26 Sep 2024, 07:51 in Frankfurt: Tokyo, Hong Kong and Shanghai trade today
        # already; Xetra (09:00) and New York (15:30) have not opened, so yesterday's is the last.
        ("XTKS", dt.datetime(2024, 9, 26, 7, 51, tzinfo=BERLIN), D(2024, 9, 26)),
        ("XHKG", dt.datetime(2024, 9, 26, 7, 51, tzinfo=BERLIN), D(2024, 9, 26)),
        ("XETR", dt.datetime(2024, 9, 26, 7, 51, tzinfo=BERLIN), D(2024, 9, 25)),
        ("XETR", dt.datetime(2024, 9, 26, 9, 0, tzinfo=BERLIN), D(2024, 9, 26)),
        ("XNYS", dt.datetime(2024, 9, 26, 12, 0, tzinfo=BERLIN), D(2024, 9, 25)),
        ("XNYS", dt.datetime(2024, 9, 26, 15, 30, tzinfo=BERLIN), D(2024, 9, 26)),
        ("24/7", dt.datetime(2024, 9, 28, 7, 51, tzinfo=BERLIN), D(2024, 9, 28)),
        # Saturday morning: Friday's session for an exchange
        ("XETR", dt.datetime(2024, 9, 28, 10, 0, tzinfo=BERLIN), D(2024, 9, 27)),
    ],
)
def test_session_opened_by(cal, moment, expected) -> None:
    assert session_opened_by(cal, moment) == expected


def test_session_opened_by_needs_a_time_zone() -> None:
    with pytest.raises(CalendarError, match="no time zone"):
        session_opened_by("XETR", dt.datetime(2024, 9, 26, 7, 51))
