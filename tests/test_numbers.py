"""Number and unit extraction: formats, roles, names, spelled numbers and speed."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from narrate.extractors.numbers import find_quantities

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_22a5b5a2a56595fc.txt"


def only(text: str, lang: str):
    """The single quantity found in `text` (a test phrase with exactly one number)."""
    found = find_quantities(text, lang)
    assert len(found) == 1, f"{text!r} -> {found}"
    return found[0]


# (lang, text, value, unit, currency, scaled, matched text)
AMOUNTS = [
    # German number format
    ("de", "fiel um 1,4 %", 1.4, "%", None, False, "1,4 %"),
    ("de", "um 0,8 % nach unten", 0.8, "%", None, False, "0,8 %"),
    ("de", "schloss bei 19.515,78", 19515.78, "number", None, False, "19.515,78"),
    ("de", "107.000 US-Dollar", 107000, "currency", "USD", False, "107.000 US-Dollar"),
    ("de", "2,6 Milliarden US-Dollar", 2.6e9, "currency", "USD", True, "2,6 Milliarden US-Dollar"),
    ("de", "eine Billion US-Dollar", 1e12, "currency", "USD", True, "eine Billion US-Dollar"),
    ("de", "rund 1 Billion US-Dollar", 1e12, "currency", "USD", True, "1 Billion US-Dollar"),
    ("de", "16,4 Millionen kanadische Dollar", 16.4e6, "currency", "CAD", True, None),
    ("de", "der fast 3%ige Rückgang", 3, "%", None, False, "3%ige"),
    ("de", "eine 3-prozentige Rendite", 3, "%", None, False, "3-prozentige"),
    ("de", "über 30 Prozent", 30, "%", None, False, "30 Prozent"),
    ("de", "Erholung von 9 %", 9, "%", None, False, "9 %"),
    ("de", "zwanzig Prozent", 20, "%", None, False, "zwanzig Prozent"),
    ("de", "1,5 Prozentpunkte", 1.5, "pp", None, False, "1,5 Prozentpunkte"),
    ("de", "um 1,5 %-Punkte", 1.5, "pp", None, False, "1,5 %-Punkte"),
    ("de", "um 25 Basispunkte", 0.25, "pp", None, False, "25 Basispunkte"),
    ("de", "18.500 Punkte", 18500, "points", None, False, "18.500 Punkte"),
    ("de", "bei 18.500 Punkten", 18500, "points", None, False, "18.500 Punkten"),
    ("de", "um 120 Zähler", 120, "points", None, False, "120 Zähler"),
    ("de", "die 20.000-Punkte-Marke", 20000, "points", None, False, "20.000-Punkte"),
    ("de", "kostet 1,0850 US-Dollar", 1.085, "currency", "USD", False, "1,0850 US-Dollar"),
    ("de", "5 Euro", 5, "currency", "EUR", False, "5 Euro"),
    ("de", "nur €5", 5, "currency", "EUR", False, "€5"),
    ("de", "nur 5 €", 5, "currency", "EUR", False, "5 €"),
    ("de", "100 Mio. Euro", 1e8, "currency", "EUR", True, "100 Mio. Euro"),
    ("de", "2,5 Mrd. Euro", 2.5e9, "currency", "EUR", True, "2,5 Mrd. Euro"),
    ("de", "3 Bio. Dollar", 3e12, "currency", "USD", True, "3 Bio. Dollar"),
    ("de", "5 Tsd. Euro", 5000, "currency", "EUR", True, "5 Tsd. Euro"),
    ("de", "CHF 3", 3, "currency", "CHF", False, "CHF 3"),
    ("de", "4 Franken", 4, "currency", "CHF", False, "4 Franken"),
    ("de", "5 Pfund", 5, "currency", "GBP", False, "5 Pfund"),
    ("de", "150 Yen", 150, "currency", "JPY", False, "150 Yen"),
    ("de", "50 Cent", 0.5, "currency", "EUR", False, "50 Cent"),
    ("de", "12 500 EUR", 12500, "currency", "EUR", False, "12 500 EUR"),
    ("de", "eine halbe Milliarde Euro", 5e8, "currency", "EUR", True, None),
    # Signs stay outside the value and the span; the moves module reads them.
    ("de", "minus 2 Prozent", 2, "%", None, False, "2 Prozent"),
    ("de", "-2,3 %", 2.3, "%", None, False, "2,3 %"),
    ("de", "+1,2 %", 1.2, "%", None, False, "1,2 %"),
    # English number format
    ("en", "rose 1.4%", 1.4, "%", None, False, "1.4%"),
    ("en", "$107,000", 107000, "currency", "USD", False, "$107,000"),
    ("en", "$1 trillion", 1e12, "currency", "USD", True, "$1 trillion"),
    ("en", "a trillion dollars", 1e12, "currency", "USD", True, "a trillion dollars"),
    ("en", "$2.6bn", 2.6e9, "currency", "USD", True, "$2.6bn"),
    ("en", "$200m", 2e8, "currency", "USD", True, "$200m"),
    ("en", "£3bn", 3e9, "currency", "GBP", True, "£3bn"),
    ("en", "1,234.5 points", 1234.5, "points", None, False, "1,234.5 points"),
    ("en", "2.5 percent", 2.5, "%", None, False, "2.5 percent"),
    ("en", "2.5 per cent", 2.5, "%", None, False, "2.5 per cent"),
    ("en", "50 basis points", 0.5, "pp", None, False, "50 basis points"),
    ("en", "25bp", 0.25, "pp", None, False, "25bp"),
    ("en", "1.5 percentage points", 1.5, "pp", None, False, "1.5 percentage points"),
    ("en", "€1.2 billion", 1.2e9, "currency", "EUR", True, "€1.2 billion"),
    ("en", "USD 5", 5, "currency", "USD", False, "USD 5"),
    ("en", "£3", 3, "currency", "GBP", False, "£3"),
    ("en", "US$ 3", 3, "currency", "USD", False, "US$ 3"),
    ("en", "HK$ 10.05 billion", 10.05e9, "currency", "HKD", True, "HK$ 10.05 billion"),
    ("en", "50 cents", 0.5, "currency", "USD", False, "50 cents"),
    ("en", "five hundred dollars", 500, "currency", "USD", True, "five hundred dollars"),
    ("en", "twenty percent", 20, "%", None, False, "twenty percent"),
    # Separators read by language: a non-3-digit group is a decimal written the other way.
    ("de", "1.4", 1.4, "number", None, False, "1.4"),
    ("de", "107.000", 107000, "number", None, False, "107.000"),
    ("de", "1.000.000,5", 1000000.5, "number", None, False, "1.000.000,5"),
    ("en", "1,4", 1.4, "number", None, False, "1,4"),
    ("en", "1,000", 1000, "number", None, False, "1,000"),
    ("en", "1,0850", 1.085, "number", None, False, "1,0850"),
]


@pytest.mark.parametrize(("lang", "text", "value", "unit", "currency", "scaled", "span"), AMOUNTS)
def test_amounts(lang, text, value, unit, currency, scaled, span):
    quantity = only(text, lang)
    assert math.isclose(quantity.value, value, rel_tol=1e-12)
    assert (quantity.unit, quantity.currency, quantity.scaled) == (unit, currency, scaled)
    assert quantity.role == "amount"
    if span is not None:
        assert quantity.text == span


# (lang, text, role, value, matched text)
ROLES = [
    ("de", "der größte Tagesgewinn seit 2008", "year", 2008, "2008"),
    ("de", "die Prognose für 2025", "year", 2025, "2025"),
    ("en", "in 2024", "year", 2024, "2024"),
    ("de", "im Geschäftsjahr 2025/26", "year", 2025, "2025/26"),
    ("de", "seit über 40 Jahren", "duration", 40, "40 Jahren"),
    ("de", "seit 7 Tagen", "duration", 7, "7 Tagen"),
    ("de", "ein 52-Wochen-Hoch", "duration", 52, "52-Wochen"),
    ("en", "in 40 years", "duration", 40, "40 years"),
    ("en", "over three months", "duration", 3, "three months"),
    ("en", "a 10-year high", "duration", 10, "10-year"),
    ("de", "die Nr. 1", "ordinal", 1, "Nr. 1"),
    ("de", "auf Platz 2", "ordinal", 2, "Platz 2"),
    ("de", "im 3. Quartal", "ordinal", 3, "3."),
    ("en", "the 3rd quarter", "ordinal", 3, "3rd"),
    ("en", "the No. 1 chipmaker", "ordinal", 1, "No. 1"),
    ("de", "am 3. Februar", "date_part", 3, "3. Februar"),
    ("de", "29. Januar 2026", "date_part", 29, "29. Januar 2026"),
    ("de", "am 3.2.2026", "date_part", 3, "3.2.2026"),
    ("de", "am 17.10.24", "date_part", 17, "17.10.24"),
    ("en", "on February 5", "date_part", 5, "February 5"),
    ("en", "February 5, 2026", "date_part", 5, "February 5, 2026"),
    ("en", "the 5th of March", "date_part", 5, "5th of March"),
]


@pytest.mark.parametrize(("lang", "text", "role", "value", "span"), ROLES)
def test_roles(lang, text, role, value, span):
    quantity = only(text, lang)
    assert (quantity.role, quantity.value, quantity.text) == (role, value, span)


def test_a_year_with_a_unit_is_an_amount():
    assert only("bei 2050 Punkten", "de").role == "amount"


# Numbers in names, glued to letters and clock times are not quantities; lone number words are
# found only with role "spelled" (prose such as "one of the best"), never as amounts.
NOT_QUANTITIES = [
    ("de", "der S&P 500"),
    ("de", "der Nasdaq 100"),
    ("de", "der Euro Stoxx 50"),
    ("en", "the FTSE 100"),
    ("en", "Japan's Nikkei 225"),
    ("de", "der Stoxx 600"),
    ("de", "der Nasdaq-100"),
    ("de", "der TecDAX"),
    ("de", "die G7"),
    ("en", "Windows 11"),
    ("en", "the iPhone 17"),
    ("de", "die Covid-19-Pandemie"),
    ("en", "the Airbus A350"),
    ("de", "um 9.30 Uhr"),
    ("en", "at 10:30 a.m."),
    ("de", "zwei Firmen"),
    ("de", "ein Jahr"),
    ("de", "seit einem Jahr"),
    ("en", "one of the best"),
    ("en", "It may rise"),
]


@pytest.mark.parametrize(("lang", "text"), NOT_QUANTITIES)
def test_not_quantities(lang, text):
    assert [q for q in find_quantities(text, lang) if q.role != "spelled"] == []


# (lang, text, [(matched text, value, unit, role)]) for numbers spelled out in words
SPELLED = [
    ("de", "zwei Firmen", [("zwei", 2, "number", "spelled")]),
    ("de", "einhunderteinunddreißig", [("einhunderteinunddreißig", 131, "number", "spelled")]),
    ("de", "zwei Millionen eintausendeinhundertfünfzig", [
        ("zwei Millionen eintausendeinhundertfünfzig", 2001150, "number", "amount")]),
    ("de", "dreieinhalb Millionen", [("dreieinhalb Millionen", 3.5e6, "number", "amount")]),
    ("de", "ein halbes Dutzend", [("ein halbes Dutzend", 6, "number", "spelled")]),
    ("de", "zwei Komma drei", [("zwei Komma drei", 2.3, "number", "spelled")]),
    ("de", "siebenunddreißig Prozent", [("siebenunddreißig Prozent", 37, "%", "amount")]),
    ("en", "one of the best", [("one", 1, "number", "spelled")]),
    # A bare 1-99 after an amount of money, at the end of a clause, is its coins.
    ("en", "thirteen dollars and forty-five", [
        ("thirteen dollars and forty-five", 13.45, "currency", "amount")]),
    ("en", "paid 5 dollars and 20 analysts", [
        ("5 dollars", 5, "currency", "amount"), ("20", 20, "number", "amount")]),
    ("en", "3 dollars 50 cents", [("3 dollars 50 cents", 3.5, "currency", "amount")]),
    ("de", "zwei Euro und fünfzig Cent", [
        ("zwei Euro und fünfzig Cent", 2.5, "currency", "amount")]),
    ("en", "4 thousand 3 hundred and 21", [
        ("4 thousand 3 hundred and 21", 4321, "number", "amount")]),
    ("en", "3 million and a half", [("3 million and a half", 3.5e6, "number", "amount")]),
    ("en", "one billion and a quarter million", [
        ("one billion and a quarter million", 1.00025e9, "number", "amount")]),
    ("en", "three lakh crore", [("three lakh crore", 3e12, "number", "amount")]),
    ("en", "three quarters", [("three quarters", 3, "number", "duration")]),
    ("en", "five and a quarter", [("five and a quarter", 5.25, "number", "spelled")]),
    ("en", "10k, 1.2b, 10M, US$ 1MM", [
        ("10k", 1e4, "number", "amount"), ("1.2b", 1.2e9, "number", "amount"),
        ("10M", 1e7, "number", "amount"), ("US$ 1MM", 1e6, "currency", "amount")]),
    ("en", "Q3k K-Pop 35mm 5G", []),
    ("en", "30 MUSD", [("30 MUSD", 3e7, "currency", "amount")]),
    ("en", "see https://x.com/a?q=30%25%2020% now", []),
    ("en", "one hundred and six", [("one hundred and six", 106, "number", "spelled")]),
    ("en", "two and a half", [("two and a half", 2.5, "number", "spelled")]),
    ("en", "two thirds", [("two thirds", 2 / 3, "number", "spelled")]),
    ("en", "nine point nought four", [("nine point nought four", 9.04, "number", "spelled")]),
    ("en", "two quarters", [("two quarters", 2, "number", "duration")]),
    ("en", "the third largest", []),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "text", "expected"), SPELLED)
def test_spelled_numbers(lang, text, expected):
    found = [(q.text, q.value, q.unit, q.role) for q in find_quantities(text, lang)]
    assert len(found) == len(expected), found
    for got, want in zip(found, expected, strict=True):
        assert got[0] == want[0] and got[2:] == want[2:] and math.isclose(got[1], want[1])


def test_spelled_range_shares_the_unit():
    first = find_quantities("zwei bis drei Milliarden Euro", "de")[0]
    got = (first.value, first.unit, first.currency, first.role)
    assert got == (2e9, "currency", "EUR", "amount")


# (lang, text, value, unit, currency, role) of the first of two numbers joined as a range
RANGES = [
    ("de", "um 2 bis 3 Prozent", 2, "%", None, "amount"),
    ("de", "2,5 beziehungsweise 2,1 Prozent", 2.5, "%", None, "amount"),
    ("de", "2-3 %", 2, "%", None, "amount"),
    ("de", "2 bis 3 Mrd. Euro", 2e9, "currency", "EUR", "amount"),
    ("de", "seit 3 bis 5 Jahren", 3, "number", None, "duration"),
    ("en", "between 25 and 50 basis points", 0.25, "pp", None, "amount"),
    ("en", "2 to 3 percent", 2, "%", None, "amount"),
    # A sign before the second number is not a range dash.
    ("de", "18.000 -2 %", 18000, "number", None, "amount"),
]


@pytest.mark.parametrize(("lang", "text", "value", "unit", "currency", "role"), RANGES)
def test_ranges_share_the_unit(lang, text, value, unit, currency, role):
    first, second = find_quantities(text, lang)
    assert (first.unit, first.currency, first.role) == (unit, currency, role)
    assert math.isclose(first.value, value, rel_tol=1e-12)
    assert first.end < second.start  # the first span keeps only its own number


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        ("de", "mehr als 750 000 betagte Wagen", 750000),  # dpa writes thousands with spaces
        ("de", "846 562 Fahrzeuge", 846562),
        ("en", "300 000 GBP", 300000),  # English: only right before a unit
    ],
)
def test_space_grouped_thousands(lang, text, value):
    assert only(text, lang).value == value


def test_space_is_not_grouping_without_unit_in_english():
    assert [q.value for q in find_quantities("rank 3 100 runners", "en")] == [3, 100]


def test_index_level_in_einheiten_is_points():
    assert only("notierte der DAX bei 18.900,44 Einheiten", "de").unit == "points"


def test_index_name_does_not_hide_the_move_after_it():
    found = find_quantities("zog den S&P 500 um 0,8 % nach unten", "de")
    assert [(q.text, q.value, q.unit) for q in found] == [("0,8 %", 0.8, "%")]


def test_index_name_number_with_unit_is_an_amount():
    assert only("Dax 40 Punkte im Plus", "de").unit == "points"


def test_sentence_end_after_preposition_is_an_amount_not_an_ordinal():
    assert only("Das KGV liegt bei 25. Die Analysten", "de").role == "amount"


def test_code_before_a_percent_is_a_label():
    quantity = only("USD 1,2 % fester", "de")
    assert (quantity.text, quantity.unit, quantity.currency) == ("1,2 %", "%", None)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_offsets_spans_and_order(lang):
    text = "Am 3. Februar fiel der Nasdaq um 1,4 % auf 19.515,78 Punkte, seit 2008 -2,3 %."
    found = find_quantities(text, lang, offset=100)
    assert found == sorted(found, key=lambda q: q.start)
    for quantity in found:
        assert text[quantity.start - 100 : quantity.end - 100] == quantity.text
    for first, second in zip(found, found[1:], strict=False):
        assert first.end <= second.start


def test_whole_article_is_deterministic():
    text = SEED.read_text(encoding="utf-8")
    found = find_quantities(text, "de")
    assert found == find_quantities(text, "de")
    assert [(q.text, q.role) for q in found if q.role != "amount" or q.unit != "number"][:8] == [
        ("2026", "year"),
        ("1,4 %", "amount"),
        ("0,8 %", "amount"),
        ("3%ige", "amount"),
        ("30 %", "amount"),
        ("6 %", "amount"),
        ("2008", "year"),
        ("40 Jahren", "duration"),
    ]


def test_unsupported_language_is_named():
    from narrate.lang import UnsupportedLanguage

    with pytest.raises(UnsupportedLanguage, match="'fr'"):
        find_quantities("5 %", "fr")


# (lang, text, [(matched text, value, unit, role)]) for fractions, ratios and digit groupings
FRACTIONS_AND_GROUPS = [
    # Slash fractions: proper ones with the usual denominators, alone or after a whole number.
    ("en", "down 1/8, this afternoon", [("1/8", 0.125, "number", "amount")]),
    ("en", "shot up 11-5/8 to 29-3/8", [
        ("11-5/8", 11.625, "number", "amount"), ("29-3/8", 29.375, "number", "amount")]),
    ("en", "a coupon of 7-3/8 pct", [("7-3/8 pct", 7.375, "%", "amount")]),
    ("en", "a spread of 5/8 percentage points", [("5/8 percentage points", 0.625, "pp", "amount")]),
    ("en", "at 10-13/16 pct", [("10-13/16 pct", 10.8125, "%", "amount")]),
    ("en", "2 1/2 in thick", [("2 1/2", 2.5, "number", "amount")]),
    ("de", "1/2", [("1/2", 0.5, "number", "amount")]),
    # Not fractions: improper ones ("24/7", a calendar week, a score) and dates with a year.
    ("de", "Chatbots arbeiten 24/7", [
        ("24", 24, "number", "amount"), ("7", 7, "number", "amount")]),
    ("de", "in KW 39/24", [("39", 39, "number", "amount"), ("24", 24, "number", "amount")]),
    ("en", "on 3/4/2026", [("3/4/2026", 4, "number", "date_part")]),
    # Vulgar-fraction characters, alone or glued to a whole number.
    ("en", "the result is ⅙ and sometimes ½", [
        ("⅙", 1 / 6, "number", "amount"), ("½", 0.5, "number", "amount")]),
    ("en", "a 2½% rise", [("2½%", 2.5, "%", "amount")]),
    # A decimal without its leading zero, but not after a closing bracket (a tennis score).
    ("en", "from .25% to 1%", [(".25%", 0.25, "%", "amount"), ("1%", 1, "%", "amount")]),
    ("en", "a price of $.50", [("$.50", 0.5, "currency", "amount")]),
    # Space grouping in English without a unit: two groups or "000", never a phone number.
    ("en", "1 234 567", [("1 234 567", 1234567, "number", "amount")]),
    ("en", "40 000 people", [("40 000", 40000, "number", "amount")]),
    ("en", "call +1 646 223 8780", [
        ("1", 1, "number", "amount"), ("646", 646, "number", "amount"),
        ("223", 223, "number", "amount"), ("8780", 8780, "number", "amount")]),
    # Lakh and crore grouping (Indian news).
    ("en", "Rs 1,14,806 crore", [("Rs 1,14,806 crore", 1.14806e12, "currency", "amount")]),
    ("en", "12,34,567.89 rupees", [("12,34,567.89 rupees", 1234567.89, "currency", "amount")]),
    # Ratios: "out of" anywhere, "over" and "in" only at the end of a clause.
    ("en", "27 out of 34 validators", [("27 out of 34", 27 / 34, "number", "amount")]),
    ("en", "one out of three", [("one out of three", 1 / 3, "number", "spelled")]),
    ("en", "1 over 3", [("1 over 3", 1 / 3, "number", "amount")]),
    ("en", "rose 120 over three days", [
        ("120", 120, "number", "amount"), ("three days", 3, "number", "duration")]),
    ("en", "fell 2 in 2024", [("2", 2, "number", "amount"), ("2024", 2024, "number", "year")]),
    ("en", "one in five Americans", [
        ("one", 1, "number", "spelled"), ("five", 5, "number", "spelled")]),
    ("en", "there are 12 out of 10", [
        ("12", 12, "number", "amount"), ("10", 10, "number", "amount")]),
    ("en", "100 million out of 500 million players", [
        ("100 million", 1e8, "number", "amount"), ("500 million", 5e8, "number", "amount")]),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "text", "expected"), FRACTIONS_AND_GROUPS)
def test_fractions_ratios_and_groups(lang, text, expected):
    found = [(q.text, q.value, q.unit, q.role) for q in find_quantities(text, lang)]
    assert len(found) == len(expected), found
    for got, want in zip(found, expected, strict=True):
        assert got[0] == want[0] and got[2:] == want[2:] and math.isclose(got[1], want[1])


# Spelled fractions as the peer suites read them, and the article "a" (1 only before a scale
# word or a fraction).
SPELLED_FRACTIONS = [
    ("en", "one twenty-fifth", 1 / 25),
    ("en", "three twenty-firsts", 3 / 21),
    ("en", "one hundred thirty fifths", 100 / 35),
    ("en", "one hundred and thirty fifths", 130 / 5),  # improper after "and": the whole / 5
    ("en", "one hundred and two thirds", 100 + 2 / 3),  # proper after "and": a mixed number
    ("en", "one million two thousand two hundred three fifths", 1002203 / 5),
    ("en", "twenty and three and three fifths", 23.6),
    ("en", "two and fifty-four hundredths", 2.54),
    ("en", "two thirds of a million", 2e6 / 3),
    ("en", "a two-year low", 2),
    ("en", "a one billion dlr contract", 1e9),
    ("de", "fünf und drei Viertel Milliarde", 5.75e9),
    ("de", "eine Zwei-Drittel-Mehrheit", 2 / 3),
]


@pytest.mark.parametrize(("lang", "text", "value"), SPELLED_FRACTIONS)
def test_spelled_fractions(lang, text, value):
    assert math.isclose(find_quantities(text, lang)[0].value, value)


@pytest.mark.parametrize("text", ["the twenty-first century", "the first time", "in third place"])
def test_ordinals_alone_are_no_numbers(text):
    assert find_quantities(text, "en") == []


def test_a_tennis_score_has_no_bare_decimal():
    assert [q.value for q in find_quantities("mit 7:6(3),6:2", "de")] == [7, 6, 3, 6, 2]


def test_of_a_joins_only_a_fraction_to_a_scale():
    assert [q.value for q in find_quantities("one of a thousand applicants", "en")] == [1, 1000]


# (text, [(matched text, value, unit, currency, role)]): wire and headline forms of money, and
# the guards that keep news readings apart from them.
NEWS_FORMS = [
    # Indian headlines ("Rs", "cr") and Reuters wire style ("dlrs", "cts", "stg").
    ("Rs 2,000 cr", [("Rs 2,000 cr", 2e10, "currency", "INR", "amount")]),
    ("Rs. 907.48 crores", [("Rs. 907.48 crores", 9.0748e9, "currency", "INR", "amount")]),
    ("5.5 mln dlrs, or 10 cts a share", [
        ("5.5 mln dlrs", 5.5e6, "currency", "USD", "amount"),
        ("10 cts", 0.1, "currency", "USD", "amount")]),
    ("raise 100 mln stg", [("100 mln stg", 1e8, "currency", "GBP", "amount")]),
    ("stands to lose 15-20 mln dlrs", [
        ("15", 15e6, "currency", "USD", "amount"),
        ("20 mln dlrs", 2e7, "currency", "USD", "amount")]),
    # A range shares only the unit when its first number has its own magnitude.
    ("deficits at 2.09 billion and 1.722 billion dlrs", [
        ("2.09 billion", 2.09e9, "currency", "USD", "amount"),
        ("1.722 billion dlrs", 1.722e9, "currency", "USD", "amount")]),
    ("denominations of 500,000 and one mln dlrs", [
        ("500,000", 5e5, "currency", "USD", "amount"),
        ("one mln dlrs", 1e6, "currency", "USD", "amount")]),
    ("credits of 2,227,000 or four cts", [
        ("2,227,000", 2227000, "currency", "USD", "amount"),
        ("four cts", 0.04, "currency", "USD", "amount")]),
    # A scale word after an ISO code; a currency name as a prefix only with a scale word.
    ("lost 75 USD million", [("75 USD million", 7.5e7, "currency", "USD", "amount")]),
    ("starts at dollar 22.5 million", [
        ("dollar 22.5 million", 2.25e7, "currency", "USD", "amount")]),
    ("against the dollar 2015 was a bad year", [("2015", 2015, "number", None, "year")]),
    ("the dollar 110 yen", [("110 yen", 110, "currency", "JPY", "amount")]),
    # A symbol or code before digits starts the next amount; a repeated name is no part of one.
    ("$ 20,000.00 $ 37,305.97", [
        ("$ 20,000.00", 20000, "currency", "USD", "amount"),
        ("$ 37,305.97", 37305.97, "currency", "USD", "amount")]),
    ("rmb 10 usd 20", [
        ("rmb 10", 10, "currency", "CNY", "amount"), ("usd 20", 20, "currency", "USD", "amount")]),
    ("15 USD 50.", [("15 USD 50", 15.5, "currency", "USD", "amount")]),
    ("$10 dollars bill", [("$10", 10, "currency", "USD", "amount")]),
    ("$8 billion dollars-worth", [("$8 billion", 8e9, "currency", "USD", "amount")]),
    ("revenue ($-99.99)", [("99.99", 99.99, "currency", "USD", "amount")]),
    # Coins before a further "and"; any other word after the number keeps it apart.
    ("one dollar and one and one point", [
        ("one dollar and one", 1.01, "currency", "USD", "amount"),
        ("one point", 1, "points", None, "amount")]),
    ("paid 5 dollars and 20 analysts", [
        ("5 dollars", 5, "currency", "USD", "amount"), ("20", 20, "number", None, "amount")]),
    # An article is 1 only before a coin at the end of a clause, never "of a cent".
    ("Oh look, a penny!", [("a penny", 0.01, "currency", "GBP", "amount")]),
    ("gas fees at a fraction of a cent.", []),
    ("like a Bitcoin, ETH", []),
    ("a dollar bond", []),
    ("in a year.", []),
    # "percent of N" only alone in its clause; elsewhere "percent of" introduces a base.
    ("percent of 10", [("percent of 10", 10, "%", None, "amount")]),
    ("Per cent of twenty-two.", [("Per cent of twenty-two", 22, "%", None, "amount")]),
    ("5 percent of 10.", [
        ("5 percent", 5, "%", None, "amount"), ("10", 10, "number", None, "amount")]),
    ("a large percent of 10,000 staff", [("10,000", 10000, "number", None, "amount")]),
    ("Percent of 10,000 staff were cut.", [("10,000", 10000, "number", None, "amount")]),
    # e-notation (lower-case "e" only), year spans, decades and British clock times.
    ("at 4e14 s-1", [("4e14", 4e14, "number", None, "amount")]),
    ("9.83e-3 +/- 1e-5", [
        ("9.83e-3", 0.00983, "number", None, "amount"), ("1e-5", 1e-5, "number", None, "amount")]),
    ("the 2007-08 crisis", [("2007-08", 2007, "number", None, "year")]),
    ("by the end of the 1960s", [("1960s", 1960, "number", None, "year")]),
    ("I arrived at 2.13 am.", []),
    ("over until 2.17pm", []),
    ("closed at 2.13 PM", [("2.13", 2.13, "number", None, "amount")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), NEWS_FORMS)
def test_news_money_forms_and_guards(text, expected):
    found = [
        (q.text, q.value, q.unit, q.currency, q.role)
        for q in find_quantities(text, "en")
        if q.role != "spelled"
    ]
    assert len(found) == len(expected), found
    for got, want in zip(found, expected, strict=True):
        assert got[0] == want[0] and got[2:] == want[2:], got
        assert math.isclose(got[1], want[1], rel_tol=1e-12), got
