"""Peer suites for numbers, percents and currencies: one pytest case per peer case.

Peers (read from ../shared/data/text, never copied here; MIT, see ../shared/data/SOURCES.md):
Microsoft Recognizers-Text German and English Number, Percent and Currency spec files, and
quantulum3's quantity and error cases. quantulum3's en_US_quantities.ambiguity.json is not used
(it tests telling physical units apart: pound-mass vs sterling, barn vs bit, Celsius vs coulomb,
which narrate does not attempt), nor en_US_expand.json (it turns numbers into words, the inverse
of extraction).

How a case is scored (`_case_passes`):

- Every expected result must be matched by one quantity from `find_quantities` whose span
  overlaps the expected span (peer Start/End are inclusive) and whose value equals the expected
  value (relative tolerance 1e-6, since the peer rounds fractions to 15 digits). Extra numbers
  narrate finds do not count against a case.
- Signs are compared as magnitudes: narrate leaves "-", "minus", "negative" in the text for the
  moves module to read as a direction ("-2,3 %" is 2.3 with the sign before the span).
- Number model: any unit; any role but "date_part" (a day of month is not the number 5 in
  "5/17/2018"). Percent model: unit "%" or "pp" (the peer does not tell percentage points
  apart). Currency model: unit "currency", the ISO code the peer unit name maps to
  (`PEER_CURRENCIES`) and the value in that currency's main unit (50 cents -> 0.5 USD).
- An expected result without a value ("try the Dollar", "a small percent") passes when narrate
  reads no number there. A case with no results at all passes when narrate finds no amount in
  it (years, ordinals, dates and numbers spelled out as prose may still be found: they are not
  amounts).
- quantulum3 measures physical units narrate does not know: a number with a physical unit is
  scored as a plain number; "pound sterling", "dollar", "euro", "cent", "penny" as currencies and
  "percentage" as percent. quantulum3 reads a range as its mean ("3 to 4 L" -> 3.5): narrate
  keeps both ends, so a range passes when the mean of the first and last quantity in its span
  equals the expected value. en_US_errors.json holds inputs that once crashed quantulum3: they
  pass when narrate returns well-formed quantities (spans inside the text, in order).

Out-of-scope cases are listed with a reason in tests/peer/out_of_scope.yaml; in-scope cases that
narrate still gets wrong in tests/peer/known_failures.yaml (xfail, strict).

Print the rates: python -m pytest -q -s tests/test_peer_numbers.py -k rate
"""

from __future__ import annotations

import math

import pytest

from narrate.extractors.numbers import find_quantities
from peer_scope import (
    case_ids,
    check_scope_share,
    load_cases,
    mark_known_failure,
    out_of_scope,
    skip_if_out_of_scope,
)

RT = "recognizers_text/"
Q3 = "quantulum3/"

# file name -> (folder, language, peer model kind, case count when the data is absent)
PEER_FILES = {
    "Number_German_NumberModel.json": (RT, "de", "number", 55),
    "Number_English_NumberModel.json": (RT, "en", "number", 235),
    "Number_German_PercentModel.json": (RT, "de", "percent", 15),
    "Number_English_PercentModel.json": (RT, "en", "percent", 20),
    "NumberWithUnit_German_CurrencyModel.json": (RT, "de", "currency", 39),
    "NumberWithUnit_English_CurrencyModel.json": (RT, "en", "currency", 180),
    "en_US_quantities.json": (Q3, "en", "quantulum", 101),
    "en_US_errors.json": (Q3, "en", "errors", 4),
}

# In-scope pass rate per file, measured and rounded down to 3 decimals. Floors are raised as
# accuracy improves and never lowered silently.
PEER_NUMBER_FLOORS = {
    "Number_German_NumberModel.json": 1.0,
    "Number_English_NumberModel.json": 0.959,
    "Number_German_PercentModel.json": 1.0,
    "Number_English_PercentModel.json": 1.0,
    "NumberWithUnit_German_CurrencyModel.json": 0.972,
    "NumberWithUnit_English_CurrencyModel.json": 0.964,
    "en_US_quantities.json": 0.871,
    "en_US_errors.json": 1.0,
}

# The project's goal is >= 95 % of in-scope cases per file. Files listed here do not reach it
# yet; their goal test is an xfail (strict), so reaching the goal fails the run until the entry
# is removed.
PEER_GOAL = 0.95
_BELOW = "below 95 % in scope; the failures are listed in tests/peer/known_failures.yaml"
GOAL_NOT_MET: dict[str, str] = {
    "en_US_quantities.json": _BELOW,
}

# Peer unit names -> (ISO code, factor to the main unit). Units outside this map count as
# failures unless the case is listed as out of scope.
PEER_CURRENCIES = {
    "Dollar": ("USD", 1),
    "United States dollar": ("USD", 1),
    "Euro": ("EUR", 1),
    "Pound": ("GBP", 1),
    "British pound": ("GBP", 1),
    "Japanese yen": ("JPY", 1),
    "Chinese yuan": ("CNY", 1),
    "Swiss franc": ("CHF", 1),
    "Franc": ("CHF", 1),
    "Canadian dollar": ("CAD", 1),
    "Australian dollar": ("AUD", 1),
    "Hong Kong dollar": ("HKD", 1),
    "Indian rupee": ("INR", 1),
    "Rupee": ("INR", 1),
    "Mexican peso": ("MXN", 1),
    "New Zealand dollar": ("NZD", 1),
    "Turkish lira": ("TRY", 1),
    "Bitcoin": ("BTC", 1),
    "Cent": ("USD", 0.01),
    "Pence": ("GBP", 0.01),
    "Penny": ("GBP", 0.01),
}

# quantulum3 unit names narrate reads as money or percent; every other unit is a plain number.
Q3_UNITS = {
    "dollar": ("currency", "USD", 1),
    "euro": ("currency", "EUR", 1),
    "pound sterling": ("currency", "GBP", 1),
    "cent": ("currency", "USD", 0.01),
    "penny": ("currency", "GBP", 0.01),
    "percentage": ("%", None, 1),
}

_RANGE_WORDS = (" to ", "-", "–", "between ")


def _close(got: float, want: float) -> bool:
    return math.isclose(abs(got), abs(want), rel_tol=1e-6, abs_tol=1e-9)


def _rt_result_passes(result: dict, quantities, kind: str) -> bool:
    start, end = result["Start"], result["End"] + 1
    here = [q for q in quantities if q.start < end and start < q.end]
    resolution = result["Resolution"]
    raw = resolution.get("value")
    if raw in (None, "null"):
        return not any(q.role == "amount" for q in here)
    want = float(raw.rstrip("%").replace(",", "."))
    if kind == "number":
        return any(q.role != "date_part" and _close(q.value, want) for q in here)
    if kind == "percent":
        return any(q.unit in ("%", "pp") and _close(q.value, want) for q in here)
    if resolution.get("unit") not in PEER_CURRENCIES:
        return False
    code, factor = PEER_CURRENCIES[resolution["unit"]]
    return any(
        q.unit == "currency" and q.currency == code and _close(q.value, want * factor) for q in here
    )


def _q3_result_passes(result: dict, text: str, quantities) -> bool:
    surface = result["surface"]
    start = text.find(surface)
    assert start >= 0, f"quantulum3 surface {surface!r} not in {text!r}"
    end = start + len(surface)
    here = [q for q in quantities if q.start < end and start < q.end]
    unit, code, factor = Q3_UNITS.get(result["unit"], ("number", None, 1))
    want = float(result["value"]) * factor
    if unit == "currency":
        here = [q for q in here if q.unit == "currency" and q.currency == code]
    elif unit == "%":
        here = [q for q in here if q.unit in ("%", "pp")]
    if any(_close(q.value, want) for q in here):
        return True
    if len(here) >= 2 and any(w in surface for w in _RANGE_WORDS):
        return _close((here[0].value + here[-1].value) / 2, want)
    return False


def _case_passes(name: str, case) -> bool:
    folder, lang, kind, _ = PEER_FILES[name]
    if kind == "errors":
        found = find_quantities(case, lang)
        spans = [(q.start, q.end) for q in found]
        return spans == sorted(spans) and all(0 <= s < e <= len(case) for s, e in spans)
    if kind == "quantulum":
        text = case["req"]
        found = find_quantities(text, lang)
        if not case["res"]:
            return not any(q.role == "amount" for q in found)
        return all(_q3_result_passes(r, text, found) for r in case["res"])
    text = case["Input"]
    found = find_quantities(text, lang)
    if not case["Results"]:
        return not any(q.role == "amount" for q in found)
    return all(_rt_result_passes(r, found, kind) for r in case["Results"])


def _case_input(case) -> str:
    if isinstance(case, str):
        return case
    return case["req"] if "req" in case else case["Input"]


def _params():
    for name, (folder, _, _, hint) in PEER_FILES.items():
        for index in case_ids(folder + name, hint):
            yield pytest.param(name, index, id=f"{name}:{index}")


@pytest.mark.shared
@pytest.mark.parametrize(("name", "index"), list(_params()))
def test_peer_case(request, name, index):
    case = load_cases(PEER_FILES[name][0] + name)[index]
    skip_if_out_of_scope(name, index, _case_input(case))
    mark_known_failure(request, name, index)
    assert _case_passes(name, case), f"{name}:{index} {_case_input(case)!r}"


def _rate(name: str) -> tuple[int, int, int, int]:
    """(passed, in scope, out of scope, total) for one peer file."""
    cases = load_cases(PEER_FILES[name][0] + name)
    skipped = out_of_scope().get(name, {})
    scored = [c for i, c in enumerate(cases) if i not in skipped]
    passed = sum(_case_passes(name, c) for c in scored)
    return passed, len(scored), len(skipped), len(cases)


@pytest.mark.shared
@pytest.mark.parametrize("name", list(PEER_FILES))
def test_peer_rate(name):
    passed, scored, skipped, total = _rate(name)
    rate = passed / scored
    print(f"{name}: {passed}/{scored} = {rate:.3f} (out of scope {skipped}/{total})")
    check_scope_share(name, total)
    assert rate >= PEER_NUMBER_FLOORS[name]


@pytest.mark.shared
@pytest.mark.parametrize("name", list(PEER_FILES))
def test_peer_goal(request, name):
    if name in GOAL_NOT_MET:
        request.applymarker(pytest.mark.xfail(reason=GOAL_NOT_MET[name], strict=True))
    passed, scored, _, _ = _rate(name)
    assert passed / scored >= PEER_GOAL
