"""Evaluations on third-party data in ../shared/data (never copied into the repository).

DAX consistency: how many DAX levels and percent changes in real dpa-AFX/finanzen.net reports
(DAX-News_dev.csv) agree with ^GDAXI prices. Used by scripts/dax_consistency.py and by the
evaluation gate in tests/test_consistency.py.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

DAX_NEWS = Path("data/text/dax_news_de/DAX-News_dev.csv")
GDAXI = Path("data/prices/alitalbi_storage_data_fy/^GDAXI.csv")


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


def dax_consistency(shared: Path) -> pd.DataFrame:
    """Every DAX level/percent event of DAX-News_dev joined with its verification."""
    from narrate import sinks
    from narrate.catalog import load_catalog
    from narrate.ingest import article_from_text
    from narrate.pipeline import Settings, process
    from narrate.prices.store import load_prices
    from narrate.verify import verify_frame

    catalog = load_catalog()
    events = []
    for row_id, text in dax_articles(shared / DAX_NEWS):
        result = process(article_from_text(text, f"DAX-News_dev#{row_id}"), Settings(lang="de"))
        events.extend(
            e
            for e in result.events
            if e.entity_id == "index:dax" and e.kind in ("level", "percent_change")
        )
    store = load_prices(shared / GDAXI, known_symbols=["^GDAXI"])
    frame = sinks.events_table(events).to_pandas()
    checked = verify_frame(frame, store, lambda i: catalog.get(i) if i in catalog else None)
    return frame.merge(checked, on="event_id")


def consistency_rate(joined: pd.DataFrame) -> tuple[int, int]:
    """(consistent, decided): confirmed or confirmed_intraday among events that were checked."""
    status = joined["verification_status"]
    consistent = int(status.isin(["confirmed", "confirmed_intraday"]).sum())
    return consistent, consistent + int((status == "contradicted").sum())
