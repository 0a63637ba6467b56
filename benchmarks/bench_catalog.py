"""Does extraction slow down as the catalog grows? Words/s and matcher-only time per catalog size.

Three catalogs, the same texts as bench_extract.py (10kGNAD, DAX news, Reuters):

- small: the first small catalog, i.e. the current catalog restricted to the companies of
  companies.csv as of commit 56f7709 (read with `git show`) plus every curated entity;
- full: the packaged catalog;
- full + synthetic: the full catalog plus --synthetic generated companies (made-up names that
  never occur in the texts, each with two aliases), to show that the automaton's cost does not
  grow with the number of aliases.

Each repeat times every catalog in turn (so drift of the machine's speed hits all of them), and
the median over repeats is reported: whole-pipeline words/s (`process` with that catalog) and the
seconds the alias and code matchers alone take (`Catalog.find`) over all texts.

    python benchmarks/bench_catalog.py [--shared ../shared] [--repeat 5] [--synthetic 11000]

Skips with a message (exit 0) when the shared data is absent.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_extract import CORPORA, words  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SMALL_CATALOG_COMMIT = "56f7709"
_SYLLABLES = (
    "ka ro vel tan mir sol dex qua ber lin tor fen gal zu pra mon vik sen dra lux "
    "nor pel tes var bru cor hal jen ost rik"
).split()
_SUFFIXES = ("Holdings", "Group", "Industries", "Systems", "Capital", "Technologies")


def old_company_ids(commit: str) -> set[str]:
    """Company ids of companies.csv at `commit` (needs a git checkout)."""
    text = subprocess.run(
        ["git", "show", f"{commit}:src/narrate/catalog/data/companies.csv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {row["id"] for row in csv.DictReader(io.StringIO(text))}


def catalogs(synthetic: int, vocabulary: set[str], seed: int = 0) -> dict:
    """The three catalogs: name -> Catalog; no synthetic alias is a word of `vocabulary`."""
    from narrate.catalog import RANK_GENERATED, Catalog, load_catalog
    from narrate.catalog.sources import read_entities_csv
    from narrate.records import CatalogEntity

    full = load_catalog()
    # Catalog internals: the alias ranks and blocking forms, so that a subset or a superset
    # resolves shared aliases exactly as the packaged catalog does.
    ranks, blocking = full._ranks, full._non_entities
    generated = {
        e.id
        for e in read_entities_csv(
            (ROOT / "src/narrate/catalog/data/companies.csv").read_text(encoding="utf-8"),
            "companies.csv",
        )
    }
    old = old_company_ids(SMALL_CATALOG_COMMIT)
    small = [e for e in full if e.id not in generated or e.id in old]

    taken = {form for lang in full.languages for form in full.aliases_for(lang)}
    rng = random.Random(seed)
    extra, extra_ranks = [], {}
    while len(extra) < synthetic:
        stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
        name = f"{stem} {rng.choice(_SUFFIXES)}"
        if stem in taken or name in taken or stem in vocabulary:
            continue
        taken.update((stem, name))
        entity_id = f"company:SYN{len(extra):06d}"
        extra.append(
            CatalogEntity(id=entity_id, name=name, type="company", aliases={"any": [name, stem]})
        )
        extra_ranks[entity_id] = {name: RANK_GENERATED, stem: RANK_GENERATED}
    return {
        "small": Catalog(small, ranks, blocking),
        "full": full,
        "full + synthetic": Catalog([*full, *extra], {**ranks, **extra_ranks}, blocking),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT / ".." / "shared")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--synthetic", type=int, default=11000, help="generated companies")
    args = parser.parse_args()
    data = args.shared / "data"
    if not data.is_dir():
        print(f"SKIP: {data} not found; the benchmark needs ../shared/data beside the project")
        return 0

    from narrate.ingest import article_from_text
    from narrate.pipeline import Settings, process

    texts = [text for loader in CORPORA.values() for text in loader(data)]
    built = catalogs(args.synthetic, {w for t in texts for w in re.findall(r"\w+", t)})
    for name, catalog in built.items():
        t0 = time.perf_counter()
        for lang in catalog.languages:
            catalog.matcher(lang)
        catalog.identifiers()
        build_s = time.perf_counter() - t0
        aliases = sum(len(catalog.matcher(lang)) for lang in catalog.languages)
        print(f"{name:<17} {len(catalog):>6} entities, {aliases:>6} aliases (de+en), "
              f"automata built in {build_s:.2f} s")  # fmt: skip
    articles = [article_from_text(t, f"bench-{i}") for i, t in enumerate(texts)]
    settings = Settings()
    # Language detection is the same for every catalog: done once, outside the timing.
    langs = [process(a, settings).lang for a in articles]
    pinned = [
        (a, Settings(lang=lang))
        for a, lang in zip(articles, langs, strict=True)
        if lang in ("de", "en")
    ]

    n_words = words([article.text for article, _ in pinned])
    for catalog in built.values():
        process(article_from_text("Der Dax stieg um 1 %.", "warmup"), Settings(), catalog)

    runs: dict[str, list[float]] = {name: [] for name in built}
    match_runs: dict[str, list[float]] = {name: [] for name in built}
    events: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, catalog in built.items():
            t0 = time.perf_counter()
            events[name] = sum(len(process(a, s, catalog).events) for a, s in pinned)
            runs[name].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for article, s in pinned:
                catalog.find(article.text, s.lang)
            match_runs[name].append(time.perf_counter() - t0)

    print(f"\n{len(pinned):,} articles, {n_words:,} words; medians of {args.repeat} runs")
    header = ("catalog", "words/s", "vs small", "matcher s", "vs small", "events")
    print(f"{header[0]:<17} " + " ".join(f"{h:>10}" for h in header[1:]))
    base = statistics.median(runs["small"])
    base_match = statistics.median(match_runs["small"])
    for name in built:
        seconds = statistics.median(runs[name])
        match_s = statistics.median(match_runs[name])
        print(
            f"{name:<17} {n_words / seconds:>10,.0f} {base / seconds:>10.3f} "
            f"{match_s:>10.3f} {match_s / base_match:>10.3f} {events[name]:>10,}"
        )
    print("(vs small: speed relative to the small catalog, 1.000 = as fast; matcher s: time")
    print(" relative to the small catalog's, 1.000 = as long)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
