"""Model throughput: target-sentiment sentences/s (fp32 vs int8) and whole-pipeline articles/s.

    python benchmarks/bench_models.py [--model narrate-e5-fin] [--sentences 512] [--repeat 3]

Sentences: SEntFiN headlines with their first entity as target (../shared/data), else the seed
articles' sentences; each is one forward pass. Pipeline: the seed articles (seed-sized), with
and without models. Runs with torch on both cores (torch.set_num_threads(2); `--threads`
changes it); skips with a message when the model is missing.
"""

from __future__ import annotations

import argparse
import ast
import csv
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sentfin_items(shared: Path, count: int) -> list[tuple[str, str]]:
    items = []
    path = shared / "data/text/sentfin/SEntFiN.csv"
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                targets = ast.literal_eval(row["Decisions"])
            except (ValueError, SyntaxError):
                continue
            items.append((row["Title"], next(iter(targets))))
            if len(items) >= count:
                break
    return items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--shared", type=Path, default=ROOT / ".." / "shared")
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    args = parser.parse_args()

    from narrate.models.base import ModelNotFound
    from narrate.models.registry import load_sentiment

    if (args.shared / "data/text/sentfin/SEntFiN.csv").is_file():
        items = sentfin_items(args.shared, args.sentences)
    else:
        import narrate

        text = (ROOT / "seeds/000_22a5b5a2a56595fc.txt").read_text(encoding="utf-8")
        items = [(e.sentence, e.mention) for e in narrate.extract(text)] * 80
        items = items[: args.sentences]
    tokens = None
    for quantize in ("none", "int8"):
        try:
            model = load_sentiment(
                args.model, quantize=quantize, threads=args.threads, batch_size=64
            )
            model.score(items[:8])  # load and warm up outside the timing
        except ModelNotFound as err:
            print(f"SKIP: {err}")
            return 0
        if tokens is None:
            tokens = statistics.mean(len(s.split()) + len(t.split()) for s, t in items)
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            model.score(items)
            runs.append(time.perf_counter() - t0)
        median = statistics.median(runs)
        print(
            f"sentiment {quantize:>4}: {len(items) / median:7.1f} sentences/s "
            f"(median of {args.repeat}; {len(items)} items, ~{tokens:.0f} words each)"
        )

    from narrate.ingest import article_from_text
    from narrate.pipeline import Settings, process

    seeds = [
        article_from_text(p.read_text(encoding="utf-8"), p.name)
        for p in sorted((ROOT / "seeds").glob("*.txt"))
    ]
    for models in (False, True):
        settings = Settings(models=models, model=args.model, model_threads=args.threads)
        process(seeds[0], settings)  # warm-up
        articles = seeds * 10
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for article in articles:
                process(article, settings)
            runs.append(time.perf_counter() - t0)
        seconds = statistics.median(runs)
        label = "with models" if models else "no models"
        print(
            f"pipeline {label:>11}: {len(articles) / seconds:6.1f} articles/s "
            f"(median of {args.repeat}; seed articles x10)"
        )
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
