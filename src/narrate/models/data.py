"""Readers and deterministic splits for the data sets that train and evaluate the shipped model.

Only sets whose licence allows training a shipped model are read here (see
`../shared/data/SOURCES.md`): SEntFiN, FinEntity, GerNTSA and GermEval 2014. Every reader returns
small frozen records; nothing here imports torch.

Splits are a pure function of the text: a SHA-256 of `SPLIT_SEED` and a grouping key (the
headline, the paragraph, the sentence) gives a number in [0, 1). All targets of one headline or
paragraph therefore land in the same split, so a test sentence is never seen in training with a
different target. The evaluator (`narrate eval`) calls the same functions, so train and test can
never drift apart. Changing `SPLIT_SEED` or a fraction changes the test sets: don't.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

SENTIMENT_LABELS = ("negative", "neutral", "positive")
NER_LABELS = ("O", "B-ORG", "I-ORG", "B-PER", "I-PER", "B-LOC", "I-LOC")

SentimentDataset = Literal["sentfin", "finentity", "gerntsa"]
NerDataset = Literal["germeval", "finentity"]
Split = Literal["train", "dev", "test"]
SPLITS: tuple[str, ...] = ("train", "dev", "test")

SPLIT_SEED = "narrate-split-1"
# Held-out test share per set (GermEval has its own test file). The dev share is taken from
# what remains after the test split and only drives early stopping.
TEST_FRACTION = {"sentfin": 0.15, "finentity": 0.20, "gerntsa": 0.20}
DEV_FRACTION = 0.10
# GermEval 2014 ships no training file here: its dev file and 60 % of test part A train, the
# other 40 % of test part A (about 1,240 sentences) is the held-out test split.
GERMEVAL_TEST_FRACTION = 0.40
# A FinEntity paragraph can run to ~90 words; a window of this many words around the target keeps
# the (target, sentence) pair inside the model's 96-token budget in almost every case.
MAX_WINDOW_WORDS = 60

DATA_DIR = Path("data") / "text"
SENTFIN_FILE = DATA_DIR / "sentfin" / "SEntFiN.csv"
FINENTITY_FILE = DATA_DIR / "finentity" / "FinEntity.json"
GERNTSA_FILE = DATA_DIR / "GerNTSA" / "GerNTSA.json"
GERMEVAL_TRAIN_FILE = DATA_DIR / "germeval2014_ner" / "NER-de-dev.tsv"
GERMEVAL_TEST_FILE = DATA_DIR / "germeval2014_ner" / "NER-de-test-part-a.tsv"


class SentimentExample(BaseModel):
    """One target in one sentence with its polarity."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    target: str
    label: Literal["negative", "neutral", "positive"]
    lang: str
    # Character span of the target in `text` when the data gives it; else it is searched for.
    start: int | None = None
    end: int | None = None

    def span(self) -> tuple[int, int] | None:
        """Where the target is in the text (given, else `base.locate`); None: not found."""
        if self.start is not None and self.end is not None:
            return self.start, self.end
        from narrate.models.base import locate

        return locate(self.text, self.target)


class NerExample(BaseModel):
    """One sentence as words with one BIO label per word."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tokens: list[str]
    labels: list[str]
    lang: str


# ----------------------------------------------------------------------------- splits


def split_value(key: str, seed: str = SPLIT_SEED) -> float:
    """A stable number in [0, 1) for `key`: the same on every machine and Python version."""
    digest = hashlib.sha256(f"{seed}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_split(key: str, test_fraction: float, dev_fraction: float = DEV_FRACTION) -> Split:
    """`test` for the first `test_fraction` of hashes, `dev` for a slice above, else `train`.

    The dev slice is `dev_fraction` of what is left after the test split, so raising the dev share
    never moves an example into or out of the test split.
    """
    value = split_value(key)
    if value < test_fraction:
        return "test"
    if value < test_fraction + (1.0 - test_fraction) * dev_fraction:
        return "dev"
    return "train"


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split {split!r} is not one of {', '.join(SPLITS)}")


def _data_file(shared: Path, relative: Path) -> Path:
    path = Path(shared) / relative
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: pass the shared folder that holds data/text/ (e.g. ../shared)"
        )
    return path


# ----------------------------------------------------------------------------- SEntFiN

# Used only where the dict literal does not parse (an apostrophe inside a quoted entity, as in
# {'Lupin's US arm': 'positive'}): the polarity word and the closing quote anchor each entity.
_DECISION_RE = re.compile(
    r"""(?:^\{|,\s*)['"](?P<entity>.*?)['"]\s*:\s*['"](?P<label>positive|negative|neutral)['"]"""
)


def parse_sentfin_decisions(cell: str) -> dict[str, str]:
    """The `Decisions` cell of SEntFiN as {entity: sentiment}."""
    try:
        value = ast.literal_eval(cell)
    except (SyntaxError, ValueError):
        value = None
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    found = {m["entity"]: m["label"] for m in _DECISION_RE.finditer(cell.strip())}
    if not found:
        raise ValueError(f"SEntFiN decisions cell not understood: {cell!r}")
    return found


def read_sentfin(path: Path) -> Iterator[tuple[str, SentimentExample]]:
    """(split key, example) for every (headline, entity) pair of SEntFiN.csv."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            title = row["Title"].strip()
            for entity, label in parse_sentfin_decisions(row["Decisions"]).items():
                example = SentimentExample(text=title, target=entity, label=label, lang="en")
                yield title, example


# ----------------------------------------------------------------------------- FinEntity

_WORD_RE = re.compile(r"\S+")


def _finentity_paragraphs(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _word_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def target_window(text: str, start: int, end: int, max_words: int = MAX_WINDOW_WORDS) -> str:
    """The text itself when short, else about `max_words` words centred on text[start:end]."""
    return window_with_offset(text, start, end, max_words)[0]


def window_with_offset(
    text: str, start: int, end: int, max_words: int = MAX_WINDOW_WORDS
) -> tuple[str, int]:
    """`target_window` and the offset in `text` where the window starts."""
    spans = _word_spans(text)
    if len(spans) <= max_words:
        stripped = text.strip()
        return stripped, (text.index(stripped) if stripped else 0)
    first = next((i for i, (_, e) in enumerate(spans) if e > start), len(spans) - 1)
    last = max(
        (i for i, (s, _) in enumerate(spans) if s < end),
        default=first,
    )
    width = max(max_words, last - first + 1)
    lo = max(0, min(first - (width - (last - first + 1)) // 2, len(spans) - width))
    hi = min(len(spans), lo + width)
    return text[spans[lo][0] : spans[hi - 1][1]], spans[lo][0]


def read_finentity_sentiment(path: Path) -> Iterator[tuple[str, SentimentExample]]:
    """(split key, example) for every annotated span: target = span text, text = its window."""
    for paragraph in _finentity_paragraphs(path):
        content = paragraph["content"]
        for ann in paragraph["annotations"]:
            start, end = int(ann["start"]), int(ann["end"])
            target = content[start:end].strip() or str(ann["value"]).strip()
            window, offset = window_with_offset(content, start, end)
            lo, hi = max(0, start - offset), min(len(window), end - offset)
            example = SentimentExample(
                text=window,
                target=target,
                label=str(ann["tag"]).lower(),
                lang="en",
                start=lo if lo < hi else None,
                end=hi if lo < hi else None,
            )
            yield content, example


def finentity_bio(content: str, annotations: Iterable[dict]) -> NerExample:
    """Whitespace words of a paragraph; words overlapping an annotated span become B-/I-ORG.

    FinEntity annotates the entities that carry sentiment, nearly all companies, so every span is
    taken as ORG.
    """
    spans = _word_spans(content)
    labels = ["O"] * len(spans)
    for ann in sorted(annotations, key=lambda a: int(a["start"])):
        start, end = int(ann["start"]), int(ann["end"])
        inside = [i for i, (s, e) in enumerate(spans) if s < end and e > start]
        for n, i in enumerate(inside):
            if labels[i] == "O":
                labels[i] = "B-ORG" if n == 0 else "I-ORG"
    tokens = [content[s:e] for s, e in spans]
    return NerExample(tokens=tokens, labels=labels, lang="en")


def read_finentity_ner(path: Path) -> Iterator[tuple[str, NerExample]]:
    """(split key, example) for every FinEntity paragraph."""
    for paragraph in _finentity_paragraphs(path):
        content = paragraph["content"]
        yield content, finentity_bio(content, paragraph["annotations"])


# ----------------------------------------------------------------------------- GerNTSA


def read_gerntsa(path: Path) -> Iterator[tuple[str, SentimentExample]]:
    """(split key, example) for every GerNTSA record; the key is the sentence."""
    for record in json.loads(Path(path).read_text(encoding="utf-8")):
        raw = record["opinion_snippet"]
        text = raw.strip()
        shift = raw.index(text) if text else 0
        anchor = record.get("target_anchor") or {}
        target, start, end = record["target"], None, None
        if anchor and raw[anchor["from"] : anchor["to"]].strip():
            target = raw[anchor["from"] : anchor["to"]]
            start = max(0, anchor["from"] - shift)
            end = min(len(text), anchor["to"] - shift)
        example = SentimentExample(
            text=text,
            target=target.strip(),
            label=record["sentiment"]["polarity"].strip().lower(),
            lang="de",
            start=start if start is not None and start < end else None,
            end=end if start is not None and start < end else None,
        )
        yield raw, example


# ----------------------------------------------------------------------------- GermEval 2014


def germeval_label(outer: str) -> str:
    """GermEval's outer label on our label set: ORG/PER/LOC kept; OTH, *deriv, *part dropped."""
    if outer in ("B-ORG", "I-ORG", "B-PER", "I-PER", "B-LOC", "I-LOC"):
        return outer
    return "O"


def read_germeval(path: Path) -> Iterator[NerExample]:
    """Sentences of a GermEval 2014 TSV file (index, token, outer label, inner label)."""
    tokens: list[str] = []
    labels: list[str] = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                if tokens:
                    yield NerExample(tokens=tokens, labels=_repair_bio(labels), lang="de")
                tokens, labels = [], []
                continue
            cols = line.split("\t")
            if len(cols) < 3:
                raise ValueError(f"{path}: expected 4 tab-separated columns, got {line!r}")
            tokens.append(cols[1])
            labels.append(germeval_label(cols[2]))
    if tokens:
        yield NerExample(tokens=tokens, labels=_repair_bio(labels), lang="de")


def _repair_bio(labels: list[str]) -> list[str]:
    """An I- tag that follows a different type (possible after mapping) starts a new entity."""
    out: list[str] = []
    for label in labels:
        if label.startswith("I-") and (not out or out[-1][2:] != label[2:]):
            label = "B-" + label[2:]
        out.append(label)
    return out


# ----------------------------------------------------------------------------- public API


def load_sentiment_examples(shared: Path, dataset: str, split: str) -> list[SentimentExample]:
    """Target-sentiment examples of one split of one set, in file order.

    Args:
        shared: the shared folder holding `data/text/` (`../shared` from the project root).
        dataset: "sentfin", "finentity" or "gerntsa".
        split: "train", "dev" or "test".
    """
    _check_split(split)
    readers = {
        "sentfin": (read_sentfin, SENTFIN_FILE),
        "finentity": (read_finentity_sentiment, FINENTITY_FILE),
        "gerntsa": (read_gerntsa, GERNTSA_FILE),
    }
    if dataset not in readers:
        raise ValueError(f"sentiment dataset {dataset!r} is not one of {', '.join(readers)}")
    reader, relative = readers[dataset]
    fraction = TEST_FRACTION[dataset]
    return [
        example
        for key, example in reader(_data_file(shared, relative))
        if assign_split(key, fraction) == split
    ]


def load_ner_examples(shared: Path, dataset: str, split: str) -> list[NerExample]:
    """NER examples of one split of one set, in file order.

    GermEval: the dev file is split into train and dev; the test-part-a file into test
    (`GERMEVAL_TEST_FRACTION` of its sentences) and train (the rest). The key is the sentence.
    FinEntity: the paragraphs get the same split as their sentiment examples.
    """
    _check_split(split)
    if dataset == "germeval":
        out = [
            ex
            for ex in read_germeval(_data_file(shared, GERMEVAL_TRAIN_FILE))
            if assign_split(" ".join(ex.tokens), 0.0) == split
        ]
        out += [
            ex
            for ex in read_germeval(_data_file(shared, GERMEVAL_TEST_FILE))
            if assign_split(" ".join(ex.tokens), GERMEVAL_TEST_FRACTION, 0.0) == split
        ]
        return out
    if dataset == "finentity":
        fraction = TEST_FRACTION["finentity"]
        return [
            example
            for key, example in read_finentity_ner(_data_file(shared, FINENTITY_FILE))
            if assign_split(key, fraction) == split
        ]
    raise ValueError(f"NER dataset {dataset!r} is not one of germeval, finentity")


def load_finentity_paragraphs(shared: Path, split: str) -> list[dict]:
    """FinEntity.json items (`content`, `annotations`) of one NER split, in file order: the
    paragraphs behind `load_ner_examples(shared, "finentity", split)`."""
    _check_split(split)
    fraction = TEST_FRACTION["finentity"]
    return [
        paragraph
        for paragraph in _finentity_paragraphs(_data_file(shared, FINENTITY_FILE))
        if assign_split(paragraph["content"], fraction) == split
    ]
