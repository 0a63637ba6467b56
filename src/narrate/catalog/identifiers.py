"""Finding entities by the codes news print next to names: RICs, exchange tickers, ISINs.

"Exxon Mobil Corp <XOM.N>", "Nvidia (NASDAQ: NVDA)", "ISIN DE0007164600": a code links its
company whatever name the text uses, as long as the code maps to a symbol (primary or another
listing) or ISIN in the catalog. Which exchange codes mean which Yahoo suffix is data
(`data/identifiers.yaml`). A RIC that maps to no catalog entry still identifies its company
("Wizz Air <WIZZ.L>": `coded_companies`, `coded_entity`, used by Catalog.coded); other codes
that map to nothing are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from narrate.catalog.codes import isin_is_valid
from narrate.lang import read_yaml
from narrate.records import CatalogEntity, EntityMention

# A RIC root: upper-case letters and digits, a lower-case share-class letter ("SIEGn", "BRKb")
# and an optional "_p" (preference share) may follow.
_RIC = re.compile(
    r"<(?P<root>[A-Z0-9][A-Z0-9&]{0,7}?)(?P<cls>[a-z])?(?:_[a-z])?\.(?P<ex>[A-Z]{1,3})>"
)
_ISIN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[A-Z0-9]{9}[0-9](?![A-Za-z0-9])")


# The id prefix of an entity made from the RIC of a company the catalog does not know.
RIC_ENTITY_PREFIX = "company:ric:"
_BARE_RIC = re.compile(_RIC.pattern[1:-1])
# The name a RIC follows: capitalised words (and "&") right before it, e.g. "Macy's Inc" in
# "Department store chain Macy's Inc <M.N>"; a lower-case word, comma or bracket ends it.
_NAME_BEFORE = re.compile(
    r"(?<![\w&'’.\-])(?:[A-Z0-9][\w&'’.\-]*)(?:[ \t]+(?:[A-Z0-9][\w&'’.\-]*|&))*[ \t]*$"
)


@dataclass(frozen=True)
class RicMarket:
    exchange: str  # calendar name
    currency: str
    yahoo_root: bool  # RIC roots there are Yahoo tickers


@dataclass(frozen=True)
class CodedCompany:
    """A RIC in text whose company the catalog does not know."""

    ric: str  # "WIZZ.L"
    code: tuple[int, int]  # span of "<WIZZ.L>"
    name: tuple[int, int] | None  # span of the name before it ("Wizz Air"), if any


@dataclass(frozen=True)
class IdentifierRules:
    ric_suffixes: Mapping[str, str]
    exchange_prefixes: Mapping[str, str]
    ric_markets: Mapping[str, RicMarket]


@cache
def load_identifier_rules() -> IdentifierRules:
    """Read data/identifiers.yaml (cached: read-only package data)."""
    text = (
        resources.files("narrate.catalog")
        .joinpath("data", "identifiers.yaml")
        .read_text(encoding="utf-8")
    )
    data = read_yaml(text)
    return IdentifierRules(
        ric_suffixes={str(k): str(v or "") for k, v in data["ric_suffixes"].items()},
        exchange_prefixes={str(k): str(v or "") for k, v in data["exchange_prefixes"].items()},
        ric_markets={str(k): RicMarket(**v) for k, v in data["ric_markets"].items()},
    )


class IdentifierMatcher:
    """Codes in text -> catalog entities.

    Args:
        entities: The catalog's entities; their symbols, listings and ISINs are the keys.
        rules: Exchange suffixes and prefixes (data/identifiers.yaml).
    """

    def __init__(self, entities: Iterable[CatalogEntity], rules: IdentifierRules) -> None:
        self._symbols: dict[str, str] = {}
        self._isins: dict[str, str] = {}
        for entity in entities:
            if entity.isin:
                self._isins[entity.isin] = entity.id
            # The primary symbol wins over another company's secondary listing.
            for symbol in entity.listings:
                self._symbols.setdefault(symbol, entity.id)
        for entity in entities:
            if entity.symbol:
                self._symbols[entity.symbol] = entity.id
        self._rules = rules
        prefixes = "|".join(
            re.escape(p) for p in sorted(rules.exchange_prefixes, key=len, reverse=True)
        )
        self._prefixed = re.compile(
            rf"\((?P<prefix>{prefixes})\s*:\s*(?P<ticker>[A-Z0-9][A-Z0-9.\-]{{0,7}})\)"
        )

    def _symbol(self, ticker: str, suffix: str) -> str | None:
        for candidate in (ticker + suffix, ticker.replace(".", "-") + suffix):
            if candidate in self._symbols:
                return self._symbols[candidate]
        return None

    def _ric_entity_id(self, m: re.Match[str]) -> str | None:
        suffix = self._rules.ric_suffixes.get(m["ex"])
        if suffix is None:
            return None
        return self._symbol(_ticker(m), suffix)

    def coded_companies(self, text: str) -> list[CodedCompany]:
        """RICs of companies the catalog does not know, on markets of `ric_markets`, in text
        order, each with the name written right before it."""
        found = []
        for m in _RIC.finditer(text):
            if m["ex"] not in self._rules.ric_markets or self._ric_entity_id(m) is not None:
                continue
            name = _NAME_BEFORE.search(text, max(0, m.start() - 80), m.start())
            span = None
            if name is not None:
                words = name.group().rstrip()
                span = (name.start(), name.start() + len(words))
            found.append(CodedCompany(m.group()[1:-1], m.span(), span))
        return found

    def coded_entity(self, ric: str, name: str | None = None) -> CatalogEntity | None:
        """The entity of a RIC the catalog does not know: "company:ric:WIZZ.L", with the Yahoo
        symbol where the market's RIC roots are Yahoo tickers; None for a malformed RIC or a
        market not in `ric_markets`."""
        m = _BARE_RIC.fullmatch(ric)
        market = self._rules.ric_markets.get(m["ex"]) if m else None
        if m is None or market is None:
            return None
        suffix = self._rules.ric_suffixes.get(m["ex"], "")
        symbol = None
        if market.yahoo_root and not (m["cls"] and suffix):
            symbol = _ticker(m) + suffix
        return CatalogEntity(
            id=RIC_ENTITY_PREFIX + ric,
            name=name or ric,
            type="company",
            symbol=symbol,
            exchange=market.exchange,
            currency=market.currency,
            aliases={"any": [ric]},
        )

    def find_with_spans(self, text: str) -> list[tuple[EntityMention, tuple[int, int]]]:
        """Mentions of codes that name a catalog entity, in text order, each with the span of the
        whole code: "(NASDAQ: NVDA)" names Nvidia with "NVDA"; its "NASDAQ" is no mention of the
        index."""
        found: list[tuple[EntityMention, tuple[int, int]]] = []
        for m in _RIC.finditer(text):
            entity_id = self._ric_entity_id(m)
            if entity_id:
                found.append((_mention(text, m.start(), m.end(), entity_id), m.span()))
        for m in self._prefixed.finditer(text):
            entity_id = self._symbol(m["ticker"], self._rules.exchange_prefixes[m["prefix"]])
            if entity_id:
                mention = _mention(text, m.start("ticker"), m.end("ticker"), entity_id)
                found.append((mention, m.span()))
        for m in _ISIN.finditer(text):
            entity_id = self._isins.get(m.group())
            if entity_id and isin_is_valid(m.group()):
                found.append((_mention(text, m.start(), m.end(), entity_id), m.span()))
        return sorted(found, key=lambda pair: (pair[0].start, pair[0].end))


def _ticker(ric: re.Match[str]) -> str:
    """A RIC's root with its share class as Yahoo writes it: "BRKb.N" is BRK-B, "ERICb.ST"
    ERIC-B."""
    return f"{ric['root']}-{ric['cls'].upper()}" if ric["cls"] else ric["root"]


def _mention(text: str, start: int, end: int, entity_id: str) -> EntityMention:
    return EntityMention(start=start, end=end, text=text[start:end], entity_id=entity_id)


def merge_mentions(
    names: list[EntityMention], codes: list[tuple[EntityMention, tuple[int, int]]]
) -> list[EntityMention]:
    """Alias mentions plus code mentions; a code's span replaces the alias matches inside it
    ("XOM" in "<XOM.N>", "NASDAQ" in "(NASDAQ: NVDA)")."""
    if not codes:
        return names
    spans = [span for _, span in codes]
    kept = [n for n in names if not any(s < n.end and n.start < e for s, e in spans)]
    return sorted([*kept, *(mention for mention, _ in codes)], key=lambda e: (e.start, e.end))
