"""Assemble: sentence-level moves -> article-level Event records with dates and provenance.

A move that names its own date keeps it (date_basis "explicit"). One that does not inherits the
article's narrative date, the day the report is about, as news-time taggers (HeidelTime,
TimeML's document-creation-time anchoring) do: the date its explicitly dated moves refer to most
often, else the publication date. Such dates are marked "inferred". Without either there is no
date: never the machine's clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections import Counter
from collections.abc import Callable, Sequence

from narrate import __version__
from narrate.extractors.moves import PREVIOUS_LEVEL_RULE, RULES_VERSION, Move
from narrate.lang import load
from narrate.prices.calendars import (
    CalendarError,
    calendar_name,
    session_on_or_before,
    session_opened_by,
)
from narrate.records import Article, CatalogEntity, Event

EXTRACTOR_VERSION = f"{__version__}/{RULES_VERSION}"


# A report's own day lies within a week before publication; an explicit date further back
# ("am letzten Handelstag im August, dem 30.08.2024") is a reference point, not its subject.
NARRATIVE_WINDOW = dt.timedelta(days=7)


# Reports stamped with a time of day: from the European cash open on they report that day's
# trading; before it (a morning briefing) the last completed weekday's.
MARKET_OPEN = dt.time(9, 0)


def _weekday_before(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def narrative_date(
    moves: Sequence[Move], published: dt.date | None, published_time: dt.time | None = None
) -> dt.date | None:
    """The day an article reports on.

    With a publication time: the publication day from the open on, else the weekday before.
    Without one: the date its moves name most often within a week before publication (the
    publication date when none does).
    """
    if published is not None and published_time is not None:
        return published if published_time >= MARKET_OPEN else _weekday_before(published)
    dated = [
        m.date.date
        for m in moves
        if m.date is not None and m.date.date is not None and m.rule != PREVIOUS_LEVEL_RULE
    ]
    if published is not None:
        dated = [d for d in dated if published - NARRATIVE_WINDOW <= d <= published]
    if dated:
        counts = Counter(dated)
        best = max(counts.values())
        return next(d for d in dated if counts[d] == best)  # ties: the first one mentioned
    return published


def _last_session(entity: CatalogEntity, day: dt.date) -> dt.date:
    try:
        return session_on_or_before(calendar_name(entity), day)
    except CalendarError:  # outside the calendar's years: keep the calendar day
        return day


def _publication_zone(lang: str) -> zoneinfo.ZoneInfo:
    """The time zone a date line's time of day is read in (lang/<code>/dates.yaml)."""
    return zoneinfo.ZoneInfo(load(lang, "dates")["date_line"]["default_time_zone"])


def _inferred_session(
    entity: CatalogEntity, narrative: dt.date, article: Article, lang: str
) -> dt.date:
    """The session an undated move is about.

    With a publication time, the asset's last session that had opened by then: a German
    morning report (07:51) gives today's close in Tokyo and Shanghai but yesterday's for the Dax
    and Wall Street. Without one, the asset's last session on or before the narrative date (a
    report published on a weekend or holiday is about the asset's last session before it:
    Friday's for the Dax on Saturday; Sunday's own for bitcoin).
    """
    if article.published is not None and article.published_time is not None:
        moment = dt.datetime.combine(
            article.published, article.published_time, tzinfo=_publication_zone(lang)
        )
        try:
            return session_opened_by(calendar_name(entity), moment)
        except CalendarError:
            pass  # outside the calendar's years: the narrative date, counted in weekdays
    return _last_session(entity, narrative)


def event_id(article_id: str, move: Move) -> str:
    key = f"{article_id}:{move.start}:{move.end}:{move.entity_id}:{move.kind}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def assemble(
    article: Article,
    lang: str,
    moves: Sequence[Move],
    entity: Callable[[str], CatalogEntity],
) -> list[Event]:
    """Turn the moves of one article into Event records, in text order."""
    narrative = narrative_date(moves, article.published, article.published_time)
    events = []
    for move in moves:
        ent = entity(move.entity_id)
        if move.date is not None and move.date.date is not None:
            ref_date, basis = move.date.date, "explicit"
            period_start = move.date.start_date
            if move.date.kind == "relative" and move.date.period in (None, "day"):
                # "gestern"/"am Vortag" in a Monday report mean Friday's session, and after a
                # holiday the session before it: counted in the asset's trading days.
                ref_date = _last_session(ent, ref_date)
        elif move.historic:
            ref_date, basis, period_start = None, None, None
        elif narrative is not None:
            ref_date = _inferred_session(ent, narrative, article, lang)
            basis, period_start = "inferred", None
        else:
            ref_date, basis, period_start = None, None, None
        events.append(
            Event(
                event_id=event_id(article.id, move),
                article_id=article.id,
                source=article.source,
                lang=lang,
                published=article.published,
                entity_id=ent.id,
                entity_name=ent.name,
                entity_type=ent.type,
                symbol=ent.symbol,
                isin=ent.isin,
                mention=article.text[move.mention_start : move.mention_end],
                kind=move.kind,
                direction=move.direction,
                value=move.value,
                unit=move.unit,
                qualifier=move.qualifier,
                period=move.period,
                period_start=period_start,
                ref_date=ref_date,
                date_basis=basis,
                sentence=" ".join(article.text[move.sentence_start : move.sentence_end].split()),
                start=move.start,
                end=move.end,
                confidence=move.confidence,
                extractor=move.rule,
                extractor_version=EXTRACTOR_VERSION,
            )
        )
    return events
