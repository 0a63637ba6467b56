"""Verification throughput: 100,000 events against ten years of daily bars for 500 symbols.

    python benchmarks/bench_verify.py [--events 100000] [--symbols 500] [--years 10] [--repeat 3]

The bars are a seeded random walk on the NYSE calendar and the events are drawn from them
(percent changes, levels, direction-only moves, some period moves), so every code path runs:
session lookup per calendar, the daily join, the period as-of joins and the interval tests.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time

import numpy as np
import pandas as pd


def make_bars(symbols: int, years: int, rng: np.random.Generator) -> pd.DataFrame:
    from narrate.prices.calendars import sessions_between

    days = pd.to_datetime(
        sessions_between(
            "XNYS", pd.Timestamp(2016, 1, 4).date(), pd.Timestamp(2016 + years, 1, 1).date()
        )
    )
    n = len(days)
    frames = []
    for i in range(symbols):
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.015, n)))
        spread = np.abs(rng.normal(0, 0.01, n)) * close
        frames.append(
            pd.DataFrame(
                {
                    "symbol": f"S{i:03d}",
                    "date": days,
                    "open": close,
                    "high": close + spread,
                    "low": close - spread,
                    "close": close,
                    "adj_close": close,
                    "volume": 1e6,
                    "source": "synthetic",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def make_events(bars: pd.DataFrame, count: int, rng: np.random.Generator) -> pd.DataFrame:
    pick = bars.sample(count, random_state=7, replace=True).reset_index(drop=True)
    kinds = rng.choice(["percent_change", "level", "direction"], count, p=[0.6, 0.3, 0.1])
    return pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(count)],
            "entity_id": "company:" + pick["symbol"],
            "entity_type": "company",
            "symbol": pick["symbol"],
            "kind": kinds,
            "direction": rng.choice(["up", "down"], count),
            "value": np.where(kinds == "level", pick["close"], np.round(rng.uniform(0.1, 4), 1)),
            "unit": np.where(kinds == "level", "USD", "%"),
            "qualifier": rng.choice(
                [None, "almost", "more_than", "about"], count, p=[0.7, 0.1, 0.1, 0.1]
            ),
            "period": rng.choice([None, "day", "week", "ytd"], count, p=[0.5, 0.3, 0.1, 0.1]),
            "period_start": None,
            "ref_date": pick["date"].dt.date,
            "date_basis": rng.choice(["explicit", "inferred"], count),
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from narrate.prices.store import PriceStore
    from narrate.verify import verify_frame

    rng = np.random.default_rng(42)
    t0 = time.perf_counter()
    frame = make_bars(args.symbols, args.years, rng)
    store = PriceStore.from_frame(frame)
    events = make_events(frame, args.events, rng)
    print(
        f"{len(store.frame):,} bars for {args.symbols} symbols, {len(events):,} events "
        f"(built in {time.perf_counter() - t0:.1f} s)"
    )
    verify_frame(events.head(100), store)  # warm-up: builds the calendar once
    runs = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = verify_frame(events, store)
        runs.append(time.perf_counter() - t0)
    counts = result["verification_status"].value_counts().to_dict()
    median = statistics.median(runs)
    print(
        f"verify_frame: median {median:.2f} s over {args.repeat} runs "
        f"({len(events) / median:,.0f} events/s); runs: {', '.join(f'{r:.2f}' for r in runs)}"
    )
    print(f"statuses: {counts}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
