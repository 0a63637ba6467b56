"""How many DAX levels and percent changes in real dpa-AFX/finanzen.net reports agree with ^GDAXI?

    python scripts/dax_consistency.py [--shared ../shared] [--list]

Reads ../shared/data/text/dax_news_de/DAX-News_dev.csv (internal evaluation only; never copied
into the repository), extracts every article, keeps the DAX events of kind level and
percent_change, and checks them against ../shared/data/prices/alitalbi_storage_data_fy/^GDAXI.csv.
Prints the share that is consistent (confirmed or confirmed_intraday) among the checked events,
and with --list every inconsistent and unverifiable case with its sentence and the evidence.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from narrate.evaluation import DAX_NEWS, consistency_rate, dax_consistency

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT / ".." / "shared")
    parser.add_argument(
        "--list", action="store_true", help="print every case that is not consistent"
    )
    args = parser.parse_args()
    if not (args.shared / DAX_NEWS).is_file():
        print(f"SKIP: {args.shared / 'data'} not found; needs ../shared/data beside the project")
        return 0
    joined = dax_consistency(args.shared)
    status = Counter(joined["verification_status"])
    consistent, decided = consistency_rate(joined)
    print(
        f"DAX level/percent events: {len(joined)}  "
        + "  ".join(f"{k}={v}" for k, v in sorted(status.items()))
    )
    reasons = Counter(
        joined.loc[joined["verification_status"] == "unverifiable", "verification_reason"]
    )
    print("unverifiable by reason: " + ", ".join(f"{k}={v}" for k, v in sorted(reasons.items())))
    print(f"consistent with ^GDAXI: {consistent}/{decided} = {consistent / max(decided, 1):.1%}")
    if args.list:
        for _, r in joined[
            joined["verification_status"].isin(["contradicted", "unverifiable"])
        ].iterrows():
            print(
                f"\n[{r['verification_status']}/{r['verification_reason']}] {r['source']} "
                f"published {r['published']} ref {r['ref_date']} ({r['date_basis']}) "
                f"{r['kind']} {r['direction']} {r['qualifier'] or ''} {r['value']} {r['unit']} "
                f"period={r['period']}\n  observed change {r['observed_change_pct']} close "
                f"{r['observed_close']} prev {r['prev_close']} "
                f"range {r['day_low']}..{r['day_high']}"
                f"\n  {r['sentence'][:300]}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
