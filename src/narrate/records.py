"""Typed records that cross module boundaries.

Data flows one way: Article -> (mentions: EntityMention, Quantity, DateMention) -> Event.
Every record is frozen and forbids unknown fields, so a typo is an error, not a silent column.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

EntityType = Literal[
    "company", "index", "commodity", "crypto", "currency", "yield", "future", "aggregate"
]
Direction = Literal["up", "down", "flat"]
Qualifier = Literal["almost", "more_than", "less_than", "about", "below", "above", "at_least"]
EventKind = Literal[
    "percent_change", "level", "absolute_change", "market_cap", "market_cap_change", "direction"
]
Period = Literal["day", "intraday", "week", "month", "quarter", "ytd", "year", "range", "since"]
DateBasis = Literal["explicit", "inferred"]


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Article(Record):
    """One input document, decoded, before any NLP."""

    id: str  # sha256 hex of the text
    source: str  # file path, "-" for stdin, or a caller-given name
    text: str
    title: str | None = None
    published: dt.date | None = None
    published_time: dt.time | None = None
    published_from: Literal["argument", "text"] | None = None
    encoding: str = "utf-8"


class CatalogEntity(Record):
    """One priced (or notable) thing the catalog knows."""

    id: str  # stable, e.g. "index:nasdaq_composite", "company:US67066G1040"
    name: str
    type: EntityType
    symbol: str | None = None  # Yahoo Finance symbol
    isin: str | None = None
    exchange: str | None = None  # calendar name for trading days, e.g. "XNYS", "XETR", "24/7"
    currency: str | None = None  # ISO 4217 code of the quote; "GBp" for London's pence quotes
    country: str | None = None  # ISO 3166 alpha-2 code of the issuer's ISIN, e.g. "DE"
    listings: list[str] = []  # other Yahoo symbols of the company, e.g. "SAP" (NYSE) for SAP.DE
    aliases: dict[str, list[str]] = {}  # language code ("de", "en", "any") -> surface forms


class EntityMention(Record):
    start: int  # character offsets into Article.text
    end: int
    text: str
    entity_id: str


QuantityUnit = Literal["%", "pp", "points", "currency", "number"]
QuantityRole = Literal["amount", "year", "duration", "ordinal", "date_part", "spelled"]


class Quantity(Record):
    """A number found in text, normalized; not yet interpreted as a move."""

    start: int
    end: int
    text: str
    value: float
    unit: QuantityUnit
    currency: str | None = None  # ISO code when unit == "currency", e.g. "USD"
    scaled: bool = False  # carried a scale word (Mrd., billion, ...): never a per-share price
    role: QuantityRole = "amount"  # years, durations and ordinals are found so they can be skipped


DateKind = Literal["weekday", "relative", "explicit", "range", "period"]


class DateMention(Record):
    """A date expression and the calendar date it resolves to, given the publication date."""

    start: int
    end: int
    text: str
    kind: DateKind
    date: dt.date | None = None  # the (last) day referred to; None when it cannot be resolved
    start_date: dt.date | None = None  # first day, for ranges and "since" periods
    period: Period | None = None


class Event(Record):
    """One (entity, move) claim found in one sentence of one article."""

    event_id: str
    article_id: str
    source: str
    lang: str
    published: dt.date | None
    entity_id: str
    entity_name: str
    entity_type: EntityType
    symbol: str | None
    isin: str | None
    mention: str
    kind: EventKind
    direction: Direction | None
    value: float | None  # magnitude as written (always >= 0); the sign is `direction`
    unit: str | None  # "%", "pp", "points", or an ISO currency code
    qualifier: Qualifier | None
    period: Period | None
    period_start: dt.date | None
    ref_date: dt.date | None
    date_basis: DateBasis | None
    sentence: str
    start: int  # evidence span (quantity or trigger) in the article text
    end: int
    confidence: float
    extractor: str  # rule id
    extractor_version: str
    sentiment_label: Literal["positive", "negative", "neutral"] | None = None
    sentiment_score: float | None = None


class UnlinkedEntity(Record):
    """A name that gives no events: one the NER model found that the catalog does not know
    ("not_in_catalog"), or an ambiguous alias without supporting context ("ambiguous": "Apple
    pie", "Next week"; see catalog/data/ambiguous.yaml)."""

    text: str
    start: int  # character offsets into Article.text
    end: int
    type: EntityType = "company"
    score: float | None = None  # the NER model's score; None for catalog decisions
    reason: Literal["not_in_catalog", "ambiguous"] = "not_in_catalog"
    candidates: list[str] = []  # entity ids the name may refer to (reason "ambiguous")
    model: str | None = None  # "name@version" of the NER model


ErrorCode = Literal[
    "not_found",
    "unreadable",
    "empty",
    "binary",
    "unsupported_language",
    "too_short",
    "internal",
    "malformed",  # a record in a JSON/JSONL/CSV/SGML file that cannot be read as an article
    "unsafe",  # an archive member refused: path escapes the archive, or a decompression bomb
    "unsupported",  # an input kind that is not read: nested archives, links, devices
]


class Problem(Record):
    """An input that could not be (fully) processed; reported, never dropped."""

    source: str
    level: Literal["error", "warning"]
    code: ErrorCode | Literal["decoded_fallback", "no_date"]
    message: str
    article_id: str | None = None


VerificationStatus = Literal["confirmed", "confirmed_intraday", "contradicted", "unverifiable"]
VerificationReason = Literal[
    "no_symbol",
    "no_date",
    "no_prices",
    "not_a_trading_day",
    "aggregate",
    "unsupported_kind",
    "currency_mismatch",
    "outside_tolerance",
    "wrong_direction",
]


class Verification(Record):
    """The check of one event against daily prices; joined to events on event_id."""

    event_id: str
    verification_status: VerificationStatus
    verification_reason: VerificationReason | None
    session: dt.date | None  # the trading day the claim was compared with
    observed_change_pct: float | None  # close-to-close (or period) change, in percent
    observed_close: float | None
    prev_close: float | None  # the close the change is measured from
    day_low: float | None
    day_high: float | None
    price_source: str | None  # the price file the bar came from
