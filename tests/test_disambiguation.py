"""Ambiguous names: a company name that is also a word, a place or another company."""

from __future__ import annotations

import pytest

from narrate.catalog import Catalog, load_catalog

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
            "Next week the Fed meets; Partners Group and Next plc reported.",
            [
                ("Partners Group", "company:CH0024608827"),
                ("Next plc", "company:GB0032089863"),
            ],
        ),
        ("en", "Orange County and Sage advice.", []),
    ],
)
def test_matcher_settles(catalog: Catalog, lang: str, text: str, expected: list) -> None:
    assert _links(catalog, lang, text) == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "Apple pie is a dessert.", [("Apple", APPLE)]),
        ("en", "Fires spread in the Amazon rainforest.", [("Amazon", AMAZON)]),
        ("de", "Eine Meta-Analyse zeigt den Effekt.", [("Meta", META)]),
        ("en", "Shell shares rose 2%.", [("Shell", SHELL)]),
        ("en", "Continental Airlines cut fares.", [("Continental", CONTINENTAL)]),
        ("de", "Merck hob die Prognose an.", [("Merck", MERCK_KGAA)]),
        ("en", "Merck raised its forecast.", [("Merck", MERCK_CO)]),
        ("de", "Porsche verkaufte weniger Sportwagen.", [("Porsche", PORSCHE_SE)]),
    ],
)
def test_links_without_context_today(
    catalog: Catalog, lang: str, text: str, expected: list
) -> None:
    assert _links(catalog, lang, text) == expected
