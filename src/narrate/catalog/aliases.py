"""Alias generation: listed company names -> the short forms news actually write.

The rules (legal forms, descriptors, stoplist) are data in `data/alias_rules.yaml` and
`data/stop_aliases.yaml`; the functions here are pure and take the rules as an argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from narrate.lang import read_yaml

# Parenthesised remarks in listed names ("PTC (software company)") are disambiguation notes from
# the source, never part of what a journalist writes. "(The)" is a legal-form marker, handled apart.
_REMARK = re.compile(r"\s*\((?!The\))[^)]*\)")
_TRAILING_JOINER = re.compile(r"(?:\s*,|\s+&|\s+and)\s*$")
_TICKER = re.compile(r"[A-Z]+")


class AliasRules(BaseModel):
    """Rules for generated aliases, read from `alias_rules.yaml` and `stop_aliases.yaml`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    legal_forms: tuple[str, ...]
    leading_articles: tuple[str, ...]
    descriptors: tuple[str, ...]
    min_short_length: int
    min_ticker_length: int
    genitive_skip_endings: tuple[str, ...]
    stop_aliases: frozenset[str] = frozenset()


class StopAlias(BaseModel):
    """One blocked alias; the reason is required so the list stays reviewable."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alias: str
    reason: str


@cache
def load_alias_rules() -> AliasRules:
    """Read the packaged alias rules and stoplist (cached: read-only package data)."""
    data = resources.files("narrate.catalog").joinpath("data")
    rules = read_yaml(data.joinpath("alias_rules.yaml").read_text(encoding="utf-8"))
    stops = read_yaml(data.joinpath("stop_aliases.yaml").read_text(encoding="utf-8"))
    stop_entries = [StopAlias.model_validate(entry) for entry in stops]
    return AliasRules.model_validate(
        {**rules, "stop_aliases": frozenset(entry.alias for entry in stop_entries)}
    )


def _strip_tail(name: str, tails: Iterable[str]) -> str:
    """Remove any of `tails` (whole words) from the end of `name`, repeatedly."""
    changed = True
    while changed:
        changed = False
        for tail in tails:
            if name.endswith(" " + tail) or name.endswith("," + tail):
                name = name[: -len(tail)].rstrip()
                name = _TRAILING_JOINER.sub("", name).rstrip()
                changed = True
    return name


def clean_name(name: str) -> str:
    """The listed name without source remarks in parentheses, whitespace normalized."""
    return " ".join(_REMARK.sub("", name).split())


def short_names(name: str, rules: AliasRules) -> list[str]:
    """Shortened forms of a listed company name, most specific first.

    Args:
        name: The listed name, e.g. "Palantir Technologies Inc.".
        rules: Alias rules.

    Returns:
        The names with legal forms stripped, then also with descriptors stripped
        (["Palantir Technologies", "Palantir"]); without the listed name itself, and without
        forms shorter than `rules.min_short_length`.
    """
    base = clean_name(name)
    for article in rules.leading_articles:
        if base.startswith(article):
            base = base[len(article) :]
    legal = _strip_tail(base, rules.legal_forms)
    described = _strip_tail(legal, rules.descriptors)
    result: list[str] = []
    for form in (legal, described):
        if form and form != name and len(form) >= rules.min_short_length and form not in result:
            result.append(form)
    return result


def ticker_alias(ticker: str, rules: AliasRules) -> str | None:
    """The ticker as an alias, or None when it is too short or not a plain upper-case symbol."""
    if len(ticker) < rules.min_ticker_length or not _TICKER.fullmatch(ticker):
        return None
    if ticker in rules.stop_aliases:
        return None
    return ticker


def company_aliases(name: str, ticker: str | None, rules: AliasRules) -> list[str]:
    """All generated aliases of one listed company (language-neutral), stoplist applied.

    Args:
        name: Listed name.
        ticker: Plain exchange ticker to use as an alias (e.g. "NVDA"), or None.
        rules: Alias rules.

    Returns:
        Unique aliases in a stable order: cleaned listed name, short names, ticker.
    """
    candidates = [clean_name(name), *short_names(name, rules)]
    if ticker:
        candidates.append(ticker_alias(ticker, rules) or "")
    result: list[str] = []
    for alias in candidates:
        if alias and alias not in rules.stop_aliases and alias not in result:
            result.append(alias)
    return result


def german_genitive(alias: str, rules: AliasRules) -> str | None:
    """German genitive of a name ("Nvidia" -> "Nvidias"), or None where German adds no -s.

    Names ending in s/x/z/ß take an apostrophe or nothing; names with digits or punctuation
    other than a hyphen ("Scout24", "Amazon.com", "E.ON") are left alone, as German writes
    them uninflected.
    """
    if not all(char.isalpha() or char == "-" for char in alias):
        return None
    if alias[-1] == "-" or alias[-1].lower() in rules.genitive_skip_endings:
        return None
    return alias + "s"
