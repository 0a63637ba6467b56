"""Evaluation gate: DAX levels and percent changes in real reports must agree with ^GDAXI."""

from pathlib import Path

import pytest

from narrate.evaluation import DAX_NEWS, GDAXI, consistency_rate, dax_consistency

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"

# Pinned floor: measured 1041/1068 = 0.975 on 2026-11-21 and 1783/1825 = 0.977 on 2026-11-22,
# after index anaphors, implicit index subjects and previous-day levels added ~750 DAX figures,
# then 1790/1822 = 0.982 after the glued names were split (scripts/dax_consistency.py). Raise it
# when accuracy improves; never lower it without saying why in the commit. Lowered to 0.981 at
# 1793/1826 = 0.9819: a percentage followed by a date ("-6,11 Prozent Am 10. Juni 2024") is no
# longer read as a share ("30 % am Kapital"), which adds 4 listicle figures, 3 confirmed; the
# fourth is the article's own error (DAX -6.11 % on 10 June 2024; ^GDAXI closed -0.34 %).
FLOOR = 0.981
MIN_DECIDED = 1800  # the extractor still finds the DAX figures it found when the floor was set


@pytest.mark.skipif(
    not (SHARED / DAX_NEWS).is_file() or not (SHARED / GDAXI).is_file(),
    reason=f"DAX-News_dev.csv or ^GDAXI prices not found under {SHARED / 'data'}",
)
def test_dax_news_consistent_with_gdaxi():
    joined = dax_consistency(SHARED)
    consistent, decided = consistency_rate(joined)
    rate = consistent / decided
    print(f"\nDAX consistency: {consistent}/{decided} = {rate:.3f}")
    assert decided >= MIN_DECIDED
    assert rate >= FLOOR
