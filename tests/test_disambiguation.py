"""Ambiguous names: a company name that is also a word, a place or another company."""

from __future__ import annotations

import datetime as dt

import pytest

from narrate.catalog import Catalog, CatalogError, load_catalog
from narrate.catalog.disambiguate import (
    ambiguity_problems,
    load_ambiguity_rules,
    read_ambiguity_rules,
)

APPLE = "company:US0378331005"
AMAZON = "company:US0231351067"
META = "company:US30303M1027"
GOLDMAN = "company:US38141G1040"
SHELL = "company:GB00BP6MXD84"
CONTINENTAL = "company:DE0005439004"
LINDE = "company:IE000S9YS762"
MERCK_KGAA = "company:DE0006599905"
MERCK_CO = "company:US58933Y1055"
PORSCHE_AG = "company:DE000PAG9113"
PORSCHE_SE = "company:DE000PAH0038"
GOLD = "commodity:gold"
NEXT = "company:GB0032089863"
PARTNERS = "company:CH0024608827"
ORANGE = "company:FR0000133308"
SAGE = "company:GB00B8C3BL03"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _links(catalog: Catalog, lang: str, text: str) -> list[tuple[str, str]]:
    return [(m.text, m.entity_id) for m in catalog.find(text, lang)]


# --- what the matcher alone already settles -------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # Matching is case-sensitive: the common nouns never link.
        ("en", "She ate an apple and read the meta data.", []),
        ("en", "The shell of the amazon parrot's egg.", []),
        # Word boundaries: "Goldman" is no "Gold", "Goldpreis" is gold.
        ("de", "Goldman Sachs hob das Kursziel an.", [("Goldman Sachs", GOLDMAN)]),
        ("de", "Bei Goldman gab es Verluste.", []),
        ("en", "Gold rose while Goldman Sachs fell.", [("Gold", GOLD), ("Goldman Sachs", GOLDMAN)]),
        # Stop-listed short names never link.
        (
            "en",
            "Partners Group and Next plc reported.\n\nNext week the Fed meets.",
            [("Partners Group", PARTNERS), ("Next plc", NEXT)],
        ),
        ("en", "Orange County and Sage advice.", []),
    ],
)
def test_matcher_settles(catalog: Catalog, lang: str, text: str, expected: list) -> None:
    assert _links(catalog, lang, text) == expected


LINKED = [
    ("en", "Apple shares rose 2% on Tuesday.", "Apple", APPLE),
    ("en", "Apple said it would open more stores.", "Apple", APPLE),
    ("en", "Amazon and Microsoft extended their recent losses.", "Amazon", AMAZON),
    ("de", "Die Meta-Aktie legte um 3 Prozent zu.", "Meta", META),
    ("en", "Shell shares rose 2% after results.", "Shell", SHELL),
    ("de", "Die Continental-Aktie fiel um 4 Prozent.", "Continental", CONTINENTAL),
    (
        "en",
        "Continental, the Hanover-based tyre maker, cut its outlook.",
        "Continental",
        CONTINENTAL,
    ),
    ("en", "Linde reported a 15% rise in quarterly earnings.", "Linde", LINDE),
    ("en", "Next, the fashion retailer run by Lord Wolfson, raised its outlook.", "Next", NEXT),
    ("en", "Partners Group raised fees; Partners also said it would hire.", "Partners", PARTNERS),
    ("en", "Orange, the French telecom operator, cut prices.", "Orange", ORANGE),
    ("en", "Sage, the accounting software group, beat forecasts.", "Sage", SAGE),
    # Merck: the language decides, a cue overrides it.
    ("de", "Merck hob die Prognose an.", "Merck", MERCK_KGAA),
    ("en", "Merck raised its forecast.", "Merck", MERCK_CO),
    ("en", "The Darmstadt-based Merck raised its forecast.", "Merck", MERCK_KGAA),
    ("de", "Der US-Konzern Merck (in Europa MSD) meldete Keytruda-Umsätze.", "Merck", MERCK_CO),
    ("de", "Die Merck-Aktie stieg.", "Merck", MERCK_KGAA),
    # Porsche: the carmaker, as in finanzen.net lists; the holding only with a cue.
    (
        "de",
        "Porsche(-5,00 Prozent auf 65,32 EUR) und Porsche Automobil vz(-1 Prozent)",
        "Porsche",
        PORSCHE_AG,
    ),
    ("de", "Porsche verkaufte weniger Sportwagen.", "Porsche", PORSCHE_AG),
    ("de", "Die Holding Porsche hält die Mehrheit an VW.", "Porsche", PORSCHE_SE),
    ("de", "Mercks Aktie stieg.", "Mercks", MERCK_KGAA),
]

UNLINKED = [
    ("en", "Apple pie is a dessert.", "Apple"),
    ("en", "Fires spread in the Amazon rainforest.", "Amazon"),
    ("de", "Eine Meta-Analyse zeigt den Effekt.", "Meta"),
    ("en", "Shell shock set in.", "Shell"),
    ("en", "Continental Airlines cut fares by 5%.", "Continental"),
    ("en", "Continental breakfast is served.", "Continental"),
    ("de", "Er wohnt unter der Linde.", "Linde"),
    ("en", "Next week, shares fell 3%.", "Next"),
    ("en", "Analyst Thomas Altmann of QC Partners said shares fell 2%.", "Partners"),
    ("en", "Shares of banks in Orange County fell 2%.", "Orange"),
    ("en", "Sage advice from analysts: buy shares.", "Sage"),
]


@pytest.mark.parametrize(("lang", "text", "form", "entity_id"), LINKED)
def test_ambiguous_alias_links_with_context(
    catalog: Catalog, lang: str, text: str, form: str, entity_id: str
) -> None:
    linked, unlinked = catalog.link(text, lang)
    assert (form, entity_id) in [(m.text, m.entity_id) for m in linked]
    assert form not in [u.text for u in unlinked]


@pytest.mark.parametrize(("lang", "text", "form"), UNLINKED)
def test_ambiguous_alias_without_context_stays_unlinked(
    catalog: Catalog, lang: str, text: str, form: str
) -> None:
    linked, unlinked = catalog.link(text, lang)
    assert form not in [m.text for m in linked]
    (record,) = [u for u in unlinked if u.text == form]
    assert record.reason == "ambiguous"
    assert record.candidates and all(c in catalog for c in record.candidates)
    assert text[record.start : record.end] == form
    assert catalog.find(text, lang) == linked


def test_unambiguous_name_elsewhere_in_the_article_links(catalog: Catalog) -> None:
    text = "Apple Inc. reported results.\n\nLater, Apple pie... no: Apple opened a store."
    linked, _ = catalog.link("Apple Inc. held an event.\n\nApple opened a store.", "en")
    assert [m.entity_id for m in linked] == [APPLE, APPLE]
    assert text  # the sentence form above is illustrative only


def test_pipeline_reports_ambiguous_mentions() -> None:
    from narrate.ingest import article_from_text
    from narrate.pipeline import Settings, process

    result = process(
        article_from_text(
            "Apple pie sales rose.\n\nApple shares fell almost 3% on Tuesday.",
            "t",
            published=dt.date(2026, 2, 4),
        ),
        Settings(lang="en"),
    )
    assert [e.entity_id for e in result.events] == [APPLE]
    assert [(u.text, u.reason, u.candidates) for u in result.unlinked] == [
        ("Apple", "ambiguous", [APPLE])
    ]


# --- the data file --------------------------------------------------------------------------


def test_ambiguous_file_entries_fit_the_catalog(catalog: Catalog) -> None:
    rules = load_ambiguity_rules()
    assert all(entry.reason.strip() for entry in rules.aliases)
    aliases = {lang: catalog.aliases_for(lang) for lang in catalog.languages}
    assert ambiguity_problems(rules, aliases) == []
    for entry in rules.aliases:
        assert all(c.entity in catalog for c in entry.candidates)
        for lang in catalog.languages:
            # every language needs a reading: a default candidate or cues only
            assert (
                entry.default_for(lang) is not None
                or entry.need(lang) == "cue"
                or all(c.cues for c in entry.candidates)
            )


def test_ambiguous_file_errors_name_the_entry() -> None:
    with pytest.raises(CatalogError, match="reason"):
        read_ambiguity_rules(
            "window: 10\nsupport: {}\naliases:\n  - {alias: X, candidates: [{entity: a}]}", "f"
        )
    with pytest.raises(CatalogError, match="twice"):
        read_ambiguity_rules(
            "window: 10\nsupport: {}\naliases:\n"
            "  - {alias: X, reason: r, candidates: [{entity: a}]}\n"
            "  - {alias: X, reason: r, candidates: [{entity: a}]}",
            "f",
        )


def test_unknown_alias_is_a_problem(catalog: Catalog) -> None:
    rules = read_ambiguity_rules(
        "window: 10\nsupport: {}\naliases:\n"
        "  - {alias: Nowhere, reason: r, candidates: [{entity: company:US0378331005}]}",
        "f",
    )
    aliases = {lang: catalog.aliases_for(lang) for lang in catalog.languages}
    assert ambiguity_problems(rules, aliases) == [
        "'Nowhere': no candidate has this alias in any language"
    ]
