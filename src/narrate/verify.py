"""Verify: move events + daily prices -> one verification per event, with the evidence.

Everything here is a vectorized table operation (pandas joins and numpy masks), so 100,000 events
against ten years of prices for 500 symbols take seconds. The semantics, with each tolerance and
why it has its value, are written out in the README ("How a move is checked"); the constants
below carry the same reasons in short.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from narrate.prices.calendars import calendar_name, sessions_between
from narrate.prices.store import PriceStore
from narrate.records import CatalogEntity, Event, Verification

# Percent changes: reporters round to one decimal and quote before the closing auction, and a
# second source can differ by a few hundredths: 0.15 points, or 10 % of the claim when larger.
PCT_ABS_TOL = 0.15
PCT_REL_TOL = 0.10
# "fast 3 %" is a move in [2.5, 3.0]: up to half a point (or a tenth) short of the figure.
ALMOST_SHORT_ABS = 0.5
ALMOST_SHORT_REL = 0.10
# "rund 3 %": a quarter point or 15 %, whichever is larger, either side.
ABOUT_ABS = 0.25
ABOUT_REL = 0.15
# "mehr als 6 %" / "weniger als 1 %": the bound itself, less rounding (0.05).
BOUND_SLACK = 0.05
# Levels: the quoted figure must lie in the day's [low, high], widened by 0.3 % for feed
# differences (index vs. futures quotes, late prints) and rounding ("107.000").
LEVEL_REL_TOL = 0.003
ABOUT_LEVEL_REL = 0.02
ALMOST_LEVEL_REL = 0.03
# A direction-only move ("weitete Verluste aus") is flat, not contradicted, within 0.05 %.
FLAT_PCT = 0.05
# A period base older than this before its intended day means the prices have a hole.
MAX_BASE_GAP_DAYS = 7

VERIFICATION_COLUMNS = list(Verification.model_fields)
DAILY_PERIODS = {None, "day", "intraday"}


def _entity_info(
    events: pd.DataFrame, entity: Callable[[str], CatalogEntity | None]
) -> tuple[pd.Series, pd.Series]:
    """Calendar name and quote currency per event, from the catalog (or the row's own fields)."""
    cals, currencies = {}, {}
    for entity_id, etype, symbol in (
        events[["entity_id", "entity_type", "symbol"]].drop_duplicates().itertuples(index=False)
    ):
        ent = entity(entity_id)
        if ent is None:  # a saved table from another catalog: rebuild what the calendar needs
            ent = CatalogEntity(
                id=entity_id, name=entity_id, type=etype, symbol=symbol if symbol else None
            )
        cals[entity_id] = calendar_name(ent)
        currencies[entity_id] = ent.currency
    return events["entity_id"].map(cals), events["entity_id"].map(currencies)


def _sessions(cal: str, start: dt.date, end: dt.date) -> np.ndarray:
    return np.array(sessions_between(cal, start, end), dtype="datetime64[D]")


def _locate_sessions(events: pd.DataFrame) -> pd.DataFrame:
    """For each event: the session it refers to, the session before it, and whether ref_date is one.

    An inferred date that falls on a closed day (a weekend article about Friday) moves back to
    the last session; an explicit one stays and is reported as not a trading day.
    """
    out = pd.DataFrame(
        {"session": pd.NaT, "prev_session": pd.NaT, "is_session": False}, index=events.index
    )
    dated = events["ref_date"].notna()
    if not dated.any():
        return out
    lo = events.loc[dated, "ref_date"].min() - dt.timedelta(days=400)
    hi = events.loc[dated, "ref_date"].max() + dt.timedelta(days=1)
    for cal, group in events[dated].groupby("calendar"):
        sessions = _sessions(cal, lo.date(), hi.date())
        days = group["ref_date"].to_numpy(dtype="datetime64[D]")
        pos = np.searchsorted(sessions, days, side="right") - 1  # last session on or before
        valid = pos >= 0
        on_or_before = np.where(valid, sessions[np.clip(pos, 0, None)], np.datetime64("NaT"))
        is_session = valid & (on_or_before == days)
        use = is_session | (group["date_basis"].to_numpy() == "inferred")
        session = np.where(use, on_or_before, np.datetime64("NaT"))
        prev = np.where(use & (pos >= 1), sessions[np.clip(pos - 1, 0, None)], np.datetime64("NaT"))
        out.loc[group.index, "session"] = pd.to_datetime(session)
        out.loc[group.index, "prev_session"] = pd.to_datetime(prev)
        out.loc[group.index, "is_session"] = is_session
    return out


def _period_base_day(events: pd.DataFrame) -> pd.Series:
    """The day whose close a period change is measured from (NaT for daily moves).

    A period with a first day (from the text, or week/month/quarter/year to date) is measured
    from the close before that day; "year" is the trailing twelve months.
    """
    ref = events["ref_date"]
    start = events["period_start"].copy()
    period = events["period"]
    dated = ref.notna()
    week = (period == "week") & start.isna() & dated
    start[week] = ref[week] - pd.to_timedelta(ref[week].dt.day_of_week, unit="D")
    month = (period == "month") & start.isna() & dated
    start[month] = ref[month].dt.to_period("M").dt.start_time
    quarter = (period == "quarter") & start.isna() & dated
    start[quarter] = ref[quarter].dt.to_period("Q").dt.start_time
    ytd = (period == "ytd") & start.isna() & dated
    start[ytd] = ref[ytd].dt.to_period("Y").dt.start_time
    base = (start - pd.Timedelta(days=1)).astype("datetime64[ns]")
    year = (period == "year") & start.isna() & dated
    base[year] = ref[year] - pd.DateOffset(years=1)
    base[period.isin(list(DAILY_PERIODS - {None})) | period.isna()] = pd.NaT
    return base


def _change_interval(
    value: np.ndarray, qualifier: np.ndarray, up: np.ndarray, absolute: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The signed interval of changes a claim allows, in the claim's own unit.

    Percent claims get the fixed floors (0.15 points, ...); absolute claims ("verlor 200 Punkte")
    only the relative parts, since a fixed number of points means nothing across assets.
    """
    m = value
    fixed = np.where(absolute, 0.0, 1.0)
    tol = np.maximum(PCT_ABS_TOL * fixed, PCT_REL_TOL * m)
    about = np.maximum(ABOUT_ABS * fixed, ABOUT_REL * m)
    short = np.maximum(ALMOST_SHORT_ABS * fixed, ALMOST_SHORT_REL * m)
    slack = np.maximum(BOUND_SLACK * fixed, 0.01 * m * (1 - fixed))
    q = qualifier
    conds = [
        q == "almost",
        np.isin(q, ["more_than", "at_least", "above"]),
        np.isin(q, ["less_than", "below"]),
        q == "about",
    ]
    lo = np.select(conds, [m - short, m - slack, np.zeros_like(m), m - about], m - tol)
    hi = np.select(conds, [m + slack, np.full_like(m, np.inf), m + slack, m + about], m + tol)
    lo = np.maximum(lo, 0.0)
    return np.where(up, lo, -hi), np.where(up, hi, -lo)


def _level_interval(value: np.ndarray, qualifier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The interval of prices a level claim needs the day's range to reach."""
    v = value
    q = qualifier
    conds = [
        np.isin(q, ["below", "less_than"]),
        np.isin(q, ["above", "more_than", "at_least"]),
        q == "about",
        q == "almost",
    ]
    lo = np.select(
        conds,
        [
            np.zeros_like(v),
            v * (1 - LEVEL_REL_TOL),
            v * (1 - ABOUT_LEVEL_REL),
            v * (1 - ALMOST_LEVEL_REL),
        ],
        v * (1 - LEVEL_REL_TOL),
    )
    hi = np.select(
        conds,
        [
            v * (1 + LEVEL_REL_TOL),
            np.full_like(v, np.inf),
            v * (1 + ABOUT_LEVEL_REL),
            v * (1 + LEVEL_REL_TOL),
        ],
        v * (1 + LEVEL_REL_TOL),
    )
    return lo, hi


def verify_frame(
    events: pd.DataFrame,
    store: PriceStore,
    entity: Callable[[str], CatalogEntity | None] = lambda _id: None,
) -> pd.DataFrame:
    """Check every event row against the store; one verification row per event, same order.

    Args:
        events: an event table (the columns of records.Event; extra columns are ignored).
        store: daily bars.
        entity: catalog lookup by entity id, for calendars and quote currencies.
    """
    ev = events.reset_index(drop=True).copy()
    n = len(ev)
    out = pd.DataFrame({"event_id": ev["event_id"] if n else pd.Series(dtype=str)})
    for col in VERIFICATION_COLUMNS[1:]:
        out[col] = None
    if n == 0:
        return out[VERIFICATION_COLUMNS]
    ev["ref_date"] = pd.to_datetime(ev["ref_date"]).astype("datetime64[ns]")
    ev["period_start"] = pd.to_datetime(ev["period_start"]).astype("datetime64[ns]")
    ev["value"] = pd.to_numeric(ev["value"], errors="coerce")
    for col in ("symbol", "qualifier", "period", "date_basis", "direction", "unit"):
        ev[col] = ev[col].where(ev[col].notna() & (ev[col].astype(str) != ""), None)
    ev["calendar"], ev["quote_currency"] = _entity_info(ev, entity)
    ev = pd.concat([ev, _locate_sessions(ev)], axis=1)
    for col in ("session", "prev_session"):
        ev[col] = pd.to_datetime(ev[col]).astype("datetime64[ns]")

    bars = store.frame.sort_values(["symbol", "date"]).reset_index(drop=True)
    bars = bars.rename(columns={"source": "price_file"})
    bars["date"] = bars["date"].astype("datetime64[ns]")
    bars["prev_close"] = bars.groupby("symbol")["close"].shift(1)
    bars["prev_adj_close"] = bars.groupby("symbol")["adj_close"].shift(1)
    bars["prev_date"] = bars.groupby("symbol")["date"].shift(1)
    day = ev.merge(
        bars[
            [
                "symbol",
                "date",
                "close",
                "low",
                "high",
                "prev_close",
                "prev_date",
                "price_file",
                "adj_close",
                "prev_adj_close",
            ]
        ],
        left_on=["symbol", "session"],
        right_on=["symbol", "date"],
        how="left",
    )
    # A hole in the data (yesterday missing) must not turn a two-day move into a one-day one.
    day.loc[day["prev_date"] != day["prev_session"], "prev_close"] = np.nan
    low = day["low"].fillna(day["close"]).to_numpy(float, copy=True)
    high = day["high"].fillna(day["close"]).to_numpy(float, copy=True)
    close = day["close"].to_numpy(float)
    prev_close = day["prev_close"].to_numpy(float, copy=True)
    # A stock split halves the raw close overnight; where the raw change is huge and the
    # adjusted one is not, the previous close is restated in today's terms.
    with np.errstate(invalid="ignore", divide="ignore"):
        adj = day["adj_close"].to_numpy(float)
        prev_adj = day["prev_adj_close"].to_numpy(float)
        raw_move = np.abs(close / prev_close - 1.0)
        adj_move = np.abs(adj / prev_adj - 1.0)
        split = (raw_move > 0.3) & (adj_move < 0.5 * raw_move)
        prev_close = np.where(split, prev_adj * close / adj, prev_close)

    # Period moves are measured from the close before the period, found with an as-of join.
    base_day = _period_base_day(ev)
    is_period = base_day.notna().to_numpy()
    open_base = np.full(n, np.nan)
    if is_period.any():
        probe = pd.DataFrame({"symbol": ev["symbol"], "base_day": base_day, "row": np.arange(n)})
        probe = probe[is_period & ev["symbol"].notna().to_numpy()].sort_values("base_day")
        asof = pd.merge_asof(
            probe,
            bars[["symbol", "date", "close"]].sort_values("date"),
            left_on="base_day",
            right_on="date",
            by="symbol",
            direction="backward",
        )
        fresh = (asof["base_day"] - asof["date"]) <= pd.Timedelta(days=MAX_BASE_GAP_DAYS)
        base_close = np.full(n, np.nan)
        base_close[asof["row"].to_numpy()] = np.where(fresh, asof["close"], np.nan)
        prev_close = np.where(is_period, base_close, prev_close)
        # Some desks measure "seit Wochenbeginn" from the period's first open, not the close
        # before it (finanzen.net does); either base is accepted.
        first = pd.merge_asof(
            probe.assign(day_after=probe["base_day"] + pd.Timedelta(days=1)).sort_values(
                "day_after"
            ),
            bars[["symbol", "date", "open"]].sort_values("date"),
            left_on="day_after",
            right_on="date",
            by="symbol",
            direction="forward",
        )
        soon = (first["date"] - first["day_after"]) <= pd.Timedelta(days=MAX_BASE_GAP_DAYS)
        open_base[first["row"].to_numpy()] = np.where(soon, first["open"], np.nan)

    kind = ev["kind"].to_numpy(object)
    # A level over a period ("Jahreshoch bei 19.253 Punkten") must lie in the period's range.
    period_level = (kind == "level") & is_period & ev["symbol"].notna().to_numpy()
    period_level &= ev["session"].notna().to_numpy()
    if period_level.any():
        rows = np.flatnonzero(period_level)
        probe = pd.DataFrame(
            {
                "row": rows,
                "symbol": ev["symbol"].to_numpy()[rows],
                "lo": base_day.to_numpy()[rows],
                "hi": ev["session"].to_numpy()[rows],
            }
        )
        span = probe.merge(bars[["symbol", "date", "low", "high", "close"]], on="symbol")
        span = span[(span["date"] > span["lo"]) & (span["date"] <= span["hi"])]
        extremes = (
            span.assign(
                low=span["low"].fillna(span["close"]), high=span["high"].fillna(span["close"])
            )
            .groupby("row")
            .agg(low=("low", "min"), high=("high", "max"))
        )
        low[extremes.index.to_numpy()] = extremes["low"].to_numpy()
        high[extremes.index.to_numpy()] = extremes["high"].to_numpy()
    value = ev["value"].to_numpy(float)
    qualifier = ev["qualifier"].to_numpy(object)
    up = (ev["direction"] == "up").to_numpy()
    down = (ev["direction"] == "down").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        change_pct = (close / prev_close - 1.0) * 100.0
        change_abs = close - prev_close
        low_pct = (low / prev_close - 1.0) * 100.0
        high_pct = (high / prev_close - 1.0) * 100.0

    # Claims as intervals in the unit they are stated in.
    is_pct = kind == "percent_change"
    # A yield is quoted in percent, so its change in percentage (or basis) points is the
    # difference of two quotes, like index points; elsewhere "pp" has no price to compare.
    claim_unit = ev["unit"].to_numpy(object)
    yield_pp = (ev["entity_type"] == "yield").to_numpy() & (claim_unit == "pp")
    is_abs = (kind == "absolute_change") & (~np.isin(claim_unit, ["%", "pp"]) | yield_pp)
    observed = np.where(is_abs, change_abs, change_pct)
    obs_lo = np.where(is_abs, low - prev_close, low_pct)
    obs_hi = np.where(is_abs, high - prev_close, high_pct)
    claim_lo, claim_hi = _change_interval(value, qualifier, up, is_abs)
    with np.errstate(invalid="ignore", divide="ignore"):
        alt_change = np.where(is_abs, close - open_base, (close / open_base - 1.0) * 100.0)
        alt_lo = np.where(is_abs, low - open_base, (low / open_base - 1.0) * 100.0)
        alt_hi = np.where(is_abs, high - open_base, (high / open_base - 1.0) * 100.0)

    is_dir = kind == "direction"
    claim_lo = np.where(is_dir, np.where(up, -FLAT_PCT, -np.inf), claim_lo)
    claim_hi = np.where(is_dir, np.where(up, np.inf, FLAT_PCT), claim_hi)
    is_change = is_pct | is_abs | is_dir

    level_lo, level_hi = _level_interval(value, qualifier)
    is_level = kind == "level"

    with np.errstate(invalid="ignore"):
        close_ok = (observed >= claim_lo) & (observed <= claim_hi)
        # Reported during the day: the claim lies on the path from the base close to the day's
        # low or high (also for week/month/year-to-date figures quoted before the close).
        intraday_ok = (obs_hi >= claim_lo) & (obs_lo <= claim_hi)
        close_ok |= (alt_change >= claim_lo) & (alt_change <= claim_hi)
        intraday_ok |= (alt_hi >= claim_lo) & (alt_lo <= claim_hi)
        level_ok = (high >= level_lo) & (low <= level_hi)
        sign_wrong = np.where(up, observed < -FLAT_PCT, np.where(down, observed > FLAT_PCT, False))

    # Why a claim cannot be checked, first reason wins.
    etype = ev["entity_type"].to_numpy(object)
    unit = ev["unit"].to_numpy(object)
    currency = ev["quote_currency"].to_numpy(object)
    level_currency_mismatch = (
        is_level
        & pd.notna(currency)
        & pd.notna(unit)
        & ~np.isin(unit, ["points", "%", "pp"])
        & (unit != currency)
    ) | (is_level & (etype == "index") & (unit != "points"))
    open_ended = (
        ev["period"].isin(["range", "since"]).to_numpy() & ev["period_start"].isna().to_numpy()
    )
    has_date = ev["ref_date"].notna().to_numpy() & ~open_ended
    no_prices = np.isnan(close) | (is_change & np.isnan(prev_close))
    unverifiable = [
        (etype == "aggregate", "aggregate"),
        (ev["symbol"].isna().to_numpy(), "no_symbol"),
        (
            ~np.isin(kind, ["percent_change", "absolute_change", "direction", "level"])
            | (kind == "absolute_change") & ~is_abs,
            "unsupported_kind",
        ),
        (~has_date, "no_date"),
        (ev["session"].isna().to_numpy() & has_date, "not_a_trading_day"),
        (level_currency_mismatch, "currency_mismatch"),
        (no_prices, "no_prices"),
    ]
    reason = np.full(n, None, dtype=object)
    for mask, why in reversed(unverifiable):
        reason = np.where(mask, why, reason)
    checkable = pd.isna(reason)

    status = np.full(n, "unverifiable", dtype=object)
    confirmed = checkable & ((is_change & close_ok) | (is_level & level_ok))
    intraday = checkable & ~confirmed & is_change & intraday_ok
    contradicted = checkable & ~confirmed & ~intraday
    status[confirmed] = "confirmed"
    status[intraday] = "confirmed_intraday"
    status[contradicted] = "contradicted"
    reason = np.where(
        contradicted,
        np.where(is_change & sign_wrong, "wrong_direction", "outside_tolerance"),
        reason,
    )

    evidence = checkable | (reason == "no_prices")
    out["verification_status"] = status
    out["verification_reason"] = reason
    out["session"] = pd.to_datetime(ev["session"]).dt.date.where(ev["session"].notna(), None)
    out["observed_change_pct"] = np.where(evidence, np.round(change_pct, 4), np.nan)
    out["observed_close"] = np.where(evidence, close, np.nan)
    out["prev_close"] = np.where(evidence, prev_close, np.nan)
    out["day_low"] = np.where(evidence, day["low"].to_numpy(float), np.nan)
    out["day_high"] = np.where(evidence, day["high"].to_numpy(float), np.nan)
    out["price_source"] = day["price_file"].where(day["price_file"].notna() & evidence, None)
    return out[VERIFICATION_COLUMNS]


def verify(
    events: Sequence[Event],
    store: PriceStore,
    entity: Callable[[str], CatalogEntity | None] = lambda _id: None,
) -> list[Verification]:
    """Typed wrapper around verify_frame for a list of Event records."""
    frame = pd.DataFrame([e.model_dump() for e in events], columns=list(Event.model_fields))
    table = verify_frame(frame, store, entity)
    table = table.astype(object).where(table.notna(), None)
    return [Verification(**row) for row in table.to_dict("records")]
