"""Moves: link the numbers, direction words and entity names of one sentence into claims.

A move is a claim that an entity's price or market value went somewhere: a percent change, a
level, an absolute change, a market-value change, or only a direction. The engine is generic; the
words it looks for (triggers, qualifiers, prepositions, cues) come from lang/<code>/moves.yaml.

The linking rules are deliberately local, as in the clause structure of market reports:
  1. a number is a move only when a direction trigger, a sign, or a level construction is in its
     clause, and when nothing in the clause says it is something else (a share, revenue, capex);
  2. its entity is the nearest compatible entity in the same clause, preferring the one before it
     (the subject of "Der Nasdaq fiel um 1,4 %"); outside the clause, with a lower confidence;
  3. a direction word with no number still makes a move when an entity is its subject
     ("Amazon und Microsoft weiteten ihre Verluste aus") or its genitive ("Rückgang des Nasdaq").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from narrate.lang import load
from narrate.records import (
    CatalogEntity,
    DateMention,
    Direction,
    EntityMention,
    EventKind,
    Period,
    Qualifier,
    Quantity,
    Record,
)

RULES_VERSION = "moves-1"
# The rule of a level a move started from ("nach 18.747 Punkten am Vortag"): its date is the
# day before the one the article reports on, so it does not vote on that day (assemble).
PREVIOUS_LEVEL_RULE = "move.previous_level"

# A price per unit never carries a scale word and stays below this; larger currency amounts are
# market values, deal sizes or capex, never a quote (the dearest listed share trades below 1e6).
_MAX_PRICE = 5e6
_PRICED_TYPES = {"company", "commodity", "crypto", "currency"}
# Quoted in points or bare numbers: indices and bond futures ("Bund-Future ... auf 134,64 Punkte").
_POINT_TYPES = {"index", "future"}
# Direction-only moves: the trigger must follow its subject closely ("Amazon und Microsoft
# weiteten ihre jüngsten Verluste aus": 3 words between).
_SUBJECT_WINDOW_WORDS = 5
_WORD_RE = re.compile(r"\w+")
_CAPITALISED = re.compile(r"(?<![\w.])[A-Z][a-z]+(?:[-'][A-Za-z]+)?\b")
# An index anaphor ("der Index") refers to an index named at most this far before it.
_ANAPHOR_REACH = 1500
# A company anaphor ("die Aktie") refers to a company named at most this far before it: the
# sentence before, as in "Die SAP-Aktie ... Die Marktkapitalisierung der Aktie beträgt ...".
_COMPANY_ANAPHOR_REACH = 300
# A sentence with index points but no name is about the index named at most this far before it.
_IMPLICIT_REACH = 600


class Move(Record):
    """One linked claim inside one sentence, before article-level assembly."""

    entity_id: str
    mention_start: int
    mention_end: int
    kind: EventKind
    direction: Direction | None
    value: float | None
    unit: str | None
    qualifier: Qualifier | None
    period: Period | None
    date: DateMention | None
    sentence_start: int
    sentence_end: int
    start: int  # evidence span: the quantity, or the trigger for direction-only moves
    end: int
    confidence: float
    rule: str
    historic: bool = False  # dated to a past year only ("im September 2002"): no day to infer


@dataclass(frozen=True)
class Trigger:
    start: int
    end: int
    direction: Direction
    period: Period | None
    standalone: bool


@dataclass(frozen=True)
class Lexicon:
    trigger_re: re.Pattern[str]
    trigger_info: dict[str, tuple[Direction, Period | None, bool]]
    gap_head_re: re.Pattern[str]  # the first word of any separable-verb trigger
    gap_triggers: dict[str, tuple[tuple[re.Pattern[str], Direction, Period | None], ...]]
    level_verb_re: re.Pattern[str]
    change_prepositions: frozenset[str]
    level_prepositions: frozenset[str]
    of_prepositions: frozenset[str]
    previous_level_prepositions: frozenset[str]
    preposition_fillers: frozenset[str]
    name_suffix_re: re.Pattern[str]  # the whole gap between a company name and its bracket
    respectively_re: re.Pattern[str]
    false_trigger_re: re.Pattern[str] | None  # "declined to comment": no move
    anaphor_re: re.Pattern[str]
    company_anaphor_re: re.Pattern[str]
    qualifier_re: re.Pattern[str]  # anchored at the end of the text before a number
    qualifier_map: dict[str, tuple[Qualifier, Qualifier]]
    period_cue_re: re.Pattern[str]
    period_cue_map: dict[str, Period]
    crossing_re: re.Pattern[str]
    crossing_map: dict[str, Direction]
    past_re: re.Pattern[str]
    hypothetical_re: re.Pattern[str]  # case-sensitive: "May" is a month, "may" a hedge
    place_prep_re: re.Pattern[str]  # anchored at the end of the text before an index name
    year_comparison_re: re.Pattern[str]  # anchored at the end of the text before a year
    member_re: re.Pattern[str]  # anchored right after an index name: "Dax-Spitze", "DAX-Werte"
    member_prefix_re: re.Pattern[str]  # anchored at the end before one: "bottom of the STOXX 600"
    level_noun_re: re.Pattern[str]
    level_noun_period: dict[str, Period]
    article_re: re.Pattern[str]  # anchored at the end of the text before a number
    sign_re: re.Pattern[str]
    sign_map: dict[str, Direction]
    market_cap_re: re.Pattern[str]
    market_cap_after_re: re.Pattern[str]  # anchored right after an amount: "1,8 Bio. Euro wert"
    share_re: re.Pattern[str]  # anchored at the start of the text after a number
    non_price_re: re.Pattern[str]
    boundary_re: re.Pattern[str]
    joiner_re: re.Pattern[str]  # the whole gap between two listed entities
    link_re: re.Pattern[str]  # the whole gap between a trigger noun and its entity
    question_marks: tuple[str, ...]
    proper_noun_subjects: bool  # names, and only names, are capitalised mid-sentence
    name_stopwords: frozenset[str]  # capitalised words that are no names ("Monday", "Fed")
    name_introducer_re: re.Pattern[str] | None  # "Papiere von": a capitalised word after is a name


def _alternation(forms: Sequence[str]) -> str:
    ordered = sorted({f for f in forms if f}, key=len, reverse=True)
    return "|".join(re.escape(f) for f in ordered)


def _words(forms: Sequence[str]) -> str:
    """Forms as whole words; forms that start or end in punctuation need no word boundary.

    No forms match nothing.
    """
    if not any(forms):
        return "(?!)"
    return rf"(?<!\w)(?:{_alternation(forms)})(?!\w)"


@cache
def lexicon(lang: str) -> Lexicon:
    data = load(lang, "moves")
    info: dict[str, tuple[Direction, Period | None, bool]] = {}
    gaps: dict[str, list[tuple[re.Pattern[str], Direction, Period | None]]] = {}
    for direction, groups in data["triggers"].items():
        for group in groups:
            period = group.get("period")
            standalone = group.get("standalone", True)
            for form in group["forms"]:
                if "…" in form:
                    head, tail = (part.strip() for part in form.split("…", 1))
                    gap = (
                        rf"(?<!\w){re.escape(head)}(?!\w)"
                        # up to 80 characters of one clause; "0,8" and "1.4" do not end it
                        r"(?:[^,;:.!?–—]|(?<=\d)[,.](?=\d)){0,80}?"
                        rf"(?<!\w){re.escape(tail)}(?!\w)"
                    )
                    gaps.setdefault(head.lower(), []).append(
                        (re.compile(gap, re.IGNORECASE), direction, period)
                    )
                else:
                    info[form.lower()] = (direction, period, standalone)
    qualifier_map: dict[str, tuple[Qualifier, Qualifier]] = {}
    for group in data["qualifiers"]:
        for form in group["forms"]:
            qualifier_map[form.lower()] = (group["change"], group["level"])
    sign_map = {s.lower(): d for d, forms in data["signs"].items() for s in forms}
    level_verbs = [v.split("…")[0].strip() for v in data["level_verbs"]]
    period_cues = {f.lower(): p for p, forms in data["period_cues"].items() for f in forms}
    crossings = {f.lower(): d for d, forms in data["crossing_verbs"].items() for f in forms}
    return Lexicon(
        trigger_re=re.compile(_words(list(info)), re.IGNORECASE),
        trigger_info=info,
        gap_head_re=re.compile(_words(list(gaps)), re.IGNORECASE),
        gap_triggers={head: tuple(patterns) for head, patterns in gaps.items()},
        level_verb_re=re.compile(_words(level_verbs), re.IGNORECASE),
        change_prepositions=frozenset(p.lower() for p in data["change_prepositions"]),
        level_prepositions=frozenset(p.lower() for p in data["level_prepositions"]),
        of_prepositions=frozenset(p.lower() for p in data["of_prepositions"]),
        previous_level_prepositions=frozenset(
            p.lower() for p in data["previous_level_prepositions"]
        ),
        anaphor_re=re.compile(_words(data["index_anaphors"]), re.IGNORECASE),
        company_anaphor_re=re.compile(_words(data["company_anaphors"]), re.IGNORECASE),
        preposition_fillers=frozenset(w.lower() for w in data["preposition_fillers"]),
        respectively_re=re.compile(_words(data["respectively"]), re.IGNORECASE),
        false_trigger_re=(
            re.compile(_words(data["false_triggers"])) if data["false_triggers"] else None
        ),
        # "Brenntag SE(", "Volkswagen (VW) vz(", "Vonovia SE (ex Deutsche Annington)("
        name_suffix_re=re.compile(
            rf"\s*(?:(?:{_alternation(data['name_suffixes'])})(?!\w)\s*|\([^()]{{1,40}}\)\s*){{0,3}}$"
        ),
        qualifier_re=re.compile(
            rf"(?<!\w)({_alternation(list(qualifier_map))})\s*$", re.IGNORECASE
        ),
        qualifier_map=qualifier_map,
        period_cue_re=re.compile(_words(list(period_cues)), re.IGNORECASE),
        period_cue_map=period_cues,
        crossing_re=re.compile(_words(list(crossings)), re.IGNORECASE),
        crossing_map=crossings,
        past_re=re.compile(_words(data["past_cues"]), re.IGNORECASE),
        hypothetical_re=re.compile(_words(data["hypothetical_cues"])),
        place_prep_re=re.compile(rf"{_words(data['place_prepositions'])}\s*$", re.IGNORECASE),
        year_comparison_re=re.compile(rf"{_words(data['year_comparisons'])}\s*$", re.IGNORECASE),
        member_re=re.compile(
            rf"[-\s]?(?:{_alternation(data['member_suffixes'])})(?!\w)", re.IGNORECASE
        ),
        member_prefix_re=re.compile(rf"{_words(data['member_prefixes'])}\s*$", re.IGNORECASE),
        level_noun_re=re.compile(
            _words([f for g in data["level_nouns"] for f in g["forms"]]), re.IGNORECASE
        ),
        level_noun_period={
            f.lower(): g["period"]
            for g in data["level_nouns"]
            if g.get("period")
            for f in g["forms"]
        },
        article_re=re.compile(rf"{_words(data['articles'])}\s*$", re.IGNORECASE),
        sign_re=re.compile(rf"(?:(?<!\w)|^)({_alternation(list(sign_map))})\s*$", re.IGNORECASE),
        sign_map=sign_map,
        market_cap_re=re.compile(_words(data["market_cap_cues"]), re.IGNORECASE),
        market_cap_after_re=re.compile(rf"\s*{_words(data['market_cap_followers'])}"),
        share_re=re.compile(rf"^\s*{_words(data['share_followers'])}", re.IGNORECASE),
        non_price_re=re.compile(_words(data["non_price_cues"])),
        boundary_re=re.compile(
            "|".join(
                re.escape(b) if not b[0].isalnum() else rf"(?<!\w){re.escape(b)}(?!\w)"
                for b in sorted(data["clause_boundaries"], key=len, reverse=True)
            )
        ),
        joiner_re=re.compile(rf"^\s*(?:{_alternation(data['list_joiners'])})?\s*$", re.IGNORECASE),
        link_re=re.compile(rf"^\s*(?:{_alternation(data['link_words'])})?\s*$", re.IGNORECASE),
        question_marks=tuple(data["question_marks"]),
        proper_noun_subjects=bool(data["proper_noun_subjects"]),
        name_stopwords=frozenset(data["name_stopwords"]),
        name_introducer_re=(
            re.compile(rf"(?<!\w)(?:{_alternation(data['name_introducers'])})\s+(?=[A-ZÄÖÜ])")
            if data["name_introducers"]
            else None
        ),
    )


def find_triggers(text: str, lang: str, start: int = 0, end: int | None = None) -> list[Trigger]:
    """Every direction word or phrase in text[start:end], longest first where they overlap."""
    lex = lexicon(lang)
    end = len(text) if end is None else end
    found: list[Trigger] = []
    # Separable verbs are tried only where their first word stands: one scan, not one per phrase.
    for head in lex.gap_head_re.finditer(text, start, end):
        for pattern, direction, period in lex.gap_triggers[head.group().lower()]:
            m = pattern.match(text, head.start(), end)
            if m:
                found.append(Trigger(m.start(), m.end(), direction, period, True))
    for m in lex.trigger_re.finditer(text, start, end):
        direction, period, standalone = lex.trigger_info[m.group().lower()]
        found.append(Trigger(m.start(), m.end(), direction, period, standalone))
    if lex.false_trigger_re is not None:
        false = [m.span() for m in lex.false_trigger_re.finditer(text, start, end)]
        found = [t for t in found if not any(a <= t.start and t.end <= b for a, b in false)]
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    kept: list[Trigger] = []
    for trig in found:
        # A phrase inside a longer one ("nach unten" in "zog … nach unten") is the same trigger.
        if any(k.start <= trig.start and trig.end <= k.end for k in kept):
            continue
        kept.append(trig)
    return kept


def _inside(pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in spans)


def _word_gap(text: str) -> int:
    return len(_WORD_RE.findall(text))


@dataclass
class _Sentence:
    """The mentions of one sentence, with the clause structure derived from them."""

    text: str  # the whole article text; offsets are absolute
    start: int
    end: int
    entities: list[EntityMention]
    quantities: list[Quantity]
    triggers: list[Trigger]
    dates: list[DateMention]
    boundaries: list[int]
    places: frozenset[EntityMention] = frozenset()  # "Dax-Spitze": the index as a place
    soft_places: frozenset[EntityMention] = frozenset()  # "im Dax": a place if a company is named
    years: tuple[Quantity, ...] = ()  # years that date a move to the past ("im September 2002")

    def clause(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.boundaries, pos)
        lo = self.boundaries[i - 1] if i > 0 else self.start
        hi = self.boundaries[i] if i < len(self.boundaries) else self.end
        return lo, hi


def _boundaries(
    text: str,
    start: int,
    end: int,
    lex: Lexicon,
    protected: list[tuple[int, int]],
    entities: list[EntityMention],
) -> list[int]:
    out = []
    for m in lex.boundary_re.finditer(text, start, end):
        pos = m.start()
        if _inside(pos, protected):
            continue
        # "Amazon und Microsoft": a joiner between two entity names lists them, it does not
        # start a new clause.
        before = [e for e in entities if e.end <= pos]
        after = [e for e in entities if e.start >= m.end()]
        if before and after and lex.joiner_re.match(text[before[-1].end : after[0].start]):
            continue
        out.append(pos)
    return out


def _compatible(entity: CatalogEntity, kind: EventKind, unit: str | None) -> bool:
    if kind in ("market_cap", "market_cap_change"):
        # an index's market value is that of its members ("die im DAX enthaltenen Werte")
        return entity.type in ("company", "crypto", "aggregate", "index")
    if unit == "points":
        return entity.type in _POINT_TYPES
    if kind in ("level", "absolute_change") and unit not in ("%", "pp"):
        return entity.type in _PRICED_TYPES
    if kind == "percent_change":
        return entity.type != "yield"  # a yield's percent figure is its level (_value_move)
    return True


def _is_yield(mention: EntityMention | None, catalog_get) -> bool:
    return mention is not None and catalog_get(mention.entity_id).type == "yield"


def _pick_entity(
    sent: _Sentence,
    pos: int,
    clause: tuple[int, int],
    catalog_get,
    kind: EventKind,
    unit: str | None,
) -> tuple[EntityMention | None, bool]:
    """Nearest compatible entity, first in the clause (before, then after), then the sentence."""
    candidates = [
        e
        for e in sent.entities
        if _compatible(catalog_get(e.entity_id), kind, unit) and e not in sent.places
    ]
    if len(candidates) > 1 and sent.soft_places:
        # "Vonovia im Dax mit minus 0,7 Prozent": with a company named, "im Dax" is a place.
        candidates = [e for e in candidates if e not in sent.soft_places] or candidates
    lo, hi = clause
    in_clause = [e for e in candidates if lo <= e.start and e.end <= hi]
    before = [e for e in in_clause if e.end <= pos]
    if before:
        return before[-1], True
    after = [e for e in in_clause if e.start >= pos]
    if after:
        return after[0], True
    before = [e for e in candidates if e.end <= pos]
    if before:
        return before[-1], False
    after = [e for e in candidates if e.start >= pos]
    if after:
        return after[0], False
    return None, False


def _nearest(items, pos: int, clause: tuple[int, int] | None = None):
    lo, hi = clause if clause else (-1, 1 << 62)
    pool = [x for x in items if lo <= x.start and x.end <= hi]
    if not pool:
        return None
    return min(pool, key=lambda x: min(abs(x.start - pos), abs(x.end - pos)))


def _preposition_before(
    text: str, lo: int, pos: int, fillers: frozenset[str] = frozenset()
) -> str | None:
    """The word before a number, looking past fillers ("auf zuletzt 1,11 Dollar": "auf")."""
    words = [w.lower() for w in _WORD_RE.findall(text[max(lo, pos - 40) : pos])]
    while len(words) > 1 and words[-1] in fillers:
        words.pop()
    return words[-1] if words else None


@dataclass(frozen=True)
class _PeriodCue:
    start: int
    end: int
    period: Period


def _period_cues(text: str, lo: int, hi: int, lex: Lexicon) -> list[_PeriodCue]:
    return [
        _PeriodCue(m.start(), m.end(), lex.period_cue_map[m.group().lower()])
        for m in lex.period_cue_re.finditer(text, lo, hi)
    ]


def _bracketed_after_unknown_name(
    text: str, lo: int, pos: int, entities: Sequence[EntityMention], lex: Lexicon
) -> bool:
    """True when the number sits in brackets right after a word that is no linked entity.

    A legal form or share class after the name ("Brenntag SE(-0,84 Prozent", "Sartorius vz")
    still belongs to the name before it.
    """
    opening = text.rfind("(", lo, pos)
    if opening < 0 or ")" in text[opening:pos]:
        return False
    head = text[max(lo, opening - 2) : opening].rstrip()
    if not head or not (head[-1].isalnum() or head[-1] in ".)"):
        return False
    name_end = max(lo, opening - 2) + len(head)
    return not any(
        e.end <= opening and (e.end >= name_end or lex.name_suffix_re.match(text, e.end, opening))
        for e in entities
    )


def _market_value_of(text: str, lo: int, pos: int, lex: Lexicon) -> bool:
    """True when a market-value noun and one preposition stand right before `pos`
    ("Marktkapitalisierung von", "Börsenwert von")."""
    cues = list(lex.market_cap_re.finditer(text, lo, pos))
    if not cues:
        return False
    gap = _WORD_RE.findall(text[cues[-1].end() : pos].lower())
    return len(gap) == 1 and gap[0] in lex.of_prepositions


def _unknown_issuers(
    text: str, lex: Lexicon, entities: Sequence[EntityMention], lo: int = 0, hi: int | None = None
) -> list[tuple[int, int]]:
    """Spans in text[lo:hi] that name shares of a name that is no entity ("die Papiere von
    Deutsche Wohnen", `name_introducers`): a figure after them is that issuer's, and "die
    Papiere" there refers to no company named before."""
    if lex.name_introducer_re is None:
        return []
    hi = len(text) if hi is None else hi
    return [
        m.span()
        for m in lex.name_introducer_re.finditer(text, lo, hi)
        if not any(e.start == m.end() for e in entities)
    ]


def _unknown_name_before(text: str, sentence_start: int, lo: int, pos: int, lex: Lexicon) -> bool:
    """True when the clause before a number holds a capitalised name that is no entity.

    Only for languages that capitalise names alone (`proper_noun_subjects`; German capitalises
    every noun), and not in a headline written in title case. The first word of the sentence and
    the words of `name_stopwords` do not count.
    """
    if not lex.proper_noun_subjects:
        return False
    words = _WORD_RE.findall(text, sentence_start, pos)
    if sum(w[0].isupper() for w in words) * 2 > len(words):
        return False  # a headline in title case ("XRP Remains Weak, Declines Another 10%")
    for m in _CAPITALISED.finditer(text, lo, pos):
        if m.start() == sentence_start or text[sentence_start : m.start()].strip() == "":
            continue
        if m.group() not in lex.name_stopwords:
            return True
    return False


def _date_for(sent: _Sentence, pos: int, clause: tuple[int, int]) -> DateMention | None:
    """The date in the move's clause; else the last one before it in the sentence.

    "Am Dienstag fiel der Nasdaq ... und zog den S&P 500 ... nach unten": a date before the
    move frames the clauses after it. "... in den Handel, nach 18.918 Punkten am Vortag": a
    date in a later clause belongs to that clause only.
    """
    here = _nearest(sent.dates, pos, clause)
    if here is not None:
        return here
    before = [d for d in sent.dates if d.end <= clause[0]]
    return before[-1] if before else None


def _value_move(
    sent: _Sentence, q: Quantity, lex: Lexicon, catalog_get, used: set[Trigger]
) -> Move | None:
    text = sent.text
    clause = sent.clause(q.start)
    lo, hi = clause
    before_text = text[lo : q.start]
    after_text = text[q.end : hi]

    article = lex.article_re.search(before_text)  # "über die 19.000-Punkte-Marke"
    if article:
        before_text = before_text[: article.start()]
    qualifier_match = lex.qualifier_re.search(before_text)
    qualifier_word = qualifier_match.group(1).lower() if qualifier_match else None
    bare_before = before_text[: qualifier_match.start()] if qualifier_match else before_text
    prep = _preposition_before(text, lo, lo + len(bare_before), lex.preposition_fillers)

    # "einen Gewinn von 2,4 Prozent" is a trigger phrase: its "Gewinn" is no profit figure; the
    # "Rendite" of "Rendite zehnjähriger Bundesanleihen" is part of a catalog name, a priced yield.
    named_spans = [(t.start, t.end) for t in sent.triggers] + [
        (e.start, e.end) for e in sent.entities
    ]
    cue_before = any(
        not _inside(c.start(), named_spans) for c in lex.non_price_re.finditer(text, lo, q.start)
    )
    # "mit ihrer Marktkapitalisierung von 226,8 Mrd. Euro den größten Anteil": the amount is
    # named as a market value; what follows it is about something else.
    names_market_value = q.unit == "currency" and _market_value_of(
        text, lo, lo + len(bare_before), lex
    )
    cue_after = any(
        not _inside(c.start(), named_spans)
        for c in lex.non_price_re.finditer(text, q.end, min(q.end + 40, hi))
    )
    if cue_before or (cue_after and not names_market_value):
        return None
    if lex.hypothetical_re.search(text, sent.start, q.start) or lex.hypothetical_re.search(
        text, q.start, hi
    ):
        # A forecast, a condition or a distance to a level, not the day's fact: a modal verb
        # anywhere before the number ("könnte es schwer werden, die Marke von 19.000 Punkten
        # zu knacken") or in its clause.
        return None
    if _bracketed_after_unknown_name(text, lo, q.start, sent.entities, lex):
        return None  # "Zalando(+7,45 Prozent)": the figure belongs to a name not in the catalog

    trigger = _nearest(sent.triggers, q.start, clause)
    trigger_in_clause = trigger is not None
    if trigger is None:
        trigger = _nearest(sent.triggers, q.start)
    direction: Direction | None = trigger.direction if trigger else None
    if direction is None:
        sign = lex.sign_re.search(text[max(sent.start, q.start - 8) : q.start])
        if sign:
            direction = lex.sign_map[sign.group(1).lower()]
    level_verb = lex.level_verb_re.search(text, lo, hi) is not None
    # "ein Rekordhoch von 19.500 Punkten", "die 19.000-Punkte-Marke": a level noun names a level.
    level_noun = lex.level_noun_re.search(text, lo, hi)
    noun_period = lex.level_noun_period.get(level_noun.group().lower()) if level_noun else None
    qualifier_is_bound = qualifier_word in ("unter", "über", "below", "above", "under", "over")
    crossing = lex.crossing_re.search(text, lo, hi)
    if crossing and qualifier_word is None and q.unit != "%":
        # "Dax überwindet 19.000 Punkte", "die 19.000er-Marke geknackt": the day went past it.
        # A percentage is no mark: "Oil stocks topped all three indexes ... climbing 3.7%".
        crossed = lex.crossing_map[crossing.group().lower()]
        wanted = "above" if crossed == "up" else "below"
        qualifier_word = next(w for w, (_, lq) in lex.qualifier_map.items() if lq == wanted)
        direction = direction or crossed
    # "…, nach 18.747,11 Punkten am Vortag": the level the day started from, on its own date.
    # A percentage is such a level only for a yield (below).
    from_dated_level = prep in lex.previous_level_prepositions and any(
        lo <= d.start < hi and d.start >= q.end for d in sent.dates
    )
    previous_level = from_dated_level and q.unit != "%"
    if previous_level:
        direction = None
    level_construction = (
        previous_level
        or crossing is not None
        or prep in lex.level_prepositions
        or level_noun is not None
        or (qualifier_is_bound and prep not in lex.change_prepositions)
    )

    unit: str | None
    kind: EventKind
    if q.unit == "%":
        share = lex.share_re.match(after_text)
        # "30 % der Marktkapitalisierung" is a share; in "2,16 Prozent am Mittwoch" the "am"
        # opens a date.
        if share and not any(q.end <= d.start < q.end + share.end() for d in sent.dates):
            return None
        if _is_yield(
            _pick_entity(sent, q.start, clause, catalog_get, "level", "%")[0], catalog_get
        ):
            # A yield is quoted in percent: "stieg auf 2,13 Prozent" is its level, and "von 2,10
            # Prozent am Vortag" the level it came from. "Stieg um 0,1 Prozent" would be a relative
            # change of a rate, which market reports do not mean: no claim.
            previous_level = from_dated_level
            if previous_level:
                direction = None
            elif not (level_construction or (level_verb and not trigger_in_clause)):
                return None
            kind, unit = "level", "%"
        elif prep in lex.level_prepositions:
            return None  # "auf 4 %" is a rate level, and no yield is named
        else:
            kind, unit = "percent_change", "%"
    elif q.unit == "pp":
        kind, unit = "absolute_change", "pp"
    elif q.unit == "currency":
        unit = q.currency
        cap_cue = lex.market_cap_re.search(text, lo, q.start) or lex.market_cap_re.search(
            text, q.end, hi
        )
        if cap_cue and cap_cue.start() >= q.end:
            # "mit 228,2 Mrd. Euro derzeit die größte Marktkapitalisierung"; not "... auf 160,85
            # EUR).Diese DAX-Aktien weisen den größten Börsenwert aus"
            gap_text = text[q.end : cap_cue.start()]
            if _word_gap(gap_text) > 4 or any(c in gap_text for c in ".)"):
                cap_cue = None
        worth = lex.market_cap_after_re.match(text, q.end)  # "1,787 Bio. Euro wert"
        if cap_cue or worth:
            # "Börsenwert von 5 Billionen" states a value; "1 Billion an Börsenwert verloren" or
            # "Rückgang der Marktkapitalisierung um 1 Billion" a change.
            states_value = names_market_value or worth is not None
            kind = "market_cap" if states_value or direction is None else "market_cap_change"
        elif q.scaled or q.value >= _MAX_PRICE:
            return None  # capex, revenue, losses: large amounts without a market-value cue
        elif level_construction or (level_verb and not trigger_in_clause):
            kind = "level"
        elif prep in lex.change_prepositions or trigger_in_clause:
            kind = "absolute_change"
        else:
            return None
    elif q.unit in ("points", "number"):
        unit = "points"
        if level_construction or level_verb:
            kind = "level"
        elif q.unit == "points" and (prep in lex.change_prepositions or trigger_in_clause):
            kind = "absolute_change"
        else:
            return None
    else:
        return None

    if direction is None and kind in ("percent_change", "absolute_change", "market_cap_change"):
        return None  # a change without a direction is not a claim we can state
    entity, entity_in_clause = _pick_entity(sent, q.start, clause, catalog_get, kind, unit)
    if entity is None:
        return None
    if not entity_in_clause and _unknown_name_before(text, sent.start, lo, q.start, lex):
        return None  # "delivery firm Deliveroo is also up by 6%": a name narrate does not know
    if _unknown_issuers(text, lex, sent.entities, min(entity.end, q.start), q.start):
        return None  # "Schlusslicht im SDAX waren die Papiere von RENK mit 4,5 Prozent Minus"
    if (
        kind == "level"
        and q.unit == "number"
        and catalog_get(entity.entity_id).type not in _POINT_TYPES
    ):
        return None

    qualifier: Qualifier | None = None
    if qualifier_word:
        change_q, level_q = lex.qualifier_map[qualifier_word]
        qualifier = level_q if kind in ("level", "market_cap") else change_q
    if trigger is not None and direction == trigger.direction:
        used.add(trigger)
    confidence = 0.9
    if not entity_in_clause:
        confidence -= 0.15
    if trigger is not None and not trigger_in_clause:
        confidence -= 0.1
    date = _date_for(sent, q.start, clause)
    # "Platz 11: ... Im September 2002 trieben Rezessionsängste den DAX um 5,66 Prozent nach
    # unten": a year (or a past cue) in the clause dates the move, unless the clause has its
    # own date; a date from another clause does not override it.
    date_in_clause = date is not None and lo <= date.start < hi
    historic = not date_in_clause and (
        any(lo <= y.start < hi for y in sent.years) or lex.past_re.search(text, lo, hi) is not None
    )
    if historic:
        date = None
    period = trigger.period if trigger and trigger.period else (date.period if date else None)
    if period is None:
        cue = _nearest(_period_cues(text, lo, hi, lex), q.start)
        period = cue.period if cue else None
    if kind == "level" and noun_period:
        period = noun_period  # "Jahreshoch": the extreme of the period, not of one day
    return Move(
        entity_id=entity.entity_id,
        mention_start=entity.start,
        mention_end=entity.end,
        kind=kind,
        direction=direction,
        value=abs(q.value),
        unit=unit,
        qualifier=qualifier,
        period=period,
        date=date,
        sentence_start=sent.start,
        sentence_end=sent.end,
        start=q.start,
        end=q.end,
        confidence=round(confidence, 2),
        rule=PREVIOUS_LEVEL_RULE if previous_level else f"move.{kind}",
        historic=historic,
    )


def _implicit_index(
    indices: Sequence[EntityMention], quantities: Sequence[Quantity], start: int
) -> EntityMention | None:
    """The index a sentence without a name is about, when it gives a level in points.

    Market reports drop the subject once it is clear: "Zum Handelsstart stand ein Plus von 0,02
    Prozent auf 18.729 Punkte an der Kurstafel." Only index points are unambiguous enough; the
    index is the last one named at most _IMPLICIT_REACH characters before the sentence.
    """
    if not any(q.unit == "points" for q in quantities):
        return None
    before = [e for e in indices if start - _IMPLICIT_REACH <= e.end <= start]
    return before[-1] if before else None


def _respectively(moves: list[Move], entities: Sequence[EntityMention]) -> list[Move]:
    """ "A and B gained 1.6% and 3.9%, respectively": the n-th figure goes to the n-th name.

    Applies to a run of n changes of one kind whose n names stand, in order, before the first.
    """
    changes = [m for m in moves if m.kind in ("percent_change", "absolute_change")]
    if len(changes) < 2 or len({m.kind for m in changes}) > 1:
        return moves
    names: list[EntityMention] = []
    for e in entities:  # "Chevron Corp <CVX.N>": a name and its ticker are one name
        if e.end <= changes[0].start and (not names or names[-1].entity_id != e.entity_id):
            names.append(e)
    names = names[-len(changes) :]
    if len(names) != len(changes) or len({e.entity_id for e in names}) != len(names):
        return moves
    paired = {
        id(m): m.model_copy(
            update={"entity_id": e.entity_id, "mention_start": e.start, "mention_end": e.end}
        )
        for m, e in zip(changes, names, strict=True)
    }
    return [paired.get(id(m), m) for m in moves]


def _levels_inherit_direction(text: str, moves: list[Move], lex: Lexicon) -> list[Move]:
    """A level joined to the change before it takes the change's direction.

    "(-0,58 Prozent auf 23,89 EUR)", "um 1,4 Prozent auf 25.048 Zähler bergab": the price got
    there by falling, though no word says so next to the level itself.
    """
    out = []
    for move in moves:
        if move.kind == "level" and move.direction is None and move.rule != PREVIOUS_LEVEL_RULE:
            change = next(
                (
                    m
                    for m in moves
                    if m.kind in ("percent_change", "absolute_change")
                    and m.entity_id == move.entity_id
                    and m.direction is not None
                    and m.end <= move.start
                    and _joined_by_level_preposition(text[m.end : move.start], lex)
                ),
                None,
            )
            if change is not None:
                move = move.model_copy(update={"direction": change.direction})
        out.append(move)
    return out


def _joined_by_level_preposition(gap: str, lex: Lexicon) -> bool:
    words = [w.lower() for w in _WORD_RE.findall(gap)]
    return 0 < len(words) <= 3 and words[-1] in lex.level_prepositions and "," not in gap


def anaphors(
    text: str, entities: Sequence[EntityMention], lang: str, catalog_get
) -> list[EntityMention]:
    """The entities plus the anaphors that refer back to them, in text order.

    Market reports name an entity once and then refer back to it; without this, "Seit
    Jahresanfang stieg der Index um 12,72 Prozent" or "Die SAP SE-Aktie weist den größten
    Börsenwert aus. Die Marktkapitalisierung der Aktie beträgt 241,291 Mrd. Euro." has no entity.
    An index anaphor ("der Index", "das Börsenbarometer", "the index") links to the index named
    last, at most _ANAPHOR_REACH characters back; a company anaphor ("die Aktie", "das Papier",
    "its shares") to the company named last, at most _COMPANY_ANAPHOR_REACH back (an index named
    in between, "im DAX", does not stand in the way).
    """
    lex = lexicon(lang)
    linked = _link_anaphors(text, entities, lex.anaphor_re, _ANAPHOR_REACH, "index", catalog_get)
    return _link_anaphors(
        text,
        linked,
        lex.company_anaphor_re,
        _COMPANY_ANAPHOR_REACH,
        "company",
        catalog_get,
        _unknown_issuers(text, lex, entities),
    )


def _link_anaphors(
    text: str,
    entities: Sequence[EntityMention],
    pattern: re.Pattern[str],
    reach: int,
    entity_type: str,
    catalog_get,
    blocked: Sequence[tuple[int, int]] = (),
) -> list[EntityMention]:
    candidates = [e for e in entities if catalog_get(e.entity_id).type == entity_type]
    found = []
    for m in pattern.finditer(text):
        if any(lo < m.end() and m.start() < hi for lo, hi in blocked):
            continue
        before = [e for e in candidates if m.start() - reach <= e.end <= m.start()]
        if before and not any(e.start < m.end() and m.start() < e.end for e in entities):
            found.append(
                EntityMention(
                    start=m.start(), end=m.end(), text=m.group(), entity_id=before[-1].entity_id
                )
            )
    return sorted([*entities, *found], key=lambda e: (e.start, e.end))


def _subjects(sent: _Sentence, trig: Trigger, lex: Lexicon) -> list[EntityMention]:
    """Entities a bare direction word is about: its subject list, or its genitive."""
    lo, hi = sent.clause(trig.start)
    before = [
        e for e in sent.entities if lo <= e.start and e.end <= trig.start and e not in sent.places
    ]
    if before and _word_gap(sent.text[before[-1].end : trig.start]) <= _SUBJECT_WINDOW_WORDS:
        group = [before[-1]]
        for prev in reversed(before[:-1]):
            if not lex.joiner_re.match(sent.text[prev.end : group[0].start]):
                break
            group.insert(0, prev)
        return group
    after = [e for e in sent.entities if trig.end <= e.start and e.end <= hi]
    if after and lex.link_re.match(sent.text[trig.end : after[0].start]):
        return [after[0]]
    return []


def find_moves(
    text: str,
    sentence_spans: Sequence[tuple[int, int]],
    entities: Sequence[EntityMention],
    quantities: Sequence[Quantity],
    dates: Sequence[DateMention],
    lang: str,
    catalog_get,
) -> list[Move]:
    """All moves in an article, sentence by sentence.

    Args:
        text: the article text; every offset refers to it.
        sentence_spans: (start, end) of each sentence, in order.
        entities: linked entity mentions, sorted by start.
        quantities: numbers found in the text, sorted by start.
        dates: date expressions found in the text, sorted by start.
        lang: language code of the article.
        catalog_get: entity id -> CatalogEntity, to check that a number fits its entity.
    """
    lex = lexicon(lang)
    # "107 Euro": a currency name after a number is its unit, not the EUR/USD rate.
    money = [(q.start, q.end) for q in quantities if q.unit == "currency"]
    entities = [e for e in entities if not any(s < e.end and e.start < t for s, t in money)]
    protected = [(e.start, e.end) for e in entities] + [(d.start, d.end) for d in dates]
    amounts = [q for q in quantities if q.role == "amount" and not _inside(q.start, protected)]
    years = [q for q in quantities if q.role == "year"]
    moves: list[Move] = []

    def within(items, s, e):
        starts = [x.start for x in items]
        return list(items[bisect.bisect_left(starts, s) : bisect.bisect_left(starts, e)])

    indices = [e for e in entities if catalog_get(e.entity_id).type == "index"]
    for s_start, s_end in sentence_spans:
        s_entities = within(entities, s_start, s_end)
        if not s_entities:
            implicit = _implicit_index(indices, within(amounts, s_start, s_end), s_start)
            if implicit is None:
                continue
            s_entities = [implicit]
        s_quantities = within(amounts, s_start, s_end)
        s_triggers = find_triggers(text, lang, s_start, s_end)
        if not s_quantities and not s_triggers:
            continue
        s_dates = within(dates, s_start, s_end)
        s_protected = [(x.start, x.end) for x in (*s_entities, *s_dates, *s_quantities)]
        sent = _Sentence(
            text,
            s_start,
            s_end,
            s_entities,
            s_quantities,
            s_triggers,
            s_dates,
            _boundaries(text, s_start, s_end, lex, s_protected, s_entities),
            frozenset(
                e
                for e in s_entities
                if catalog_get(e.entity_id).type == "index"
                and (
                    lex.member_re.match(text, e.end)
                    or lex.member_prefix_re.search(text, max(s_start, e.start - 40), e.start)
                )
            ),
            frozenset(
                e
                for e in s_entities
                if catalog_get(e.entity_id).type == "index"
                and lex.place_prep_re.search(text, max(s_start, e.start - 20), e.start)
            ),
            tuple(
                y
                for y in within(years, s_start, s_end)
                if not lex.year_comparison_re.search(text, max(s_start, y.start - 15), y.start)
            ),
        )
        used: set[Trigger] = set()
        sentence_moves = []
        for q in s_quantities:
            move = _value_move(sent, q, lex, catalog_get, used)
            if move is not None:
                sentence_moves.append(move)
        sentence_moves = _levels_inherit_direction(text, sentence_moves, lex)
        if lex.respectively_re.search(text, s_start, s_end):
            # "A und B im MDax um 5,2 bzw. 3,8 Prozent": the index there is a place, not a name
            # ("Im Dax und im MDax ging es um 1 bzw. 2 Prozent hoch" names only places).
            places = sent.places | sent.soft_places
            named = [e for e in s_entities if e not in places]
            sentence_moves = _respectively(sentence_moves, named if len(named) > 1 else s_entities)
        if text[s_start:s_end].rstrip().endswith(lex.question_marks):
            moves.extend(sentence_moves)
            continue  # a question presupposes, it does not report: no direction-only moves
        with_value = {m.entity_id for m in sentence_moves}
        for trig in s_triggers:
            if trig in used or not trig.standalone:
                continue
            clause = sent.clause(trig.start)
            if any(clause[0] <= q.start < clause[1] for q in s_quantities):
                continue  # the clause's number was judged above; its trigger is not a claim alone
            if lex.non_price_re.search(text, *clause) or lex.hypothetical_re.search(text, *clause):
                continue
            for entity in _subjects(sent, trig, lex):
                if entity.entity_id in with_value:
                    continue
                with_value.add(entity.entity_id)
                date = _date_for(sent, trig.start, clause)
                sentence_moves.append(
                    Move(
                        entity_id=entity.entity_id,
                        mention_start=entity.start,
                        mention_end=entity.end,
                        kind="direction",
                        direction=trig.direction,
                        value=None,
                        unit=None,
                        qualifier=None,
                        period=trig.period or (date.period if date else None),
                        date=date,
                        sentence_start=s_start,
                        sentence_end=s_end,
                        start=trig.start,
                        end=trig.end,
                        confidence=0.6,
                        rule="move.direction",
                    )
                )
        moves.extend(sorted(sentence_moves, key=lambda m: (m.start, m.mention_start)))
    return moves


# A capitalised name for `name_sentences`: also all-caps ("BHP") and joined forms ("Coca-Cola",
# "AT&T"), unlike _CAPITALISED, which looks for a subject in running text.
_NAME_WORD = re.compile(r"(?<![\w.])[A-Z][\w&'-]*")


def move_cues(text: str, quantities: Sequence[Quantity], lang: str) -> list[int]:
    """Offsets of what can make a move: amounts (not years, dates, ordinals) and direction words."""
    amounts = [q.start for q in quantities if q.role == "amount"]
    return sorted([*amounts, *(t.start for t in find_triggers(text, lang))])


def name_sentences(
    text: str,
    sentence_spans: Sequence[tuple[int, int]],
    entities: Sequence[EntityMention],
    cues: Sequence[int],
    lang: str,
) -> list[tuple[int, int]]:
    """Sentences that name no catalog entity but may report a move of a company it does not know.

    "Delivery firm Deliveroo is also up by 6%": the NER model can only find the name if the
    sentence reaches it. A sentence qualifies when it holds a move cue (`move_cues`) and, in a
    language that capitalises names alone (`proper_noun_subjects`), a capitalised word that is
    not in `name_stopwords`; German capitalises every noun, so there a cue is enough.

    Args:
        text: The article text.
        sentence_spans: Candidate sentences (start, end).
        entities: Catalog mentions; a sentence with one goes to the models anyway.
        cues: Sorted offsets from `move_cues`.
        lang: Language code.
    """
    lex = lexicon(lang)
    starts = sorted(e.start for e in entities)
    out = []
    for start, end in sentence_spans:
        if bisect.bisect_left(starts, start) < bisect.bisect_left(starts, end):
            continue
        if bisect.bisect_left(cues, start) == bisect.bisect_left(cues, end):
            continue
        if lex.proper_noun_subjects and not any(
            m.group().split("'")[0].rstrip("-") not in lex.name_stopwords
            for m in _NAME_WORD.finditer(text, start, end)
        ):
            continue
        out.append((start, end))
    return out
