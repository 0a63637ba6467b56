"""Write catalog/data/companies.csv from pytickersymbols (run by hand; the output is committed).

Usage:
    .venv/bin/python scripts/build_catalog.py [--out PATH]

Companies of the DAX, MDAX, SDAX, TecDAX, S&P 500, NASDAQ 100, Dow Jones, EURO STOXX 50, CAC 40,
FTSE 100, SMI (pytickersymbols' "Switzerland 20"), Nikkei 225, AEX, BEL 20, CAC Mid 60, IBEX 35,
OMX Helsinki 25 and OMX Stockholm 30 are merged by ISIN (by symbol when the source has none), given
their home listing's Yahoo symbol, exchange and currency, generated aliases (catalog/aliases.py),
and written sorted by id, so two runs on the same pytickersymbols version give byte-identical
files. Known errors of the source are corrected in SOURCE_FIXES / SOURCE_DROPS (an ISIN only where
the source itself holds the right one). Needs the dev extra (pytickersymbols).

Left out: pytickersymbols' S&P 600 (small caps whose names and tickers are common words:
"Shutterstock" photo credits, "City", "Universal", "YOU", "AIR"; over the shared news it added
about 14 right and 24 wrong move events and lost 10 right ones) and S&P 100 (a subset of the
S&P 500).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pytickersymbols import PyTickerSymbols

from narrate.catalog.aliases import AliasRules, company_aliases, load_alias_rules
from narrate.catalog.codes import isin_is_valid, symbol_is_valid

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src/narrate/catalog/data/companies.csv"
COLUMNS = (
    "id",
    "name",
    "type",
    "symbol",
    "isin",
    "exchange",
    "currency",
    "country",
    "listings",
    "aliases_de",
    "aliases_en",
    "aliases_any",
)

# Indices as pytickersymbols names them, in priority order: a company in several indices takes
# its symbol, exchange and currency from the first. German indices come first so that DAX members
# keep their Xetra quote (Airbus is AIR.DE, not AIR.PA), then the US as before, then the others.
GERMAN_INDICES = ("DAX", "MDAX", "SDAX", "TecDAX")
US_INDICES = ("S&P 500", "NASDAQ 100", "DOW JONES")
OTHER_INDICES = ("EURO STOXX 50", "CAC_40", "FTSE 100", "Switzerland 20", "NIKKEI 225")
# Added later, after all of the above, so that a company already in the catalog keeps its home
# listing (ASML stays on the Nasdaq, Nordea takes Helsinki before Stockholm).
MORE_EUROPEAN_INDICES = (
    "AEX",
    "BEL 20",
    "CAC Mid 60",
    "IBEX 35",
    "OMX Helsinki 25",
    "OMX Stockholm 30",
)
INDICES = (*GERMAN_INDICES, *US_INDICES, *OTHER_INDICES, *MORE_EUROPEAN_INDICES)

# Yahoo suffix of the home listing -> (exchange calendar, quote currency). Yahoo quotes London
# shares in pence: "GBp" keeps a level claim in pounds from being checked against a price in pence
# (verify.py reports it as currency_mismatch).
SUFFIXES = {
    ".DE": ("XETR", "EUR"),
    ".PA": ("XPAR", "EUR"),
    ".AS": ("XAMS", "EUR"),
    ".MC": ("XMAD", "EUR"),
    ".MI": ("XMIL", "EUR"),
    ".BR": ("XBRU", "EUR"),
    ".HE": ("XHEL", "EUR"),
    ".IR": ("XDUB", "EUR"),
    ".L": ("XLON", "GBp"),
    ".ST": ("XSTO", "SEK"),
    ".SW": ("XSWX", "CHF"),
    ".T": ("XTKS", "JPY"),
}
US_EXCHANGES = ("XNYS", "XNAS")

# Known errors in pytickersymbols 1.17, keyed by the source's symbol, by its name (where the
# symbol is missing or names two companies) or by "<index>: <symbol>" (where the name is shared
# too). Each fix says what is wrong. "quotes": "drop" discards the source's other Yahoo symbols of
# the row, which belong to another company.
SOURCE_FIXES: dict[str, dict[str, str]] = {
    # Symbol given as "AIR.PA.DE"; the Xetra listing is AIR.DE.
    "AIR.PA.DE": {"symbol": "AIR.DE"},
    # No ISIN in the source (Deutsche Post AG, now DHL Group).
    "DHL.DE": {"isin": "DE0005552004"},
    # The source lists ordinary-share ISINs first, but the symbol is the preference share.
    "VOW3.DE": {"isin": "DE0007664039"},
    "HEN3.DE": {"isin": "DE0006048432"},
    "SRT3.DE": {"isin": "DE0007165631"},
    # Symbol FRE (Fresenius SE) on the MDAX row of Fresenius Medical Care, whose ticker is FME.
    "Fresenius Medical Care": {"symbol": "FME.DE"},
    # MDAX row of Stabilus with STMicroelectronics' ISIN and quotes.
    "STM.DE": {"name": "Stabilus", "isin": "DE000STAB1L8", "quotes": "drop"},
    # Deutsche Telekom's quotes are Rostelecom's (RTL.F, ROSYY, RTKM.ME).
    "DTE.DE": {"quotes": "drop"},
    # Befesa S.A. is registered in Luxembourg; ES0105200002 is not its ISIN.
    "Befesa": {"symbol": "BFSA", "isin": "LU1704650164"},
    # First ISINs are the pre-merger companies' (Delhaize, the old AB InBev); the second is listed.
    "AD.AS": {"isin": "NL0011794037"},
    "ABI.BR": {"isin": "BE0974293251"},
    # The Euro Stoxx 50 holds Volkswagen's preference share (VOW3), as the DAX does.
    "VOW.DE": {"symbol": "VOW3.DE", "isin": "DE0007664039"},
    # SDAX symbols that are London IOB codes; the Xetra ticker is the Frankfurt (.F) one.
    "0N5I": {"symbol": "ADN1"},
    "0E9V": {"symbol": "EKT"},
    "0O2W": {"symbol": "GFT"},
    "0NWC": {"symbol": "YSN"},
    # SDAX members without a symbol in the source (keyed by name): their Xetra tickers, and the
    # ISIN where the source has none either.
    "ADVA Optical Networking": {"symbol": "ADV"},
    "Alzchem Group": {"symbol": "ACT", "isin": "DE000A2YNT30"},
    "Borussia Dortmund": {"symbol": "BVB", "isin": "DE0005493092"},
    "Deutsche Beteiligungs AG": {"symbol": "DBAN"},
    "Deutsche EuroShop": {"symbol": "DEQ"},
    # The listed name is Douglas AG; "Douglas" alone is a first name (stop_aliases.yaml).
    "Douglas": {"name": "Douglas AG", "symbol": "DOU", "isin": "DE000BEAU1Y4"},
    "Elmos Semiconductor": {"symbol": "ELG"},
    "Formycon": {"symbol": "FYB", "isin": "DE000A1EWVY8"},
    "Hypoport": {"symbol": "HYQ"},
    "Kontron": {"symbol": "KTN"},
    "KSB SE & Co. KGaA": {"symbol": "KSB3"},  # the ISIN given is the preference share's
    "LPKF Laser Electronics": {"symbol": "LPK", "isin": "DE0006450000"},
    "MBB SE": {"symbol": "MBB"},
    "Medios": {"symbol": "ILM1", "isin": "DE000A1MMCC8"},
    "MLP SE": {"symbol": "MLP"},
    "Mutares": {"symbol": "MUX"},
    "ProCredit Bank": {"name": "ProCredit Holding", "symbol": "PCZ", "isin": "DE0006223407"},
    "Schott Pharma": {"symbol": "1SXP"},
    "SFC Energy": {"symbol": "F3C"},
    "Springer Nature": {"symbol": "SPG"},
    "Stabilus": {"symbol": "STM", "isin": "DE000STAB1L8"},
    "Suss Microtec": {"symbol": "SMHN"},
    "Verve Group": {"symbol": "M8G"},
    "Vossloh AG": {"symbol": "VOS"},
    "Wüstenrot & Württembergische": {"symbol": "WUW"},
    # The ISIN given is Hornbach Baumarkt's, delisted in 2022; the listed SDAX member is the
    # holding, HBH.
    "Hornbach (retailer)": {"name": "Hornbach Holding", "symbol": "HBH", "isin": "DE0006083405"},
    # Listed under Stabilus' name, but symbol and ISIN are STMicroelectronics'.
    "STMPA.PA": {"name": "STMicroelectronics"},
    # Listed by short names that are common words (stop_aliases.yaml): Suzuki Motor, Recruit
    # Holdings.
    "7269.T": {"name": "Suzuki Motor"},
    "6098.T": {"name": "Recruit Holdings"},
    # Former name; the company is Stratec SE, which news call "Stratec".
    "SBS": {"name": "Stratec SE"},
    # 7186.T is listed twice, once under the former name of Yokohama Financial Group.
    "Bank of Yokohama": {"name": "Yokohama Financial Group"},
    # No ISIN in the source.
    "EDEN.PA": {"isin": "FR0010908533"},
    "ERF.PA": {"isin": "FR0014000MR3"},
    "LSEG.L": {"isin": "GB00B0SWJX34"},
    "JD.L": {"isin": "GB00BM8Q5M07"},
    "AAF.L": {"isin": "GB00BKDRYJ47"},
    # Listed as "Apollo Commercial Real Estate Finance", a different company; APO is Apollo Global.
    "APO": {"name": "Apollo Global Management"},
    # AEX, BEL 20, IBEX 35, OMX Helsinki 25, OMX Stockholm 30. Source names with a share-class
    # letter glued on or a disambiguation note that is not the company's name.
    "KALMAR.HE": {"name": "Kalmar"},
    "INDU-C.ST": {"name": "Industrivärden"},
    "LIFCO-B.ST": {"name": "Lifco"},
    "ARGX.BR": {"name": "argenx"},
    "METSO.HE": {"name": "Metso"},
    # The last two quotes (OEC, 0OE.F) are Orion Engineered Carbons', another company.
    "ORNBV.HE": {"name": "Orion Corporation", "quotes": "drop"},
    # Names as the companies write them (and news with them): the listed company, not a unit.
    "HEIA.AS": {"name": "Heineken"},
    "RAND.AS": {"name": "Randstad"},
    "KBC.BR": {"name": "KBC Group"},
    "ELI.BR": {"name": "Elia Group"},
    "AENA.MC": {"name": "Aena"},
    "RED.MC": {"name": "Redeia"},
    # Short names that are also a first name, a pollster, a surname or another company's brand
    # (stop_aliases.yaml, ambiguous.yaml): the full names.
    "ELISA.HE": {"name": "Elisa Oyj"},
    "SCA-B.ST": {"name": "Svenska Cellulosa"},  # "SCA" is also a French legal form ("Rubis SCA")
    "VOLV-B.ST": {"name": "AB Volvo"},
    "Ipsos": {"name": "Ipsos SA", "symbol": "IPS.PA"},
    # The symbol is a B, C or R share, but the source lists the A share's ISIN first; the ISIN
    # given is the source's own second one.
    "ERIC-B.ST": {"isin": "SE0000108656"},
    "ESSITY-B.ST": {"isin": "SE0009922164"},
    "INVE-B.ST": {"isin": "SE0000107419"},
    "SKF-B.ST": {"isin": "SE0000108227"},
    "HEXA-B.ST": {"isin": "SE0015961909"},
    "SEB-A.ST": {"isin": "SE0000148884"},
    "KNEBV.HE": {"isin": "FI0009013403"},
    # Madrid members with Helsinki quotes (ROVI.HE, SLR.HE) that do not exist.
    "ROVI.MC": {"quotes": "drop"},
    "SLR.MC": {"quotes": "drop"},
    # CAC Mid 60: the source gives Frankfurt or OTC codes (or nothing) instead of the Euronext
    # Paris symbol; its ISINs are kept. Keyed by name, since the bare codes ("TE", "BB") could be
    # another index's tickers.
    "ALTEN": {"symbol": "ATE.PA"},
    "Aperam": {"symbol": "APAM.AS"},
    "BIC Group": {"symbol": "BB.PA"},
    "Bolloré": {"symbol": "BOL.PA"},
    "Carmila": {"symbol": "CARM.PA"},
    "Clariane": {"symbol": "CLARI.PA"},
    "Covivio": {"symbol": "COV.PA"},
    "Dassault Aviation": {"symbol": "AM.PA"},
    "Elior Group": {"symbol": "ELIOR.PA"},
    "Elis": {"symbol": "ELIS.PA"},
    "Eramet": {"symbol": "ERA.PA"},
    "Eurazeo": {"symbol": "RF.PA"},
    "Icade": {"symbol": "ICAD.PA"},
    "Imerys": {"symbol": "NK.PA"},
    "Interparfums": {"symbol": "ITP.PA"},
    "Ipsen Group": {"symbol": "IPN.PA"},
    "JCDecaux": {"symbol": "DEC.PA"},
    "Mercialys": {"symbol": "MERY.PA"},
    "Neoen": {"symbol": "NEOEN.PA"},
    "Nexity": {"symbol": "NXI.PA"},
    "OPmobility": {"symbol": "OPM.PA"},
    "Rubis SCA": {"symbol": "RUI.PA"},
    "Soitec": {"symbol": "SOI.PA"},
    "Sopra Steria": {"symbol": "SOP.PA"},
    "Technip Energies": {"symbol": "TE.PA"},
    "TF1": {"symbol": "TFI.PA"},
    "Trigano": {"symbol": "TRI.PA"},
    "Vallourec": {"symbol": "VK.PA"},
    "Valneva": {"symbol": "VLA.PA"},
    "Virbac": {"symbol": "VIRP.PA"},
    "Viridien": {"symbol": "VIRI.PA"},
    "Vivendi": {"symbol": "VIV.PA"},
    "Wendel (Beteiligungsgesellschaft)": {"name": "Wendel SE", "symbol": "MF.PA"},
    "Air France-KLM": {"symbol": "AF.PA"},
    "Atos SE": {"symbol": "ATO.PA"},
    # Renamed Ayvens in 2023 (the source's own metadata says "Euronext Paris : AYV").
    "ALD Automotive": {"name": "Ayvens", "symbol": "AYV.PA"},
    "Coface": {"symbol": "COFA.PA"},
    "Derichebourg": {"symbol": "DBG.PA"},
    "Forvia": {"symbol": "FRVIA.PA"},
    "Mersen": {"symbol": "MRN.PA"},
    "Pluxee": {"symbol": "PLX.PA"},
    "Rémy Cointreau": {"symbol": "RCO.PA"},
    "Robertet": {"symbol": "RBT.PA"},
    "Ubisoft": {"symbol": "UBI.PA"},
    "Vicat": {"symbol": "VCT.PA"},
    "VusionGroup": {"symbol": "VU.PA"},
    "Argan": {"name": "Argan SA", "symbol": "ARG.PA"},  # "Argan" alone is argan oil
    "Bénéteau": {"symbol": "BEN.PA"},
    "Esso S.A.F.": {"symbol": "ES.PA"},
    "Maurel et Prom": {"symbol": "MAU.PA"},
    "Medincell": {"symbol": "MEDCL.PA"},
    "Métropole Télévision": {"symbol": "MMT.PA"},
    "Planisware": {"symbol": "PLNW.PA"},
    "ID Logistics": {"symbol": "IDL.PA"},
    # The source's ISIN (DE0006851603) is not Verallia's, a French company; none is given.
    "Verallia": {"symbol": "VRLA.PA", "isin": ""},
    # Row "ABB" with ABB's quotes, but its website and Wikipedia page are Groupe SEB's, whose ISIN
    # is the source's second one. Keyed by index too: ABB's own rows have the same name.
    "CAC Mid 60: ABB": {
        "name": "Groupe SEB",
        "symbol": "SK.PA",
        "isin": "FR0000121709",
        "quotes": "drop",
    },
    # FTSE 100 row of Smiths Group (SMIN.L, GB00B1WY2338) under the name of SES S.A.
    "SMIN.L": {"name": "Smiths Group"},
    # Row "SES S.A." with Smiths Group's symbol, first ISIN and quotes; SES's ISIN is the second.
    "SMIN": {"symbol": "SESG.PA", "isin": "LU0088087324", "quotes": "drop"},
}

# Rows whose data belongs to another company entirely (same ISIN and name as a different row).
SOURCE_DROPS = {
    "AIZ",  # Assurant, listed with Arthur J. Gallagher's name and ISIN
    # CAC Mid 60 row of Orpea, renamed Emeis after its 2024 restructuring; the source's symbol is
    # a Frankfurt code and its ISIN the pre-restructuring one.
    "ORP",
    # Française des Jeux: renamed FDJ United in 2025 and its Paris symbol changed with it; the
    # source gives none.
    "Française des Jeux (Lotterie)",
}

# Index members the source lacks entirely, in its own record shape.
SOURCE_ADDITIONS: dict[str, list[dict]] = {
    "DAX": [
        {"name": "Porsche AG", "symbol": "P911.DE", "isins": ["DE000PAG9113"]},
        {"name": "Covestro", "symbol": "1COV.DE", "isins": ["DE0006062144"]},
    ],
    "SDAX": [
        {"name": "Verbio", "symbol": "VBK", "isins": ["DE000A0JL9W6"]},
    ],
}


@dataclass
class Company:
    name: str
    symbol: str
    exchange: str
    currency: str
    isin: str | None
    indices: set[str] = field(default_factory=set)
    quotes: set[str] = field(default_factory=set)  # every Yahoo symbol the source gives

    @property
    def id(self) -> str:
        return f"company:{self.isin or self.symbol}"

    @property
    def us_ticker(self) -> str | None:
        """The plain ticker of a US listing, which news write as a name ("NVDA"); else None."""
        return self.symbol if self.exchange in US_EXCHANGES else None

    @property
    def country(self) -> str | None:
        """Where the issuer is registered: the ISIN's country prefix."""
        return self.isin[:2] if self.isin else None

    @property
    def listings(self) -> list[str]:
        return sorted(quote for quote in self.quotes - {self.symbol} if symbol_is_valid(quote))


def _xetra_symbol(symbol: str) -> str:
    """German index members get their Xetra (.DE) Yahoo symbol, whatever suffix the source has."""
    return symbol.split(".")[0] + ".DE"


def _suffix(symbol: str) -> str:
    return "." + symbol.split(".", 1)[1] if "." in symbol else ""


def _first_valid_isin(isins: list[str] | None) -> str | None:
    for isin in isins or []:
        if isin_is_valid(isin):
            return isin
    return None


def _is_nasdaq_quoted(stock: dict) -> bool:
    return any(
        (quote.get("google") or "").startswith("NASDAQ:") for quote in stock.get("symbols", [])
    )


def _home_listing(index: str, symbol: str, stock: dict) -> tuple[str, str, str]:
    """(Yahoo symbol, exchange calendar, currency) of a member's home listing."""
    if index in GERMAN_INDICES:
        return _xetra_symbol(symbol), "XETR", "EUR"
    if index in US_INDICES:
        us_exchange = "XNAS" if index == "NASDAQ 100" or _is_nasdaq_quoted(stock) else "XNYS"
        return symbol, us_exchange, "USD"
    try:
        exchange, currency = SUFFIXES[_suffix(symbol)]
    except KeyError:
        raise SystemExit(f"{index}: no exchange known for the suffix of {symbol!r}") from None
    return symbol, exchange, currency


def _members(source: PyTickerSymbols, index: str) -> list[dict]:
    return [*source.get_stocks_by_index(index), *SOURCE_ADDITIONS.get(index, [])]


def collect(source: PyTickerSymbols) -> list[Company]:
    """Companies of the configured indices, merged by ISIN (or by home symbol without one)."""
    by_key: dict[str, Company] = {}
    for index in INDICES:
        for stock in _members(source, index):
            if stock.get("symbol") in SOURCE_DROPS or stock["name"] in SOURCE_DROPS:
                continue
            fix = {
                **SOURCE_FIXES.get(stock.get("symbol") or "", {}),
                **SOURCE_FIXES.get(stock["name"], {}),
                **SOURCE_FIXES.get(f"{index}: {stock.get('symbol')}", {}),
            }
            symbol = fix.get("symbol", stock.get("symbol"))
            if not symbol:
                print(
                    f"{index}: skipped {stock['name']!r}, the source has no symbol", file=sys.stderr
                )
                continue
            # An empty "isin" in a fix discards a wrong one without inventing a replacement.
            isin = fix["isin"] or None if "isin" in fix else _first_valid_isin(stock.get("isins"))
            name = fix.get("name", stock["name"])
            home = _home_listing(index, symbol, stock)
            quotes = {home[0]}
            if fix.get("quotes") != "drop":
                quotes |= {quote.get("yahoo") or "" for quote in stock.get("symbols", [])}
            key = isin or f"symbol:{home[0]}"
            known = by_key.get(key)
            if known is None:
                known = by_key[key] = Company(name, *home, isin)
            elif index == "NASDAQ 100" and known.exchange == "XNYS":
                known.exchange = "XNAS"
            known.indices.add(index)
            known.quotes |= quotes - {""}
    return sorted(by_key.values(), key=lambda company: company.id)


def with_aliases(companies: list[Company], rules: AliasRules) -> list[tuple[Company, list[str]]]:
    """Generated aliases per company; an alias generated for two companies is dropped from both.

    A shared generated alias cannot be resolved without context; curated files
    (company_aliases.yaml) assign such names explicitly, per language if need be.
    """
    generated = [
        (company, company_aliases(company.name, company.us_ticker, rules)) for company in companies
    ]
    owners: dict[str, set[str]] = defaultdict(set)
    for company, aliases in generated:
        for alias in aliases:
            owners[alias].add(company.id)
    shared = {alias for alias, ids in owners.items() if len(ids) > 1}
    for alias in sorted(shared):
        print(f"dropped shared alias {alias!r}: {sorted(owners[alias])}", file=sys.stderr)
    result = []
    for company, aliases in generated:
        kept = [alias for alias in aliases if alias not in shared]
        if not kept:
            raise SystemExit(f"{company.id} ({company.name}) has no alias left")
        result.append((company, kept))
    return result


def write_csv(rows: list[tuple[Company, list[str]]], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for company, aliases in rows:
            writer.writerow(
                [
                    company.id,
                    company.name,
                    "company",
                    company.symbol,
                    company.isin or "",
                    company.exchange,
                    company.currency,
                    company.country or "",
                    "|".join(company.listings),
                    "",  # German inflections are added by the loader for every company
                    "",
                    "|".join(aliases),
                ]
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    companies = collect(PyTickerSymbols())
    rows = with_aliases(companies, load_alias_rules())
    write_csv(rows, args.out)
    print(f"wrote {len(rows)} companies to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
