"""The command line as a user meets it: formats, bad input, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_000 = ROOT / "seeds" / "000_22a5b5a2a56595fc.txt"
SEED_001 = ROOT / "seeds" / "001_90faa6efabfe62d9.txt"
FRENCH = (
    "La Bourse de Paris a terminé la séance en baisse mardi, le CAC 40 cédant 1,2 % dans un "
    "marché inquiet de la politique monétaire de la Banque centrale européenne et des résultats "
    "décevants publiés par plusieurs grandes entreprises du secteur technologique."
)


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "narrate.cli", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )


def jsonl(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.decode().splitlines()]


def test_seeds_to_jsonl_when_piped():
    proc = run("extract", str(SEED_000), str(SEED_001))
    assert proc.returncode == 0, proc.stderr.decode()
    rows = jsonl(proc.stdout)
    assert {r["record"] for r in rows} == {"event"}
    assert len(rows) == 11
    nasdaq = next(r for r in rows if r["symbol"] == "^IXIC")
    assert (nasdaq["value"], nasdaq["direction"], nasdaq["ref_date"]) == (1.4, "down", "2026-02-03")
    assert proc.stderr == b""


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_output_file_formats_hold_the_same_events(tmp_path, suffix):
    out = tmp_path / f"events{suffix}"
    proc = run("extract", str(SEED_000), "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    if suffix == ".jsonl":
        rows = jsonl(out.read_bytes())
    elif suffix == ".csv":
        rows = pacsv.read_csv(out).to_pylist()
    else:
        rows = pq.read_table(out).to_pylist()
    assert [r["entity_name"] for r in rows] == [
        "Nasdaq Composite",
        "S&P 500",
        "Nvidia",
        "Amazon",
        "Microsoft",
        "Gold",
        "Silver",
    ]
    columns = set(rows[0])
    documented = {
        "article_id",
        "source",
        "lang",
        "published",
        "entity_id",
        "entity_name",
        "entity_type",
        "symbol",
        "isin",
        "kind",
        "direction",
        "value",
        "unit",
        "qualifier",
        "period",
        "ref_date",
        "sentence",
        "start",
        "end",
        "confidence",
        "extractor",
        "sentiment_label",
        "sentiment_score",
    }
    assert documented <= columns


def test_every_column_is_documented_in_the_readme():
    from narrate.records import Event

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Event.model_fields if name not in readme]
    assert not missing


def test_stdin_with_published_and_lang():
    proc = run(
        "extract",
        "-",
        "--lang",
        "en",
        "--published",
        "2026-02-04",
        stdin=b"Nvidia shares fell almost 3% on Tuesday.",
    )
    assert proc.returncode == 0, proc.stderr.decode()
    (row,) = jsonl(proc.stdout)
    assert (row["symbol"], row["qualifier"], row["ref_date"]) == ("NVDA", "almost", "2026-02-03")


def test_bad_inputs_are_reported_and_the_rest_is_processed(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "chart.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    cp1252 = tmp_path / "cp1252.txt"
    text = "Der Dax stieg am Freitag um 1,2 Prozent auf 19.000 Punkte – ein Plus von über 5 €."
    cp1252.write_bytes(text.encode("cp1252"))
    french = tmp_path / "french.txt"
    french.write_text(FRENCH, encoding="utf-8")
    missing = tmp_path / "missing.txt"

    proc = run(
        "extract", str(empty), str(binary), str(cp1252), str(french), str(missing), str(SEED_000)
    )
    assert proc.returncode == 1
    err = proc.stderr.decode()
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    assert len(lines) == 5, err
    assert "empty" in lines[0] and "empty.txt" in lines[0]
    assert "binary" in lines[1] and "chart.png" in lines[1]
    assert "warning" in lines[2] and "cp1252" in lines[2]
    assert "unsupported language" in lines[3] and "'fr'" in lines[3]
    assert "no such file" in lines[4] and "missing.txt" in lines[4]

    rows = jsonl(proc.stdout)
    problems = [r for r in rows if r["record"] == "problem"]
    assert [p["code"] for p in problems] == [
        "empty",
        "binary",
        "decoded_fallback",
        "unsupported_language",
        "not_found",
    ]
    events = [r for r in rows if r["record"] == "event"]
    sources = {Path(e["source"]).name for e in events}
    assert sources == {"cp1252.txt", SEED_000.name}
    dax = [e for e in events if e["source"].endswith("cp1252.txt")]
    assert {(e["kind"], e["value"]) for e in dax} == {("percent_change", 1.2), ("level", 19000.0)}


def test_only_warnings_exit_zero(tmp_path):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes(
        "Die Aktie von SAP gab um 2,3 Prozent nach, schwächer als erwartet.".encode("latin-1")
    )
    proc = run("extract", str(latin1))
    assert proc.returncode == 0
    assert "decoded as" in proc.stderr.decode()


@pytest.mark.parametrize(
    "args, message",
    [
        (["extract", "x.txt", "--published", "04.02.2026"], "YYYY-MM-DD"),
        (["extract", "x.txt", "--lang", "fr"], "--lang"),
        (["extract", "x.txt", "-o", "out.xlsx"], "out.xlsx"),
        (["extract", "x.txt", "--format", "parquet"], "parquet output needs a file"),
    ],
)
def test_wrong_command_lines_exit_2_with_a_message(args, message):
    proc = run(*args)
    assert proc.returncode == 2
    assert message in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()
