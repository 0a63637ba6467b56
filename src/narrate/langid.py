"""Language identification: which language an article (or a headline) is written in.

narrate extracts events from German and English only, so the question that matters is twofold:
is the text German or English at all, and if so, which of the two. Both are answered with lingua:

1. A *gate* over a broader set of common languages reports French, Spanish, Dutch, ... text as
   that language (unsupported) instead of forcing it into German or English.
2. A detector restricted to German and English then decides between the two; the project
   measured this to be the most reliable choice, especially on short headlines.

Only a prefix of the text is examined: a language is evident from the first few hundred
characters, and the cost of lingua grows with the length of the text (see the figures in
``tests/test_langid.py``). Detection is deterministic: the same text gives the same guess.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from lingua import ConfidenceValue, Language, LanguageDetector, LanguageDetectorBuilder
from pydantic import BaseModel, ConfigDict

Backend = Literal["lingua", "langdetect"]
SUPPORTED_LANGUAGES: tuple[str, ...] = ("de", "en")

# Fewer letters than this carry no language signal (a price, a date, a ticker); any guess
# would be noise, so the answer is "unknown" instead.
MIN_LETTERS = 5

# Only a prefix is examined, since lingua's cost grows with the text: on 10kGNAD articles
# (min of 5 runs, one core) the gate costs 0.26 ms at 160 characters and 0.34 ms at 250, the
# German/English decision 0.19 ms at 400 characters, 0.27 ms at 600 and 0.42 ms at 1,000.
# Above 120 characters lingua scores trigrams only, several times cheaper per character than
# its 1- to 5-gram mode for short texts; 160 characters are plenty to tell French from German.
GATE_CHARS = 160
# The German/English decision sees more, so that a leading English caption or byline does not
# outvote the German body that follows it, and so that tables of abbreviations ("Shr 23 cts vs
# 18 cts") get some context. Accuracy is the same at 500 and 1,000 characters.
DECIDE_CHARS = 500

# The gate reports an unsupported language only when lingua is both fairly sure of it and sure
# of it at least twice as much as of German and English together. Measured on ~14,000 German
# and English headlines and articles (10kGNAD, Reuters-21578, DAX news, SemEval-2017, SEntFiN)
# this wrongly rejects about 1 text in 1,500 (mostly all-caps Reuters titles and Indian English
# headlines), while all 22 hand-written French/Spanish/Italian/Dutch/... headlines are caught.
# Doubt goes to German/English: a foreign text that slips through yields no events, whereas a
# German text wrongly rejected loses its events.
GATE_MIN_CONFIDENCE = 0.4
GATE_MIN_RATIO = 2.0

# Latin-script languages are the ones that compete with German and English; each one added
# costs time. Other scripts are filtered by lingua before scoring, so they cost next to nothing
# and keep Cyrillic, Greek or CJK text from being forced into a Latin-script language.
_GATE_LANGUAGES = (
    Language.GERMAN,
    Language.ENGLISH,
    Language.FRENCH,
    Language.SPANISH,
    Language.ITALIAN,
    Language.DUTCH,
    Language.PORTUGUESE,
    Language.POLISH,
    Language.SWEDISH,
    Language.DANISH,
    Language.BOKMAL,
    Language.FINNISH,
    Language.TURKISH,
    Language.CZECH,
    Language.HUNGARIAN,
    Language.ROMANIAN,
    Language.RUSSIAN,
    Language.UKRAINIAN,
    Language.GREEK,
    Language.ARABIC,
    Language.CHINESE,
    Language.JAPANESE,
    Language.KOREAN,
)
_DE_EN = (Language.GERMAN, Language.ENGLISH)


class LangGuess(BaseModel):
    """The language a text is written in, as far as a detector can tell.

    Attributes:
        lang: ISO 639-1 code ("de", "en", "fr", ...), or None when the text has too few
            letters to tell.
        confidence: The detector's confidence in ``lang`` (0.0 when ``lang`` is None).
        supported: Whether narrate extracts events from ``lang`` (German and English).
        backend: The detector that produced the guess.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    lang: str | None
    confidence: float
    supported: bool
    backend: str


def detect(text: str, backend: str = "lingua") -> LangGuess:
    """Guesses the language of ``text``.

    Args:
        text: An article or a headline; only its beginning is examined.
        backend: "lingua" (the default, see the module docstring) or "langdetect" (kept for
            comparison; seeded, so deterministic too).

    Returns:
        The guess; ``lang`` is None when the text has fewer than ``MIN_LETTERS`` letters.

    Raises:
        ValueError: If ``backend`` is not one of the two known names.
    """
    if backend not in ("lingua", "langdetect"):
        raise ValueError(
            f"unknown language-id backend {backend!r}; expected 'lingua' or 'langdetect'"
        )
    sample = text[:DECIDE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return LangGuess(lang=None, confidence=0.0, supported=False, backend=backend)
    if backend == "langdetect":
        return _detect_langdetect(sample)
    return _detect_lingua(sample)


def _detect_lingua(sample: str) -> LangGuess:
    # The fast gate only nominates; the full detector confirms. German or English text (nearly
    # all input) never pays the 3 s that the full 23-language models take to load.
    foreign = _confident_foreign(
        _gate_detector().compute_language_confidence_values(sample[:GATE_CHARS])
    )
    if foreign is not None:
        foreign = _confident_foreign(
            _confirm_detector().compute_language_confidence_values(sample[:GATE_CHARS])
        )
    if foreign is not None:
        return _guess(_iso(foreign.language), foreign.value, "lingua")
    ranked = _de_en_detector().compute_language_confidence_values(sample)
    if not ranked:  # letters, but none lingua can score as German or English
        return _guess(None, 0.0, "lingua")
    return _guess(_iso(ranked[0].language), ranked[0].value, "lingua")


def _confident_foreign(ranked: list[ConfidenceValue]) -> ConfidenceValue | None:
    """Returns the gate's top language when it is a confident, unsupported one."""
    if not ranked or ranked[0].language in _DE_EN:
        return None
    top = ranked[0]
    de_en = sum(value.value for value in ranked if value.language in _DE_EN)
    if top.value >= GATE_MIN_CONFIDENCE and top.value >= GATE_MIN_RATIO * de_en:
        return top
    return None


def _detect_langdetect(sample: str) -> LangGuess:
    # Imported here: langdetect is the comparison backend, and lingua-only runs need not load it.
    from langdetect import LangDetectException, detect_langs

    _seed_langdetect()
    try:
        ranked = detect_langs(sample)
    except LangDetectException:  # raised when the text has no usable features
        return _guess(None, 0.0, "langdetect")
    # langdetect says "zh-cn" / "zh-tw"; narrate speaks ISO 639-1.
    return _guess(ranked[0].lang.split("-")[0], ranked[0].prob, "langdetect")


def _guess(lang: str | None, confidence: float, backend: str) -> LangGuess:
    return LangGuess(
        lang=lang,
        # Rounded so that written output does not carry float noise from the detector.
        confidence=round(confidence, 4),
        supported=lang in SUPPORTED_LANGUAGES,
        backend=backend,
    )


def _iso(language: Language) -> str:
    return language.iso_code_639_1.name.lower()


@cache
def _gate_detector() -> LanguageDetector:
    # Low-accuracy mode (trigram models only) loads in 0.1 s instead of 3 s for 23 languages; it
    # over-nominates (0.93 on English headlines alone), so `_confirm_detector` has the last word.
    return (
        LanguageDetectorBuilder.from_languages(*_GATE_LANGUAGES)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


@cache
def _confirm_detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_GATE_LANGUAGES).build()


@cache
def _de_en_detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_DE_EN).with_preloaded_language_models().build()


@cache
def _seed_langdetect() -> None:
    # langdetect samples randomly; a fixed seed makes the same text give the same answer.
    # The seed is a class attribute of langdetect, set once.
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0
