"""Evaluations on third-party data in ../shared/data (never copied into the repository).

Move extraction against the gold corpus (corpus/gold: ids, offsets and values of hand-annotated
events in documents that are read from ../shared/data): see gold_documents and evaluate_moves.

DAX consistency: how many DAX levels and percent changes in real dpa-AFX/finanzen.net reports
(DAX-News_dev.csv) agree with ^GDAXI prices. Used by scripts/dax_consistency.py and by the
evaluation gate in tests/test_consistency.py.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date as _date
from pathlib import Path
from typing import Literal

import pandas as pd

from narrate.catalog.identifiers import RIC_ENTITY_PREFIX
from narrate.records import Article, Direction, Qualifier, Record

DAX_NEWS = Path("data/text/dax_news_de/DAX-News_dev.csv")
GDAXI = Path("data/prices/alitalbi_storage_data_fy/^GDAXI.csv")


# The scraper behind DAX-News_dev dropped the spaces around hyperlinked names ("DerDAXist",
# "derNikkei 225stellenweise", "JahrSeit Wochenbeginn"). This puts them back where a lower-case
# letter meets an upper-case one, after an all-caps name, and after a number glued to a word;
# mixed-case names that legitimately look like that are kept.
_KEEP = ("TecDAX", "TecDax", "MDax", "SDax", "eBay", "iPhone", "iShares", "McDonald", "DAXplus")
_GLUE = re.compile(
    r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ])"  # JahrSeit
    r"|(?<=[A-ZÄÖÜ]{3})(?=[a-zäöü]{2,}\b)"  # DAXist, BMWmit
    r"|(?<=\d)(?=[a-zäöü]{4,})"  # 225stellenweise
)
# A name glued to the lower-case word after it ("der Shanghai Compositeum 2,51 Prozent", "Hang
# Sengin Hongkong", "Infineonverlor") is split when that word is one of these and the name is
# known to the corpus: seen alone at least _NAME_MIN_COUNT times (and not mostly in lower case, as
# "Auf" in "Aufstieg" is), or glued to two different words of the list. Words that end like that
# legitimately are kept (_REAL_WORDS, the feminine "-in" of "Chefvolkswirtin").
_GLUED_FOLLOWERS = frozenset(
    """um in im mit und derweil daneben unterdessen hingegen dagegen gleichzeitig mittlerweile
    zwischenzeitlich zeitweise letztlich weiter derzeit aktuell sich die der den dem des von vom
    auf zur zum als an am nach bei hat hatte ist war wird kann will zeigt zeigen zeigte bleibt
    notiert notierte bewegt verliert verlor verloren gab legt legte legen nahmen büßte büßten
    rutschte rutschten steigt stieg stiegen fiel fielen gewann gewannen sank sanken pendelte
    verbuchte präsentiert präsentieren bekommt zählte zählten gehört gehörte gehörten sorgte
    sorgten""".split()
)
_REAL_WORDS = frozenset({"Demnach", "Seitdem", "Julian"})
_FEMININE = re.compile(r"(?:er|ent|ef|irt|st|eur|at|ant|or)in$")
_NAME_MIN_COUNT = 4
_GLUED_TOKEN = re.compile(r"\b[A-ZÄÖÜ]\w{3,}\b")
# "Shanghai Composite0,27 Prozent", "DAX0,9 Prozent": a percentage glued to the name before it.
_GLUED_PERCENT = re.compile(r"(?<=[A-Za-zäöü]{2})(?=\d{1,3},\d+ ?(?:Prozent|%))")
# Lower-case names glued to the words around them ("undadidas", "vonadidasmit").
_LOWER_NAMES = ("adidas",)
_FOLLOWERS_RE = "|".join(sorted(_GLUED_FOLLOWERS, key=len, reverse=True))
_GLUED_LOWER = re.compile(
    rf"\b(?P<before>{_FOLLOWERS_RE})?(?P<name>{'|'.join(_LOWER_NAMES)})(?P<after>{_FOLLOWERS_RE})?\b"
)
# A protected name inside a longer word is no name: "zählteBayer" holds "eBay".
_KEEP_RE = re.compile(rf"(?<![a-zäöüß])(?:{'|'.join(_KEEP)})")


def _split_lower(m: re.Match[str]) -> str:
    return " ".join(part for part in m.group("before", "name", "after") if part)


def repair_glued_words(text: str, names: Counter | None = None) -> str:
    """Undo the scraper's dropped spaces (see above); only for this corpus.

    Args:
        text: One article body.
        names: Word counts over the corpus (`glue_counts`); without them, names glued to the
            word after them are left alone.
    """
    marks = {name: f"\x00{i}\x00" for i, name in enumerate(_KEEP)}
    text = _KEEP_RE.sub(lambda m: marks[m.group()], text)
    text = _GLUE.sub(" ", text)
    for name, mark in marks.items():
        text = text.replace(mark, name)
    text = _GLUED_PERCENT.sub(" ", text)
    text = _GLUED_LOWER.sub(_split_lower, text)
    if names is None:
        return text
    return _GLUED_TOKEN.sub(lambda m: _split_glued(m.group(), names), text)


def _follower_splits(token: str):
    """(head, word) for each word of _GLUED_FOLLOWERS that `token` ends in after 3+ letters,
    shortest word first."""
    for size in range(2, min(len(token) - 3, 16) + 1):
        if token[-size:] in _GLUED_FOLLOWERS:
            yield token[:-size], token[-size:]


def _glued_split(token: str, names: Counter) -> tuple[str, str] | None:
    """(name, word) when `token` is a known name glued to a word of _GLUED_FOLLOWERS."""
    if token in _REAL_WORDS:
        return None
    best = None
    for head, tail in _follower_splits(token):
        if tail == "in" and _FEMININE.search(token):
            continue
        glued_to = names[_GLUED_HEAD + head]
        known = names[head] >= _NAME_MIN_COUNT or (len(head) > 3 and glued_to >= 2)
        # a capitalised function word ("Auf" + "stieg") is no name
        mostly_capital = names[head.lower()] <= names[head]
        if known and mostly_capital and names[token] <= names[head] + glued_to:
            best = (head, tail)  # the longest word wins: "Sengderweil", not "Sengderwe" + "il"
    return best


def _split_glued(token: str, names: Counter) -> str:
    split = _glued_split(token, names)
    return f"{split[0]} {split[1]}" if split else token


_GLUED_HEAD = "\x00glued:"  # names[_GLUED_HEAD + name]: how many list words it is glued to


def glue_counts(bodies) -> Counter:
    """Word counts over the corpus, plus per name the number of different words glued to it."""
    names: Counter = Counter()
    tokens = set()
    for body in bodies:
        words = re.findall(r"\w+", repair_glued_words(body))
        names.update(words)
        tokens.update(words)
    glued: dict[str, set[str]] = {}
    for token in tokens:
        if not _GLUED_TOKEN.fullmatch(token):
            continue
        for head, tail in _follower_splits(token):
            glued.setdefault(head, set()).add(tail)
    for head, tails in glued.items():
        names[_GLUED_HEAD + head] = len(tails)
    return names


def dax_articles(csv_path: Path):
    """(row id, text) per article: headline, date line and body, as a reader would see them."""
    csv.field_size_limit(1 << 30)
    with csv_path.open(encoding="utf-8") as fh:
        rows = [row for row in csv.DictReader(fh) if row["news_text"] not in ("", "None")]
    names = glue_counts(row["news_text"] for row in rows)
    for row in rows:
        date = row["date"] if row["date"] != "None" else ""
        body = repair_glued_words(row["news_text"], names)
        yield row[""], f"{row['headline']}\n\n{date}\n\n{body}"


def dax_consistency(shared: Path) -> pd.DataFrame:
    """Every DAX level/percent event of DAX-News_dev joined with its verification."""
    from narrate import sinks
    from narrate.catalog import load_catalog
    from narrate.ingest import article_from_text
    from narrate.pipeline import Settings, process
    from narrate.prices.store import load_prices
    from narrate.verify import verify_frame

    catalog = load_catalog()
    events = []
    for row_id, text in dax_articles(shared / DAX_NEWS):
        result = process(article_from_text(text, f"DAX-News_dev#{row_id}"), Settings(lang="de"))
        events.extend(
            e
            for e in result.events
            if e.entity_id == "index:dax" and e.kind in ("level", "percent_change")
        )
    store = load_prices(shared / GDAXI, known_symbols=["^GDAXI"])
    frame = sinks.events_table(events).to_pandas()
    checked = verify_frame(frame, store, lambda i: catalog.get(i) if i in catalog else None)
    return frame.merge(checked, on="event_id")


def consistency_rate(joined: pd.DataFrame) -> tuple[int, int]:
    """(consistent, decided): confirmed or confirmed_intraday among events that were checked."""
    status = joined["verification_status"]
    consistent = int(status.isin(["confirmed", "confirmed_intraday"]).sum())
    return consistent, consistent + int((status == "contradicted").sum())


# --- the gold corpus of move events (corpus/gold/) ---------------------------------------------

FINENTITY = Path("data/text/finentity/FinEntity.json")
CRYPTO_NEWS = Path("data/text/finentity/crypto_news_20230105.json")
REUTERS = Path("data/text/reuters21578/reut2-000.sgm")

# Which documents are annotated: a fixed stride through each source in file order, chosen before
# narrate saw any of them (see corpus/gold/README.md). Changing these changes the gold corpus.
# The first English strides found few moves (19 in 40 documents), so every 12th FinEntity
# paragraph with a "%" sign (not already chosen) was added: "finentity_percent".
GOLD_STRIDES = {
    "dax_news_dev": 10,
    "finentity": 50,
    "finentity_percent": 12,
    "crypto_news": 150,
    "reuters": 100,
}
# The held-out test split (corpus/gold/<lang>.test.jsonl): every 20th DAX-News_dev article from
# the 5th on, annotated after the move rules had been tuned on the development split and never
# used to tune them. (stride, offset) in the same article order as GOLD_STRIDES.
GOLD_TEST_STRIDES = {"dax_news_dev": (20, 5)}
# Splits in the order they are reported; the development split must exist for each language.
GOLD_SPLITS = ("dev", "test")


def gold_documents(shared: Path) -> dict[str, Article]:
    """The gold corpus's documents by doc id, as the Articles narrate reads (offsets refer here).

    Doc ids: "dax_news_dev:<row id>", "finentity:<index>", "crypto_news:<index>" and
    "reuters:<NEWID>". Only ids, offsets and values are stored in corpus/gold; the texts are read
    from ../shared/data each time.
    """
    import json

    from narrate.ingest import article_from_text
    from narrate.sources import iter_articles

    docs: dict[str, Article] = {}
    for i, (row_id, text) in enumerate(dax_articles(shared / DAX_NEWS)):
        stride, offset = GOLD_TEST_STRIDES["dax_news_dev"]
        if i % GOLD_STRIDES["dax_news_dev"] == 0 or i % stride == offset:
            doc_id = f"dax_news_dev:{row_id}"
            docs[doc_id] = article_from_text(text, doc_id)
    paragraphs = json.loads((shared / FINENTITY).read_text(encoding="utf-8"))
    chosen = [i for i in range(len(paragraphs)) if i % GOLD_STRIDES["finentity"] == 0]
    with_percent = [
        i for i, item in enumerate(paragraphs) if "%" in item["content"] and i not in chosen
    ]
    chosen += with_percent[:: GOLD_STRIDES["finentity_percent"]]
    for i in chosen:
        doc_id = f"finentity:{i}"
        docs[doc_id] = Article(id=doc_id, source=doc_id, text=paragraphs[i]["content"])
    news = [
        item
        for item in json.loads((shared / CRYPTO_NEWS).read_text(encoding="utf-8"))
        if item.get("content")
    ]
    for i, item in enumerate(news):
        if i % GOLD_STRIDES["crypto_news"] == 0:
            doc_id = f"crypto_news:{i}"
            published = _date.fromisoformat(item["date_publish"][:10])
            text = f"{item['title']}\n\n{item['content']}"
            docs[doc_id] = article_from_text(text, doc_id, published=published)
    stories = [a for a in iter_articles([str(shared / REUTERS)]) if isinstance(a, Article)]
    for i, story in enumerate(stories):
        if i % GOLD_STRIDES["reuters"] == 0:
            doc_id = f"reuters:{story.source.rsplit('NEWID=', 1)[1]}"
            docs[doc_id] = story.model_copy(update={"source": doc_id})
    return docs


GOLD_DIR = Path(__file__).resolve().parents[2] / "corpus" / "gold"
GOLD_KINDS = ("percent_change", "absolute_change", "level", "market_cap", "market_cap_change")


class GoldEvent(Record):
    """One annotated move (corpus/gold/README.md explains every field)."""

    start: int
    end: int
    entity: str
    entity_id: str | None
    symbol: str | None
    kind: Literal["percent_change", "absolute_change", "level", "market_cap", "market_cap_change"]
    direction: Direction | None
    value: float
    unit: str
    qualifier: Qualifier | None
    ref_date: _date | None
    notes: str | None = None


class GoldDoc(Record):
    doc: str
    events: list[GoldEvent]
    notes: str | None = None


def gold_path(lang: str, split: str = "dev", gold_dir: Path | None = None) -> Path:
    """corpus/gold/<lang>.jsonl for the development split, <lang>.<split>.jsonl for others."""
    if split not in GOLD_SPLITS:
        raise ValueError(f"unknown gold split {split!r} (expected one of {GOLD_SPLITS})")
    name = f"{lang}.jsonl" if split == "dev" else f"{lang}.{split}.jsonl"
    return (gold_dir or GOLD_DIR) / name


def load_gold(lang: str, gold_dir: Path | None = None, split: str = "dev") -> list[GoldDoc]:
    """The annotated documents of one language and split, in file order."""
    import json

    path = gold_path(lang, split, gold_dir)
    docs = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                try:
                    docs.append(GoldDoc.model_validate(json.loads(line)))
                except ValueError as err:
                    raise ValueError(f"{path}, line {number}: {err}") from None
    return docs


def _same_entity(gold: GoldEvent, event) -> bool:
    if gold.entity_id is not None and event.entity_id == gold.entity_id:
        return True
    return gold.symbol is not None and event.symbol == gold.symbol


def _core_match(gold: GoldEvent, event) -> bool:
    """The same claim: the figure's span overlaps, and entity, kind, direction, value and unit
    agree. Qualifier and ref_date are scored on top (see score_moves)."""
    return (
        event.start < gold.end
        and gold.start < event.end
        and _same_entity(gold, event)
        and event.kind == gold.kind
        and event.direction == gold.direction
        and event.unit == gold.unit
        and event.value is not None
        and math.isclose(event.value, gold.value, rel_tol=1e-6, abs_tol=1e-9)
    )


class MoveScore(Record):
    """Move extraction against the gold corpus, for one language."""

    lang: str
    split: str = "dev"
    documents: int
    gold: int
    predicted: int
    matched: int  # core matches (span, entity, kind, direction, value, unit)
    strict_matched: int  # core matches whose qualifier and ref_date agree too
    qualifier_agree: int
    ref_date_agree: int
    misses: list[dict]  # gold events with no match
    false_alarms: list[dict]  # predicted events with no match

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def strict_f1(self) -> float:
        total = self.gold + self.predicted
        return 2 * self.strict_matched / total if total else 1.0


def score_moves(
    lang: str, docs: list[GoldDoc], predicted: dict[str, list], texts: dict[str, str]
) -> MoveScore:
    """Matches predicted events (narrate Events, kinds with a figure) to gold events one to one.

    A gold event takes the first unmatched predicted event that is a core match, preferring one
    whose qualifier and ref_date agree as well.
    """
    gold_n = pred_n = matched = strict = qual = ref = 0
    misses: list[dict] = []
    false_alarms: list[dict] = []
    for doc in docs:
        events = [e for e in predicted.get(doc.doc, []) if e.kind in GOLD_KINDS]
        text = texts[doc.doc]
        gold_n += len(doc.events)
        pred_n += len(events)
        used: set[int] = set()
        for gold in doc.events:
            candidates = [i for i, e in enumerate(events) if i not in used and _core_match(gold, e)]
            candidates.sort(
                key=lambda i: (
                    events[i].qualifier != gold.qualifier or events[i].ref_date != gold.ref_date
                )
            )
            if not candidates:
                misses.append(_gold_row(doc.doc, gold, text))
                continue
            event = events[candidates[0]]
            used.add(candidates[0])
            matched += 1
            qual += event.qualifier == gold.qualifier
            ref += event.ref_date == gold.ref_date
            strict += event.qualifier == gold.qualifier and event.ref_date == gold.ref_date
        false_alarms += [
            _event_row(doc.doc, e, text) for i, e in enumerate(events) if i not in used
        ]
    return MoveScore(
        lang=lang,
        documents=len(docs),
        gold=gold_n,
        predicted=pred_n,
        matched=matched,
        strict_matched=strict,
        qualifier_agree=qual,
        ref_date_agree=ref,
        misses=misses,
        false_alarms=false_alarms,
    )


def _gold_row(doc: str, gold: GoldEvent, text: str) -> dict:
    return {
        "doc": doc,
        "figure": text[gold.start : gold.end],
        "context": _context(text, gold.start, gold.end),
        **gold.model_dump(mode="json", exclude={"notes"}),
    }


def _event_row(doc: str, event, text: str) -> dict:
    keys = ("start", "end", "entity_id", "symbol", "kind", "direction", "value", "unit",
            "qualifier", "ref_date")  # fmt: skip
    row = {k: getattr(event, k) for k in keys}
    row["ref_date"] = row["ref_date"].isoformat() if row["ref_date"] else None
    return {
        "doc": doc,
        "figure": text[event.start : event.end],
        "context": _context(text, event.start, event.end),
        **row,
    }


def _context(text: str, start: int, end: int, width: int = 60) -> str:
    return " ".join(text[max(0, start - width) : end + width].split())


def evaluate_moves(
    shared: Path, langs=("de", "en"), gold_dir: Path | None = None
) -> list[MoveScore]:
    """Runs the default pipeline (language detected, no models) on every gold document.

    Scores each language's development split, and its held-out test split where the language
    has one (corpus/gold/<lang>.test.jsonl).
    """
    from narrate.pipeline import Settings, process

    docs = gold_documents(shared)
    scores = []
    for lang in langs:
        for split in GOLD_SPLITS:
            if split != "dev" and not gold_path(lang, split, gold_dir).exists():
                continue
            gold = load_gold(lang, gold_dir, split)
            predicted = {d.doc: process(docs[d.doc], Settings()).events for d in gold}
            texts = {d.doc: docs[d.doc].text for d in gold}
            score = score_moves(lang, gold, predicted, texts)
            scores.append(score.model_copy(update={"split": split}))
    return scores


# --- entity linking (`narrate eval entities`) ---------------------------------------------------

SENTFIN = Path("data/text/sentfin/SEntFiN.csv")
SENTFIN_GOLD = "entities_sentfin.yaml"
# FinEntity prints a Reuters code right after most company names ("Johnson & Johnson <JNJ.N>
# shares"), sometimes after a possessive ("Tesla's <TSLA.O>"). A code further away may belong to
# another name, so only these few characters may lie between span and code.
_CODE_AFTER = re.compile(r"\s{0,2}(?:[^\w\s]{1,2}s\s{1,2})?(?=<[^<>\s]{1,15}>)")
# How far from its given offset a FinEntity span is looked for: about 3% of the spans are shifted
# by a few characters (the text has mojibake like "Apple��s" that the offsets did not count).
_SPAN_SLACK = 12


class EntityRecall(Record):
    """How many mentions of catalog entities the alias matcher links to the right entity.

    `spans`: annotated mentions; `with_code`: FinEntity spans with a Reuters code right after
    them (SEntFiN: mentions of a name in the hand-made gold mapping); `expected`: those that name
    a catalog entity; `linked`: those the matcher links to it. The company_* fields count the
    expected mentions of companies only.
    """

    dataset: str
    spans: int
    with_code: int
    expected: int
    linked: int
    company_expected: int
    company_linked: int
    misses: list[dict]

    @property
    def recall(self) -> float:
        return self.linked / self.expected if self.expected else 1.0

    @property
    def company_recall(self) -> float:
        return self.company_linked / self.company_expected if self.company_expected else 1.0


class LinkPrecision(Record):
    """Of the predicted events that meet a gold event (overlapping figure, same kind and value),
    how many name the gold event's entity."""

    lang: str
    compared: int
    same_entity: int
    wrong_links: list[dict]

    @property
    def precision(self) -> float:
        return self.same_entity / self.compared if self.compared else 1.0


def _aligned_span(text: str, start: int, end: int, value: str) -> tuple[int, int] | None:
    """The span of `value` at or nearest to the given offsets; None where it is not nearby."""
    if text[start:end] == value:
        return start, end
    lo = max(0, start - _SPAN_SLACK)
    found = [
        m.start() for m in re.finditer(re.escape(value), text[lo : end + _SPAN_SLACK + len(value)])
    ]
    if not value or not found:
        return None
    best = min(found, key=lambda i: abs(lo + i - start))
    return lo + best, lo + best + len(value)


def _company(entity_id: str | None) -> bool:
    return bool(entity_id) and entity_id.startswith("company:")


@dataclass
class _RecallTally:
    """Expected and linked mentions, overall and for companies, while a scorer walks a dataset."""

    expected: int = 0
    linked: int = 0
    company_expected: int = 0
    company_linked: int = 0

    def add(self, entity_id: str, linked: bool) -> None:
        company = _company(entity_id)
        self.expected += 1
        self.company_expected += company
        self.linked += linked
        self.company_linked += linked and company

    def recall(self, dataset: str, spans: int, with_code: int, misses: list[dict]) -> EntityRecall:
        return EntityRecall(
            dataset=dataset,
            spans=spans,
            with_code=with_code,
            expected=self.expected,
            linked=self.linked,
            company_expected=self.company_expected,
            company_linked=self.company_linked,
            misses=misses,
        )


def score_finentity(paragraphs: list[dict], catalog) -> EntityRecall:
    """Alias-matcher recall on FinEntity spans whose Reuters code names a catalog entity.

    The code matcher (`catalog.identifiers()`) decides which entity a span is; the alias matcher
    (`catalog.matcher("en")`) alone is scored, so a name is never checked against its own code.
    A span counts as linked when an alias mention overlapping it has the code's entity.

    Args:
        paragraphs: FinEntity.json items: `content` and `annotations` with start, end, value.
        catalog: The catalog to score.
    """
    matcher, codes = catalog.matcher("en"), catalog.identifiers()
    spans = with_code = 0
    tally = _RecallTally()
    misses: list[dict] = []
    for index, paragraph in enumerate(paragraphs):
        text = paragraph["content"]
        code_at = {span[0]: mention.entity_id for mention, span in codes.find_with_spans(text)}
        mentions = None
        for ann in paragraph["annotations"]:
            spans += 1
            span = _aligned_span(text, int(ann["start"]), int(ann["end"]), str(ann["value"]))
            if span is None:
                continue
            gap = _CODE_AFTER.match(text, span[1])
            if gap is None:
                continue
            with_code += 1
            entity_id = code_at.get(gap.end())
            if entity_id is None:
                continue
            if mentions is None:
                mentions = matcher.find(text)
            found = [m for m in mentions if m.start < span[1] and span[0] < m.end]
            linked = any(m.entity_id == entity_id for m in found)
            tally.add(entity_id, linked)
            if not linked:
                misses.append(_entity_miss(f"finentity:{index}", text, span, entity_id, found))
    return tally.recall("finentity", spans, with_code, misses)


def score_sentfin(
    headlines: list[tuple[str, list[str]]], gold: dict[str, str | None], catalog
) -> EntityRecall:
    """Alias-matcher recall on SEntFiN headline mentions whose name the gold maps to an entity.

    A mention is linked when the matcher finds the gold entity in the headline (a headline is one
    short line and names an entity once; the name may be inflected there, "Infosys'").

    Args:
        headlines: (headline, entity names annotated in it) pairs.
        gold: Entity name -> catalog id, or None for a name that is no catalog entity; names
            not in it are not scored.
        catalog: The catalog to score.
    """
    matcher = catalog.matcher("en")
    spans = known = 0
    tally = _RecallTally()
    misses: list[dict] = []
    for index, (title, names) in enumerate(headlines):
        mentions = None
        for name in names:
            spans += 1
            if name not in gold:
                continue
            known += 1
            entity_id = gold[name]
            if entity_id is None:
                continue
            if mentions is None:
                mentions = matcher.find(title)
            linked = any(m.entity_id == entity_id for m in mentions)
            tally.add(entity_id, linked)
            if linked:
                continue
            start = title.find(name)
            span = (start, start + len(name)) if start >= 0 else (0, 0)
            found = [m for m in mentions if m.start < span[1] and span[0] < m.end]
            misses.append(_entity_miss(f"sentfin:{index}", title, span, entity_id, found, name))
    return tally.recall("sentfin", spans, known, misses)


def _entity_miss(
    doc: str, text: str, span: tuple[int, int], expected: str, found, name: str | None = None
) -> dict:
    return {
        "doc": doc,
        "mention": name if name is not None else text[span[0] : span[1]],
        "expected": expected,
        "found": [m.entity_id for m in found],
        "context": _context(text, *span) if span[1] else " ".join(text.split()),
    }


def score_linking(
    lang: str, docs: list[GoldDoc], predicted: dict[str, list], texts: dict[str, str]
) -> LinkPrecision:
    """Linking precision: among predicted events that meet a gold event (figure spans overlap,
    same kind, same value), the share whose entity is the gold event's (`_same_entity`).

    An event meeting several gold events is right when it names any of their entities.
    """
    compared = same = 0
    wrong: list[dict] = []
    for doc in docs:
        text = texts[doc.doc]
        for event in predicted.get(doc.doc, []):
            met = [
                gold
                for gold in doc.events
                if event.start < gold.end
                and gold.start < event.end
                and event.kind == gold.kind
                and event.value is not None
                and math.isclose(event.value, gold.value, rel_tol=1e-6, abs_tol=1e-9)
            ]
            if not met:
                continue
            compared += 1
            if any(_same_entity(gold, event) for gold in met):
                same += 1
                continue
            row = _event_row(doc.doc, event, text)
            row["gold_entity"] = met[0].entity
            row["gold_entity_id"] = met[0].entity_id
            row["gold_symbol"] = met[0].symbol
            wrong.append(row)
    return LinkPrecision(lang=lang, compared=compared, same_entity=same, wrong_links=wrong)


def load_sentfin_gold(gold_dir: Path | None = None) -> dict[str, str | None]:
    """corpus/gold/entities_sentfin.yaml: SEntFiN entity name -> catalog id or None.

    Raises:
        OSError: The file is missing.
        ValueError: It is not a mapping of names to ids or null.
    """
    import yaml

    from narrate.lang import read_yaml

    path = (gold_dir or GOLD_DIR) / SENTFIN_GOLD
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in data.items()
    ):
        raise ValueError(f"{path}: expected a mapping of entity name -> catalog id or null")
    return data


def sentfin_headlines(shared: Path) -> list[tuple[str, list[str]]]:
    """(headline, annotated entity names) for every row of SEntFiN.csv, in file order."""
    from narrate.models.data import parse_sentfin_decisions

    with (shared / SENTFIN).open(encoding="utf-8", newline="") as fh:
        return [
            (row["Title"].strip(), list(parse_sentfin_decisions(row["Decisions"])))
            for row in csv.DictReader(fh)
        ]


class EntityEvaluation(Record):
    """Everything `narrate eval entities` reports."""

    recall: list[EntityRecall]
    linking: list[LinkPrecision]


def evaluate_entities(
    shared: Path, langs=("de", "en"), gold_dir: Path | None = None, catalog=None
) -> EntityEvaluation:
    """FinEntity and SEntFiN recall of the alias matcher, and linking precision of the default
    pipeline (as evaluate_moves runs it) on every split of the move gold corpus.

    Raises:
        OSError: A data or gold file is missing.
        ValueError: A gold file is malformed.
    """
    import json

    from narrate.catalog import load_catalog
    from narrate.pipeline import Settings, process

    catalog = catalog or load_catalog()
    sentfin_gold = load_sentfin_gold(gold_dir)
    paragraphs = json.loads((shared / FINENTITY).read_text(encoding="utf-8"))
    recall = [
        score_finentity(paragraphs, catalog),
        score_sentfin(sentfin_headlines(shared), sentfin_gold, catalog),
    ]
    docs = gold_documents(shared)
    linking = []
    for lang in langs:
        gold = [
            doc
            for split in GOLD_SPLITS
            if split == "dev" or gold_path(lang, split, gold_dir).exists()
            for doc in load_gold(lang, gold_dir, split)
        ]
        predicted = {d.doc: process(docs[d.doc], Settings(), catalog).events for d in gold}
        texts = {d.doc: docs[d.doc].text for d in gold}
        linking.append(score_linking(lang, gold, predicted, texts))
    return EntityEvaluation(recall=recall, linking=linking)


# --- names the catalog does not know (`narrate eval entities --models`) -------------------------

# GermEval sentences are evaluated as articles of this many lines (one sentence a line, so a
# line break is a sentence boundary): the model then reads them in batches, as in a real report.
_GERMEVAL_LINES = 25


class UnlinkedRecall(Record):
    """How well the pipeline reports gold names the catalog does not know as unlinked entities.

    `gold`: annotated spans; `not_linked`: those that no catalog mention overlaps (linked or
    left ambiguous); `covered`: those an UnlinkedEntity(reason "not_in_catalog", type company)
    of the real pipeline overlaps, or an entity made from the name's Reuters code ("Wizz Air
    <WIZZ.L>", Catalog.coded; `coded` of them, identified rather than unlinked). `emitted`: such
    unlinked entities in all; `on_gold`: those overlapping any gold span. The data set does not
    annotate every company (FinEntity only those that carry sentiment), so on_gold / emitted is
    a lower bound on precision; `off_gold` holds those that overlap none, with context, for a
    reader to judge.
    """

    dataset: str
    lang: str
    documents: int
    gold: int
    not_linked: int
    covered: int
    coded: int = 0
    emitted: int
    on_gold: int
    off_gold: list[dict]

    @property
    def recall(self) -> float:
        return self.covered / self.not_linked if self.not_linked else 1.0

    @property
    def precision_floor(self) -> float:
        return self.on_gold / self.emitted if self.emitted else 1.0


def score_unlinked(
    dataset: str,
    lang: str,
    docs: list[tuple[str, list[tuple[int, int]]]],
    settings,
    catalog,
    models=None,
) -> UnlinkedRecall:
    """Runs the pipeline on each (text, gold spans) and scores its unlinked entities.

    Args:
        dataset: Name for the report.
        lang: Language of every text (the pipeline is told, not left to guess).
        docs: Texts with the character spans of their gold names.
        settings: Pipeline settings; `models` must be on for any unlinked entity to appear.
        catalog: The catalog.
        models: Loaded models, or None for the process-wide ones.
    """
    from narrate.pipeline import process

    gold = not_linked = covered = coded = emitted = on_gold = 0
    off_gold: list[dict] = []
    for index, (text, spans) in enumerate(docs):
        article = Article(id=f"{dataset}:{index}", source=f"{dataset}:{index}", text=text)
        result = process(article, settings, catalog, models)
        found = [u for u in result.unlinked if u.reason == "not_in_catalog" and u.type == "company"]
        linked, ambiguous = catalog.link(text, lang)
        known = [(m.start, m.end) for m in linked] + [(a.start, a.end) for a in ambiguous]
        by_code = [
            (m.start, m.end)
            for m in catalog.coded(text, linked)[0]
            if m.entity_id.startswith(RIC_ENTITY_PREFIX)
        ]
        for lo, hi in spans:
            gold += 1
            if any(s < hi and lo < e for s, e in known):
                continue
            not_linked += 1
            if any(s < hi and lo < e for s, e in by_code):
                coded += 1
                covered += 1
            else:
                covered += any(u.start < hi and lo < u.end for u in found)
        for u in found:
            emitted += 1
            if any(u.start < hi and lo < u.end for lo, hi in spans):
                on_gold += 1
            else:
                off_gold.append(
                    {"doc": f"{dataset}:{index}", "text": u.text, "score": u.score,
                     "context": _context(text, u.start, u.end)}
                )  # fmt: skip
    return UnlinkedRecall(
        dataset=dataset, lang=lang, documents=len(docs), gold=gold, not_linked=not_linked,
        covered=covered, coded=coded, emitted=emitted, on_gold=on_gold, off_gold=off_gold,
    )  # fmt: skip


def finentity_test_docs(shared: Path) -> list[tuple[str, list[tuple[int, int]]]]:
    """FinEntity paragraphs of the model's held-out NER test split with their entity spans."""
    from narrate.models.data import load_finentity_paragraphs

    docs = []
    for paragraph in load_finentity_paragraphs(shared, "test"):
        text = paragraph["content"]
        spans = [
            span
            for ann in paragraph["annotations"]
            if (span := _aligned_span(text, int(ann["start"]), int(ann["end"]), str(ann["value"])))
        ]
        docs.append((text, spans))
    return docs


def germeval_test_docs(shared: Path) -> list[tuple[str, list[tuple[int, int]]]]:
    """GermEval 2014 sentences of the model's held-out test split, words joined by spaces,
    `_GERMEVAL_LINES` to a text, with their ORG spans (organisations of every kind, not only
    companies)."""
    from narrate.models.data import load_ner_examples

    docs: list[tuple[str, list[tuple[int, int]]]] = []
    lines: list[str] = []
    spans: list[tuple[int, int]] = []
    at = 0
    for example in load_ner_examples(shared, "germeval", "test"):
        start: int | None = None
        for word, label in zip(example.tokens, example.labels, strict=True):
            if start is not None and label != "I-ORG":
                spans.append((start, at - 1))
                start = None
            if label == "B-ORG":
                start = at
            at += len(word) + 1
        if start is not None:
            spans.append((start, at - 1))
        lines.append(" ".join(example.tokens))
        if len(lines) == _GERMEVAL_LINES:
            docs.append(("\n".join(lines), spans))
            lines, spans, at = [], [], 0
    if lines:
        docs.append(("\n".join(lines), spans))
    return docs


def evaluate_unlinked(
    shared: Path,
    *,
    quantize: str = "int8",
    model: str | None = None,
    catalog=None,
    models=None,
    limit: int | None = None,
) -> list[UnlinkedRecall]:
    """Recall of names the catalog does not know on held-out NER test splits (FinEntity
    companies, GermEval ORG), through the real pipeline with models; see UnlinkedRecall.

    Args:
        shared: The shared/ folder.
        quantize: As `narrate extract --quantize`.
        model: Registry name or folder; None: the shipped model.
        catalog: The catalog; None: the default one.
        models: Loaded models; None: the process-wide ones for `model` and `quantize`.
        limit: Score only the first this many texts of each set (a quick check).

    Raises:
        OSError: A data file is missing.
        narrate.models.base.ModelError: The model is missing or damaged.
    """
    from narrate.catalog import load_catalog
    from narrate.pipeline import Settings

    catalog = catalog or load_catalog()
    out = []
    for dataset, lang, docs in (
        ("finentity_test", "en", finentity_test_docs(shared)),
        ("germeval_test", "de", germeval_test_docs(shared)),
    ):
        settings = Settings(lang=lang, models=True, model=model, quantize=quantize)
        out.append(score_unlinked(dataset, lang, docs[:limit], settings, catalog, models))
    return out
