"""Numbers and their units in German and English text, normalized to `Quantity` records.

One regular expression per language is built from `lang/<code>/numbers.yaml` on first use and run
over the whole text with `finditer`; Python code only runs per match, never per token, because
the pipeline budget is about 2 µs per word.

Conventions, so callers know what a `Quantity` means:

- `value` is the magnitude as written, normalized: "2,6 Milliarden" -> 2.6e9, "50 cents" -> 0.5.
  Signs ("-2,3 %", "+1,2 %", "minus 2 Prozent") are never part of the value or the span; they are
  left in the text just before `start`, where the moves module reads direction words anyway.
- `unit` is one of `records.QuantityUnit`: "%" (also "3%ige", "3-prozentige"), "pp" (percentage
  points; basis points are converted: 50 bp -> 0.5 pp), "points" (index points), "currency"
  (with an ISO `currency`; coins such as Cent are converted to the main unit) or "number".
- `scaled` is True when a scale word (Mio., Mrd., billion, bn, "$200m") multiplied the number.
- `role` lets callers skip numbers that are not amounts: "year" (a bare 1900-2100, or a fiscal
  year such as "2025/26"), "duration" (a number before a time unit: "seit 7 Tagen", "40 years";
  unit "number"), "ordinal" ("Nr. 1", "Platz 2", "im 3. Quartal", "3rd"), "date_part" (a whole
  date expression such as "3. Februar", "February 5", "3.2.2026"; `value` is the day of month).
- Ranges share a unit: in "2 bis 3 Prozent", "2-3 %", "2 to 3 billion dollars" the first number
  takes the unit, currency, scale and role of the second; its span still covers only "2".
- Not returned at all: numbers inside names ("S&P 500", "Nasdaq 100", "iPhone 17"), numbers glued
  to letters ("G7", "A350", "Covid-19", "Q3"), and clock times ("9.30 Uhr", "10:30").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from narrate import lang as lang_data
from narrate.records import Quantity, QuantityRole, QuantityUnit

# A bare four-digit number in this range is far more often a year than an amount in news text.
_YEAR_MIN, _YEAR_MAX = 1900, 2100

_SPACE = r"[ \t\u00a0\u202f]"
# Between a number and its scale or unit: "5 %", "5%", "3-prozentige", "52-Wochen-Hoch".
_SEP = rf"{_SPACE}{{0,2}}-?"
# A number must not start in the middle of another one ("1.4000"); a letter right before
# ("A350", "Covid-19", "forty-five") is excluded once for the whole pattern (_TOKEN_START).
_START = r"(?=\d)(?<!\d[.,])"
# Quantities start a token: not after a letter ("A350") or a letter and hyphen ("Covid-19").
_TOKEN_START = r"(?<!\w)(?<![^\W\d_]-)"
_NO_LETTER = r"(?![^\W\d_])"
# "2025/26": a fiscal year, reported as role "year" with the first year as value.
_FISCAL_YEAR = r"(?:19|20)\d\d/(?:\d\d|(?:19|20)\d\d)(?!\d)"

# Scale words are keyed by meaning in the language files, so "Billion" (de) sits under trillion.
_SCALES = {
    "hundred": Decimal(10) ** 2,
    "thousand": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
}

_UNIT_KINDS: dict[str, tuple[QuantityUnit, Decimal, QuantityRole]] = {
    "percent": ("%", Decimal(1), "amount"),
    "percentage_points": ("pp", Decimal(1), "amount"),
    # A basis point is a hundredth of a percentage point; one unit lets moves compare them.
    "basis_points": ("pp", Decimal("0.01"), "amount"),
    "points": ("points", Decimal(1), "amount"),
    "duration": ("number", Decimal(1), "duration"),
}


@dataclass(frozen=True)
class _Unit:
    unit: QuantityUnit
    factor: Decimal = Decimal(1)
    currency: str | None = None
    role: QuantityRole = "amount"


@dataclass(frozen=True)
class _Grammar:
    """Everything compiled from one language's numbers.yaml."""

    pattern: re.Pattern[str]
    decimal: str
    group: str
    scales: dict[str, Decimal]
    units: dict[str, _Unit]
    prefixes: dict[str, str]
    words: dict[str, Decimal]
    dates: tuple[re.Pattern[str], ...]
    joiners: frozenset[str]


def find_quantities(text: str, lang: str, offset: int = 0) -> list[Quantity]:
    """Find every number in `text` and normalize it with its unit.

    Args:
        text: A sentence or a whole article.
        lang: Language code ("de" or "en"); decides separators, scale words and unit names.
        offset: Added to every start and end, for callers that pass a slice of a larger text.

    Returns:
        Quantities sorted by start; spans never overlap. See the module docstring for what
        `value`, `unit`, `scaled` and `role` mean and which numbers are left out.

    Raises:
        narrate.lang.UnsupportedLanguage: `lang` has no language data.
    """
    grammar = _grammar(lang)
    found = []
    multipliers = []  # scale and unit factor of each amount, for ranges such as "2 bis 3 Mrd."
    for match in grammar.pattern.finditer(text):
        quantity, multiplier = _to_quantity(match, grammar, text, offset)
        if quantity is not None:
            found.append(quantity)
            multipliers.append(multiplier)
    return _share_range_units(found, multipliers, text, offset, grammar.joiners)


def _share_range_units(
    found: list[Quantity],
    multipliers: list[Decimal],
    text: str,
    offset: int,
    joiners: frozenset[str],
) -> list[Quantity]:
    """Give "2" in "2 bis 3 Prozent" the unit (and scale) of the number it is joined to."""
    for i in range(len(found) - 2, -1, -1):
        first, second = found[i], found[i + 1]
        if first.unit != "number" or first.role != "amount" or second.role == "date_part":
            continue
        if second.role not in ("amount", "duration"):
            continue
        if second.unit == "number" and second.role != "duration":
            continue
        between = text[first.end - offset : second.start - offset]
        joiner = _key(between)
        if joiner not in joiners:
            continue
        if not joiner[:1].isalnum() and between[:1].isspace() != between[-1:].isspace():
            continue  # "18.000 -2 %": a sign before the second number, not a range dash
        found[i] = first.model_copy(
            update={
                "value": float(Decimal(repr(first.value)) * multipliers[i + 1]),
                "unit": second.unit,
                "currency": second.currency,
                "scaled": second.scaled,
                "role": second.role,
            }
        )
    return found


def _to_quantity(
    match: re.Match[str], grammar: _Grammar, text: str, offset: int
) -> tuple[Quantity | None, Decimal]:
    """The quantity for one scanner match (None for names and times), and its multiplier."""
    kind = match.lastgroup
    start, end = match.span()
    if kind == "amount":
        return _amount(match, grammar, text, offset)
    if kind == "date":
        role: QuantityRole = "date_part"
        value = _day_of_month(match.group(), grammar)
    elif kind == "fiscal":
        role, value = "year", int(match.group()[:4])
    elif kind == "ordinal":
        role, value = "ordinal", int(_DIGITS.search(match.group()).group())  # type: ignore[union-attr]
    else:  # names and clock times are recognized only so that their digits are not amounts
        return None, _ONE
    quantity = Quantity(
        start=start + offset,
        end=end + offset,
        text=text[start:end],
        value=value,
        unit="number",
        role=role,
    )
    return quantity, _ONE


_DIGITS = re.compile(r"\d+")
_ONE = Decimal(1)


def _amount(
    match: re.Match[str], grammar: _Grammar, text: str, offset: int
) -> tuple[Quantity, Decimal]:
    number = match["num"]
    if number is not None:
        value = _parse_number(number, grammar.decimal, grammar.group)
        number_start = match.start("num")
    elif match["word"] is not None:
        value = grammar.words[_key(match["word"])]
        number_start = match.start("word")
    else:
        value = Decimal(1)
        number_start = match.start("one")
    scale = match["scale"]
    multiplier = grammar.scales[_key(scale)] if scale is not None else _ONE
    prefix = match["pre"]
    unit_form = match["unit"]
    spec = grammar.units[_key(unit_form)] if unit_form is not None else None
    start, end = match.span()
    currency = None
    role: QuantityRole = "amount"
    if spec is not None and spec.unit != "currency":
        # "USD 1,2 %": the percent decides; the code before it is a label, not this number's unit.
        start = number_start
        unit, role = spec.unit, spec.role
        multiplier *= spec.factor
    elif spec is not None:
        unit, currency = "currency", grammar.prefixes[_key(prefix)] if prefix else spec.currency
        multiplier *= spec.factor
    elif prefix is not None:
        unit, currency = "currency", grammar.prefixes[_key(prefix)]
    else:
        unit = "number"
        if scale is None and number is not None and len(number) == 4 and number.isdigit():
            if _YEAR_MIN <= int(number) <= _YEAR_MAX:
                role = "year"
    quantity = Quantity(
        start=start + offset,
        end=end + offset,
        text=text[start:end],
        value=float(value * multiplier),
        unit=unit,
        currency=currency,
        scaled=scale is not None,
        role=role,
    )
    return quantity, multiplier


def _parse_number(raw: str, decimal: str, group: str) -> Decimal:
    """Read digits with the language's separators; exact, so 16,4 Mio. is 16400000, not ...98."""
    raw = raw.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if group in raw:
        head = raw.split(decimal, 1)[0].split(group)
        if len(head[0]) <= 3 and all(len(part) == 3 for part in head[1:]):
            raw = raw.replace(group, "")
        else:
            # The regex only lets one non-3-digit group through: a decimal written the other
            # language's way ("1.4" in German, "1,4" in English).
            raw = raw.replace(group, ".")
    return Decimal(raw.replace(decimal, "."))


def _day_of_month(date_text: str, grammar: _Grammar) -> int:
    for pattern in grammar.dates:
        found = pattern.fullmatch(date_text)
        if found is not None:
            return int(found["day"])
    raise AssertionError(f"date {date_text!r} matched the scanner but no date pattern")


def _key(form: str) -> str:
    """Lookup key of a surface form: case and spacing do not matter."""
    return " ".join(form.casefold().split())


_REQUIRED_KEYS = {
    "decimal_separator", "group_separator", "scales", "currency_scales", "units", "currencies",
    "currency_prefixes", "subunits", "number_words", "one_words", "name_numbers", "name_words",
    "ordinal_prefixes", "ordinal_suffixes", "ordinal_patterns", "months", "date_patterns",
    "time_patterns", "space_grouping", "range_joiners",
}  # fmt: skip


@cache
def _grammar(lang: str) -> _Grammar:
    data = lang_data.load(lang, "numbers")
    missing = _REQUIRED_KEYS - data.keys()
    if missing:
        raise ValueError(f"lang/{lang}/numbers.yaml lacks keys {sorted(missing)}")
    unknown = data["units"].keys() - _UNIT_KINDS.keys()
    if unknown:
        raise ValueError(f"lang/{lang}/numbers.yaml: unknown unit kinds {sorted(unknown)}")
    units: dict[str, _Unit] = {}
    for kind, forms in data["units"].items():
        unit, factor, role = _UNIT_KINDS[kind]
        _add_forms(units, forms, _Unit(unit, factor, None, role), lang)
    for code, forms in data["currencies"].items():
        _add_forms(units, forms, _Unit("currency", Decimal(1), code), lang)
    for sub in data["subunits"]:
        coin = _Unit("currency", _decimal(sub["factor"]), sub["currency"])
        _add_forms(units, sub["forms"], coin, lang)
    number_words = data["number_words"]
    months = _alternation(data["months"], fold=False)
    # Month names are matched as written, so the verb "may" is not the month "May".
    date_sources = [p.replace("{month}", f"(?-i:{months})") for p in data["date_patterns"]]
    return _Grammar(
        pattern=_scanner(data, date_sources),
        decimal=data["decimal_separator"],
        group=data["group_separator"],
        scales=_by_form(data["scales"], _SCALES) | _by_form(data["currency_scales"], _SCALES),
        units=units,
        prefixes=_by_form(data["currency_prefixes"], {c: c for c in data["currency_prefixes"]}),
        words=_by_form(number_words, {k: _decimal(k) for k in number_words}),
        dates=tuple(re.compile(p, re.IGNORECASE) for p in date_sources),
        joiners=frozenset(_key(j) for j in data["range_joiners"]),
    )


def _scanner(data: dict[str, Any], date_sources: list[str]) -> re.Pattern[str]:
    """The one pattern that finds every quantity; its top-level group names the kind."""
    # Regexes are built from the forms as written: a casefolded "dreissig" would miss "dreißig".
    measures = {k: v for k, v in data["units"].items() if k != "duration"}
    measure_forms = [*_flat(measures), *_flat(data["currencies"])]
    unit_forms = [*_flat(data["units"]), *_flat(data["currencies"])]
    unit_forms += [form for sub in data["subunits"] for form in sub["forms"]]
    scale_forms = _flat(data["scales"])
    scale_re = _alternation(scale_forms)
    any_scale_re = _alternation([*scale_forms, *_flat(data["currency_scales"])])
    unit_re = _alternation(unit_forms)
    g, d = re.escape(data["group_separator"]), re.escape(data["decimal_separator"])
    space_context = (
        "" if data["space_grouping"] == "always" else rf"(?={_SEP}(?:{scale_re}|{unit_re}))"
    )
    digits = (
        rf"\d{{1,3}}(?:{g}\d{{3}})+(?!\d)(?:{d}\d+)?"
        rf"|\d{{1,3}}(?:[\u00a0\u202f]\d{{3}})+(?!\d)(?:{d}\d+)?"
        # "300 000 GBP"; where the language data asks for it, only right before a scale or unit.
        rf"|\d{{1,3}}(?: \d{{3}})+(?!\d)(?:{d}\d+)?{space_context}"
        rf"|\d+{g}(?:\d{{1,2}}|\d{{4,}})(?!\d)"
        rf"|\d+(?:{d}\d+)?"
    )
    amount = (
        # "USD115" is a code glued to its number: a prefix may be followed by digits.
        rf"(?:(?P<pre>{_alternation(_flat(data['currency_prefixes']), end=_NO_LETTER)})"
        rf"{_SPACE}?)?"
        rf"(?:(?(pre)|{_START})(?P<num>{digits})"
        rf"|(?P<word>{_alternation(_flat(data['number_words']))})"
        rf"|(?P<one>{_alternation(data['one_words'])}))"
        rf"(?:{_SEP}(?P<scale>(?(pre){any_scale_re}|{scale_re})))?"
        rf"(?:{_SEP}(?P<unit>{unit_re}))?"
        # Number words count only with a scale or unit: "zwei Milliarden", not "zwei Firmen".
        r"(?(word)(?(scale)|(?(unit)|(?!))))"
        r"(?(one)(?(scale)|(?!)))"
        r"(?!\w)"
    )
    name = (
        rf"{_alternation(data['name_numbers'], name=True)}"
        rf"(?![.,]\d)(?!{_SEP}{_alternation(measure_forms)})"
        rf"|{_alternation(data['name_words'])}{_SPACE}?-?\d+(?:[.,]\d+)*(?!\w)"
    )
    ordinal = (
        rf"{_alternation(data['ordinal_prefixes'])}{_SPACE}?\d+(?![.,]?\d)(?!\w)"
        rf"|{_START}\d+{_alternation(data['ordinal_suffixes'])}(?!\w)"
        rf"|{_START}(?:{'|'.join(data['ordinal_patterns']) or '(?!)'})"
    )
    time = "|".join(data["time_patterns"]) or "(?!)"
    date = "|".join(p.replace("(?P<day>", "(?:") for p in date_sources) or "(?!)"
    return re.compile(
        # Every quantity starts a token; testing that once here, before any branch, lets the
        # scanner drop mid-word positions (most of the text) at the cost of one look-behind.
        rf"{_TOKEN_START}(?:"
        rf"(?P<name>{name})"
        rf"|(?P<time>{_START}(?:{time}))"
        rf"|(?P<date>{date})"
        rf"|(?P<fiscal>{_START}{_FISCAL_YEAR})"
        rf"|(?P<ordinal>{ordinal})"
        rf"|(?P<amount>{amount})"
        r")",
        re.IGNORECASE,
    )


def _add_forms(units: dict[str, _Unit], forms: list[str], spec: _Unit, lang: str) -> None:
    for form in forms:
        key = _key(form)
        if key in units and units[key] != spec:
            raise ValueError(f"lang/{lang}/numbers.yaml: unit form {form!r} has two meanings")
        units[key] = spec


def _flat(forms_by_key: dict[Any, list[str]]) -> list[str]:
    return [form for forms in forms_by_key.values() for form in forms]


def _by_form(forms_by_key: dict[Any, list[str]], values: dict[Any, Any]) -> dict[str, Any]:
    """Lookup table from each surface form (see `_key`) to the value of its key."""
    return {_key(form): values[key] for key, forms in forms_by_key.items() for form in forms}


def _decimal(value: Any) -> Decimal:
    # repr() of a YAML float ("1.5", "0.01") is the shortest exact spelling of what was written.
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _alternation(
    forms: Iterable[str], *, name: bool = False, fold: bool = True, end: str = r"(?!\w)"
) -> str:
    """Regex alternation of literal forms, compiled as a trie.

    A trie makes a failing attempt cost one branch on the first character instead of one try per
    form, which is what keeps the scan near 1 µs per word. At each node the continuations come
    before the end of a form, so the longest form wins ("Prozentpunkte" over "Prozent").
    A form ending in a letter or digit must be followed by `end`, by default the end of the word
    ("Euro" is not the start of "Europa").
    A space in a form matches any run of spaces, or for names (`name`) an optional space or
    hyphen ("Nasdaq-100"). With `fold`, forms are lowercased (the pattern ignores case);
    without it, they are matched as written.
    """
    trie: dict[str, Any] = {}
    for form in forms:
        node = trie
        text = form.lower() if fold else form
        for token in re.findall(r"\s+|.", text):
            node = node.setdefault(" " if token.isspace() else token, {})
        node[""] = text[-1].isalnum() or text[-1] == "_"
    if not trie:
        return "(?!)"
    gap = rf"(?:{_SPACE}|-)?" if name else rf"{_SPACE}+"
    return _trie_regex(trie, gap, end)


def _trie_regex(node: dict[str, Any], gap: str, end: str) -> str:
    branches = [
        (gap if token == " " else re.escape(token)) + _trie_regex(child, gap, end)
        for token, child in sorted(node.items())
        if token
    ]
    if "" in node:
        branches.append(end if node[""] else "")
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
