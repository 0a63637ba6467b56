"""Date expressions in news text, resolved against the article's publication date.

All language knowledge (month and weekday names, word orders, fixed phrases) lives in
`lang/<code>/dates.yaml`; this module is one engine for every language. Per language the YAML is
compiled once into a single regular expression (one alternative per rule) so that `find_dates`
is one `finditer` over the text.

Resolution policy, chosen for price-move news, which reports what already happened:

- A weekday ("am Dienstag", "on Tuesday") is the last such day on or before the publication
  date; a Tuesday article's "Tuesday" is that same day.
- A day and month without a year take the year that puts them on or before the publication date,
  allowing `FUTURE_WINDOW_DAYS` into the future so that previews ("am 10. Februar legt ... vor")
  published a few days ahead keep the coming date.
- "gestern", "am Vortag", "yesterday" are calendar days: on a Monday they are Sunday. Mapping
  them to trading days needs an exchange calendar, which is not known here.
- "letzte Woche"/"last week" is the previous calendar week, Monday to Sunday.
- A bare year ("seit 2008", "im Jahr 2025") is not a day and is not reported.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from narrate import lang as lang_data
from narrate.extractors.regex_tools import branch_optionals, structure
from narrate.records import DateKind, DateMention, Period

__all__ = ["FUTURE_WINDOW_DAYS", "find_dates", "parse_date_line"]

# Previews name dates a few days ahead ("am Freitag legt ... Zahlen vor" is a weekday, but
# "am 10. Februar" is not); a week covers the usual "next week" preview while keeping a date
# written on 2 January about "30. Dezember" in the year that just ended.
FUTURE_WINDOW_DAYS = 7

# Two-digit years: "17.10.24" is 2024 and "05/05/71" is 1971. News dates are recent, and the
# pivot keeps this pure (no dependence on a reference year).
_CENTURY_PIVOT = 50

_REQUIRED_KEYS = (
    "months",
    "weekdays",
    "ordinals",
    "numbers",
    "units",
    "case_sensitive",
    "weekday_suffixes",
    "templates",
    "phrases",
    "date_line",
)
_TEMPLATE_KINDS = (
    "range",
    "since",
    "explicit",
    "ago",
    "nth_weekday",
    "week_weekday",
    "day_of_month",
    "weekday",
)
# What a template given as a mapping may set besides its `pattern` (see lang/de/dates.yaml).
_TEMPLATE_PARAMS = ("weeks", "months", "sign", "base")
_PHRASE_ANCHORS = (
    "days",
    "this_week",
    "previous_week",
    "past_week",
    "this_month",
    "previous_month",
    "year_start",
    "past_year",
    "none",
)

# Numbers right next to a date are part of something else ("19.515,78", "3-7-2017-11").
_LEFT_GUARD = r"(?<!\w)(?<!\d[.,/-])"
_RIGHT_GUARD = r"(?!\w)(?![.,/-]?\d)"
_PLACEHOLDER = re.compile(r"\{([a-z_]+?)(\d?)\}")
_TIME = r"(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d)(?:\.\d+)?)?"


@dataclass(frozen=True)
class _Rule:
    """One alternative of the compiled expression, and how to resolve what it matched."""

    kind: str  # a template kind, or "phrase"
    groups: tuple[tuple[str, str, str], ...]  # (group name, role, side "", "1" or "2")
    period: str | None = None
    phrase_kind: str | None = None
    anchor: str | None = None
    offset: int = 0
    weeks: int = 0  # week_weekday: weeks from the publication week
    months: int | None = None  # nth_weekday, day_of_month: months from the publication month
    sign: int = -1  # ago: -1 counts back, 1 forward
    base: int = 0  # ago: the day counted from, in days from the publication date

    @property
    def month_first(self) -> bool:
        """Whether the rule writes the month before the day and year ("02/22/2016")."""
        roles = [role for _, role, _ in self.groups if role in ("day", "month", "year")]
        return bool(roles) and roles[0] == "month"


@dataclass(frozen=True)
class _Grammar:
    """One language's dates.yaml, compiled."""

    regex: re.Pattern[str]
    rules: dict[str, _Rule]
    phrase_rules: dict[str, _Rule]
    sources: dict[str, str]  # rule name -> regex text of its alternative
    vocab: dict[str, dict[str, Any]]  # role -> normalized surface form -> value


def _normalize(form: str) -> str:
    return re.sub(r"[\s\-]+", " ", form.strip().rstrip(".").casefold())


def _fragment(pattern: str) -> str:
    """Turn a YAML pattern into regex: a space is any whitespace, " ?" optional whitespace."""
    return pattern.replace(" ?", r"\s*").replace(" ", r"\s+")


def _trie(sequences: list[list[str]]) -> str:
    """One regex for many literal forms, factored by common prefix.

    Python's `re` tries the branches of an alternation one by one at every position; a trie
    lets it reject a position after a character or two instead of after every form. Where one
    form is a prefix of another the longer one is tried first, and backtracking falls back.

    Args:
        sequences: Each form as a list of regex tokens (usually one escaped character each).
    """
    root: dict[str, dict] = {}
    for tokens in sequences:
        node = root
        for token in tokens:
            node = node.setdefault(token, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        children = sorted((t for t in node if t), key=lambda t: -_depth(node[t]))
        alternatives = [token + emit(node[token]) for token in children]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if "" in node else body

    return "(?:" + emit(root) + ")"


def _depth(node: dict[str, dict]) -> int:
    return max((1 + _depth(child) for child in node.values()), default=0)


def _tokens(form: str, space: str) -> list[str]:
    """Regex tokens of a literal form; an abbreviation's final "." becomes optional."""
    abbreviation = form.endswith(".") and len(form) > 1
    body = form[:-1] if abbreviation else form
    tokens = []
    for char in body:
        if char.isspace():
            if not tokens or tokens[-1] != space:
                tokens.append(space)
        else:
            tokens.append(re.escape(char))
    if abbreviation:
        tokens.append(r"\.?")
    return tokens


def _vocab_alternation(forms: list[str], case_sensitive: set[str]) -> str:
    # In vocabularies a hyphen reads like a space ("twenty-first", "twenty first").
    between = r"[\s\-]+"
    folded = [_tokens(f.replace("-", " "), between) for f in forms if f not in case_sensitive]
    exact = [
        "(?-i:" + "".join(_tokens(f.replace("-", " "), between)) + ")"
        for f in forms
        if f in case_sensitive
    ]
    parts = [_trie(folded), *exact] if folded else exact
    return "(?:" + "|".join(parts) + ")"


def _is_literal(form: str) -> bool:
    return re.fullmatch(r"[\w\s'’.\-]+", form) is not None


def _phrase_key(text: str) -> str:
    return re.sub(r"\s+", " ", text).casefold()


class _Builder:
    """Expands template placeholders into uniquely named groups, recording each group's role."""

    def __init__(self, data: dict[str, Any], source: str) -> None:
        self.data = data
        self.source = source
        cs = set(data["case_sensitive"])
        self.vocab: dict[str, dict[str, Any]] = {}
        self.alternations: dict[str, str] = {}
        for role, key in (
            ("month", "months"),
            ("weekday", "weekdays"),
            ("ordinal", "ordinals"),
            ("number", "numbers"),
            ("unit", "units"),
        ):
            table: dict[str, Any] = {}
            for value, forms in data[key].items():
                for form in forms:
                    table[_normalize(form)] = value
            self.vocab[role] = table
            all_forms = [f for forms in data[key].values() for f in forms]
            self.alternations[role] = _vocab_alternation(all_forms, cs)
        suffixes = "|".join(re.escape(s) for s in data["weekday_suffixes"])
        self.alternations["weekday_suffix"] = f"(?:{suffixes})?" if suffixes else ""
        self.counter = 0

    def _group(self, rule: str, role: str, side: str, body: str, out: list) -> str:
        self.counter += 1
        name = f"{rule}_{self.counter}"
        out.append((name, role, side))
        return f"(?P<{name}>{body})"

    def expand(self, template: str, rule: str, out: list, side: str = "") -> str:
        def replace(m: re.Match[str]) -> str:
            name, digit = m.group(1), m.group(2) or side
            if name == "date":
                inner = _fragment(self.data["templates"]["day_month"])
                return "(?:" + self.expand(inner, rule, out, digit) + ")"
            if name == "weekday_suffix":
                return self.alternations["weekday_suffix"]
            bodies = {
                "day": r"0?[1-9]|[12]\d|3[01]|" + self.alternations["ordinal"],
                "ordinal": self.alternations["ordinal"],
                "nday": r"\d{1,2}",
                "nmonth": r"\d{1,2}",
                "nyear": r"\d{4}|\d{2}",
                "year": r"(?:1[89]|20)\d{2}",
                "month": self.alternations["month"],
                "weekday": self.alternations["weekday"],
                "number": r"\d{1,3}|" + self.alternations["number"],
                "unit": self.alternations["unit"],
            }
            if name not in bodies:
                raise ValueError(f"{self.source}: unknown placeholder {{{name}}} in {template!r}")
            role = name[1:] if name in ("nday", "nmonth", "nyear") else name
            role = "day" if name == "ordinal" else role
            return self._group(rule, role, digit, bodies[name], out)

        return _PLACEHOLDER.sub(replace, template)


# Template kinds whose rules are tried only where a cheap prefix of one of them matches (see
# `_guard`): they are rare in text, and without the guard every word of the text would enter
# every one of their alternatives.
_GUARDED_KINDS = ("ago", "nth_weekday", "week_weekday", "day_of_month")
_OPTIONAL_TOKEN = re.compile(r"(?:\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\)\?)+")


def _top_level_words(template: str) -> list[str]:
    """The template split at spaces outside groups and character classes."""
    words, depth, start = [], 0, 0
    for i, char in structure(template):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == " " and depth == 0:
            words.append(template[start:i])
            start = i + 1
    words.append(template[start:])
    return words


def _guard(template: str) -> str:
    """A prefix of `template` that every match of it starts with, short enough to be cheap.

    Leading optional words are kept (they shift where the rest starts); the prefix ends after
    the first required word with a placeholder, or after the second required word.
    """
    taken: list[str] = []
    required = 0
    for word in _top_level_words(template):
        taken.append(word)
        if _OPTIONAL_TOKEN.fullmatch(word):
            continue
        required += 1
        if "{" in word or required == 2:
            break
    return " ".join(taken)


def _validate(data: dict[str, Any], source: str) -> None:
    missing = [key for key in _REQUIRED_KEYS if key not in data]
    if missing:
        raise ValueError(f"{source}: missing keys {missing} (expected {list(_REQUIRED_KEYS)})")
    for kind in ("day_month", "explicit_prefix", *_TEMPLATE_KINDS):
        if kind not in data["templates"]:
            raise ValueError(f"{source}: templates.{kind} is missing")
    for entry in data["phrases"]:
        if entry.get("anchor") not in _PHRASE_ANCHORS:
            raise ValueError(
                f"{source}: phrase anchor {entry.get('anchor')!r} is not one of {_PHRASE_ANCHORS}"
            )


@cache
def _grammar(lang: str) -> _Grammar:
    data = lang_data.load(lang, "dates")
    source = f"lang/{lang}/dates.yaml"
    _validate(data, source)
    builder = _Builder(data, source)
    rules: dict[str, _Rule] = {}
    phrase_rules: dict[str, _Rule] = {}  # _phrase_key(form) -> rule, for the phrase trie
    sources: dict[str, str] = {}  # rule name -> its alternative, in priority order
    alternatives: list[str] = []  # of the whole expression, in priority order
    # Order matters where two rules start at the same place: the longer reading comes first
    # ("zwischen dem 29. Januar und ..." before "29. Januar", "Dienstag, 3. Februar" before
    # "Dienstag").
    kinds = ("range", "since", "explicit", "ago", "nth_weekday", "week_weekday", "day_of_month")
    for kind in (*kinds, "phrase", "weekday"):
        if kind == "phrase":
            # Literal phrases share one trie-shaped alternative and are told apart by a lookup
            # of the matched text; the longest form wins, so "the day before yesterday" is not
            # "the day before" followed by "yesterday". Forms that need regex syntax
            # ("(?-i:morgen)") get an alternative of their own.
            literal: list[list[str]] = []
            for i, entry in enumerate(data["phrases"]):
                rule = _Rule(
                    kind="phrase",
                    groups=(),
                    period=entry["period"],
                    phrase_kind=entry["kind"],
                    anchor=entry["anchor"],
                    offset=int(entry.get("offset", 0)),
                )
                for k, form in enumerate(entry["forms"]):
                    if _is_literal(form):
                        phrase_rules.setdefault(_phrase_key(form), rule)
                        literal.append(_tokens(form, r"\s+"))
                    else:
                        name = f"p{i}_{k}"
                        sources[name] = f"(?P<{name}>{_fragment(form)})"
                        alternatives.append(sources[name])
                        rules[name] = rule
            sources["phrase"] = f"(?P<phrase>{_trie(literal)})"
            alternatives.append(sources["phrase"])
            rules["phrase"] = _Rule(kind="phrase_lookup", groups=())
            continue
        shared: list[tuple[str, str, str]] = []
        guards: list[str] = []
        prefix = ""
        if kind == "explicit":
            # The prefix is matched once for all explicit forms instead of once per form: at
            # every word of the text, that is most of what the explicit rules cost.
            prefix = builder.expand(_fragment(data["templates"]["explicit_prefix"]), "x", shared)
        bodies = []
        tag = "".join(word[0] for word in kind.split("_"))
        for j, template in enumerate(data["templates"][kind]):
            name = f"{tag}{j}"
            groups = list(shared)
            params = {}
            if isinstance(template, dict):
                params = {k: template[k] for k in _TEMPLATE_PARAMS if k in template}
                template = template["pattern"]
            body = builder.expand(_fragment(template), name, groups)
            bodies.append((name, f"(?P<{name}>{body})"))
            rules[name] = _Rule(kind=kind, groups=tuple(groups), **params)
            if kind in _GUARDED_KINDS:
                # Its groups are dropped: names must be unique, and the guard captures nothing.
                guard = builder.expand(_fragment(_guard(template)), "g", [])
                guard = re.sub(r"\(\?P<\w+>", "(?:", guard)
                if guard not in guards:
                    guards.append(guard)
        if prefix:
            sources[kind] = prefix + "(?:" + "|".join(body for _, body in bodies) + ")"
        else:
            sources.update(bodies)
        if guards:
            # A lookahead that fails leaves the alternatives untried; one that holds changes
            # nothing, since every rule of the kind starts with one of the guards.
            alternatives.append(
                f"(?=(?:{'|'.join(guards)}))(?:{'|'.join(body for _, body in bodies)})"
            )
        else:
            alternatives.extend([sources[kind]] if prefix else [body for _, body in bodies])
    pattern = _LEFT_GUARD + "(?:" + "|".join(alternatives) + ")" + _RIGHT_GUARD
    return _Grammar(
        regex=re.compile(branch_optionals(pattern), re.IGNORECASE),
        rules=rules,
        phrase_rules=phrase_rules,
        sources=sources,
        vocab=builder.vocab,
    )


# --- resolution -----------------------------------------------------------------------------


def _captures(m: re.Match[str], rule: _Rule) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for name, role, side in rule.groups:
        value = m.group(name)
        if value is not None:
            out[(side, role)] = value
    return out


def _number(text: str, table: dict[str, Any]) -> int | None:
    if text.isdigit():
        return int(text)
    value = table.get(_normalize(text))
    return int(value) if value is not None else None


def _day_month_year(
    caps: dict[tuple[str, str], str], side: str, vocab: dict[str, dict[str, Any]]
) -> tuple[int | None, int | None, int | None]:
    day_text = caps.get((side, "day"))
    month_text = caps.get((side, "month"))
    year_text = caps.get((side, "year"))
    day = _number(day_text, vocab["ordinal"]) if day_text else None
    month = _number(month_text, vocab["month"]) if month_text else None
    year = None
    if year_text:
        year = int(year_text)
        if len(year_text) == 2:
            year += 2000 if year < _CENTURY_PIVOT else 1900
    return day, month, year


def _plausible(day: int, month: int) -> bool:
    """Whether some year has this day and month (29 February counts)."""
    try:
        dt.date(2000, month, day)
    except ValueError:
        return False
    return True


def _fix_order(day: int, month: int, swappable: bool) -> tuple[int, int] | None:
    """Read numbers as day and month, swapping them when only the other order is a date.

    Lets a month-first template serve "02/22/2016" and "21/04/2016", the way readers do; a
    day-first one ("3.13.") is never swapped, since no one writes the month first with dots.
    """
    if _plausible(day, month):
        return day, month
    if swappable and _plausible(month, day):
        return month, day
    return None


def _in_year(day: int, month: int, year: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _nearest_past(day: int, month: int, published: dt.date | None) -> dt.date | None:
    """The day and month in the year that puts them on or before `published` (plus the window)."""
    if published is None:
        return None
    limit = published + dt.timedelta(days=FUTURE_WINDOW_DAYS)
    # Back far enough for 29 February to find its leap year (eight years around 2100).
    for year in range(published.year + 1, published.year - 9, -1):
        candidate = _in_year(day, month, year)
        if candidate is not None and candidate <= limit:
            return candidate
    return None


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        candidate = _in_year(d, month, year)
        if candidate is not None:
            return candidate
    raise AssertionError("unreachable: every month has 28 days")


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _nth_weekday(year: int, month: int, n: int, weekday: int) -> dt.date | None:
    """The n-th given weekday of a month ("the second Monday of March"); None past its last."""
    first = dt.date(year, month, 1)
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    return day if day.month == month else None


def _day_of_month(
    day: int, published: dt.date, months: int | None, weekday: int | None
) -> dt.date | None:
    """A day of the month without a month ("on the 15th", "the 20th of next month").

    With `months` it is that month counted from the publication month; without, the last such
    day on or before publication (news reports the past) and, when a weekday is named ("Friday
    the 15th"), the last one that falls on that weekday within a year.
    """
    first = published.replace(day=1)
    if months is not None:
        month = _add_months(first, months)
        return _in_year(day, month.month, month.year)
    for back in range(13):
        month = _add_months(first, -back)
        candidate = _in_year(day, month.month, month.year)
        if candidate is None or candidate > published:
            continue
        if weekday is None or candidate.weekday() == weekday:
            return candidate
    return None


def _count_units(day: dt.date, count: int, unit: str, sign: int) -> dt.date:
    """`count` units (days, weeks, months, years or weekdays "weekday_<n>") from `day`."""
    if unit == "day":
        return day + dt.timedelta(days=sign * count)
    if unit == "week":
        return day + dt.timedelta(weeks=sign * count)
    if unit in ("month", "year"):
        return _add_months(day, sign * count * (12 if unit == "year" else 1))
    weekday = int(unit.removeprefix("weekday_"))  # "two Sundays from now"
    step = (weekday - day.weekday()) % 7 if sign > 0 else (day.weekday() - weekday) % 7
    step = step or 7
    return day + dt.timedelta(days=sign * (step + 7 * (count - 1)))


def _anchor(rule: _Rule, published: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """(start_date, date) of a fixed phrase."""
    match rule.anchor:
        case "days":
            return None, published + dt.timedelta(days=rule.offset)
        case "this_week":
            return _week_start(published), published
        case "previous_week":
            monday = _week_start(published) - dt.timedelta(days=7)
            return monday, monday + dt.timedelta(days=6)
        case "past_week":
            return published - dt.timedelta(days=7), published
        case "this_month":
            return published.replace(day=1), published
        case "previous_month":
            end = published.replace(day=1) - dt.timedelta(days=1)
            return end.replace(day=1), end
        case "year_start":
            return published.replace(month=1, day=1), published
        case "past_year":
            return _add_months(published, -12), published
    return None, None


@dataclass(frozen=True)
class _Resolved:
    kind: DateKind
    period: Period | None
    date: dt.date | None = None
    start_date: dt.date | None = None


def _resolve_day(
    caps: dict[tuple[str, str], str],
    side: str,
    vocab: dict[str, dict[str, Any]],
    published: dt.date | None,
    swappable: bool,
    fallback: tuple[int | None, int | None] = (None, None),
) -> tuple[bool, dt.date | None]:
    """(is a date at all, resolved date) for one side of an expression."""
    day, month, year = _day_month_year(caps, side, vocab)
    month = month if month is not None else fallback[0]
    year = year if year is not None else fallback[1]
    if day is None or month is None:
        return False, None
    order = _fix_order(day, month, swappable)
    if order is None:
        return False, None
    day, month = order
    if year is not None:
        date = _in_year(day, month, year)
        return date is not None, date
    return True, _nearest_past(day, month, published)


def _resolve(
    m: re.Match[str], rule: _Rule, grammar: _Grammar, published: dt.date | None
) -> _Resolved | None:
    vocab = grammar.vocab
    if rule.kind == "phrase":
        start, end = _anchor(rule, published) if published else (None, None)
        return _Resolved(rule.phrase_kind, rule.period, end, start)  # type: ignore[arg-type]
    caps = _captures(m, rule)
    if rule.kind == "weekday":
        weekday = vocab["weekday"][_normalize(caps[("", "weekday")])]
        date = None
        if published is not None:
            date = published - dt.timedelta(days=(published.weekday() - int(weekday)) % 7)
        return _Resolved("weekday", "day", date)
    if rule.kind == "explicit":
        swappable = rule.month_first and caps.get(("", "month"), "").isdigit()
        ok, date = _resolve_day(caps, "", vocab, published, swappable)
        return _Resolved("explicit", "day", date) if ok else None
    if rule.kind == "since":
        ok, start = _resolve_day(caps, "1", vocab, published, swappable=False)
        if not ok:
            return None
        return _Resolved("period", "since", published if start else None, start)
    if rule.kind == "range":
        _, month1, year1 = _day_month_year(caps, "1", vocab)
        _, month2, year2 = _day_month_year(caps, "2", vocab)
        ok2, end = _resolve_day(caps, "2", vocab, published, False, (month1, year1))
        ok1, start = _resolve_day(caps, "1", vocab, published, False, (month2, year2))
        if not (ok1 and ok2):
            return None
        if year1 is None and end is not None:
            # The start takes the end's year, one earlier across New Year ("29. Dezember bis
            # 5. Januar").
            d1, m1, _ = _day_month_year(caps, "1", vocab)
            m1 = m1 if m1 is not None else month2
            start = _in_year(d1, m1, end.year) if d1 and m1 else None  # type: ignore[arg-type]
            if start is not None and start > end:
                start = _in_year(start.day, start.month, end.year - 1)
        return _Resolved("range", "range", end, start)
    if rule.kind == "ago":
        parts = []
        for side in ("", "1", "2"):
            if (side, "number") in caps:
                count = _number(caps[(side, "number")], vocab["number"])
                if count is None:
                    return None
                parts.append((count, str(vocab["unit"][_normalize(caps[(side, "unit")])])))
        date = None
        if published is not None:
            date = published + dt.timedelta(days=rule.base)
            # Years and months first, then days: "1 month 21 days ago" on 23 November is
            # 23 October less 21 days.
            order = {"year": 0, "month": 1}
            for count, unit in sorted(parts, key=lambda p: order.get(p[1], 2)):
                date = _count_units(date, count, unit, rule.sign)
        return _Resolved("relative", "day", date)
    if rule.kind == "week_weekday":
        weekday = int(vocab["weekday"][_normalize(caps[("", "weekday")])])
        date = None
        if published is not None:
            date = _week_start(published) + dt.timedelta(days=7 * rule.weeks + weekday)
        return _Resolved("weekday", "day", date)
    if rule.kind == "nth_weekday":
        n = _number(caps[("", "day")], vocab["ordinal"])
        weekday = int(vocab["weekday"][_normalize(caps[("", "weekday")])])
        if n is None or not 1 <= n <= 5:
            return None
        if published is None:
            return _Resolved("weekday", "day", None)
        month_text = caps.get(("", "month"))
        if month_text is not None:  # "the first Friday of July": the last July on or before
            month = int(vocab["month"][_normalize(month_text)])
            year = published.year if month <= published.month else published.year - 1
        else:
            anchor = _add_months(published.replace(day=1), rule.months or 0)
            year, month = anchor.year, anchor.month
        date = _nth_weekday(year, month, n, weekday)
        return _Resolved("weekday", "day", date) if date is not None else None
    if rule.kind == "day_of_month":
        day = _number(caps[("", "day")], vocab["ordinal"])
        if day is None or not 1 <= day <= 31:
            return None
        if published is None:
            return _Resolved("explicit", "day", None)
        weekday_text = caps.get(("", "weekday"))
        weekday = int(vocab["weekday"][_normalize(weekday_text)]) if weekday_text else None
        date = _day_of_month(day, published, rule.months, weekday)
        return _Resolved("explicit", "day", date) if date is not None else None
    raise AssertionError(f"unknown rule kind {rule.kind!r}")


def find_dates(
    text: str, lang: str, published: dt.date | None, offset: int = 0
) -> list[DateMention]:
    """Find every date expression in `text` and resolve it against the publication date.

    Args:
        text: The text to search (an article, or one sentence of it).
        lang: Language code with a `lang/<code>/dates.yaml` ("de", "en").
        published: The publication date that relative expressions refer to. When None, every
            mention is still found, but those that need it carry `date=None`.
        offset: Added to every start and end, so that mentions found in a sentence carry
            offsets into the whole article.

    Returns:
        Mentions in text order. Spans without a calendar day ("an einem Tag", "intraday") have
        `date=None` and a `period`.

    Raises:
        narrate.lang.UnsupportedLanguage: When `lang` has no language data.
    """
    grammar = _grammar(lang)
    mentions: list[DateMention] = []
    for m in grammar.regex.finditer(text):
        rule = grammar.rules[m.lastgroup]  # type: ignore[index]
        if rule.kind == "phrase_lookup":
            rule = grammar.phrase_rules[_phrase_key(m.group(0))]
        resolved = _resolve(m, rule, grammar, published)
        if resolved is None:
            continue
        mentions.append(
            DateMention(
                start=m.start() + offset,
                end=m.end() + offset,
                text=m.group(0),
                kind=resolved.kind,
                date=resolved.date,
                start_date=resolved.start_date,
                period=resolved.period,
            )
        )
    return mentions


# --- publication date lines -----------------------------------------------------------------


@dataclass(frozen=True)
class _LineGrammar:
    regex: re.Pattern[str]
    grammar: _Grammar
    am: frozenset[str]
    pm: frozenset[str]


def _words(forms: list[str]) -> str:
    return _vocab_alternation(forms, set())


@cache
def _line_grammar(lang: str) -> _LineGrammar:
    grammar = _grammar(lang)
    line = lang_data.load(lang, "dates")["date_line"]
    zones = sorted(
        {
            z
            for code in lang_data.SUPPORTED
            for z in lang_data.load(code, "dates")["date_line"]["time_zones"]
        },
        key=len,
        reverse=True,
    )
    time_words = line["time_words"]
    all_time_words = time_words["neutral"] + time_words["am"] + time_words["pm"]
    prefixes = "|".join(_fragment(p) for p in line["prefixes"])
    before_time = "|".join(_fragment(w) for w in line["time_prepositions"])
    time = (
        rf"(?:\s*[,|•·–—-]\s*|\s+|T)(?:(?:{before_time})\s+)?"
        + _TIME
        + (rf"(?:\s*(?P<meridiem>{_words(all_time_words)}))?" if all_time_words else "")
        + rf"(?:\s*(?:{'|'.join(map(re.escape, zones))}|Z|[+-]\d{{2}}:?\d{{2}}))?"
    )
    # Explicit dates only: a date line names a day, never "heute" or "am Dienstag". Reusing the
    # rules' own text keeps their group names, so `_captures` reads both regexes alike.
    bodies = [grammar.sources["explicit"]]
    pattern = rf"\s*(?:(?:{prefixes})\s*)?(?:{'|'.join(bodies)})(?:{time})?\s*[.,;]?\s*"
    return _LineGrammar(
        regex=re.compile(pattern, re.IGNORECASE),
        grammar=grammar,
        am=frozenset(_normalize(w) for w in time_words["am"]),
        pm=frozenset(_normalize(w) for w in time_words["pm"]),
    )


# English first: a slash date line ("02/04/2026") is a US-style header far more often than a
# German one, which writes dots; dotted dates read day-first in both.
_LINE_LANGS = ("en", "de")


def parse_date_line(line: str) -> tuple[dt.date, dt.time | None] | None:
    """Recognize a standalone publication-date line.

    Lines such as "February 4, 2026", "Mittwoch, 4. Februar 2026", "17.10.24 09:16 Uhr",
    "Feb 4, 2026 10:30 AM", "2026-02-04" or "Veröffentlicht am 04.02.2026" are dates; month names
    of every supported language are accepted, since an English date line may head a German
    article.

    Args:
        line: One line of text.

    Returns:
        The date and, when the line carries one, the time of day; None when the line is not
        (mostly) just a date with a year.
    """
    if len(line) > 80:  # A date line is short; a long line is prose that contains a date.
        return None
    for code in _LINE_LANGS:
        lg = _line_grammar(code)
        m = lg.regex.fullmatch(line)
        if m is None:
            continue
        rule = next(
            r for name, r in lg.grammar.rules.items() if r.kind == "explicit" and m.group(name)
        )
        caps = _captures(m, rule)
        if ("", "year") not in caps:
            continue
        swappable = rule.month_first and caps.get(("", "month"), "").isdigit()
        ok, date = _resolve_day(caps, "", lg.grammar.vocab, None, swappable)
        if not ok or date is None:
            continue
        return date, _time_of(m, lg)
    return None


def _time_of(m: re.Match[str], lg: _LineGrammar) -> dt.time | None:
    if m.group("hour") is None:
        return None
    hour = int(m.group("hour"))
    meridiem = m.groupdict().get("meridiem")
    if meridiem and hour <= 12:
        word = _normalize(meridiem)
        if word in lg.pm and hour != 12:
            hour += 12
        elif word in lg.am and hour == 12:
            hour = 0
    return dt.time(hour, int(m.group("minute")), int(m.group("second") or 0))
