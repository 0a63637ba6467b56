"""Tests for narrate.extractors.dates: finding date expressions and resolving them."""

from __future__ import annotations

import datetime as dt

import pytest

import narrate
from narrate import lang as lang_data
from narrate.extractors.dates import FUTURE_WINDOW_DAYS, find_dates, parse_date_line
from narrate.ingest import article_from_text
from narrate.pipeline import Settings, process

D = dt.date
WED = D(2026, 2, 4)  # a Wednesday
SUN = D(2026, 2, 8)
MON = D(2026, 2, 9)

# The Recognizers-Text peer suite is tests/test_peer_dates.py.


def only(text: str, lang: str, published: dt.date | None):
    mentions = find_dates(text, lang, published)
    assert len(mentions) == 1, mentions
    return mentions[0]


# --- seed and weekday cases -------------------------------------------------------------------


def test_seed_case():
    m = only("Am Dienstag fiel der Nasdaq Composite um 1,4 %", "de", WED)
    assert (m.text, m.kind, m.date, m.period) == ("Am Dienstag", "weekday", D(2026, 2, 3), "day")
    assert (m.start, m.end) == (0, 11)


@pytest.mark.parametrize(
    ("lang", "text", "published", "expected"),
    [
        ("de", "am Dienstag", WED, D(2026, 2, 3)),
        ("de", "Dienstag", WED, D(2026, 2, 3)),
        ("de", "am Dienstagabend", WED, D(2026, 2, 3)),
        ("de", "am Mittwoch", WED, WED),  # the publication weekday is that same day
        ("de", "am Donnerstag", WED, D(2026, 1, 29)),
        ("de", "am Freitag", SUN, D(2026, 2, 6)),
        ("de", "am Sonntag", SUN, SUN),
        ("de", "am Montag", SUN, D(2026, 2, 2)),
        ("en", "on Tuesday", WED, D(2026, 2, 3)),
        ("en", "Tuesday's", WED, D(2026, 2, 3)),
        ("en", "on Wednesday", WED, WED),
        ("en", "on Friday", SUN, D(2026, 2, 6)),
        ("en", "on Sunday", SUN, SUN),
    ],
)
def test_weekday(lang, text, published, expected):
    m = only(text, lang, published)
    assert (m.text, m.kind, m.date, m.period) == (text, "weekday", expected, "day")


# --- relative days and weeks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "published", "expected", "period", "start"),
    [
        ("de", "heute", WED, WED, "day", None),
        ("en", "today", WED, WED, "day", None),
        ("de", "gestern", WED, D(2026, 2, 3), "day", None),
        ("en", "yesterday", WED, D(2026, 2, 3), "day", None),
        # Calendar days, not trading days: a Monday's "gestern" is Sunday (exchange calendars are
        # a later issue).
        ("de", "gestern", MON, SUN, "day", None),
        ("en", "yesterday", MON, SUN, "day", None),
        ("de", "vorgestern", WED, D(2026, 2, 2), "day", None),
        ("en", "the day before yesterday", WED, D(2026, 2, 2), "day", None),
        ("de", "am Vortag", MON, SUN, "day", None),
        ("en", "the previous day", MON, SUN, "day", None),
        ("de", "vor einer Woche", WED, D(2026, 1, 28), "day", None),
        ("en", "a week ago", WED, D(2026, 1, 28), "day", None),
        ("de", "vor zwei Tagen", WED, D(2026, 2, 2), "day", None),
        ("en", "two months ago", D(2026, 3, 31), D(2026, 1, 31), "day", None),
        # The previous calendar week, Monday to Sunday.
        ("de", "letzte Woche", WED, D(2026, 2, 1), "week", D(2026, 1, 26)),
        ("en", "last week", WED, D(2026, 2, 1), "week", D(2026, 1, 26)),
    ],
)
def test_relative(lang, text, published, expected, period, start):
    m = only(text, lang, published)
    assert (m.text, m.kind, m.date, m.period, m.start_date) == (
        text,
        "relative",
        expected,
        period,
        start,
    )


def test_morgen_is_tomorrow_only_in_lower_case():
    assert only("Die Zahlen kommen morgen.", "de", WED).date == D(2026, 2, 5)
    assert find_dates("Am Morgen stieg der DAX.", "de", WED) == []


# --- explicit dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "published", "expected"),
    [
        ("de", "3. Februar 2026", WED, D(2026, 2, 3)),
        ("de", "am 3. Februar", WED, D(2026, 2, 3)),
        ("de", "03.02.2026", WED, D(2026, 2, 3)),
        ("de", "3.2.26", WED, D(2026, 2, 3)),
        ("de", "17.10.24", WED, D(2024, 10, 17)),
        ("de", "2026-02-03", WED, D(2026, 2, 3)),
        ("de", "am 15.1.", WED, D(2026, 1, 15)),
        ("de", "Mittwoch, 4. Februar 2026", None, WED),
        ("de", "am 3. Feb.", WED, D(2026, 2, 3)),
        ("de", "am ersten Januar", WED, D(2026, 1, 1)),
        ("en", "February 3, 2026", WED, D(2026, 2, 3)),
        ("en", "Feb. 3", WED, D(2026, 2, 3)),
        ("en", "3 February 2026", WED, D(2026, 2, 3)),
        ("en", "2026-02-03", WED, D(2026, 2, 3)),
        ("en", "02/03/2026", WED, D(2026, 2, 3)),  # month first in English
        ("en", "21/04/2016", WED, D(2016, 4, 21)),  # ... unless only day first is a date
        ("en", "on Jan. 1st", WED, D(2026, 1, 1)),
        ("en", "Wednesday, February 4, 2026", None, WED),
        # Near New Year: the day and month fall in the year that just ended.
        ("de", "am 30. Dezember", D(2026, 1, 2), D(2025, 12, 30)),
        ("en", "on December 30", D(2026, 1, 2), D(2025, 12, 30)),
        # Previews: a few days ahead keep the coming date ...
        ("de", "am 10. Februar", WED, D(2026, 2, 10)),
        ("en", "January 3", D(2025, 12, 30), D(2026, 1, 3)),
        # ... further ahead is read as last year's.
        ("de", "am 20. Februar", WED, D(2025, 2, 20)),
    ],
)
def test_explicit(lang, text, published, expected):
    m = only(text, lang, published)
    assert (m.text, m.kind, m.date, m.period) == (text, "explicit", expected, "day")


def test_future_window_is_documented_value():
    # The window is a policy decision (module docstring); changing it changes the tests above.
    assert FUTURE_WINDOW_DAYS == 7


@pytest.mark.parametrize("text", ["am 31. Februar", "am 32.1.", "am 3.13."])
def test_impossible_day_is_no_date(text):
    assert find_dates(text, "de", WED) == []


# --- ranges and periods -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "published", "start", "end"),
    [
        (
            "de",
            "zwischen dem 29. Januar und dem 5. Februar",
            D(2026, 2, 6),
            D(2026, 1, 29),
            D(2026, 2, 5),
        ),
        ("de", "vom 29. Januar bis zum 5. Februar", D(2026, 2, 6), D(2026, 1, 29), D(2026, 2, 5)),
        ("de", "vom 29. Januar bis 5. Februar", D(2026, 2, 6), D(2026, 1, 29), D(2026, 2, 5)),
        ("de", "vom 2. bis 5. Februar", D(2026, 2, 6), D(2026, 2, 2), D(2026, 2, 5)),
        ("de", "vom 29. Dezember bis 5. Januar", D(2026, 1, 6), D(2025, 12, 29), D(2026, 1, 5)),
        ("en", "between January 29 and February 5", D(2026, 2, 6), D(2026, 1, 29), D(2026, 2, 5)),
        ("en", "from Jan. 29 to Feb. 5", D(2026, 2, 6), D(2026, 1, 29), D(2026, 2, 5)),
        ("en", "from Jan. 29 to 31", D(2026, 2, 6), D(2026, 1, 29), D(2026, 1, 31)),
    ],
)
def test_range(lang, text, published, start, end):
    m = only(text, lang, published)
    assert (m.text, m.kind, m.start_date, m.date, m.period) == (text, "range", start, end, "range")


@pytest.mark.parametrize(
    ("lang", "text", "period", "start", "date"),
    [
        ("de", "seit Jahresbeginn", "ytd", D(2026, 1, 1), WED),
        ("de", "seit Jahresanfang", "ytd", D(2026, 1, 1), WED),
        ("en", "year to date", "ytd", D(2026, 1, 1), WED),
        ("en", "so far this year", "ytd", D(2026, 1, 1), WED),
        ("en", "YTD", "ytd", D(2026, 1, 1), WED),
        ("de", "seit dem 29. Januar", "since", D(2026, 1, 29), WED),
        ("en", "since January 29", "since", D(2026, 1, 29), WED),
        ("de", "in dieser Woche", "week", D(2026, 2, 2), WED),
        ("de", "auf Wochensicht", "week", D(2026, 2, 2), WED),
        ("en", "this week", "week", D(2026, 2, 2), WED),
        ("de", "in der vergangenen Woche", "week", D(2026, 1, 26), D(2026, 2, 1)),
        ("de", "im Monatsverlauf", "month", D(2026, 2, 1), WED),
        ("en", "this month", "month", D(2026, 2, 1), WED),
        ("de", "binnen eines Jahres", "year", D(2025, 2, 4), WED),
        ("en", "over the past year", "year", D(2025, 2, 4), WED),
        # Spans without a calendar day.
        ("de", "an einem Tag", "day", None, None),
        ("de", "an nur einem Tag", "day", None, None),
        ("en", "in a single day", "day", None, None),
        ("en", "on the day", "day", None, None),
        ("de", "im Tagesverlauf", "intraday", None, None),
        ("de", "zeitweise", "intraday", None, None),
        ("de", "im frühen Handel", "intraday", None, None),
        ("en", "intraday", "intraday", None, None),
        ("en", "at one point", "intraday", None, None),
    ],
)
def test_period(lang, text, period, start, date):
    m = only(text, lang, WED)
    assert (m.text, m.kind, m.period, m.start_date, m.date) == (text, "period", period, start, date)


# --- without a publication date ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "kind"),
    [
        ("de", "Am Dienstag fiel der Nasdaq Composite um 1,4 %", "weekday"),
        ("de", "gestern", "relative"),
        ("de", "am 3. Februar", "explicit"),
        ("de", "zwischen dem 29. Januar und dem 5. Februar", "range"),
        ("de", "seit Jahresbeginn", "period"),
        ("en", "on Tuesday", "weekday"),
        ("en", "yesterday", "relative"),
        ("en", "Feb. 3", "explicit"),
        ("en", "since January 29", "period"),
    ],
)
def test_without_published_found_but_unresolved(lang, text, kind):
    m = only(text, lang, None)
    assert m.kind == kind
    assert m.date is None


def test_without_published_a_full_date_still_resolves():
    assert only("am 3. Februar 2026", "de", None).date == D(2026, 2, 3)


# --- no false dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Der S&P 500 stieg um 1,4 % auf 6.900 Punkte."),
        ("de", "Der Nasdaq 100 schloss bei 19.515,78 Punkte."),
        ("de", "eine 3%ige Anleihe"),
        ("de", "der höchste Stand seit über 40 Jahren"),
        ("de", "der stärkste Anstieg seit 2008"),
        ("de", "im Jahr 2025 legte der DAX zu"),
        ("de", "Um 1.4 Prozent, Version 2.0 und 10:30 Uhr"),
        ("en", "The S&P 500 rose 1.4% to 6,900.12 points."),
        ("en", "the Nasdaq 100 gained 3/4 of a point"),
        ("en", "the biggest gain since 2008, in the year 2025"),
        ("en", "Shares may 5% lower; Q3 2025 results"),
    ],
)
def test_no_false_dates(lang, text):
    assert find_dates(text, lang, WED) == []


def test_offsets_are_shifted_and_match_text():
    text = "Der DAX fiel am Dienstag, seit Jahresbeginn steht ein Plus."
    mentions = find_dates(text, "de", WED, offset=100)
    assert [m.text for m in mentions] == ["am Dienstag", "seit Jahresbeginn"]
    for m in mentions:
        assert text[m.start - 100 : m.end - 100] == m.text


def test_same_input_same_output():
    text = "Am Dienstag, dem 3. Februar 2026, und gestern"
    assert find_dates(text, "de", WED) == find_dates(text, "de", WED)


# --- publication date lines -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("February 4, 2026", (WED, None)),
        ("4. Februar 2026", (WED, None)),
        ("17.10.24 09:16 Uhr", (D(2024, 10, 17), dt.time(9, 16))),
        ("2026-02-04", (WED, None)),
        ("Feb 4, 2026 10:30 AM", (WED, dt.time(10, 30))),
        ("Feb 4, 2026 1:05 PM ET", (WED, dt.time(13, 5))),
        ("Mittwoch, 4. Februar 2026", (WED, None)),
        ("Wednesday, February 4, 2026", (WED, None)),
        ("Veröffentlicht am 04.02.2026", (WED, None)),
        ("  04.02.2026, 14:30 Uhr  ", (WED, dt.time(14, 30))),
        ("2026-02-04T10:30:00Z", (WED, dt.time(10, 30))),
        ("Published: 02/04/2026", (WED, None)),
    ],
)
def test_parse_date_line(line, expected):
    assert parse_date_line(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "",
        "Am Dienstag fiel der Nasdaq Composite um 1,4 %",
        "4. Februar",  # no year: cannot be resolved without a reference
        "Der DAX schloss am 4. Februar 2026 bei 24.000 Punkten.",
        "2026",
        "19.515,78 Punkte",
        "31.02.2026",
    ],
)
def test_parse_date_line_rejects(line):
    assert parse_date_line(line) is None


# --- language data ----------------------------------------------------------------------------


def test_languages_have_the_same_keys():
    de, en = lang_data.load("de", "dates"), lang_data.load("en", "dates")
    assert set(de) == set(en)
    assert set(de["templates"]) == set(en["templates"])
    assert set(de["date_line"]) == set(en["date_line"])
    assert [(p["kind"], p["period"], p["anchor"]) for p in de["phrases"]] != []
    for data in (de, en):
        assert set(data["months"]) == set(range(1, 13))
        assert set(data["weekdays"]) == set(range(7))
        assert set(data["ordinals"]) == set(range(1, 32))


def test_unsupported_language():
    with pytest.raises(lang_data.UnsupportedLanguage):
        find_dates("heute", "fr", WED)


# --- forms added with the peer suite --------------------------------------------------------

MON_2016 = D(2016, 11, 7)


@pytest.mark.parametrize(
    ("lang", "text", "published", "expected"),
    [
        ("en", "shares rallied on the 27th", MON_2016, D(2016, 10, 27)),
        ("en", "shares rallied on the 2nd", MON_2016, D(2016, 11, 2)),
        ("en", "the index closed higher on 15", MON_2016, D(2016, 10, 15)),
        ("en", "Friday the 15th", D(2017, 9, 27), D(2017, 9, 15)),
        ("en", "the 20th of next month", MON_2016, D(2016, 12, 20)),
        ("en", "this Friday", MON_2016, D(2016, 11, 11)),
        ("en", "next Sunday", MON_2016, D(2016, 11, 20)),
        ("en", "on Friday next week", MON_2016, D(2016, 11, 18)),
        ("en", "last week's Tuesday", MON_2016, D(2016, 11, 1)),
        ("en", "the first Friday of July", MON_2016, D(2016, 7, 1)),
        ("en", "the third Wednesday of previous month", D(2018, 3, 20), D(2018, 2, 21)),
        ("en", "1 month and 21 days ago", D(2017, 11, 23), D(2017, 10, 2)),
        ("en", "two weeks from now", MON_2016, D(2016, 11, 21)),
        ("en", "two days before yesterday", D(2018, 5, 31), D(2018, 5, 28)),
        ("en", "on 4/22", MON_2016, D(2016, 4, 22)),
        ("en", "Feb 29", D(2019, 3, 22), D(2016, 2, 29)),
        ("de", "Ich komme am 15. zurück.", D(2016, 1, 7), D(2015, 12, 15)),
        ("de", "Übernächste Woche am Freitag", D(2020, 7, 27), D(2020, 8, 14)),
        ("de", "am Freitag vergangener Woche", WED, D(2026, 1, 30)),
        ("de", "vor einem Monat und zwei Tagen", WED, D(2026, 1, 2)),
    ],
)
def test_added_forms(lang, text, published, expected):
    assert [m.date for m in find_dates(text, lang, published)] == [expected]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "the index fell on 15 stocks"),
        ("en", "its 27th consecutive session, the second such run"),
        ("en", "the Dow rose for the 5th time in its last day of trading"),
        ("en", "the biggest drop in 3 weeks"),
        ("en", "trading at 4-22 and 3/4 of a point"),
        ("en", "Two days later the stock rebounded"),
        ("en", "the fifth Sunday"),  # September 2017 has four
        ("de", "am 15. Handelstag in Folge"),
        ("de", "am 1. und 2. März"),
    ],
)
def test_added_forms_are_not_false_dates(lang, text):
    published = D(2017, 9, 27)
    found = [(m.text, m.date) for m in find_dates(text, lang, published) if m.date is not None]
    assert found in ([], [("2. März", D(2017, 3, 2))]), found


# --- relative dates against the publication date and the asset's trading calendar ------------

SAT = D(2024, 3, 9)


@pytest.mark.parametrize(
    ("lang", "text", "published", "ref_date"),
    [
        # Weekend publication: a weekday, and an undated report, mean Friday's session.
        ("de", "Der Dax schloss am Freitag 1,2 Prozent höher.", SAT, D(2024, 3, 8)),
        ("de", "Der Dax schloss 1,2 Prozent höher.", SAT, D(2024, 3, 8)),
        ("de", "Der Dax schloss 1,2 Prozent höher.", D(2024, 3, 10), D(2024, 3, 8)),
        # gestern / am Vortag / vorgestern / heute, in XETR trading days.
        ("de", "Der Dax fiel am Vortag um 1 %.", D(2024, 3, 11), D(2024, 3, 8)),
        ("de", "Der Dax fiel gestern um 1 %.", D(2024, 3, 12), D(2024, 3, 11)),
        ("de", "Der Dax fiel vorgestern um 1 %.", D(2024, 3, 12), D(2024, 3, 8)),
        ("de", "Der Dax fiel heute um 1 %.", D(2024, 3, 12), D(2024, 3, 12)),
        ("de", "Der Dax ist vor einer Woche um 1 % gefallen.", D(2024, 3, 12), D(2024, 3, 5)),
        # Explicit dates with and without a year.
        ("de", "Der Dax fiel am 5. März um 1 %.", D(2024, 3, 12), D(2024, 3, 5)),
        ("de", "Der Dax fiel am 5. März 2024 um 1 %.", D(2024, 6, 12), D(2024, 3, 5)),
        # Holiday week: Good Friday 29 March and Easter Monday 1 April 2024 (XETR closed).
        ("de", "Der Dax fiel gestern um 1 %.", D(2024, 4, 2), D(2024, 3, 28)),
        ("de", "Der Dax schloss 1 Prozent höher.", D(2024, 3, 29), D(2024, 3, 28)),
        ("en", "The Dax fell 1% yesterday.", D(2024, 4, 2), D(2024, 3, 28)),
        # 24/7 crypto: Sunday is a session.
        ("en", "Bitcoin fell 3% on Sunday.", D(2024, 3, 10), D(2024, 3, 10)),
        ("de", "Bitcoin fiel um 3 %.", D(2024, 3, 10), D(2024, 3, 10)),
        ("de", "Bitcoin fiel gestern um 3 %.", D(2024, 3, 11), D(2024, 3, 10)),
    ],
)
def test_event_ref_date(lang, text, published, ref_date):
    events = narrate.extract(text, lang=lang, published=published)
    assert [e.ref_date for e in events] == [ref_date]


def test_year_to_date_period():
    text = "Der Dax ist seit Jahresbeginn um 5 % gestiegen."
    (event,) = narrate.extract(text, lang="de", published=D(2024, 3, 12))
    assert (event.period, event.period_start, event.ref_date) == (
        "ytd",
        D(2024, 1, 1),
        D(2024, 3, 12),
    )


@pytest.mark.parametrize(
    "text",
    [
        "Frankfurt, 5. März 2024\n\nDer Dax fiel am Dienstag um 1 %.",
        "FRANKFURT (dpa-AFX), 5. März 2024\n\nDer Dax fiel um 1 %.",
        "Frankfurt, 5. März 2024 – Der Dax fiel am Dienstag um 1 Prozent.",
        "Dax-Bericht\nFrankfurt am Main, 05.03.2024\n\nDer Dax fiel um 1 %.",
    ],
)
def test_dateline_is_the_publication_date(text):
    article = article_from_text(text, "t.txt")
    assert (article.published, article.published_from) == (D(2024, 3, 5), "text")


def test_undated_moves_of_a_morning_report_take_each_markets_last_opened_session():
    # Stamped 07:51 Frankfurt time on Thursday: Tokyo has traded today already, the Dax and
    # Wall Street have not opened, so their figures are Wednesday's; bitcoin trades around the
    # clock.
    text = (
        "Börsen am Morgen\n\n26.09.24 07:51 Uhr\n\n"
        "In Tokio gewinnt der Nikkei 225 um 2,5 Prozent. Der Dax hatte um 0,4 Prozent "
        "nachgegeben. Der Dow Jones stieg um 0,3 Prozent. Bitcoin stieg um 1 Prozent."
    )
    events = process(article_from_text(text, "t.txt"), Settings(lang="de")).events
    days = {e.entity_name: (e.ref_date, e.date_basis) for e in events}
    assert days == {
        "Nikkei 225": (D(2024, 9, 26), "inferred"),
        "DAX": (D(2024, 9, 25), "inferred"),
        "Dow Jones Industrial Average": (D(2024, 9, 25), "inferred"),
        "Bitcoin": (D(2024, 9, 26), "inferred"),
    }
