"""Language identification: German/English decided reliably, other languages reported as such."""

from __future__ import annotations

import csv
import html
import json
import re
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from narrate.langid import LangGuess, detect

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SHARED_TEXT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "text"

GERMAN_PARAGRAPH = (
    "Der jüngste, von Tech-Werten angeführte Ausverkauf deutet darauf hin, dass die "
    "US-Aktienindizes in eine fragilere Phase eintreten. Am Dienstag fiel der Nasdaq Composite "
    "um 1,4 % und zog den S&P 500 um 0,8 % nach unten."
)
ENGLISH_PARAGRAPH = (
    "The Nasdaq Composite fell 1.4% on Tuesday and dragged the S&P 500 down 0.8%, as investors "
    "began to question whether the AI-driven rally still justifies current valuations."
)
FRENCH_PARAGRAPH = (
    "La Bourse de Paris a terminé la séance en nette baisse mardi, le CAC 40 cédant 1,2 % dans "
    "un marché inquiet de la hausse des taux. Les valeurs technologiques ont été les plus "
    "touchées, tandis que les banques ont mieux résisté."
)
SPANISH_PARAGRAPH = (
    "El Ibex 35 cerró la sesión del martes con una caída del 1,5 %, lastrado por los bancos y "
    "las empresas tecnológicas, mientras los inversores esperan nuevos datos de inflación en "
    "Estados Unidos."
)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (GERMAN_PARAGRAPH, "de"),
        (ENGLISH_PARAGRAPH, "en"),
        ("Dax schließt im Plus", "de"),
        ("Nvidia shares fall 3%", "en"),
        ("Aktien Frankfurt Schluss: Dax überwindet 19.000 Punkte", "de"),
        ("Glencore to refinance its short-term debt early, shares rise", "en"),
        ("Gold steigt um mehr als 6 Prozent", "de"),
        ("Oil prices jump as supply fears mount", "en"),
    ],
)
def test_german_and_english_are_supported(text: str, lang: str) -> None:
    guess = detect(text)
    assert guess.lang == lang
    assert guess.supported
    assert guess.backend == "lingua"
    assert 0.5 <= guess.confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (FRENCH_PARAGRAPH, "fr"),
        (SPANISH_PARAGRAPH, "es"),
        ("Les marchés européens ouvrent en hausse", "fr"),
        ("Las acciones de Inditex suben tras presentar resultados", "es"),
        ("Piazza Affari chiude in rialzo, bene le banche", "it"),
        ("Aandelen Philips dalen na tegenvallende cijfers", "nl"),
        ("Индекс Мосбиржи вырос на 1,5%", "ru"),
    ],
)
def test_other_languages_are_reported_not_forced_into_german_or_english(
    text: str, lang: str
) -> None:
    guess = detect(text)
    assert guess.lang == lang
    assert not guess.supported


def test_german_article_with_an_english_caption_is_german() -> None:
    text = (
        "Was der Tech-Ausverkauf für die nächste Bewegung bei US-Indizes bedeutet\n\n"
        "February 4, 2026\n"
        "Traders monitor multiple screens showing falling price charts and red arrows during a "
        "market sell-off.\n\n" + GERMAN_PARAGRAPH
    )
    assert detect(text).lang == "de"


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_seed_articles_are_german(name: str) -> None:
    assert detect((SEEDS / name).read_text(encoding="utf-8")).lang == "de"


@pytest.mark.parametrize("text", ["", "   \n", "12.345,67 +3,2 %", "2026-02-04 10:30", "€ $ 42"])
def test_text_without_letters_has_no_language(text: str) -> None:
    guess = detect(text)
    assert guess == LangGuess(lang=None, confidence=0.0, supported=False, backend="lingua")


def test_detection_is_deterministic() -> None:
    texts = [GERMAN_PARAGRAPH, "Nvidia shares fall 3%", FRENCH_PARAGRAPH]
    assert [detect(t) for t in texts] == [detect(t) for t in texts]


@pytest.mark.parametrize(
    ("text", "lang"),
    [(GERMAN_PARAGRAPH, "de"), (ENGLISH_PARAGRAPH, "en"), (FRENCH_PARAGRAPH, "fr")],
)
def test_langdetect_backend_is_usable_and_deterministic(text: str, lang: str) -> None:
    guesses = {detect(text, backend="langdetect") for _ in range(3)}
    assert len(guesses) == 1
    (guess,) = guesses
    assert guess.lang == lang
    assert guess.backend == "langdetect"
    assert guess.supported == (lang in ("de", "en"))


def test_langdetect_backend_without_letters_has_no_language() -> None:
    assert detect("12 345", backend="langdetect").lang is None


def test_unknown_backend_names_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown language-id backend 'cld3'.*lingua.*langdetect"):
        detect("Dax schließt im Plus", backend="cld3")


def test_guess_is_frozen() -> None:
    guess = detect("Dax schließt im Plus")
    with pytest.raises(ValidationError):
        guess.lang = "en"  # type: ignore[misc]


# --- accuracy on real data ------------------------------------------------------------------


def _gnad_articles() -> list[str]:
    with open(SHARED_TEXT / "10kGNAD" / "test.csv", encoding="utf-8", newline="") as f:
        return [row[1] for row in csv.reader(f, delimiter=";", quotechar="'") if len(row) == 2]


def _reuters(tag: str) -> list[str]:
    # The SGML files are ASCII with a few stray high bytes; latin-1 reads every byte.
    sgml = (SHARED_TEXT / "reuters21578" / "reut2-000.sgm").read_bytes().decode("latin-1")
    return [html.unescape(m) for m in re.findall(rf"<{tag}>(.*?)</{tag}>", sgml, re.S)]


def _dax_headlines() -> list[str]:
    with open(SHARED_TEXT / "dax_news_de" / "DAX-News_dev.csv", encoding="utf-8", newline="") as f:
        return [row["headline"] for row in csv.DictReader(f) if row["headline"].strip()]


def _semeval_headlines() -> list[str]:
    path = SHARED_TEXT / "semeval2017_task5_fiqa" / "SemEval2017Task5Headlines.json"
    return [item["title"] for item in json.loads(path.read_text(encoding="utf-8"))]


# (name, loader, expected language, floor). Floors are the measured accuracy rounded down, so
# a change that loses accuracy fails here; raise a floor when accuracy improves. Measured:
# 10kGNAD 1.0000, Reuters bodies 0.9924 (the misses are "Shr 23 cts vs 18 cts" tables), DAX
# headlines 1.0000, SemEval headlines 0.9912, Reuters all-caps titles 0.9807.
DATA_SETS = [
    ("10kGNAD test articles", _gnad_articles, "de", 0.99),
    ("Reuters reut2-000 article bodies", lambda: _reuters("BODY"), "en", 0.99),
    ("DAX-News dev headlines", _dax_headlines, "de", 0.99),
    ("SemEval-2017 headlines", _semeval_headlines, "en", 0.985),
    ("Reuters reut2-000 all-caps titles", lambda: _reuters("TITLE"), "en", 0.975),
]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "load", "lang", "floor"), DATA_SETS, ids=[name for name, *_ in DATA_SETS]
)
def test_accuracy_on_real_data(name: str, load, lang: str, floor: float) -> None:
    if not SHARED_TEXT.is_dir():
        pytest.skip(f"shared data folder {SHARED_TEXT.resolve()} is absent")
    try:
        texts = load()
    except FileNotFoundError as err:
        pytest.skip(f"data set {name!r} is absent: {err.filename}")
    detect("warm-up: the detectors are built once")
    start = time.process_time()
    guesses = [detect(text) for text in texts]
    per_text_ms = (time.process_time() - start) / len(texts) * 1000
    accuracy = sum(guess.lang == lang for guess in guesses) / len(texts)
    print(f"\n{name}: n={len(texts)} accuracy={accuracy:.4f} lingua {per_text_ms:.2f} ms/text")
    assert accuracy >= floor, f"{name}: accuracy {accuracy:.4f} fell below its floor {floor}"
