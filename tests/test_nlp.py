import pytest

from narrate.nlp import is_hard_wrapped, sentences


def _split(text, lang):
    return [text[s:e] for s, e in sentences(text, lang)]


@pytest.mark.parametrize(
    "text",
    [
        "Der Nasdaq Composite fiel um 1,4 % und zog den S&P 500 um 0,8 % nach unten.",
        "Technologiewerte, z. B. Nvidia, fielen um fast 3 %.",
        "Der fast 3%ige Rückgang von Nvidia erwies sich als einflussreich.",
        "Nvidia ist die Nr. 1 unter den Chipherstellern.",
        "Der Dax schloss bei 19.515,78 Punkten, u.a. belastet durch SAP.",
    ],
)
def test_german_sentence_survives_abbreviations_and_numbers(text):
    assert _split(text, "de") == [text]


def test_german_sentences_split_at_full_stops():
    text = "Der Dax stieg um 1 %. Der MDax fiel um 0,5 %! Warum?"
    assert _split(text, "de") == ["Der Dax stieg um 1 %.", "Der MDax fiel um 0,5 %!", "Warum?"]


def test_lines_are_boundaries_in_ordinary_text():
    text = (
        "Was treibt den Tech-Ausverkauf an?\n\nDer Auslöser war Unsicherheit\nSource: Yahoo Finance"
    )
    assert _split(text, "de") == [
        "Was treibt den Tech-Ausverkauf an?",
        "Der Auslöser war Unsicherheit",
        "Source: Yahoo Finance",
    ]


def test_offsets_point_into_the_text():
    text = "Titel\n\nErster Satz. Zweiter Satz."
    spans = sentences(text, "de")
    assert [text[s:e] for s, e in spans] == ["Titel", "Erster Satz.", "Zweiter Satz."]


def test_hard_wrapped_wire_copy_is_joined():
    para = (
        "Shares of the company rose sharply on Tuesday after the firm reported a\n"
        "better than expected quarter and raised its outlook for the full year, the\n"
        "company said in a statement released to the exchange in New York today.\n"
    )
    text = para * 3
    assert is_hard_wrapped(text)
    got = _split(text, "en")
    assert len(got) == 3
    assert got[0].startswith("Shares") and got[0].endswith("today.")
