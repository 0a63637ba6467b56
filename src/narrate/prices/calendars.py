"""Trading calendars: which days an asset trades, from ``exchange_calendars``.

A calendar is named as in ``exchange_calendars`` ("XNYS", "XETR", "CMES", "24/7", "24/5") or by
one of its aliases ("NYSE", "NASDAQ", "COMEX"). Days are plain ``datetime.date`` values: a
session is labelled by its trade date (for CME futures, whose sessions open the evening before,
that is the date of the close, which is also how Yahoo labels its daily futures bars).

Calendars are built once per process for 1987-01-01..2027-12-31 (exchange_calendars' default is
only the last 20 years) and kept: building one takes up to a few tenths of a second.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import pandas as pd
import yaml

if TYPE_CHECKING:
    from narrate.records import CatalogEntity

FIRST_DAY = dt.date(1987, 1, 1)
LAST_DAY = dt.date(2027, 12, 31)


class CalendarError(ValueError):
    """An unknown calendar name or a day outside the supported range."""


@cache
def _mapping() -> dict:
    text = resources.files("narrate.prices").joinpath("calendars.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return {
        "symbols": {str(k): str(v) for k, v in (data.get("symbols") or {}).items()},
        # Longest suffix first, so ".SZ" is not shadowed by a shorter one that happens to match.
        "suffixes": sorted(
            ((str(k), str(v)) for k, v in (data.get("suffixes") or {}).items()),
            key=lambda kv: -len(kv[0]),
        ),
        "types": {str(k): str(v) for k, v in (data.get("types") or {}).items()},
        "default": str(data.get("default", "XNYS")),
    }


def calendar_name(entity: CatalogEntity) -> str:
    """The calendar whose sessions are the trading days of ``entity``.

    The entity's own ``exchange`` wins; otherwise its symbol, its symbol's Yahoo suffix
    (``=F`` futures, ``=X`` FX, ``-USD`` crypto, ``.DE`` Xetra, ...), its type, and finally
    the default (XNYS) decide. The table lives in ``prices/calendars.yaml``.
    """
    table = _mapping()
    if entity.exchange:
        return entity.exchange
    symbol = entity.symbol or ""
    if symbol in table["symbols"]:
        return table["symbols"][symbol]
    for suffix, name in table["suffixes"]:
        if symbol.upper().endswith(suffix.upper()) and len(symbol) > len(suffix):
            return name
    return table["types"].get(entity.type, table["default"])


@dataclass(frozen=True)
class _Sessions:
    """A calendar reduced to what the functions here need: its sorted session labels."""

    name: str
    sessions: pd.DatetimeIndex  # tz-naive midnights
    opens: pd.DatetimeIndex  # each session's first trading minute, UTC
    start: pd.Timestamp  # first day the calendar covers (its sessions may begin later)
    end: pd.Timestamp


@cache
def _calendar(name: str) -> _Sessions:
    import exchange_calendars as xcals  # slow to import (about 1 s); only when a calendar is used

    try:
        canonical = xcals.resolve_alias(name)
        factory = xcals.calendar_utils._default_calendar_factories[canonical]
    except (xcals.errors.InvalidCalendarName, KeyError):
        known = ", ".join(xcals.get_calendar_names(include_aliases=False))
        raise CalendarError(
            f"unknown trading calendar {name!r}; expected one of: {known}"
        ) from None
    # Some calendars record holidays only from a later year (XSHG from 1991): build from there
    # rather than fail, and answer days before it with a CalendarError.
    start, end = pd.Timestamp(FIRST_DAY), pd.Timestamp(LAST_DAY)
    if factory.bound_min() is not None:
        start = max(start, factory.bound_min().tz_localize(None))
    if factory.bound_max() is not None:
        end = min(end, factory.bound_max().tz_localize(None))
    with warnings.catch_warnings():
        # exchange_calendars uses pandas APIs that pandas 3 deprecates (DatetimeIndex.weekday):
        # harmless here, and hundreds of lines of noise in every caller's log.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        calendar = xcals.get_calendar(canonical, start=start, end=end)
    sessions = pd.DatetimeIndex(calendar.sessions).tz_localize(None).normalize()
    opens = pd.DatetimeIndex(calendar.opens).tz_convert("UTC")
    return _Sessions(name=name, sessions=sessions, opens=opens, start=start, end=end)


def _day(calendar: _Sessions, day: dt.date | str | pd.Timestamp, what: str = "day") -> pd.Timestamp:
    try:
        ts = pd.Timestamp(day)
    except (ValueError, TypeError):
        raise CalendarError(f"{what} {day!r} is not a date") from None
    if ts is pd.NaT:
        raise CalendarError(f"{what} {day!r} is not a date")
    if ts.tzinfo is not None:
        raise CalendarError(f"{what} {day!r} must be a calendar date without a time zone")
    ts = ts.normalize()
    if not (calendar.start <= ts <= calendar.end):
        raise CalendarError(
            f"{what} {ts.date()} is outside the range covered by calendar {calendar.name!r} "
            f"({calendar.start.date()}..{calendar.end.date()})"
        )
    return ts


def is_session(cal: str, day: dt.date) -> bool:
    """Whether ``day`` is a trading session of calendar ``cal``.

    Raises:
        CalendarError: unknown calendar, or a day outside 1987..2027 (or outside the years the
            calendar records, for the few that start later, such as XSHG in 1991).
    """
    calendar = _calendar(cal)
    ts = _day(calendar, day)
    pos = calendar.sessions.searchsorted(ts)
    return bool(pos < len(calendar.sessions) and calendar.sessions[pos] == ts)


def session_on_or_before(cal: str, day: dt.date) -> dt.date:
    """``day`` itself when it is a session, else the last session before it.

    Raises:
        CalendarError: unknown calendar, a day outside the calendar's range, or no session
            that early.
    """
    calendar = _calendar(cal)
    ts = _day(calendar, day)
    pos = calendar.sessions.searchsorted(ts, side="right")
    if pos == 0:
        raise CalendarError(f"no {cal} session on or before {ts.date()}")
    return calendar.sessions[pos - 1].date()


def session_opened_by(cal: str, when: dt.datetime) -> dt.date:
    """The last session that had opened at ``when``: the one trading then, or else the last one.

    A report stamped 07:51 in Frankfurt is about today's session in Tokyo (open since 02:00),
    but about yesterday's in Frankfurt (opens 09:00) and New York.

    Args:
        cal: Calendar name.
        when: A moment with a time zone.

    Raises:
        CalendarError: unknown calendar, ``when`` without a time zone or outside the calendar's
            range, or no session that early.
    """
    calendar = _calendar(cal)
    if when.tzinfo is None:
        raise CalendarError(f"moment {when!r} has no time zone")
    moment = pd.Timestamp(when).tz_convert("UTC")
    _day(calendar, moment.tz_localize(None))  # range check
    pos = calendar.opens.searchsorted(moment, side="right")
    if pos == 0:
        raise CalendarError(f"no {cal} session open by {moment}")
    return calendar.sessions[pos - 1].date()


def previous_session(cal: str, day: dt.date) -> dt.date:
    """The last session strictly before ``day`` (whether or not ``day`` is a session).

    Raises:
        CalendarError: unknown calendar, a day outside the calendar's range, or no session
            that early.
    """
    calendar = _calendar(cal)
    ts = _day(calendar, day)
    pos = calendar.sessions.searchsorted(ts, side="left")
    if pos == 0:
        raise CalendarError(f"no {cal} session before {ts.date()}")
    return calendar.sessions[pos - 1].date()


def next_session(cal: str, day: dt.date) -> dt.date:
    """The first session strictly after ``day``.

    Raises:
        CalendarError: unknown calendar, a day outside the calendar's range, or no session
            that late.
    """
    calendar = _calendar(cal)
    ts = _day(calendar, day)
    pos = calendar.sessions.searchsorted(ts, side="right")
    if pos >= len(calendar.sessions):
        raise CalendarError(f"no {cal} session after {ts.date()}")
    return calendar.sessions[pos].date()


def sessions_between(cal: str, start: dt.date, end: dt.date) -> list[dt.date]:
    """Sessions from ``start`` to ``end``, both inclusive, in order.

    Raises:
        CalendarError: unknown calendar, a day outside the calendar's range, or ``start``
            after ``end``.
    """
    calendar = _calendar(cal)
    first, last = _day(calendar, start, "start"), _day(calendar, end, "end")
    if first > last:
        raise CalendarError(f"start {first.date()} is after end {last.date()}")
    lo = calendar.sessions.searchsorted(first, side="left")
    hi = calendar.sessions.searchsorted(last, side="right")
    return [ts.date() for ts in calendar.sessions[lo:hi]]
