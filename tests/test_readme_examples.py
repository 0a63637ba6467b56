"""The analyst examples in the README run as written on a real `narrate batch` output.

The seed articles are run through `narrate batch --prices` into a folder named `out`, then the
README's pandas block and DuckDB query are executed there, unchanged.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRICES = ROOT / ".." / "shared" / "data" / "prices"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(marker: str, lang: str) -> str:
    found = re.search(rf"<!-- analyst-example:{marker} -->\s*```{lang}\n(.*?)```", README, re.S)
    assert found, f"README has no {marker} example"
    return found.group(1)


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    if not PRICES.is_dir():
        pytest.skip(f"price data not found at {PRICES}")
    work = tmp_path_factory.mktemp("analyst")
    proc = subprocess.run(
        [
            sys.executable, "-m", "narrate.cli", "batch", str(ROOT / "seeds"), "-o", "out",
            "--prices", str(PRICES), "--published", "2026-02-04", "--quiet",
        ],
        cwd=work, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return work


def test_pandas_example_runs(out_dir, capsys):
    cwd = os.getcwd()
    os.chdir(out_dir)
    try:
        exec(compile(_block("python", "python"), "README-python", "exec"), {})
    finally:
        os.chdir(cwd)
    printed = capsys.readouterr().out
    assert "ok" in printed and "confirmed" in printed and "Nvidia" in printed


def test_duckdb_query_counts_checks_per_source_and_entity(out_dir):
    duckdb = pytest.importorskip("duckdb", reason="duckdb (dev extra) not installed")
    query = _block("sql", "sql")
    cwd = os.getcwd()
    os.chdir(out_dir)
    try:
        rows = duckdb.sql(query).fetchall()
    finally:
        os.chdir(cwd)
    by_entity = {(Path(src).name[:3], name): counts for src, name, *counts in rows}
    # Seed 000's seven moves are all confirmed by the prices (see tests/test_verify.py).
    for name in ("Nasdaq Composite", "S&P 500", "Nvidia", "Amazon", "Microsoft", "Gold", "Silver"):
        assert by_entity["000", name] == [1, 0, 0], name
    # Seed 001: the market aggregates have no price series.
    assert by_entity["001", "Crypto market"] == [0, 0, 2]
