"""Well-formedness of identifiers in catalog data: ISINs, Yahoo symbols, entity ids."""

from __future__ import annotations

import re

_ISIN = re.compile(r"[A-Z]{2}[A-Z0-9]{9}[0-9]")
# Yahoo symbols seen in the catalog: "NVDA", "BRK.B", "SAP.DE", "^GSPC", "GC=F", "BTC-USD",
# "EURUSD=X", "DX-Y.NYB".
_SYMBOL = re.compile(r"\^?[A-Z0-9][A-Z0-9.\-]*(?:=[A-Z])?")
_ENTITY_ID = re.compile(r"(?P<type>[a-z]+):[A-Za-z0-9_.\-]+")


def isin_is_valid(isin: str) -> bool:
    """True for a 12-character ISIN whose check digit is right (ISO 6166, Luhn over digits).

    Letters count as two digits (A=10 ... Z=35), so the check also catches swapped letters.
    """
    if not _ISIN.fullmatch(isin):
        return False
    digits = "".join(str(int(char, 36)) for char in isin[:-1])
    total = 0
    # Luhn from the right, the check digit excluded, so the rightmost payload digit is doubled.
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10 == int(isin[-1])


def symbol_is_valid(symbol: str) -> bool:
    """True for a Yahoo Finance symbol in the shapes the catalog uses."""
    return bool(_SYMBOL.fullmatch(symbol))


def entity_id_type(entity_id: str) -> str | None:
    """The type prefix of a well-formed id ("index:dax" -> "index"), or None if malformed."""
    match = _ENTITY_ID.fullmatch(entity_id)
    return match.group("type") if match else None
