"""Sentences per language with spaCy.

No German spaCy model can be installed offline, so both languages use spaCy's blank pipelines:
the rule-based tokenizer with its per-language abbreviation exceptions ("z. B.", "Nr.", "u.a.",
"Jan.") plus the rule-based sentencizer. Line structure is decided here, before spaCy sees the
text, because news text carries it: a headline, a caption or a FAQ question ends at its line
break even without a full stop, while hard-wrapped wire copy (Reuters) must be joined again.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import NamedTuple

import spacy
from spacy.language import Language

_PARAGRAPH_RE = re.compile(r"[^\n]+")
# Wire copy is hard-wrapped at a fixed width; a paragraph break there is a blank or indented line.
_WRAPPED_PARAGRAPH_RE = re.compile(r"\S(?:[^\n]|\n(?![ \t]*\n|[ \t]))*")


class Sentence(NamedTuple):
    start: int  # character offsets into the article text
    end: int


# spaCy's vocabulary keeps every string it has seen (each new word, each new number), so a
# process that splits millions of articles would grow without bound. Past this many strings the
# pipeline is built afresh (0.05-0.15 s), which keeps memory flat: about 40 MiB at the limit. A
# memory zone (nlp.memory_zone) frees them per text as well, but made splitting 2.7x slower.
MAX_VOCAB_STRINGS = 100_000
_PIPELINES: dict[str, Language] = {}


def pipeline(lang: str) -> Language:
    """A blank spaCy pipeline with a sentencizer per language (renewed: MAX_VOCAB_STRINGS)."""
    nlp = _PIPELINES.get(lang)
    if nlp is None or len(nlp.vocab.strings) > MAX_VOCAB_STRINGS:
        nlp = spacy.blank(lang)
        nlp.add_pipe("sentencizer")
        _PIPELINES[lang] = nlp
    return nlp


def is_hard_wrapped(text: str) -> bool:
    """True when most lines are broken at a fixed width, as in wire copy, not at paragraph ends."""
    lengths = [len(line) for line in text.split("\n") if line.strip()]
    if len(lengths) < 6:
        return False
    long_lines = sum(55 <= n <= 85 for n in lengths)
    return long_lines / len(lengths) >= 0.6 and max(lengths) <= 100


def sentences(
    text: str,
    lang: str,
    containing: Sequence[int] | None = None,
    whole: Sequence[tuple[int, int]] = (),
) -> list[Sentence]:
    """Split `text` into sentences; offsets refer to `text`.

    Each paragraph (a line, or a blank-line-separated block in hard-wrapped text) is a
    sentence boundary; inside it spaCy's sentencizer splits at sentence-final punctuation.

    Args:
        text: the article text.
        lang: its language code.
        containing: when given, only paragraphs that contain one of these offsets are split
            (the others are skipped): the pipeline asks only for paragraphs with an entity.
        whole: spans no sentence boundary may cut: entity mentions ("<SIEGn.DE>" ends in what
            looks like a sentence end to spaCy).
    """
    nlp = pipeline(lang)
    paragraph_re = _WRAPPED_PARAGRAPH_RE if is_hard_wrapped(text) else _PARAGRAPH_RE
    spans = [(m.start(), m.group()) for m in paragraph_re.finditer(text)]
    if containing is not None:
        marks = sorted(containing)
        spans = [
            (start, para)
            for start, para in spans
            if bisect.bisect_left(marks, start) < bisect.bisect_left(marks, start + len(para))
        ]
    out: list[Sentence] = []
    for (offset, _), doc in zip(spans, nlp.pipe(p for _, p in spans), strict=True):
        for sent in doc.sents:
            start = offset + sent.start_char
            end = offset + sent.end_char
            if not text[start:end].strip():
                continue
            if out and out[-1].end == start and any(s < start < e for s, e in whole):
                out[-1] = Sentence(out[-1].start, end)
            else:
                out.append(Sentence(start, end))
    return out
