"""Entity catalog: data-file validity, alias generation, and the matcher on real sentences."""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
import yaml

from narrate.catalog import (
    ALIAS_PATCH_FILE,
    CURATED_FILES,
    GENERATED_FILES,
    NON_ENTITY_FILE,
    Catalog,
    CatalogError,
    EntityMatcher,
    load_catalog,
)
from narrate.catalog.aliases import (
    StopAlias,
    company_aliases,
    german_genitive,
    load_alias_rules,
    short_names,
)
from narrate.catalog.codes import isin_is_valid, symbol_is_valid
from narrate.catalog.sources import (
    read_alias_patches,
    read_entities_csv,
    read_entities_yaml,
    read_non_entities,
)
from narrate.records import CatalogEntity

DATA = resources.files("narrate.catalog").joinpath("data")
SEED = Path(__file__).resolve().parents[2] / "shared/seeds/000_22a5b5a2a56595fc.txt"

NVIDIA = "company:US67066G1040"
AMAZON = "company:US0231351067"
MICROSOFT = "company:US5949181045"
APPLE = "company:US0378331005"
GOLDMAN = "company:US38141G1040"
SIEMENS = "company:DE0007236101"
SIEMENS_ENERGY = "company:DE000ENER6Y0"
VOLKSWAGEN = "company:DE0007664039"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _read(name: str) -> str:
    return DATA.joinpath(name).read_text(encoding="utf-8")


def _ids(catalog: Catalog, lang: str, text: str) -> list[str]:
    return [mention.entity_id for mention in catalog.matcher(lang).find(text)]


# --- data files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GENERATED_FILES + CURATED_FILES)
def test_entity_file_loads_and_is_well_formed(name: str) -> None:
    text = _read(name)
    entities = (
        read_entities_csv(text, name) if name.endswith(".csv") else read_entities_yaml(text, name)
    )
    assert entities, f"{name} is empty"
    ids = [entity.id for entity in entities]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for entity in entities:
        assert any(entity.aliases.values()), entity.id
        assert entity.id.split(":", 1)[0] == entity.type
        assert entity.isin is None or isin_is_valid(entity.isin), entity.id
        assert entity.symbol is None or symbol_is_valid(entity.symbol), entity.id


def test_yaml_files_have_no_duplicate_keys_or_aliases() -> None:
    # read_entities_yaml refuses a key given twice (test below); aliases are checked here.
    for name in CURATED_FILES:
        for entity in read_entities_yaml(_read(name), name):
            for lang, forms in entity.aliases.items():
                assert len(forms) == len(set(forms)), (name, entity.id, lang)


def test_alias_patches_and_non_entities_load() -> None:
    assert read_alias_patches(_read(ALIAS_PATCH_FILE), ALIAS_PATCH_FILE)
    assert set(read_non_entities(_read(NON_ENTITY_FILE), NON_ENTITY_FILE)) <= {"de", "en", "any"}


def test_stoplist_entries_have_reasons() -> None:
    entries = [StopAlias.model_validate(e) for e in yaml.safe_load(_read("stop_aliases.yaml"))]
    assert all(entry.reason.strip() for entry in entries)
    aliases = [entry.alias for entry in entries]
    assert len(aliases) == len(set(aliases))


def test_companies_csv_is_sorted_and_covers_the_indices() -> None:
    entities = read_entities_csv(_read("companies.csv"), "companies.csv")
    ids = [entity.id for entity in entities]
    assert ids == sorted(ids)
    exchanges = Counter(entity.exchange for entity in entities)
    # DAX, MDAX, SDAX, TecDAX and the German Euro Stoxx 50 members, merged.
    assert 150 <= exchanges["XETR"] <= 160
    assert exchanges["XNYS"] + exchanges["XNAS"] > 500  # S&P 500, Nasdaq 100, Dow, merged
    assert exchanges["XTKS"] >= 220  # Nikkei 225
    assert exchanges["XLON"] >= 95  # FTSE 100 (less the members listed in the US)
    assert exchanges["XSWX"] == 20  # SMI
    assert exchanges["XPAR"] >= 35  # CAC 40
    assert all(e.symbol and e.symbol.endswith(".DE") for e in entities if e.exchange == "XETR")
    assert {e.currency for e in entities if e.exchange == "XLON"} == {"GBp"}
    isins = [entity.isin for entity in entities if entity.isin]
    assert len(isins) == len(set(isins))
    assert all(e.country == e.isin[:2] for e in entities if e.isin)
    assert all(e.symbol not in e.listings for e in entities)
    assert all(e.listings == sorted(set(e.listings)) for e in entities)


@pytest.mark.parametrize(
    ("isin", "symbol", "exchange", "currency"),
    [
        ("DE0007165631", "SRT3.DE", "XETR", "EUR"),  # Sartorius Vz (DAX, missing in the source)
        ("DE000PAG9113", "P911.DE", "XETR", "EUR"),  # Porsche AG (added to the source's DAX)
        ("DE0006062144", "1COV.DE", "XETR", "EUR"),  # Covestro
        ("DE0006083405", "HBH.DE", "XETR", "EUR"),  # Hornbach Holding (SDAX, fixed ISIN)
        ("NL0000235190", "AIR.DE", "XETR", "EUR"),  # Airbus: the DAX listing wins over Paris
        ("GB00BP6MXD84", "SHEL.L", "XLON", "GBp"),  # Shell (FTSE 100)
        ("FR0000121014", "MC.PA", "XPAR", "EUR"),  # LVMH (CAC 40)
        ("NL0011794037", "AD.AS", "XAMS", "EUR"),  # Ahold Delhaize (Euro Stoxx 50, fixed ISIN)
        ("CH0038863350", "NESN.SW", "XSWX", "CHF"),  # Nestlé (SMI)
        ("JP3633400001", "7203.T", "XTKS", "JPY"),  # Toyota (Nikkei 225)
        ("NL0000226223", "STMPA.PA", "XPAR", "EUR"),  # STMicroelectronics (source named Stabilus)
        ("US0378331005", "AAPL", "XNAS", "USD"),  # Apple (as before)
        ("NL0010273215", "ASML", "XNAS", "USD"),  # ASML: the AEX comes after the Nasdaq 100
        ("FI4000297767", "NDA-FI.HE", "XHEL", "EUR"),  # Nordea: Helsinki before Stockholm
        ("SE0000108656", "ERIC-B.ST", "XSTO", "SEK"),  # Ericsson B (OMX Stockholm 30, fixed ISIN)
        ("BE0003565737", "KBC.BR", "XBRU", "EUR"),  # KBC Group (BEL 20)
        ("ES0178430E18", "TEF.MC", "XMAD", "EUR"),  # Telefónica (IBEX 35)
        ("FR0000121709", "SK.PA", "XPAR", "EUR"),  # Groupe SEB (CAC Mid 60, source named ABB)
    ],
)
def test_index_members_have_their_home_listing(
    catalog: Catalog, isin: str, symbol: str, exchange: str, currency: str
) -> None:
    entity = catalog.get(f"company:{isin}")
    assert (entity.symbol, entity.exchange, entity.currency) == (symbol, exchange, currency)
    assert entity.country == isin[:2]


def test_listings_hold_other_quotes(catalog: Catalog) -> None:
    airbus = catalog.get("company:NL0000235190")
    assert "AIR.PA" in airbus.listings
    assert "AIR.DE" not in airbus.listings
    # Deutsche Telekom's source row carries Rostelecom's quotes; they are dropped.
    assert not any("RTKM" in quote for quote in catalog.get("company:DE0005557508").listings)


def test_catalog_counts_and_lookup(catalog: Catalog) -> None:
    counts = Counter(entity.type for entity in catalog.entities)
    assert counts["company"] > 1200
    assert counts["index"] == 37 + 11  # with the eleven S&P 500 sectors
    assert (counts["commodity"], counts["crypto"], counts["currency"], counts["yield"]) == (
        19,
        20,
        12,
        6,
    )
    assert counts["future"] == 3  # Bund, Bobl, Schatz
    assert len(catalog) == sum(counts.values())
    assert catalog.get("index:dax").isin == "DE0008469008"
    assert catalog.get(NVIDIA).symbol == "NVDA"
    with pytest.raises(KeyError, match="nope"):
        catalog.get("company:nope")


def test_default_catalog_is_cached() -> None:
    assert load_catalog() is load_catalog()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_language_builds_without_alias_conflicts(catalog: Catalog, lang: str) -> None:
    aliases = catalog.aliases_for(lang)
    assert aliases["Nasdaq"] == "index:nasdaq_composite"  # the index wins over Nasdaq, Inc.
    assert catalog.matcher(lang) is catalog.matcher(lang)


def test_unknown_language_is_refused(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="'fr'"):
        catalog.matcher("fr")


# --- codes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("isin", "valid"),
    [
        ("US67066G1040", True),
        ("DE0008469008", True),
        ("DE000BASF111", True),
        ("US0378331005", True),
        ("US0378331006", False),  # wrong check digit
        ("DE0008469009", False),
        ("US037833100", False),  # too short
        ("us0378331005", False),
    ],
)
def test_isin_check_digit(isin: str, valid: bool) -> None:
    assert isin_is_valid(isin) is valid


@pytest.mark.parametrize(
    ("symbol", "valid"),
    [
        ("NVDA", True),
        ("BRK.B", True),
        ("SAP.DE", True),
        ("^GSPC", True),
        ("GC=F", True),
        ("BTC-USD", True),
        ("EURUSD=X", True),
        ("DX-Y.NYB", True),
        ("nvda", False),
        ("", False),
        ("NV DA", False),
    ],
)
def test_symbol_shape(symbol: str, valid: bool) -> None:
    assert symbol_is_valid(symbol) is valid


# --- alias generation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Palantir Technologies", ["Palantir"]),
        ("Infineon Technologies AG", ["Infineon Technologies", "Infineon"]),
        ("Tesla, Inc.", ["Tesla"]),
        ("Carnival Corporation & plc", ["Carnival"]),
        ("Arthur J. Gallagher & Co.", ["Arthur J. Gallagher"]),
        ("Eli Lilly and Company", ["Eli Lilly"]),
        ("The Walt Disney Company", ["Walt Disney"]),
        ("Mercedes-Benz Group", ["Mercedes-Benz"]),
        ("Porsche SE", ["Porsche"]),
        ("Fresenius SE & Co. KGaA", ["Fresenius"]),
        ("Alphabet Inc. Class A", ["Alphabet"]),
        ("PTC (software company)", ["PTC"]),
        ("Nvidia", []),
        ("HP Inc.", []),  # "HP" is below the minimum length for a shortened name
    ],
)
def test_short_names(name: str, expected: list[str]) -> None:
    assert short_names(name, load_alias_rules()) == expected


@pytest.mark.parametrize(
    ("name", "ticker", "blocked"),
    [
        ("Target Corporation", "TGT", "Target"),
        ("Block, Inc.", "XYZ", "Block"),
        ("Match Group", "MTCH", "Match"),
        ("Ball Corporation", "BALL", "BALL"),
        ("ServiceNow", "NOW", "NOW"),
    ],
)
def test_stoplist_blocks_common_words(name: str, ticker: str, blocked: str) -> None:
    aliases = company_aliases(name, ticker, load_alias_rules())
    assert blocked not in aliases
    assert aliases  # the full listed name stays


@pytest.mark.parametrize(
    ("alias", "genitive"),
    [
        ("Nvidia", "Nvidias"),
        ("Amazon", "Amazons"),
        ("Siemens", None),
        ("SpaceX", None),
        ("Mercedes-Benz", None),
        ("Scout24", None),
        ("Amazon.com", None),
    ],
)
def test_german_genitive(alias: str, genitive: str | None) -> None:
    assert german_genitive(alias, load_alias_rules()) == genitive


# --- matcher on real sentences ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "de",
            "Am Dienstag fiel der Nasdaq Composite um 1,4 % und zog den S&P 500 um 0,8 % "
            "nach unten",
            [("Nasdaq Composite", "index:nasdaq_composite"), ("S&P 500", "index:sp500")],
        ),
        (
            "de",
            "Der fast 3%ige Rückgang von Nvidia erwies sich als besonders einflussreich, was "
            "angeblich Bedenken hinsichtlich der Leistung von Nvidias neuesten KI-Chips "
            "ausgelöst hat.",
            [("Nvidia", NVIDIA), ("Nvidias", NVIDIA)],
        ),
        ("de", "Die Nvidia-Aktie gab nach.", [("Nvidia", NVIDIA)]),
        ("de", "Gold stieg um 6 %.", [("Gold", "commodity:gold")]),
        ("de", "Der Goldpreis kletterte auf ein Rekordhoch.", [("Goldpreis", "commodity:gold")]),
        ("de", "Goldman Sachs hob das Kursziel an.", [("Goldman Sachs", GOLDMAN)]),
        ("de", "Bei Goldman gab es Verluste.", []),
        (
            "de",
            "Silber folgte mit einer kräftigen Erholung von 9 %.",
            [("Silber", "commodity:silver")],
        ),
        (
            "de",
            "So fiel der Bitcoin-Kurs unter 107.000 US-Dollar.",
            [("Bitcoin-Kurs", "crypto:bitcoin")],
        ),
        (
            "de",
            "Im Tech- und KI-Segment ging viel verloren.",
            [("Tech- und KI-Segment", "aggregate:tech_sector")],
        ),
        (
            "de",
            "Das wirkte sich auf den gesamten Kryptomarkt aus.",
            [("Kryptomarkt", "aggregate:crypto_market")],
        ),
        (
            "de",
            "Amazon und Microsoft weiteten ihre jüngsten Verluste aus.",
            [("Amazon", AMAZON), ("Microsoft", MICROSOFT)],
        ),
        (
            "de",
            "Die Einführung eines Tools durch das KI-Unternehmen Anthropic erhöhte den Druck.",
            [("Anthropic", "company:anthropic")],
        ),
        (
            "de",
            "Siemens Energy legte zu, Siemens gab nach.",
            [("Siemens Energy", SIEMENS_ENERGY), ("Siemens", SIEMENS)],
        ),
        (
            "de",
            "Der Leitindex Dax fiel, der MDax stieg.",
            [("Leitindex Dax", "index:dax"), ("MDax", "index:mdax")],
        ),
        ("de", "Der Leitindex schloss im Plus.", []),
        ("de", "VW und BMW legten zu.", [("VW", VOLKSWAGEN), ("BMW", "company:DE0005190003")]),
        ("de", "Der Ölpreis stieg.", [("Ölpreis", "commodity:brent")]),
        (
            "de",
            "In der Euro-Zone stieg die Inflation, der Euro fiel.",
            [("Euro", "currency:eurusd")],
        ),
        ("de", "Der Euro Stoxx 50 gab nach.", [("Euro Stoxx 50", "index:eurostoxx50")]),
        (
            "de",
            "Die Nasdaq 100 schloss höher, Nasdaq tiefer.",
            [("Nasdaq 100", "index:nasdaq100"), ("Nasdaq", "index:nasdaq_composite")],
        ),
        # The MSCI World is an index of the catalog now (unpriced), never the company MSCI Inc.
        ("de", "Der MSCI World stieg.", [("MSCI World", "index:msci_world")]),
        ("de", "Der MSCI-World-Index stieg.", [("MSCI-World-Index", "index:msci_world")]),
        ("de", "Der MSCI Europe fiel.", []),
        (
            "de",
            "Der Wiener Leitindex ATX stieg, der Ibex 35 und der FTSE MIB gaben nach.",
            [
                ("Wiener Leitindex ATX", "index:atx"),
                ("Ibex 35", "index:ibex35"),
                ("FTSE MIB", "index:ftse_mib"),
            ],
        ),
        (
            "de",
            "Der Stoxx 600 und der Euro Stoxx 50 stiegen, der Bovespa fiel.",
            [
                ("Stoxx 600", "index:stoxx600"),
                ("Euro Stoxx 50", "index:eurostoxx50"),
                ("Bovespa", "index:bovespa"),
            ],
        ),
        (
            "de",
            "Die Schwarz-Gruppe und Aldi Süd.",
            [
                ("Schwarz-Gruppe", "company:schwarz_gruppe"),
                ("Aldi Süd", "company:aldi"),
            ],
        ),
        # Names in capitals, as finanzen.net writes them, in German; not for ambiguous aliases.
        (
            "de",
            "HUGO-BOSS-Papiere und QIAGEN stiegen. NEXT WEEK: APPLE PIE.",
            [("HUGO-BOSS", "company:DE000A1PHFF7"), ("QIAGEN", "company:NL0012169213")],
        ),
        ("en", "HUGO BOSS shares fell.", []),
        ("en", "Nvidia shares fell almost 3% on Tuesday.", [("Nvidia", NVIDIA)]),
        # An S&P 500 sector is not the S&P 500, by name or by Reuters code alone.
        (
            "en",
            "The S&P industrials index <.SPLRCI> rose, the S&P 500 fell; staples <.SPLRCS> gained.",
            [
                ("S&P industrials index", "index:sp500_industrials"),
                ("<.SPLRCI>", "index:sp500_industrials"),
                ("S&P 500", "index:sp500"),
                ("<.SPLRCS>", "index:sp500_consumer_staples"),
            ],
        ),
        ("en", "Apple's stock rose 2%.", [("Apple", APPLE)]),
        (
            "en",
            "The S&P 500 and the Dow gained, while S&P Global fell.",
            [
                ("S&P 500", "index:sp500"),
                ("Dow", "index:dow_jones"),
                ("S&P Global", "company:US78409V1044"),
            ],
        ),
        (
            "en",
            # bare "oil" is no alias ("palm oil", "oil output"); "oil prices" and "crude" are
            "Oil prices rose, crude followed and gold slipped; palm oil was flat.",
            [
                ("Oil prices", "commodity:wti"),
                ("crude", "commodity:wti"),
                ("gold", "commodity:gold"),
            ],
        ),
        ("en", "Shares of NVDA and AAPL rallied.", [("NVDA", NVIDIA), ("AAPL", APPLE)]),
        (
            "en",
            "Bitcoin fell below $100,000 as the crypto market slid.",
            [("Bitcoin", "crypto:bitcoin"), ("crypto market", "aggregate:crypto_market")],
        ),
        ("en", "Stocks in the euro zone fell.", []),
        (
            # "S&P/TSX", "S&P/ASX" and "S&P BSE" are not the S&P 500's bare "S&P"
            "en",
            "The S&P/TSX composite index and the S&P/ASX 200 rose; the S&P BSE Sensex fell.",
            [
                ("S&P/TSX composite", "index:sp_tsx"),
                ("S&P/ASX 200", "index:asx200"),
                ("S&P BSE Sensex", "index:sensex"),
            ],
        ),
        (
            "en",
            "Nifty to trade rangebound, Bank Nifty may consolidate.",
            [("Nifty", "index:nifty50")],
        ),
        ("en", "NFTs via Nifty Gateway and on the TSX Venture board.", []),
        (
            "en",
            "The pan-European STOXX 600 fell; the FTSE 250 and the FTSE 100 rose.",
            [
                ("pan-European STOXX 600", "index:stoxx600"),
                ("FTSE 250", "index:ftse250"),
                ("FTSE 100", "index:ftse100"),
            ],
        ),
        ("en", "The ATX motherboard; Austria's ATX fell.", [("Austria's ATX", "index:atx")]),
        (
            "en",
            "ByteDance and Epic Games.",
            [
                ("ByteDance", "company:bytedance"),
                ("Epic Games", "company:epic_games"),
            ],
        ),
        ("de", "Der Kaffeepreis stieg, Kaffee blieb.", [("Kaffeepreis", "commodity:coffee")]),
        ("en", "Tariffs on steel and aluminum hit Alcan Aluminium.", []),
        (
            "de",
            "Die Rendite zehnjähriger Bundesanleihen und die Umlaufrendite stiegen.",
            [
                ("Rendite zehnjähriger Bundesanleihen", "yield:de10y"),
                ("Umlaufrendite", "yield:de_umlaufrendite"),
            ],
        ),
        ("en", "The 10-year Treasury yield rose.", [("10-year Treasury yield", "yield:us10y")]),
        # words that are coins' names link only in their ticker or full form
        ("en", "A stellar Tron sequel and an Avalanche game.", []),
        (
            "en",
            "TRX and Bitcoin Cash fell.",
            [("TRX", "crypto:tron"), ("Bitcoin Cash", "crypto:bitcoin_cash")],
        ),
        ("de", "Pirmin Zurbriggen (SUI) gewann.", []),
    ],
)
def test_matcher_on_sentences(
    catalog: Catalog, lang: str, text: str, expected: list[tuple[str, str]]
) -> None:
    mentions = catalog.matcher(lang).find(text)
    assert [(m.text, m.entity_id) for m in mentions] == expected
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text


def test_matcher_is_case_sensitive(catalog: Catalog) -> None:
    assert _ids(catalog, "de", "apple und nvidia") == []


def test_german_only_aliases_do_not_match_english(catalog: Catalog) -> None:
    assert _ids(catalog, "en", "Der Goldpreis stieg") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nasdaq Composite", ["long"]),  # longest wins at the same start
        ("Nasdaq Compositex", ["short"]),  # the long form does not end at a boundary
        ("xNasdaq", []),
        ("Nasdaq-Index", ["short"]),  # hyphen after is allowed
        ("Nasdaq1", []),
    ],
)
def test_matcher_boundaries(text: str, expected: list[str]) -> None:
    matcher = EntityMatcher({"Nasdaq": "short", "Nasdaq Composite": "long"})
    assert [m.entity_id for m in matcher.find(text)] == expected


def test_empty_matcher_and_text() -> None:
    assert EntityMatcher({}).find("Nvidia") == []
    assert EntityMatcher({"Nvidia": "x"}).find("") == []


# --- extra files and bad data -------------------------------------------------------------------


def test_extra_yaml_adds_and_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        yaml.safe_dump(
            [
                {
                    "id": "company:acme",
                    "name": "Acme",
                    "type": "company",
                    "aliases": {"any": ["Acme"]},
                },
                {
                    "id": "commodity:gold",
                    "name": "Gold (spot)",
                    "type": "commodity",
                    "symbol": "XAUUSD=X",
                    "aliases": {"any": ["Gold"], "de": ["Nvidia"]},
                },
            ]
        ),
        encoding="utf-8",
    )
    catalog = load_catalog(extra)
    assert catalog is not load_catalog()
    assert catalog.get("commodity:gold").symbol == "XAUUSD=X"
    assert len(catalog) == len(load_catalog()) + 1
    # The user's aliases win a shared alias ("Nvidia"); the replaced entity's old ones are gone.
    found = [
        (m.text, m.entity_id) for m in catalog.matcher("de").find("Acme, Nvidia und der Goldpreis")
    ]
    assert found == [("Acme", "company:acme"), ("Nvidia", "commodity:gold")]
    assert "Acmes" in catalog.get("company:acme").aliases["de"]


def test_extra_csv(tmp_path: Path) -> None:
    # The column set before country and listings existed still loads.
    extra = tmp_path / "mine.csv"
    extra.write_text(
        "id,name,type,symbol,isin,exchange,currency,aliases_de,aliases_en,aliases_any\n"
        "index:atx,ATX,index,^ATX,AT0000999982,XWBO,EUR,Wiener Leitindex ATX,,ATX\n",
        encoding="utf-8",
    )
    catalog = load_catalog(extra)
    assert _ids(catalog, "de", "Der Wiener Leitindex ATX stieg") == ["index:atx"]
    assert catalog.get("index:atx").country is None
    assert catalog.get("index:atx").listings == []


def test_extra_csv_with_country_and_listings(tmp_path: Path) -> None:
    extra = tmp_path / "mine.csv"
    extra.write_text(
        "id,name,type,symbol,isin,exchange,currency,country,listings,aliases_any\n"
        "company:AT0000743059,OMV,company,OMV.VI,AT0000743059,XWBO,EUR,AT,OMV.F|OMVKY,OMV\n",
        encoding="utf-8",
    )
    omv = load_catalog(extra).get("company:AT0000743059")
    assert (omv.country, omv.listings) == ("AT", ["OMV.F", "OMVKY"])


def test_extra_csv_bad_listing_is_named(tmp_path: Path) -> None:
    extra = tmp_path / "mine.csv"
    extra.write_text(
        "id,name,type,listings,aliases_any\ncompany:x,X,company,OMV.F|not a symbol,X\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="not a symbol"):
        load_catalog(extra)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {
                "id": "company:x",
                "name": "X",
                "type": "company",
                "isin": "US0378331006",
                "aliases": {"any": ["X"]},
            },
            "check digit",
        ),
        (
            {"id": "index:x", "name": "X", "type": "company", "aliases": {"any": ["X"]}},
            "does not match type",
        ),
        ({"id": "company:x", "name": "X", "type": "firm", "aliases": {"any": ["X"]}}, "type"),
        ({"id": "company:x", "name": "X", "type": "company", "aliases": {"fr": ["X"]}}, "'fr'"),
        ({"id": "company:x", "name": "X", "type": "company", "aliases": {}}, "no alias"),
        ({"id": "company:x", "name": "X", "type": "company", "aliases": {"any": [" X"]}}, "spaces"),
        (
            {
                "id": "company:x",
                "name": "X",
                "type": "company",
                "colour": "red",
                "aliases": {"any": ["X"]},
            },
            "colour",
        ),
    ],
)
def test_bad_entry_names_file_and_entry(tmp_path: Path, entry: dict, message: str) -> None:
    extra = tmp_path / "bad.yaml"
    extra.write_text(yaml.safe_dump([entry]), encoding="utf-8")
    with pytest.raises(CatalogError, match=message) as info:
        load_catalog(extra)
    assert "bad.yaml: entry 0" in str(info.value)


def test_same_rank_alias_conflict_is_an_error() -> None:
    entities = [
        CatalogEntity(id="company:a", name="A", type="company", aliases={"any": ["Same"]}),
        CatalogEntity(id="company:b", name="B", type="company", aliases={"de": ["Same"]}),
    ]
    with pytest.raises(CatalogError, match="'Same'"):
        Catalog(entities).matcher("de")
    assert Catalog(entities).matcher("en").find("Same")[0].entity_id == "company:a"


def test_unsupported_extra_file_type(tmp_path: Path) -> None:
    extra = tmp_path / "mine.json"
    extra.write_text("[]", encoding="utf-8")
    with pytest.raises(CatalogError, match="unsupported"):
        load_catalog(extra)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A Reuters code after the name links too, and replaces the ticker alias inside it.
        (
            "Exxon Mobil Corp <XOM.N> and Apple Inc <AAPL.O> rose.",
            [
                ("Exxon Mobil", "company:US30231G1022"),
                ("<XOM.N>", "company:US30231G1022"),
                ("Apple", APPLE),
                ("<AAPL.O>", APPLE),
            ],
        ),
        # The code alone names the company, whatever the name is written as.
        ("Shares of the Swiss food group <NESN.S> fell.", [("<NESN.S>", "company:CH0038863350")]),
        (
            "Berkshire <BRKb.N> gained.",
            [("Berkshire", "company:US0846707026"), ("<BRKb.N>", "company:US0846707026")],
        ),
        # "(NASDAQ: NVDA)": the ticker is Nvidia, and "NASDAQ" in it is no mention of the index.
        ("The chipmaker (NASDAQ: NVDA) rose.", [("NVDA", NVIDIA)]),
        (
            "SAP (ISIN DE0007164600) fiel.",
            [("SAP", "company:DE0007164600"), ("DE0007164600", "company:DE0007164600")],
        ),  # fmt: skip
        # Codes the catalog does not have, RIC roots unlike the Yahoo ticker and a wrong check
        # digit find nothing: a code is never guessed.
        ("Interroll <INRN.S> and Siemens <SIEGn.DE> fell.", [("Siemens", "company:DE0007236101")]),
        ("ISIN DE0007164601 is no ISIN.", []),
    ],
)
def test_codes_in_text_link_their_company(
    catalog: Catalog, text: str, expected: list[tuple[str, str]]
) -> None:
    mentions = catalog.find(text, "en")
    assert [(m.text, m.entity_id) for m in mentions] == expected
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # German joins a name of several words to its noun with hyphens; the first word alone
        # ("Siemens") is a different company.
        ("Siemens-Energy-Papiere legten zu.", [("Siemens-Energy", "company:DE000ENER6Y0")]),
        ("Die Deutsche-Bank-Aktie fiel.", [("Deutsche-Bank", "company:DE0005140008")]),
        ("Der Hang-Seng-Index stieg.", [("Hang-Seng-Index", "index:hang_seng")]),
        ("Der S&P-500-Index stieg.", [("S&P-500", "index:sp500")]),
    ],
)
def test_german_compounds_of_names_of_several_words(
    catalog: Catalog, text: str, expected: list[tuple[str, str]]
) -> None:
    assert [(m.text, m.entity_id) for m in catalog.find(text, "de")] == expected


def test_new_indices_name_the_calendar_of_their_symbol(catalog: Catalog) -> None:
    # The entity's own exchange wins in calendar_name; it must agree with the symbol table, so a
    # symbol looked up without its entity gets the same trading days.
    from narrate.prices.calendars import _mapping

    table = _mapping()["symbols"]
    for key in ("stoxx600", "ftse250", "ibex35", "ftse_mib", "aex", "atx", "sp_tsx", "asx200"):
        entity = catalog.get(f"index:{key}")
        assert table[entity.symbol] == entity.exchange, key
    for key in ("nifty50", "sensex", "taiex", "bovespa"):
        entity = catalog.get(f"index:{key}")
        assert table[entity.symbol] == entity.exchange, key
    assert catalog.get("index:msci_world").symbol is None  # an ETF is not the index


@pytest.mark.parametrize(
    ("lang", "text", "linked"),
    [
        ("de", "Bosch-Chef Stefan Hartung kündigte Stellenabbau an.", ["company:bosch"]),
        ("de", "Das sagte Hans-Stephan Bosch, der für den Betrieb zuständig ist.", []),
        ("en", "Bosch Q1 net up 26 per cent at Rs 326 crore", []),  # Bosch Ltd, India
        ("en", "Van Helsing returns to the screen.", []),
        ("de", "Das Rüstungs-Start-up Helsing sammelte Milliarden ein.", ["company:helsing"]),
        ("en", "Perplexity is the word for it.", []),
    ],
)
def test_private_names_that_are_surnames_or_words(
    catalog: Catalog, lang: str, text: str, linked: list[str]
) -> None:
    assert [m.entity_id for m in catalog.find(text, lang)] == linked


def test_a_key_given_twice_is_an_error_naming_the_file() -> None:
    text = "- id: index:x\n  name: X\n  type: index\n  aliases:\n    en: [A]\n    en: [B]\n"
    with pytest.raises(CatalogError, match=r"extra\.yaml: not valid YAML: .*duplicate key 'en'"):
        read_entities_yaml(text, "extra.yaml")


def test_reuters_codes_identify_companies_the_catalog_does_not_know(catalog: Catalog) -> None:
    text = (
        "Macy's Inc <M.N> gained 8.1%, Wizz Air <WIZZ.L> fell, shares <RENA.PA> slid, "
        "Siemens AG <SIEGn.DE> rose and Exxon Mobil Corp <XOM.N> fell."
    )
    mentions, coded = catalog.coded(text, catalog.find(text, "en"))
    by_id = {m.entity_id: m.text for m in mentions if m.entity_id.startswith("company:ric:")}
    assert set(coded) == {"company:ric:M.N", "company:ric:WIZZ.L", "company:ric:RENA.PA"}
    assert coded["company:ric:M.N"].name == "Macy's Inc"
    assert (coded["company:ric:M.N"].symbol, coded["company:ric:M.N"].exchange) == ("M", "XNYS")
    wizz = coded["company:ric:WIZZ.L"]
    assert (wizz.name, wizz.symbol, wizz.currency) == ("Wizz Air", "WIZZ.L", "GBp")
    # Paris RIC roots are no Yahoo tickers (RENA.PA is RNO.PA): no symbol, no guess.
    assert coded["company:ric:RENA.PA"].symbol is None
    assert coded["company:ric:RENA.PA"].name == "RENA.PA"  # no capitalised name before it
    assert by_id["company:ric:WIZZ.L"] in ("Wizz Air", "<WIZZ.L>")
    # A code after a name the catalog knows is that name's: Siemens, not a new entity.
    siemens = [m for m in mentions if m.text == "<SIEGn.DE>"]
    assert [m.entity_id for m in siemens] == ["company:DE0007236101"]
    # Ids resolve without the article (verification of saved tables needs only the id).
    assert "company:ric:WIZZ.L" in catalog
    assert catalog.get("company:ric:WIZZ.L").symbol == "WIZZ.L"
    assert catalog.get("company:ric:BRKb.N").symbol == "BRK-B"
    assert "company:ric:ABC.XX" not in catalog
