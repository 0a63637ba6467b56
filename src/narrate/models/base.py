"""What the pipeline asks of a model: two small protocols and the records they return.

Any backend (the shipped multitask model in `runtime`, a plain transformers model in `hf`, a fake
in a test) fits behind these. Nothing heavy is imported here.

Words for NER are cut by one regex (`words`), so span offsets are exact character offsets into
the sentence the caller passed, whatever sub-word tokenizer the model uses. A model trained for
narrate must see the same words (`tokenizer([w.text for w in words(s)], is_split_into_words=True)`,
the label on each word's first sub-token). A sentiment target is given as the words that
overlap its character span (`locate`, `target_words`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, NamedTuple, Protocol, runtime_checkable

from narrate.records import Record

SentimentLabel = Literal["negative", "neutral", "positive"]
SENTIMENT_LABELS: tuple[SentimentLabel, ...] = ("negative", "neutral", "positive")


class ModelError(Exception):
    """A model could not be found, verified or loaded; the message says what to do."""


class ModelNotFound(ModelError):
    """No model under the given name, folder or hub id (offline: not in the local cache)."""


class ModelIntegrityError(ModelError):
    """A model's files do not match the sha256 sums pinned in the registry, or are unsafe."""


class SentimentScore(Record):
    """Sentiment towards one target in one sentence.

    Attributes:
        label: The most probable class.
        score: The probability of `label` (0..1).
        signed: p(positive) - p(negative), in -1..1: one number to sort or average by.
        probs: p(negative), p(neutral), p(positive); they sum to 1.
    """

    label: SentimentLabel
    score: float
    signed: float
    probs: tuple[float, float, float]

    @classmethod
    def from_probs(cls, negative: float, neutral: float, positive: float) -> SentimentScore:
        """The record for three class probabilities (ties go to the earlier of neg/neu/pos)."""
        probs = (float(negative), float(neutral), float(positive))
        best = max(range(3), key=lambda i: probs[i])
        return cls(
            label=SENTIMENT_LABELS[best],
            score=round(probs[best], 6),
            signed=round(probs[2] - probs[0], 6),
            probs=(round(probs[0], 6), round(probs[1], 6), round(probs[2], 6)),
        )


class NerSpan(Record):
    """One named entity, with character offsets into the sentence it was found in.

    Attributes:
        start: Offset of the first character.
        end: Offset after the last character.
        label: The entity type without BIO prefix, e.g. "ORG", "PER", "LOC".
        score: Mean probability of the words' labels.
    """

    start: int
    end: int
    label: str
    score: float


@runtime_checkable
class TargetSentimentModel(Protocol):
    """Sentiment towards a target (an entity mention) in a sentence."""

    name: str  # provenance, "name@version"

    def score(self, items: Sequence[tuple[str, str]]) -> list[SentimentScore]:
        """Score (sentence, target) pairs; one result per pair, in order."""
        ...


@runtime_checkable
class NerModel(Protocol):
    """Named entities in sentences."""

    name: str

    def tag(self, sentences: Sequence[str]) -> list[list[NerSpan]]:
        """Entity spans per sentence, in text order, offsets into that sentence."""
        ...


class Word(NamedTuple):
    start: int
    end: int
    text: str


# A word is a run of letters/digits, joined across inner dots, commas, apostrophes and hyphens
# ("3,5", "U.S", "Nvidia-Aktie", "Macy's"); any other non-space character is a word of its own.
_WORD_RE = re.compile(r"\w+(?:[.,'’&-]\w+)*|[^\w\s]")


def words(text: str) -> list[Word]:
    """Cut `text` into words with exact character offsets (the unit NER labels are given on)."""
    return [Word(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]


def locate(sentence: str, target: str) -> tuple[int, int] | None:
    """Character span of `target` in `sentence`: first exact match, else first case-blind one."""
    target = target.strip()
    if not target:
        return None
    at = sentence.find(target)
    if at < 0:
        at = sentence.casefold().find(target.casefold())
        if at < 0 or len(sentence.casefold()) != len(sentence):
            return None
    return at, at + len(target)


def target_words(spans: Sequence[Word], target: tuple[int, int] | None) -> list[bool]:
    """Which words overlap the character span `target` (none when it is None)."""
    if target is None:
        return [False] * len(spans)
    lo, hi = target
    return [w.start < hi and lo < w.end for w in spans]


def decode_bio(
    spans: Sequence[Word], labels: Sequence[str], scores: Sequence[float]
) -> list[NerSpan]:
    """Join word-level BIO labels into entity spans.

    An "I-X" that does not continue an X entity starts one (as conlleval counts it); labels
    without a prefix ("ORG") are read as "I-ORG"; BIOES "S-"/"E-" are read as "B-"/"I-".

    Args:
        spans: The words, as returned by `words`.
        labels: One label per word ("O", "B-ORG", "I-ORG", ...).
        scores: The probability of each word's label.

    Returns:
        Entity spans with offsets taken from the first and last word.
    """
    out: list[NerSpan] = []
    current: tuple[int, int, str, list[float]] | None = None

    def close() -> None:
        if current is not None:
            start, end, kind, probs = current
            out.append(
                NerSpan(start=start, end=end, label=kind, score=round(sum(probs) / len(probs), 6))
            )

    for word, label, score in zip(spans, labels, scores, strict=True):
        if label == "O" or not label:
            close()
            current = None
            continue
        prefix, _, kind = label.partition("-") if "-" in label else ("I", "", label)
        if prefix in ("I", "E") and current is not None and current[2] == kind:
            current = (current[0], word.end, kind, [*current[3], score])
        else:
            close()
            current = (word.start, word.end, kind, [score])
    close()
    return out
