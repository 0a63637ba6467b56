"""The output folder of a batch run: Parquet tables committed chunk by chunk.

Layout of OUTDIR::

    events/lang=de/date=2024-03-05/chunk-000003.parquet   (hive partitions; "unknown" date)
    verifications/chunk-000003.parquet                     (only with --prices)
    articles/chunk-000003.parquet
    errors/chunk-000003.parquet                            (only when the chunk had problems)
    unlinked/chunk-000003.parquet                          (names no catalog entry took, if any)
    _manifest/chunk-000003.json                            (written last: the commit)
    _staging/                                              (files of the chunk being written)

A chunk counts only once its manifest exists. The manifest names the chunk's files and its
candidates (source, article_id), so a restarted run knows what to skip and which files are
leftovers of a crash.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from narrate.sinks import EVENT_SCHEMA, VERIFICATION_SCHEMA

TABLES = ("events", "verifications", "articles", "errors", "unlinked")
MANIFEST_DIR = "_manifest"
STAGING_DIR = "_staging"

# `lang` lives in the partition path, not in the files (hive style); `date` is only a path key.
EVENT_FILE_SCHEMA = pa.schema([f for f in EVENT_SCHEMA if f.name != "lang"])
PARTITION_SCHEMA = pa.schema([pa.field("lang", pa.string()), pa.field("date", pa.string())])
VERIFICATIONS_SCHEMA = pa.schema([pa.field("event_id", pa.string()), *VERIFICATION_SCHEMA])
ARTICLES_SCHEMA = pa.schema(
    [
        pa.field("article_id", pa.string()),
        pa.field("source", pa.string()),
        pa.field("lang", pa.string()),
        pa.field("status", pa.string()),  # ok | skipped | error
        pa.field("reason", pa.string()),  # error code, or "duplicate of <source>"
        pa.field("message", pa.string()),
        pa.field("event_count", pa.int64()),
        pa.field("title", pa.string()),
        pa.field("published", pa.date32()),
        # Filled only with models (Settings(models=True)); null otherwise.
        pa.field("doc_sentiment_label", pa.string()),
        pa.field("doc_sentiment_score", pa.float64()),
    ]
)
ERRORS_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string()),
        pa.field("level", pa.string()),
        pa.field("code", pa.string()),
        pa.field("message", pa.string()),
        pa.field("article_id", pa.string()),
    ]
)
# One row per narrate.records.UnlinkedEntity: an ambiguous alias left unlinked for want of context,
# or (with models) a company the NER model found that the catalog does not know.
UNLINKED_SCHEMA = pa.schema(
    [
        pa.field("article_id", pa.string()),
        pa.field("source", pa.string()),
        pa.field("text", pa.string()),
        pa.field("start", pa.int64()),
        pa.field("end", pa.int64()),
        pa.field("type", pa.string()),
        pa.field("reason", pa.string()),  # not_in_catalog | ambiguous
        pa.field("candidates", pa.list_(pa.string())),  # entity ids, for "ambiguous"
        pa.field("score", pa.float64()),  # the NER model's score; null for catalog decisions
        pa.field("model", pa.string()),
    ]
)
SCHEMAS = {
    "events": EVENT_FILE_SCHEMA,
    "verifications": VERIFICATIONS_SCHEMA,
    "articles": ARTICLES_SCHEMA,
    "errors": ERRORS_SCHEMA,
    "unlinked": UNLINKED_SCHEMA,
}


class OutputError(Exception):
    """OUTDIR cannot be used (a set-up error, not bad input)."""


@dataclass
class Committed:
    """What earlier runs committed to an output folder."""

    sources: set[str] = field(default_factory=set)
    first_source_of: dict[str, str] = field(default_factory=dict)  # article id -> first source
    next_seq: int = 0
    chunks: int = 0


def chunk_name(seq: int) -> str:
    return f"chunk-{seq:06d}"


class BatchStore:
    """Writes chunks atomically into an output folder and recovers it after a crash."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = Path(outdir)

    def open(self) -> Committed:
        """Create the folder if needed, delete crash leftovers, and read the manifests."""
        if self.outdir.exists() and not self.outdir.is_dir():
            raise OutputError(f"{self.outdir} exists and is not a directory")
        try:
            for sub in (*TABLES, MANIFEST_DIR):
                (self.outdir / sub).mkdir(parents=True, exist_ok=True)
            shutil.rmtree(self.outdir / STAGING_DIR, ignore_errors=True)
            for tmp in (self.outdir / MANIFEST_DIR).glob("*.tmp"):
                tmp.unlink()
        except OSError as err:
            raise OutputError(f"cannot use {self.outdir} as the output folder ({err})") from None
        committed = Committed()
        keep: set[str] = set()
        for path in sorted((self.outdir / MANIFEST_DIR).glob("chunk-*.json")):
            try:
                manifest = json.loads(path.read_text(encoding="utf-8"))
                seq = int(manifest["seq"])
                entries = manifest["articles"]
                files = manifest["files"]
            except (ValueError, KeyError, TypeError, OSError) as err:
                message = f"damaged manifest {path} ({err}); remove it to redo the chunk"
                raise OutputError(message) from None
            keep.update(files)
            committed.chunks += 1
            committed.next_seq = max(committed.next_seq, seq + 1)
            for entry in entries:
                committed.sources.add(entry["source"])
                article_id = entry.get("article_id")
                if article_id and entry.get("status") != "skipped":
                    committed.first_source_of.setdefault(article_id, entry["source"])
        self._remove_unlisted(keep)
        return committed

    def _remove_unlisted(self, keep: set[str]) -> None:
        # Files of a chunk whose manifest was never written: a crash came between the moves.
        for table in TABLES:
            root = self.outdir / table
            for path in sorted(root.rglob("*"), reverse=True):
                if path.is_file() and path.relative_to(self.outdir).as_posix() not in keep:
                    path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()

    def commit(self, seq: int, tables: dict[str, pa.Table], entries: list[dict]) -> list[str]:
        """Write a chunk's tables, then its manifest; returns the files written (relative)."""
        name = chunk_name(seq)
        staging = self.outdir / STAGING_DIR / name
        staging.mkdir(parents=True, exist_ok=True)
        planned: list[tuple[Path, str]] = []
        for table_name, table in tables.items():
            if table.num_rows == 0 and table_name != "articles":
                continue
            if table_name == "events":
                parts = _partitions(table, name)
            else:
                parts = [(f"{table_name}/{name}.parquet", table)]
            for rel, part in parts:
                tmp = staging / rel.replace("/", "__")
                pq.write_table(part, tmp)
                planned.append((tmp, rel))
        for tmp, rel in planned:
            final = self.outdir / rel
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        files = [rel for _, rel in planned]
        manifest = {"seq": seq, "files": files, "articles": entries}
        target = self.outdir / MANIFEST_DIR / f"{name}.json"
        tmp = target.with_suffix(".json.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        shutil.rmtree(staging, ignore_errors=True)
        return files


def _partitions(events: pa.Table, name: str) -> list[tuple[str, pa.Table]]:
    """Split an event table (with `lang` and `date` columns) into hive partition files."""
    rows = events.to_pylist()
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["lang"], row["date"]), []).append(row)
    out = []
    for (lang, date), group in sorted(groups.items()):
        table = pa.Table.from_pylist(group, schema=EVENT_FILE_SCHEMA)
        out.append((f"events/lang={lang}/date={date}/{name}.parquet", table))
    return out


def read_table(outdir: Path, name: str) -> pa.Table:
    """One table of a batch output folder (events with its `lang` and `date` partition keys)."""
    root = Path(outdir) / name
    schema = SCHEMAS[name]
    if name == "events":
        files = sorted(p.as_posix() for p in root.rglob("*.parquet"))
        schema = pa.schema([*schema, *PARTITION_SCHEMA])
        if not files:
            return schema.empty_table()
        partitioning = ds.partitioning(PARTITION_SCHEMA, flavor="hive")
        dataset = ds.dataset(
            files, schema=schema, partitioning=partitioning, partition_base_dir=str(root)
        )
        return dataset.to_table()
    files = sorted(root.glob("*.parquet"))
    if not files:
        return schema.empty_table()
    return pa.concat_tables(pq.read_table(f, schema=schema) for f in files)
