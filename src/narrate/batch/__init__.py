"""Parallel, resumable batch runs into a Parquet dataset (see runner and store)."""

from narrate.batch.runner import BatchSummary, ChunkReport, run_batch
from narrate.batch.store import OutputError, read_table

__all__ = ["BatchSummary", "ChunkReport", "OutputError", "read_table", "run_batch"]
