"""Numbers and their units in German and English text, normalized to `Quantity` records.

One regular expression per language is built from `lang/<code>/numbers.yaml` on first use and run
over the whole text with `finditer`; Python code only runs per match, never per token, because
the pipeline budget is about 2 µs per word.

Conventions, so callers know what a `Quantity` means:

- `value` is the magnitude as written, normalized: "2,6 Milliarden" -> 2.6e9, "50 cents" -> 0.5.
  Signs ("-2,3 %", "+1,2 %", "minus 2 Prozent", "$-99.99") are never part of the value or the
  span; they are left in the text just before `start`, where the moves module reads direction
  words anyway.
- `unit` is one of `records.QuantityUnit`: "%" (also "3%ige", "3-prozentige"), "pp" (percentage
  points; basis points are converted: 50 bp -> 0.5 pp), "points" (index points), "currency"
  (with an ISO `currency`; coins such as Cent are converted to the main unit) or "number".
- `scaled` is True when a scale word (Mio., Mrd., billion, bn, "$200m") multiplied the number.
- `role` lets callers skip numbers that are not amounts: "year" (a bare 1900-2100, a fiscal
  year or span such as "2025/26" or "2013-14", or a decade: "the 1960s"), "duration" (a number
  before a time unit: "seit 7 Tagen", "40 years"; unit "number"), "ordinal" ("Nr. 1", "Platz
  2", "im 3. Quartal", "3rd"), "date_part" (a whole date expression such as "3. Februar",
  "February 5", "3.2.2026"; `value` is the day of month),
  "spelled" (a number spelled out without a unit or scale word: "zwei", "one hundred and six",
  "two thirds"; found, but as often prose ("one of them") as an amount, so moves skip it).
- Ranges share a unit: in "2 bis 3 Prozent", "2-3 %", "2 to 3 billion dollars" the first number
  takes the unit, currency, scale and role of the second; its span still covers only "2". A
  first number with its own magnitude takes only the unit ("2.09 billion and 1.722 billion
  dlrs", "500,000 and one mln dlrs").
- Fractions and ratios are one quantity: "7-3/8 pct" (7.375 %), "5/8 point", "2½", "two thirds
  of a million", "27 out of 34" (a plain number, 27/34). Slash fractions are proper with the
  denominators prices are written with, so "24/7", "KW 39/24" and dates stay apart.
- Not returned at all: numbers inside names ("S&P 500", "Nasdaq 100", "iPhone 17"), numbers glued
  to letters ("G7", "A350", "Covid-19", "Q3"), and clock times ("9.30 Uhr", "10:30").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Any

from narrate import lang as lang_data
from narrate.extractors.regex_tools import branch_optionals
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
# "2025/26", "2013-14": a fiscal year or a span of years, and "the 1960s": a decade; reported as
# role "year" with the first year as value.
_FISCAL_YEAR = (
    r"(?:19|20)\d\d/(?:\d\d|(?:19|20)\d\d)(?!\d)"
    r"|(?:19|20)\d\d[-–]\d\d(?!\d|[.,]\d)"
    r"|(?:19|20)\d0s(?!\w)"
)
# A web address: its digits ("?id=305", "%2D9114") are no quantities, so it is skipped whole.
_URL = r"https?://[^\s<>\"']+"

# Vulgar-fraction characters ("½", "2¾"); Unicode gives their values, so no language lists them.
_VULGAR = {c: Fraction(unicodedata.numeric(c)).limit_denominator(10) for c in "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"}
# Slash fractions are read only where they are proper ("3/4", "5/8", "13/16"; not "24/7",
# "39/24" or "60/40") and have a denominator that fractions are written with: 2 to 10, the
# binary steps of bond and share prices (16, 32, 64), or numerator 1 ("1/40"). A date needs a
# day over 12 or a year ("4/22", "3/4/2026"): the date patterns claim those first.
_SLASH_FRACTIONS = [
    *(f"{n}/{d}" for d in (*range(2, 11), 16, 32, 64) for n in range(1, d)),
    *(f"1/{d}" for d in range(11, 100) if d not in (16, 32, 64)),
    "1/100",
    "1/1000",
]

# Scale words are keyed by meaning in the language files, so "Billion" (de) sits under trillion.
_SCALES = {
    "dozen": Decimal(12),
    "hundred": Decimal(10) ** 2,
    "thousand": Decimal(10) ** 3,
    "lakh": Decimal(10) ** 5,
    "million": Decimal(10) ** 6,
    "crore": Decimal(10) ** 7,
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
    prefix_factors: dict[str, Decimal]
    spelled: dict[str, tuple[str, Decimal]]
    spelled_token: re.Pattern[str]
    dates: tuple[re.Pattern[str], ...]
    joiners: frozenset[str]
    change_joiners: frozenset[str]
    ratio_joiners: frozenset[str]
    clause_ratio_joiners: frozenset[str]
    quotient_joiners: frozenset[str]
    percent_of: re.Pattern[str] | None
    word_prefix: re.Pattern[str] | None
    word_prefixes: dict[str, str]


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
    _add_coins(found, multipliers, text, offset, grammar.change_joiners)
    _join_ratios(found, multipliers, text, offset, grammar)
    _share_range_units(found, multipliers, text, offset, grammar.joiners)
    if grammar.percent_of is not None:
        _add_percent_before(found, text, offset, grammar.percent_of)
    if grammar.word_prefix is not None:
        _add_currency_names_before(found, text, offset, grammar)
    return found


def _add_currency_names_before(
    found: list[Quantity], text: str, offset: int, grammar: _Grammar
) -> None:
    """ "dollar 22.5 million": a currency name right before digits with a scale word is their
    currency. Without a scale word the name ends a phrase ("against the dollar 2015 was ...",
    "the dollar 110 yen"), so the number is not its amount. Done here, for the few scaled
    numbers, rather than in the scanner, where trying the names before every word costs more.
    """
    for i, quantity in enumerate(found):
        if quantity.unit != "number" or not quantity.scaled or quantity.role != "amount":
            continue
        start = quantity.start - offset
        if not text[start].isdigit():
            continue  # "the dollars thousand of times": digits only
        name = grammar.word_prefix.search(text, max(0, start - 24), start)  # type: ignore[union-attr]
        if name is None or (i and found[i - 1].end > name.start() + offset):
            continue
        found[i] = quantity.model_copy(
            update={
                "start": name.start() + offset,
                "text": text[name.start() : quantity.end - offset],
                "unit": "currency",
                "currency": grammar.word_prefixes[_key(name["name"])],
            }
        )


def _add_percent_before(
    found: list[Quantity], text: str, offset: int, percent_of: re.Pattern[str]
) -> None:
    """ "percent of 10" at the start of a clause, with the number ending it, is 10 %.

    Anywhere else "percent of" introduces a base ("5 percent of 200 staff", "a large percent of
    10,000 staff"), so a word or number before the percent word, or a word after the number,
    leaves the number alone.
    """
    for i, quantity in enumerate(found):
        if quantity.unit != "number" or quantity.role not in ("amount", "spelled"):
            continue
        start = quantity.start - offset
        if not text[max(0, start - 4) : start].rstrip().lower().endswith("of"):
            continue  # the cheap test first: this runs for every plain number
        head = percent_of.search(text, max(0, start - 40), start)
        if head is None or not _CLAUSE_END.match(text, quantity.end - offset):
            continue
        found[i] = quantity.model_copy(
            update={
                "start": head.start("percent") + offset,
                "text": text[head.start("percent") : quantity.end - offset],
                "unit": "%",
                "role": "amount",
            }
        )


def _add_coins(
    found: list[Quantity],
    multipliers: list[Decimal],
    text: str,
    offset: int,
    joiners: frozenset[str],
) -> None:
    """Coins join the whole amount before them: "3 dollars 50 cents", "15 Dollar und 15"."""
    for i in range(len(found) - 2, -1, -1):
        first, second = found[i], found[i + 1]
        if first.unit != "currency" or multipliers[i] != 1 or first.value != int(first.value):
            continue
        between = _key(text[first.end - offset : second.start - offset])
        if between and between not in joiners:
            continue
        if second.unit == "currency" and multipliers[i + 1] < 1 and second.value < 1:
            coins = Decimal(repr(second.value))  # "50 cents": already 0.5 of the main unit
        elif (
            second.unit == "number"
            and second.role in ("amount", "spelled")
            and not second.scaled
            and second.value == int(second.value)
            and 1 <= second.value <= 99
            and _coins_end(text, second.end - offset, joiners)
        ):
            coins = Decimal(int(second.value)) / 100  # "15 dollars 50." (end of a clause)
        else:
            continue
        found[i] = first.model_copy(
            update={
                "end": second.end,
                "text": text[first.start - offset : second.end - offset],
                "value": float(Decimal(repr(first.value)) + coins),
            }
        )
        del found[i + 1]
        del multipliers[i + 1]


def _coins_end(text: str, at: int, joiners: frozenset[str]) -> bool:
    """Whether bare coins may end at `at`: no word follows ("15 dollars 50."), or only a change
    joiner ("one dollar and one and one point ...")."""
    word = _WORD_NEXT.match(text, at)
    return word is None or _key(word.group()) in joiners


_WORD_NEXT = re.compile(r"[ \t\u00a0\u202f]*[^\W\d_]+")
# The end of a clause: the end of the text or a punctuation mark that is no decimal point.
_CLAUSE_END = re.compile(r"[ \t\u00a0\u202f]*(?:$|[;:!?)\]]|[.,](?!\d))")


def _join_ratios(
    found: list[Quantity], multipliers: list[Decimal], text: str, offset: int, grammar: _Grammar
) -> None:
    """ "one out of three", "1 over 20": the first plain number divided by the second.

    Only plain numbers are joined, never a year, a duration or a unit after the second one, so
    "rose 120 over three days" and "fell 2 in 2024" stay apart; "over" and "in" join only at the
    end of a clause (`clause_ratio_joiners`): "one in five Americans" is left as two numbers. A
    part is never larger than its whole ("8 in 5" stays apart), except after `quotient_joiners`.
    """
    for i in range(len(found) - 2, -1, -1):
        first, second = found[i], found[i + 1]
        if first.unit != "number" or first.role not in ("amount", "spelled", "year"):
            continue
        if first.scaled:
            continue  # "100 million out of 500 million players": two counts, kept apart
        if second.unit != "number" or second.role not in ("amount", "spelled"):
            continue
        if not second.value:
            continue
        joiner = _key(text[first.end - offset : second.start - offset])
        if joiner not in grammar.ratio_joiners:
            if joiner not in grammar.clause_ratio_joiners:
                continue
            if not _CLAUSE_END.match(text, second.end - offset):
                continue
        elif first.role == "year":
            continue
        if first.value > second.value and joiner not in grammar.quotient_joiners:
            continue  # "12 out of 10": no part of a whole
        spelled = first.role != "amount" and second.role == "spelled"
        found[i] = first.model_copy(
            update={
                "end": second.end,
                "text": text[first.start - offset : second.end - offset],
                "value": float(Decimal(repr(first.value)) / Decimal(repr(second.value))),
                "scaled": False,
                "role": "spelled" if spelled else "amount",
            }
        )
        del found[i + 1]
        del multipliers[i + 1]


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
        if first.unit != "number" or first.role not in ("amount", "spelled"):
            continue
        if second.role == "date_part":
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
        factor, scaled = multipliers[i + 1], second.scaled
        written = Decimal(repr(second.value)) / factor if factor else Decimal(0)
        if first.scaled or Decimal(repr(first.value)) > 100 * written:
            # "2.09 billion and 1.722 billion dlrs", "500,000 and one mln dlrs", "2,227,000 or
            # four cts": the first number has its own magnitude and takes only the unit.
            factor, scaled = _ONE, first.scaled
        found[i] = first.model_copy(
            update={
                "value": float(Decimal(repr(first.value)) * factor),
                "unit": second.unit,
                "currency": second.currency,
                "scaled": scaled,
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
) -> tuple[Quantity | None, Decimal]:
    number = match["num"]
    word_scale = None
    word_scaled = word_large = False
    if number is not None:
        value = _parse_number(number, grammar.decimal, grammar.group)
        number_start = match.start("num")
    elif match["frac"] is not None:
        value = _parse_fraction(match)
        number_start = match.start("frac")
    elif match["word"] is not None or match["mixed"] is not None:
        # "3 hundred and 21", "4 thousand 3 hundred": digits read as parts of a spelled number
        group = "word" if match["word"] is not None else "mixed"
        parsed = _parse_spelled(match[group], grammar)
        if parsed is None:
            return None, _ONE
        value, word_scale, word_scaled, word_large = parsed
        word_large = word_large or group == "mixed"
        number_start = match.start(group)
    else:
        value = Decimal(1)
        number_start = match.start("one")
    scale = match["scale"] or match["glued"] or match["cscale"]
    multiplier = grammar.scales[_key(scale)] if scale is not None else _ONE
    if word_scale is not None:  # "zwei Millionen": the scale word is part of the spelled number
        value /= word_scale
        multiplier *= word_scale
    prefix = match["pre"]
    unit_form = match["unit"]
    spec = grammar.units[_key(unit_form)] if unit_form is not None else None
    if match["one"] is not None and scale is None and not _one_coin(spec, text, match.start()):
        return None, _ONE
    start, end = match.span()
    if match["sign"] is not None:
        start = number_start  # "$-99.99": the sign stays before the span
    currency = None
    role: QuantityRole = "amount"
    if (
        spec is not None
        and prefix is not None
        and spec.unit == "currency"
        and spec.factor == 1
        and spec.currency == grammar.prefixes[_key(prefix)]
        and match["cscale"] is None
    ):
        # "$10 dollars": the name repeats the symbol's currency; the amount is "$10"
        end = match.end("unit") - len(unit_form)
        end = len(text[:end].rstrip(" \t\u00a0\u202f-"))
        spec = None
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
        multiplier *= grammar.prefix_factors.get(_key(prefix), _ONE)
    else:
        unit = "number"
        if scale is None and number is not None and len(number) == 4 and number.isdigit():
            if _YEAR_MIN <= int(number) <= _YEAR_MAX:
                role = "year"
        elif scale is None and not word_large and match["word"] is not None:
            role = "spelled"
    quantity = Quantity(
        start=start + offset,
        end=end + offset,
        text=text[start:end],
        value=float(value * multiplier),
        unit=unit,
        currency=currency,
        scaled=scale is not None or word_scaled,
        role=role,
    )
    return quantity, multiplier


def _one_coin(spec: _Unit | None, text: str, start: int) -> bool:
    """Whether an article before a unit means 1: only before a coin ("rose a penny.", "Oh look, a
    penny!"); "a fraction of a cent" is less than one, and "a dollar bond", "a euro zone", "a
    Bitcoin, ETH, ..." and "a year." are no amounts."""
    if spec is None or spec.unit != "currency" or spec.factor >= 1:
        return False
    before = text[max(0, start - 4) : start].split()
    return not before or before[-1].lower() != "of"


def _parse_spelled(
    words: str, grammar: _Grammar
) -> tuple[Decimal, Decimal | None, bool, bool] | None:
    """Value of a spelled number, the scale word it ends with (or None), whether it has a scale
    word (hundred counts) and whether it has one of a thousand or more (then it is an amount).

    Parts add up ("fünfzig" + "zwei"), a multiplier multiplies the group before it ("drei" ×
    "hundert"; after a joiner only the part since the joiner: "three hundred and two dozen" =
    324), a scale word closes a group ("zwei Millionen ...") or multiplies the scale word right
    before it ("three lakh crore"), a fraction word divides the part since the last joiner ("one
    hundred and two thirds" = 100 + 2/3) or, right after "scale word and", is a fraction of that
    scale or of the scale word that follows ("three million and a half", "one billion and a
    quarter million"), and after a point word each part is a decimal digit ("nine point nought
    four"). Digits may stand for parts ("4 thousand 3 hundred and 21"). None for a run that is
    no number ("third" alone is an ordinal, "ein" alone an article).
    """
    total = current = Decimal(0)
    mark: Decimal | None = None
    digits: list[int] | None = None
    seen = scaled = large = lone_fraction = False
    last_scale: Decimal | None = None
    previous: tuple[str, Decimal] | None = None
    join_scale: Decimal | None = None  # the scale word right before the last joiner
    pending: Decimal | None = None  # a fraction of join_scale or of the next scale word
    tokens = _compound_ordinals(
        [
            ("num", _parse_number(form, grammar.decimal, grammar.group))
            if form[0].isdigit()
            else grammar.spelled[_key(form)]
            for form in grammar.spelled_token.findall(words)
        ]
    )
    if tokens is None:
        return None
    for i, (kind, v) in enumerate(tokens):
        if kind == "one" and i + 1 < len(tokens) and tokens[i + 1][0] == "num":
            continue  # "a two-year", "a twenty": an article, not 1
        if kind == "of":
            if previous is None or previous[0] != "den":
                return None  # "of a" joins only a fraction to a scale word
            continue  # "two thirds of a million"
        if digits is not None:
            if kind != "num" or v != int(v):
                return None
            if digits and digits[-1] % 10 == 0 and digits[-1] >= 20 and v < 10:
                digits[-1] += int(v)  # "point seventy-one"
            else:
                digits.append(int(v))
            continue
        last_scale = None
        if pending is not None and join_scale is not None:
            if kind == "scale":  # "one billion and a quarter million"
                total += pending * v
                pending, last_scale, previous = None, v, (kind, v)
                continue
            total += pending * join_scale
            pending = None
        if kind in ("num", "one"):
            current += v
        elif kind in ("mult", "scaled_mult"):
            if mark is not None and current != mark:
                current = mark + (current - mark) * v
            else:
                current = (current or 1) * v
            scaled = scaled or kind == "scaled_mult"
        elif kind == "scale":
            if previous is not None and previous[0] == "scale" and not current:
                total *= v  # "three lakh crore"
            else:
                total += (current or 1) * v
            current = Decimal(0)
            mark = None
            last_scale, scaled, large, lone_fraction = v, True, True, False
        elif kind == "join":
            mark = current
            join_scale = previous[1] if previous is not None and previous[0] == "scale" else None
        elif kind == "den":
            if not seen and v != 2:
                lone_fraction = True  # "third" alone is an ordinal; "quarter million" is not
            base = mark if mark is not None else Decimal(0)
            numerator = (current - base) or Decimal(1)
            if join_scale is not None and not base:
                pending, current = numerator / v, base
            elif mark is None or numerator >= v:
                # Without a joiner the fraction word divides the whole number before it ("one
                # million two thousand three fifths", "a hundred thousand trillionths"); so it
                # does after one when the part since the joiner is no proper fraction ("one
                # hundred and thirty fifths" is 130/5; "one hundred and two thirds" 100 2/3).
                current, total = ((total + current) or Decimal(1)) / v, Decimal(0)
            else:
                current = base + numerator / v
        elif kind == "point":
            digits = []
        seen = seen or kind != "join"
        previous = (kind, v)
    if pending is not None and join_scale is not None:
        total += pending * join_scale
    if not seen or digits == [] or lone_fraction:
        return None
    value = total + current
    if digits:
        value += Decimal("0." + "".join(str(d) for d in digits))
    return value, last_scale, scaled, large


def _parse_fraction(match: re.Match[str]) -> Decimal:
    """Value of "3/4", "2 1/4", "11-5/8", "½" or "2½"."""
    whole_digits = match["whole"] or match["vwhole"]
    whole = Decimal(whole_digits) if whole_digits is not None else Decimal(0)
    if match["vulgar"] is not None:
        part = _VULGAR[match["vulgar"]]
        return whole + Decimal(part.numerator) / Decimal(part.denominator)
    numerator, denominator = match["slash"].split("/")
    return whole + Decimal(numerator) / Decimal(denominator)


def _compound_ordinals(tokens: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]] | None:
    """Join a compound ordinal into one denominator where a numerator stands before it.

    "one twenty-fifth" is 1/25 and "one hundred thirty fifths" 100/35: a tens word before a
    fraction word of 1 to 9, or "one hundred" / "one thousand" (and "and") before one, is part of
    the ordinal when another number precedes it; "twenty fifths" alone stays 20/5 and "one
    hundred three fifths" 103/5 (a unit word does not join). "first" (value 1) is a fraction
    word only in such an ordinal: "twenty-first" alone is a rank, so the run is no number (None).
    """
    out: list[tuple[str, Decimal]] = []
    for kind, v in tokens:
        if kind == "den" and 1 <= v <= 9 and len(out) >= 2:
            head = out[-1]
            if head[0] == "num" and head[1] in _TENS and out[-2][0] != "join":
                out[-1] = ("den", head[1] + v)
                continue
            at = len(out) - 2 if head[0] == "join" else len(out) - 1
            if (
                at >= 2
                and out[at][0] in ("scale", "scaled_mult", "mult")
                and out[at][1] in (100, 1000)
                and out[at - 1] == ("num", _ONE)
                and out[at - 2][0] != "join"
            ):
                ordinal = out[at][1] + v
                del out[at - 1 :]
                out.append(("den", ordinal))
                continue
        if kind == "den" and v == 1:
            return None
        out.append((kind, v))
    return out


_TENS = frozenset(Decimal(n) for n in range(20, 100, 10))


def _parse_number(raw: str, decimal: str, group: str) -> Decimal:
    """Read digits with the language's separators; exact, so 16,4 Mio. is 16400000, not ...98."""
    raw = raw.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if group in raw:
        head = raw.split(decimal, 1)[0].split(group)
        if len(head[0]) <= 3 and all(len(part) == 3 for part in head[1:]):
            raw = raw.replace(group, "")
        elif len(head) > 2 and len(head[-1]) == 3 and all(len(p) == 2 for p in head[1:-1]):
            raw = raw.replace(group, "")  # Indian grouping: "12,34,567.89"
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
    "number_multipliers", "number_fractions", "compound_joiners", "phrase_joiners", "point_words",
    "ordinal_prefixes", "ordinal_suffixes", "ordinal_patterns", "months", "date_patterns",
    "time_patterns", "space_grouping", "lakh_grouping", "range_joiners", "glued_scales",
    "scale_fractions", "scaled_currency_codes", "change_joiners", "ratio_joiners",
    "clause_ratio_joiners", "quotient_joiners", "fraction_joiners", "fraction_of",
    "ordinal_tails", "currency_word_prefixes", "percent_of",
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
    prefixes = _by_form(data["currency_prefixes"], {c: c for c in data["currency_prefixes"]})
    prefix_factors = {}
    for form, (code, factor) in _scaled_codes(data).items():
        _add_forms(units, [form], _Unit("currency", factor, code), lang)
        prefixes[_key(form)], prefix_factors[_key(form)] = code, factor
    spelled = _spelled_parts(data)
    months = _alternation(data["months"], fold=False)
    # Month names are matched as written, so the verb "may" is not the month "May".
    date_sources = [p.replace("{month}", f"(?-i:{months})") for p in data["date_patterns"]]
    return _Grammar(
        pattern=_scanner(data, date_sources),
        decimal=data["decimal_separator"],
        group=data["group_separator"],
        scales=_by_form(data["scales"], _SCALES)
        | _by_form(data["currency_scales"], _SCALES)
        | _by_form(data["glued_scales"], _SCALES),
        units=units,
        prefixes=prefixes,
        prefix_factors=prefix_factors,
        spelled=spelled,
        spelled_token=re.compile(
            rf"\d+(?:[.,]\d+)*|{_alternation(_spelled_forms(data), end='')}", re.IGNORECASE
        ),
        dates=tuple(re.compile(p, re.IGNORECASE) for p in date_sources),
        joiners=frozenset(_key(j) for j in data["range_joiners"]),
        change_joiners=frozenset(_key(j) for j in data["change_joiners"]),
        ratio_joiners=frozenset(_key(j) for j in data["ratio_joiners"]),
        clause_ratio_joiners=frozenset(_key(j) for j in data["clause_ratio_joiners"]),
        quotient_joiners=frozenset(_key(j) for j in data["quotient_joiners"]),
        percent_of=(
            re.compile(
                rf"(?:\A|[.;:!?\n]){_SPACE}*(?P<percent>{_alternation(data['percent_of'])})"
                rf"{_SPACE}+\Z",
                re.IGNORECASE,
            )
            if data["percent_of"]
            else None
        ),
        word_prefix=(
            re.compile(
                rf"(?<!\w)(?P<name>{_alternation(_flat(data['currency_word_prefixes']))})"
                rf"{_SPACE}+\Z",
                re.IGNORECASE,
            )
            if _flat(data["currency_word_prefixes"])
            else None
        ),
        word_prefixes=_by_form(
            data["currency_word_prefixes"], {c: c for c in data["currency_word_prefixes"]}
        ),
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
    codes_re = _alternation(_scaled_codes(data), fold=False)
    unit_re = rf"(?:{_alternation(unit_forms)}|(?-i:{codes_re}))"
    prefix_re = _alternation(_flat(data["currency_prefixes"]), end=_NO_LETTER)
    prefix_re = rf"(?:{prefix_re}|(?-i:{_alternation(_scaled_codes(data), fold=False)}))"
    g, d = re.escape(data["group_separator"]), re.escape(data["decimal_separator"])
    space_context = (
        ""
        if data["space_grouping"] == "always"
        # Elsewhere a space groups digits right before a scale or unit ("300 000 GBP"), and
        # without one only where it cannot be two numbers: two or more groups ("1 234 567") or
        # a group "000" ("40 000"), with no digits after ("+1 646 223 8780" is a phone number).
        else rf"(?:(?={_SEP}(?:{scale_re}|{unit_re}))|(?<= \d{{3}} \d{{3}})(?!{_SPACE}?\d)"
        rf"|(?<= 000)(?!{_SPACE}?\d))"
    )
    # "12,34,567.89": lakh and crore grouping, where the language data has it.
    lakh_grouping = (
        rf"\d{{1,2}}(?:{g}\d\d)+{g}\d{{3}}(?!\d)(?:{d}\d+)?|" if data["lakh_grouping"] else ""
    )
    digits = (
        rf"{lakh_grouping}"
        rf"\d{{1,3}}(?:{g}\d{{3}})+(?!\d)(?:{d}\d+)?"
        rf"|\d{{1,3}}(?:[\u00a0\u202f]\d{{3}})+(?!\d)(?:{d}\d+)?"
        rf"|\d{{1,3}}(?: \d{{3}})+(?!\d)(?:{d}\d+)?{space_context}"
        rf"|\d+{g}(?:\d{{1,2}}|\d{{4,}})(?!\d)"
        # "4e14", "9.83e-3": e-notation, with a lower-case "e" only ("5E" is a product name).
        rf"|\d+(?:{d}\d+)?(?-i:e)[-+]?\d+(?![.,]?\d)"
        rf"|\d+(?:{d}\d+)?"
        # ".08", "from .25%": a decimal without its leading zero, only after a space, a bracket,
        # a sign or a currency symbol ("7:6(3),6:2" is a tennis score, "22,24" a list).
        rf"|(?<![^\s(\[$€£¥₹+\-–]){d}\d+(?![.,]\d)"
    )
    vulgar = f"[{''.join(_VULGAR)}]"
    fraction = (
        rf"(?:(?P<whole>\d{{1,3}})(?:{_SPACE}{{1,2}}|{_SPACE}?-{_SPACE}?))?"
        rf"(?P<slash>{_alternation(_SLASH_FRACTIONS, end='')})(?![/\d]|[.,]\d)"
        rf"|(?P<vwhole>\d{{1,3}})?(?P<vulgar>{vulgar})"
    )
    start = rf"(?=[\d{''.join(_VULGAR)}]|{d}\d)(?<!\d[.,])"
    glued_re = _alternation(_flat(data["glued_scales"]), fold=False)
    spelled_re, mixed_re = _spelled_re(data)
    # "75 USD million": a scale word after an ISO code as written (never after a name: "5
    # dollars million" is no English).
    code_behind = "|".join(re.escape(code) for code in data["currencies"] if len(code) == 3)
    code_scale = rf"(?:(?-i:(?<={code_behind})){_SPACE}+(?P<cscale>{scale_re}))?"
    amount = (
        # "USD115" is a code glued to its number: a prefix may be followed by digits; a sign
        # right after a symbol ("$-99.99") stays outside the span, as every sign does.
        rf"(?:(?P<pre>{prefix_re})(?:(?<=[$€£¥₹])(?P<sign>-)|{_SPACE}?))?"
        rf"(?:(?(pre)|{start})(?:(?P<mixed>{mixed_re})|(?P<frac>{fraction})|(?P<num>{digits}))"
        rf"|(?P<word>{spelled_re})"
        rf"|(?P<one>{_alternation(data['one_words'])}))"
        rf"(?:{_SEP}(?P<scale>(?(pre){any_scale_re}|{scale_re}))"
        rf"|(?(num)(?P<glued>(?-i:{glued_re}))|(?!)))?"
        # After a prefixed amount, a currency code or symbol right before digits is the prefix
        # of the next amount ("rmb 10 usd 20", "$ 20,000.00 $ 37,305.97"), not this one's unit.
        rf"(?:{_SEP}(?P<unit>{unit_re}){code_scale}(?(pre)(?!{_SPACE}?\d)))?"
        # An article is 1 before a scale word ("a million"), and before a unit only at the end
        # of a clause ("rose a penny."), where `_one_coin` keeps coins alone.
        rf"(?(one)(?(scale)|(?(unit)(?={_CLAUSE_END.pattern})|(?!))))"
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
    pattern = (
        # Every quantity starts a token; testing that once here, before any branch, lets the
        # scanner drop mid-word positions (most of the text) at the cost of one look-behind.
        rf"{_TOKEN_START}(?:"
        rf"(?P<name>{name}|{_URL})"
        rf"|(?P<time>{_START}(?:{time}))"
        rf"|(?P<date>{date})"
        rf"|(?P<fiscal>{_START}(?:{_FISCAL_YEAR}))"
        rf"|(?P<ordinal>{ordinal})"
        rf"|(?P<amount>{amount})"
        r")"
    )
    return re.compile(branch_optionals(pattern), re.IGNORECASE)


def _scaled_codes(data: dict[str, Any]) -> dict[str, tuple[str, Decimal]]:
    """A scale letter glued before every ISO code of the language: "MUSD" -> ("USD", 10^6)."""
    return {
        letter + code: (code, _SCALES[key])
        for key, letters in data["scaled_currency_codes"].items()
        for letter in letters
        for code in data["currencies"]
    }


def _phrase_scales(data: dict[str, Any]) -> dict[str, list[str]]:
    """Scale words that may be part of a spelled number: written out, no abbreviations."""
    return {
        key: [f for f in forms if f.replace(" ", "").isalpha() and len(f) > 3]
        for key, forms in data["scales"].items()
    }


def _spelled_parts(data: dict[str, Any]) -> dict[str, tuple[str, Decimal]]:
    """Surface form -> (kind, value) of every part of a spelled number."""
    parts: dict[str, tuple[str, Decimal]] = {}
    for form in data["one_words"]:
        parts[_key(form)] = ("one", _ONE)
    for key, forms in _phrase_scales(data).items():
        for form in forms:
            value = _SCALES[key]
            # "five hundred dollars" is scaled like "five million dollars" (never a share price)
            parts[_key(form)] = ("scale" if value >= 1000 else "scaled_mult", value)
    for kind, table in (
        ("num", data["number_words"]),
        ("mult", data["number_multipliers"]),
        ("den", data["number_fractions"]),
        ("den", data["scale_fractions"]),
        ("den", data["ordinal_tails"]),
    ):
        for value, forms in table.items():
            for form in forms:
                number = _decimal(value)
                parts[_key(form)] = ("scale" if kind == "mult" and number >= 1000 else kind, number)
    for form in [*data["compound_joiners"], *data["phrase_joiners"], *data["fraction_joiners"]]:
        parts[_key(form)] = ("join", _ONE)
    for form in data["fraction_of"]:
        parts[_key(form)] = ("of", _ONE)
    for form in data["point_words"]:
        parts[_key(form)] = ("point", _ONE)
    return parts


def _spelled_forms(data: dict[str, Any]) -> list[str]:
    """Every part of a spelled number as written ("dreißig", not the lookup key "dreissig")."""
    return [
        *data["one_words"],
        *_flat(_phrase_scales(data)),
        *_flat(data["number_words"]),
        *_flat(data["number_multipliers"]),
        *_flat(data["number_fractions"]),
        *_flat(data["scale_fractions"]),
        *_flat(data["ordinal_tails"]),
        *data["compound_joiners"],
        *data["phrase_joiners"],
        *data["fraction_joiners"],
        *data["fraction_of"],
        *data["point_words"],
    ]


def _spelled_re(data: dict[str, Any]) -> tuple[str, str]:
    """A spelled number: compound words of number parts, joined by spaces, hyphens, point words
    and (after hundred or a scale word, or before a fraction) phrase joiners; and a mixed one,
    digits before scale words with more parts after ("3 hundred and 21", "4 thousand 3
    hundred", "3 million and a half"; "3 million" alone is digits with a scale)."""
    scales = _flat(_phrase_scales(data))
    scale_words = _alternation([*scales, *_flat(data["number_multipliers"])])
    gap = rf"{_SPACE}+"
    # "quarter" is a fraction only before a scale word here (and after a joiner, see tail).
    before_scale = rf"{_alternation(_flat(data['scale_fractions']))}(?={gap}{scale_words})"
    core_forms = [
        *_flat(data["number_words"]),
        *_flat(data["number_multipliers"]),
        *_flat(data["number_fractions"]),
        *scales,
    ]
    core = rf"(?:{_alternation(core_forms, end='')}|{before_scale})"
    one_in_word = _alternation(data["one_words"], end="")
    joiner = _alternation(data["compound_joiners"], end="") if data["compound_joiners"] else ""
    glue = f"(?:{joiner})?" if joiner else ""
    part = rf"(?:{one_in_word}{glue})?{core}"  # "ein" only before another part: "einunddreißig"
    word = rf"{part}(?:{glue}{part})*{_NO_LETTER}"
    seps = [gap, rf"{_SPACE}*-{_SPACE}*"]
    tails = []
    numerals = _alternation([*data["one_words"], *_flat(data["number_words"])])
    fractions = _alternation(_flat(data["number_fractions"]))
    ones = _alternation(data["one_words"])
    if data["point_words"]:
        seps.append(rf"{gap}{_alternation(data['point_words'])}{gap}")
    if data["phrase_joiners"]:
        joiners = _alternation(data["phrase_joiners"])
        after = [*_flat(data["number_multipliers"]), *scales]
        behind = "|".join(f"(?<={re.escape(f.lower())})" for f in after if f.isalpha())
        if behind:
            seps.append(rf"(?:{behind}){gap}{joiners}{gap}")
        # "and" before a fraction: "two and fifty-four hundredths", "twenty and three and three
        # fifths" (more numerals and joiners may come before the fraction word).
        seps.append(
            rf"{gap}{joiners}{gap}(?={numerals}(?:(?:{_SPACE}|-)+{numerals}"
            rf"|{gap}{joiners}{gap}{numerals})*(?:{_SPACE}|-)+{fractions})(?:{ones}{gap})?"
        )
        if _flat(data["scale_fractions"]):  # "five and a quarter", "... and three quarters"
            quarter = _alternation(_flat(data["scale_fractions"]))
            tails.append(rf"{gap}{joiners}{gap}(?:{numerals}(?:{_SPACE}|-)+)?{quarter}")
    if data["ordinal_tails"]:  # "twenty-first": "first" only after a tens word
        tens = [f for v, forms in data["number_words"].items() if v in _TENS for f in forms]
        tails.append(
            rf"{_ends_with(tens)}(?:{_SPACE}+|-){_alternation(_flat(data['ordinal_tails']))}"
        )
    if data["fraction_of"]:  # "two thirds of a million"
        after_fraction = _ends_with(_flat(data["number_fractions"]))
        of = _alternation(data["fraction_of"])
        seps.append(rf"{after_fraction}{gap}{of}{gap}(?={_alternation(scales)})")
    if data["fraction_joiners"]:  # "fünf und drei Viertel Milliarden"
        fraction_joiners = _alternation(data["fraction_joiners"])
        seps.append(rf"{gap}{fraction_joiners}{gap}(?={numerals}(?:{_SPACE}|-)+{fractions})")
    sep = "|".join(seps)
    more = "|".join([*tails, rf"(?:{sep}){word}"])  # the tail first: "and three quarters"
    ones = _alternation(data["one_words"])
    spelled = rf"(?:{ones}{gap})?{word}(?:{more})*"
    d = re.escape(data["decimal_separator"])
    lead = rf"\d{{1,3}}(?:{d}\d+)?{gap}{scale_words}"
    digit_more = rf"{gap}\d{{1,3}}{gap}{scale_words}"
    if data["phrase_joiners"]:
        joiners = _alternation(data["phrase_joiners"])
        digit_tail = rf"{gap}{joiners}{gap}[1-9]\d?(?!\w|[.,]\d|{gap}{scale_words})"
    else:
        digit_tail = "(?!)"
    mixed = rf"{lead}(?:(?:{more}|{digit_more})+(?:{digit_tail})?|{digit_tail})"
    return spelled, mixed


def _ends_with(forms: list[str]) -> str:
    """A look-behind for the end of any of `forms`, by their last three letters: one fixed-width
    test is far cheaper than one per form where it runs after every spelled word. It may let a
    word with the same ending through; the spelled-number parser checks what it reads."""
    endings = sorted({form.lower()[-3:] for form in forms if len(form) >= 3})
    short = sorted({form.lower() for form in forms if len(form) < 3})
    tests = [f"(?<={'|'.join(map(re.escape, endings))})"] if endings else []
    tests += [f"(?<={re.escape(form)})" for form in short]
    return f"(?:{'|'.join(tests)})" if tests else "(?!)"


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
