"""`narrate batch` throughput and memory: workers 1 vs 2, flat memory, with and without models.

    python benchmarks/bench_batch.py [--shared ../shared] [--articles 12000] [--small 1000]
        [--big 20000] [--model-articles 300] [--repeat 3] [--chunk-size 100] [--skip b,c]

Builds a JSONL archive from real articles in ../shared/data/text (10kGNAD test, DAX news dev,
Reuters via narrate.sources), copies made distinct (see write_archive), then runs
`narrate batch` as subprocesses (under /usr/bin/time -v where present) and prints:

  (a) articles/s with --workers 1 and 2 (median of --repeat runs) and their ratio;
  (b) peak RSS for --small vs --big articles with --workers 1: /usr/bin/time's figure (the max of
      the parent and its waited children, not their sum) and the sampled sum over the process tree;
      and the big run's peak as it went (the JSON log's peak_rss_mib after 1,000, 2,000, ...);
  (c) articles/s with and without --models on --model-articles articles, --workers 1 and 2.

Skips with a message (exit 0) when the shared data is absent; (c) skips when the model is missing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIME = Path("/usr/bin/time")
csv.field_size_limit(1 << 30)


def load_texts(data: Path) -> list[dict]:
    """Real articles as JSONL records (text, and date where the source has one)."""
    from narrate.records import Article
    from narrate.sources import iter_articles

    records = []
    with (data / "text/10kGNAD/test.csv").open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter=";", quotechar="'"):
            if len(row) > 1 and row[1].strip():
                records.append({"text": row[1]})
    with (data / "text/dax_news_de/DAX-News_dev.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["news_text"] and r["news_text"] != "None":
                records.append({"text": f"{r['headline']}\n\n{r['date']}\n\n{r['news_text']}"})
    sgm = sorted((data / "text/reuters21578").glob("*.sgm"))
    for item in iter_articles([str(p) for p in sgm]):
        if isinstance(item, Article):
            rec = {"text": item.text}
            if item.published:
                rec["date"] = item.published.isoformat()
            records.append(rec)
    random.Random(0).shuffle(records)  # mix the sources, so any prefix is like the whole
    return records


_NUMBER_RE = re.compile(r"\d{3,}")


def write_archive(records: list[dict], count: int, path: Path) -> Path:
    """`count` records cycling through `records`; copies are made distinct texts.

    Copy N (N >= 1) ends with "(copy N)", so its id differs, and every run of three or more digits
    in it gets a new last digit, so that copies bring new number strings as a real archive does
    (spaCy's vocabulary grows with every new string; see narrate.nlp.MAX_VOCAB_STRINGS).
    """
    with path.open("w", encoding="utf-8") as fh:
        for i in range(count):
            rec = dict(records[i % len(records)])
            copy = i // len(records)
            if copy:
                digits = random.Random(i)
                text = _NUMBER_RE.sub(
                    lambda m, d=digits: m.group()[:-1] + str(d.randrange(10)), rec["text"]
                )
                rec["text"] = f"{text}\n\n(copy {copy})"
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


class TreeSampler:
    """Samples the summed RSS of a process and its descendants (psutil; 0 if unavailable)."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        self.pid, self.every, self.peak = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for proc in procs:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_batch(archive: Path, outdir: Path, *extra: str) -> dict:
    """One `narrate batch` subprocess: seconds, articles done, peak RSS (MiB) in three views."""
    shutil.rmtree(outdir, ignore_errors=True)
    cmd = [sys.executable, "-m", "narrate.cli", "batch", str(archive), "-o", str(outdir)]
    cmd += ["--log-format", "json", *extra]
    timed = TIME.exists()
    if timed:
        cmd = [str(TIME), "-v", *cmd]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sampler = TreeSampler(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    tree = sampler.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"narrate batch failed ({proc.returncode}): {err[-2000:]}")
    lines = [json.loads(line) for line in out.strip().splitlines()]
    summary = lines[-1]
    chunks = [line for line in lines if "chunk" in line]
    steady = float("nan")  # articles/s after the first commit: without start-up and warm-up
    if len(chunks) > 1:
        later = sum(c["articles"] for c in chunks[1:])
        steady = later / max(chunks[-1]["elapsed_s"] - chunks[0]["elapsed_s"], 1e-9)
    if timed:
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
        time_v = int(found.group(1)) / 1024 if found else float("nan")
    else:  # the max over waited children so far: only right for the first, largest run
        time_v = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    articles = summary["ok"] + summary["skipped"] + summary["error"]
    done, trace = 0, []  # (articles done, peak RSS so far) after each chunk
    for chunk in chunks:
        done += chunk["articles"]
        trace.append((done, chunk["peak_rss_mib"]))
    return {
        "trace": trace,
        "seconds": seconds,
        "batch_s": summary["elapsed_s"],
        "articles": articles,
        "ok": summary["ok"],
        "events": summary["events"],
        "steady": steady,
        "first_commit_s": chunks[0]["elapsed_s"] if chunks else float("nan"),
        "time_v_mib": time_v,
        "tree_mib": tree / 2**20,
    }


def median_rate(archive: Path, outdir: Path, repeat: int, *extra: str) -> tuple[float, dict]:
    """Median articles/s (wall clock of the process) over `repeat` runs, and median details."""
    runs = [run_batch(archive, outdir, *extra) for _ in range(repeat)]
    n = runs[0]["articles"]
    wall = statistics.median(n / r["seconds"] for r in runs)
    details = {
        "inner": statistics.median(n / r["batch_s"] for r in runs),
        "steady": statistics.median(r["steady"] for r in runs),
        "first_commit_s": statistics.median(r["first_commit_s"] for r in runs),
    }
    return wall, {**runs[0], **details}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT / ".." / "shared")
    parser.add_argument("--articles", type=int, default=12000, help="(a): articles per run")
    parser.add_argument("--small", type=int, default=1000, help="(b): the small run")
    parser.add_argument("--big", type=int, default=20000, help="(b): the big run")
    parser.add_argument("--model-articles", type=int, default=300, help="(c): articles per run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunk-size", type=int, default=100, help="articles per chunk")
    parser.add_argument("--model", default=None, help="(c): model name or folder")
    parser.add_argument("--skip", default="", help="parts to skip, e.g. 'b,c'")
    args = parser.parse_args()
    data = args.shared / "data"
    if not data.is_dir():
        print(f"SKIP: {data} not found; the benchmark needs ../shared/data beside the project")
        return 0
    skip = set(filter(None, args.skip.split(",")))
    chunk = ["--chunk-size", str(args.chunk_size)]
    records = load_texts(data)
    print(
        f"source articles: {len(records)} (10kGNAD test, DAX news dev, Reuters); cores: "
        f"{os.cpu_count()}; peak RSS via {'/usr/bin/time -v' if TIME.exists() else 'getrusage'}"
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench_batch-"))
    try:
        if "a" not in skip:
            archive = write_archive(records, args.articles, tmp / "a.jsonl")
            rates, steady = {}, {}
            for workers in (1, 2):
                wall, got = median_rate(
                    archive, tmp / "out", args.repeat, "--workers", str(workers), *chunk
                )
                rates[workers], steady[workers] = wall, got["steady"]
                print(
                    f"(a) workers {workers}: {wall:6.1f} articles/s wall clock, "
                    f"{got['inner']:6.1f} in run_batch, {got['steady']:6.1f} after the first "
                    f"commit (at "
                    f"{got['first_commit_s']:.1f} s); median of {args.repeat}; "
                    f"{got['articles']} articles, {got['events']} events"
                )
            print(
                f"(a) speed-up 2 vs 1 workers: {rates[2] / rates[1]:.2f}x wall clock (goal >= "
                f"1.8x), {steady[2] / steady[1]:.2f}x after the first commit"
            )
        if "b" not in skip:
            for count in (args.small, args.big):
                archive = write_archive(records, count, tmp / f"b{count}.jsonl")
                got = run_batch(archive, tmp / "out", "--workers", "1", *chunk)
                archive.unlink()
                print(
                    f"(b) {count:>6} articles, workers 1: peak RSS {got['time_v_mib']:6.0f} MiB "
                    f"(time -v), tree {got['tree_mib']:6.0f} MiB (sampled); "
                    f"{got['articles'] / got['seconds']:.1f} articles/s"
                )
            # Peak RSS of the big run as it went: flat once every lazy load has happened.
            marks = [n for n in (1000, 2000, 5000, 10000, 20000, 50000) if n <= args.big]
            seen = {m: next((rss for done, rss in got["trace"] if done >= m), None) for m in marks}
            print(
                "(b) peak RSS during the big run, after N articles: "
                + ", ".join(f"{m:,}: {rss} MiB" for m, rss in seen.items() if rss is not None)
            )
        if "c" not in skip:
            from narrate.models.base import ModelError
            from narrate.models.registry import resolve

            try:
                resolve(args.model)
            except ModelError as err:
                print(f"(c) SKIP: {err}")
                return 0
            archive = write_archive(records, args.model_articles, tmp / "c.jsonl")
            model = ["--model", args.model] if args.model else ["--models"]
            for workers in (1, 2):
                for label, flags in (("no models", ["--no-models"]), ("models", model)):
                    wall, first = median_rate(
                        archive, tmp / "out", args.repeat, "--workers", str(workers), *chunk,
                        *flags,
                    )  # fmt: skip
                    print(
                        f"(c) workers {workers}, {label:>9}: {wall:6.1f} articles/s (median of "
                        f"{args.repeat}; {first['articles']} articles; tree peak "
                        f"{first['tree_mib']:.0f} MiB)"
                    )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
