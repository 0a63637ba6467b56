"""Write catalog/data/companies.csv from pytickersymbols (run by hand; the output is committed).

Usage:
    .venv/bin/python scripts/build_catalog.py [--out PATH]

Companies of the DAX, S&P 500 and NASDAQ 100 are merged by ISIN (by name when the source has
none), given generated aliases (catalog/aliases.py) and written sorted by id, so two runs on the
same pytickersymbols version give byte-identical files. Needs the dev extra (pytickersymbols).
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
from narrate.catalog.codes import isin_is_valid

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src/narrate/catalog/data/companies.csv"
COLUMNS = (
    "id",
    "name",
    "type",
    "symbol",
    "isin",
    "exchange",
    "currency",
    "aliases_de",
    "aliases_en",
    "aliases_any",
)

# Index name in pytickersymbols -> (exchange calendar, currency) as a best guess for its members.
# NASDAQ 100 membership is the best signal for a Nasdaq listing; other US names default to NYSE
# unless the source lists a Nasdaq quote (both calendars are the same trading days anyway).
INDICES = {
    "DAX": ("XETR", "EUR"),
    "S&P 500": ("XNYS", "USD"),
    "NASDAQ 100": ("XNAS", "USD"),
}

# Known errors in pytickersymbols 1.17, keyed by the source's symbol. Each fix says what is wrong.
SOURCE_FIXES: dict[str, dict[str, str]] = {
    # Symbol given as "AIR.PA.DE"; the Xetra listing is AIR.DE.
    "AIR.PA.DE": {"symbol": "AIR.DE"},
    # No ISIN in the source (Deutsche Post AG, now DHL Group).
    "DHL.DE": {"isin": "DE0005552004"},
    # The source lists ordinary-share ISINs first, but the symbol is the preference share.
    "VOW3.DE": {"isin": "DE0007664039"},
    "HEN3.DE": {"isin": "DE0006048432"},
    # Listed as "Apollo Commercial Real Estate Finance", a different company; APO is Apollo Global.
    "APO": {"name": "Apollo Global Management"},
}

# Rows whose data belongs to another company entirely (same ISIN and name as a different row).
SOURCE_DROPS = {
    "AIZ",  # Assurant, listed with Arthur J. Gallagher's name and ISIN
}


@dataclass
class Company:
    name: str
    symbol: str
    isin: str | None
    exchange: str
    currency: str
    indices: set[str] = field(default_factory=set)

    @property
    def id(self) -> str:
        return f"company:{self.isin or self.symbol}"

    @property
    def us_ticker(self) -> str | None:
        return None if self.exchange == "XETR" else self.symbol


def _xetra_symbol(symbol: str) -> str:
    """DAX members get their Xetra (.DE) Yahoo symbol, whatever suffix the source carries."""
    return symbol.split(".")[0] + ".DE"


def _first_valid_isin(isins: list[str] | None) -> str | None:
    for isin in isins or []:
        if isin_is_valid(isin):
            return isin
    return None


def _is_nasdaq_quoted(stock: dict) -> bool:
    return any(
        (quote.get("google") or "").startswith("NASDAQ:") for quote in stock.get("symbols", [])
    )


def collect(source: PyTickerSymbols) -> list[Company]:
    """Companies of the configured indices, merged by ISIN (or by name without one)."""
    by_key: dict[str, Company] = {}
    for index, (exchange, currency) in INDICES.items():
        for stock in source.get_stocks_by_index(index):
            raw_symbol = stock["symbol"]
            if raw_symbol in SOURCE_DROPS:
                continue
            fix = SOURCE_FIXES.get(raw_symbol, {})
            symbol = fix.get("symbol", raw_symbol)
            if exchange == "XETR":
                symbol = _xetra_symbol(symbol)
            isin = fix.get("isin") or _first_valid_isin(stock.get("isins"))
            name = fix.get("name", stock["name"])
            company_exchange = exchange
            if exchange == "XNYS" and _is_nasdaq_quoted(stock):
                company_exchange = "XNAS"
            key = isin or f"name:{name}"
            known = by_key.get(key)
            if known is None:
                by_key[key] = Company(name, symbol, isin, company_exchange, currency, {index})
            else:
                known.indices.add(index)
                if index == "NASDAQ 100":
                    known.exchange = "XNAS"
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
