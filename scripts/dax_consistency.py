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
import csv
import re
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


# The scraper behind DAX-News_dev dropped the spaces around hyperlinked names ("DerDAXist",
# "derNikkei 225stellenweise", "JahrSeit Wochenbeginn"). This puts them back where a lower-case
# letter meets an upper-case one, after an all-caps name, and after a number glued to a word;
# mixed-case names that legitimately look like that are kept.
_KEEP = ("TecDAX", "TecDax", "MDax", "SDax", "eBay", "iPhone", "iShares", "McDonald", "DAXplus")
_GLUE = re.compile(
    r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ])"  # JahrSeit
    r"|(?<=[A-ZÄÖÜ]{3})(?=[a-zäöü]{2,}\b)"  # DAXist, BMWmit
    r"|(?<=\d)(?=[a-zäöü]{4,})"  # 225stellenweise
)


def repair_glued_words(text: str) -> str:
    """Undo the scraper's dropped spaces (see above); only for this corpus."""
    protected = {name: f"\x00{i}\x00" for i, name in enumerate(_KEEP)}
    for name, mark in protected.items():
        text = text.replace(name, mark)
    text = _GLUE.sub(" ", text)
    for name, mark in protected.items():
        text = text.replace(mark, name)
    return text


def dax_articles(csv_path: Path):
    """(row id, text) per article: headline, date line and body, as a reader would see them."""
    csv.field_size_limit(1 << 30)
    with csv_path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            body = row["news_text"]
            if not body or body == "None":
                continue
            date = row["date"] if row["date"] != "None" else ""
            yield row[""], f"{row['headline']}\n\n{date}\n\n{repair_glued_words(body)}"


def consistency(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All checked DAX level/percent events of DAX-News_dev with their verification."""
    from narrate import sinks
    from narrate.catalog import load_catalog
    from narrate.ingest import article_from_text
    from narrate.pipeline import Settings, process
    from narrate.prices.store import load_prices
    from narrate.verify import verify_frame

    catalog = load_catalog()
    events = []
    for row_id, text in dax_articles(shared / "data/text/dax_news_de/DAX-News_dev.csv"):
        result = process(article_from_text(text, f"DAX-News_dev#{row_id}"), Settings(lang="de"))
        events.extend(
            e
            for e in result.events
            if e.entity_id == "index:dax" and e.kind in ("level", "percent_change")
        )
    store = load_prices(
        shared / "data/prices/alitalbi_storage_data_fy/^GDAXI.csv", known_symbols=["^GDAXI"]
    )
    frame = sinks.events_table(events).to_pandas()
    checked = verify_frame(frame, store, lambda i: catalog.get(i) if i in catalog else None)
    return frame, checked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT / ".." / "shared")
    parser.add_argument(
        "--list", action="store_true", help="print every case that is not consistent"
    )
    args = parser.parse_args()
    if not (args.shared / "data/text/dax_news_de/DAX-News_dev.csv").is_file():
        print(f"SKIP: {args.shared / 'data'} not found; needs ../shared/data beside the project")
        return 0
    frame, checked = consistency(args.shared)
    joined = frame.merge(checked, on="event_id")
    status = Counter(joined["verification_status"])
    consistent = status["confirmed"] + status["confirmed_intraday"]
    decided = consistent + status["contradicted"]
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
