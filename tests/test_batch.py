"""narrate batch: every input once, partitioned events, parallel = serial, crash-safe resume."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from narrate.batch import read_table, run_batch
from narrate.cli import app

ROOT = Path(__file__).resolve().parents[1]
MARCH_5 = dt.date(2024, 3, 5)

DE_NAMES = ["Der Dax", "Der MDax", "Der Euro Stoxx 50", "Die Siemens-Aktie", "Die SAP-Aktie"]
EN_NAMES = ["The Nasdaq Composite", "The S&P 500", "Apple shares", "Microsoft shares"]
FRENCH = (
    "La Bourse de Paris a terminé la séance en baisse mardi, le CAC 40 cédant 1,2 % dans un "
    "marché inquiet de la politique monétaire de la Banque centrale européenne."
)


def _sentence(i: int) -> tuple[str, str]:
    if i % 2 == 0:
        name = DE_NAMES[i % len(DE_NAMES)]
        verb = "fiel" if i % 4 == 0 else "stieg"
        value = f"{1 + i / 10:.1f}".replace(".", ",")
        return "de", f"{name} {verb} am Dienstag um {value} Prozent."
    name = EN_NAMES[i % len(EN_NAMES)]
    verb = "fell" if i % 3 == 0 else "rose"
    return "en", f"{name} {verb} {1 + i / 10:.1f} percent on Tuesday."


def make_corpus(root: Path, n: int, *, extras: bool = True) -> Path:
    """n market sentences (half with a date line), plus odd inputs when `extras`."""
    corpus = root / "corpus"
    corpus.mkdir()
    for i in range(n):
        _, text = _sentence(i)
        if i % 2 == 0:
            text = f"5. März 2024\n\n{text}" if "Prozent" in text else f"March 5, 2024\n\n{text}"
        (corpus / f"a{i:03d}.txt").write_text(text + "\n", encoding="utf-8")
    if extras:
        (corpus / "x_empty.txt").write_bytes(b"")
        (corpus / "x_binary.txt").write_bytes(b"\x00\x01\x02\xff\xfe\x00binary\x00")
        (corpus / "x_french.txt").write_text(FRENCH, encoding="utf-8")
        (corpus / "x_zduplicate.txt").write_bytes((corpus / "a000.txt").read_bytes())
    return corpus


def frame(outdir: Path, name: str) -> pd.DataFrame:
    """A table with rows in a canonical order, for comparing runs."""
    df = read_table(outdir, name).to_pandas()
    for col in df.columns:
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].astype(str)
    keys = {
        "events": ["source", "start", "end", "event_id"],
        "articles": ["source"],
        "errors": ["source", "code", "message"],
        "verifications": ["event_id"],
        "unlinked": ["source", "start", "end"],
    }[name]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def assert_same_output(a: Path, b: Path) -> None:
    for name in ("events", "articles", "errors", "unlinked"):
        pd.testing.assert_frame_equal(frame(a, name), frame(b, name))


def cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "narrate.cli", "batch", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("small"), 40)


@pytest.fixture(scope="module")
def serial_out(small, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "out"
    summary = run_batch([str(small)], out, chunk_size=7)
    assert summary.articles == 44
    return out


def test_every_input_once_with_its_status(small, serial_out):
    articles = frame(serial_out, "articles")
    files = sorted(str(p) for p in small.iterdir())
    assert sorted(articles["source"]) == files  # each candidate exactly once
    names = articles["source"].map(lambda s: Path(s).name)
    status = dict(zip(names, articles["status"], strict=True))
    assert status["x_empty.txt"] == "error"
    assert status["x_binary.txt"] == "error"
    assert status["x_french.txt"] == "error"
    assert status["x_zduplicate.txt"] == "skipped"
    assert all(status[f"a{i:03d}.txt"] == "ok" for i in range(40))
    dup = articles[articles["status"] == "skipped"].iloc[0]
    assert dup["reason"] == f"duplicate of {small / 'a000.txt'}"
    french = articles[articles["source"].str.endswith("x_french.txt")].iloc[0]
    assert french["reason"] == "unsupported_language" and french["lang"] == "fr"
    binary = articles[articles["source"].str.endswith("x_binary.txt")].iloc[0]
    assert pd.isna(binary["article_id"]) and "binary" in binary["message"]

    errors = frame(serial_out, "errors")
    codes = dict(zip(errors["source"].map(lambda s: Path(s).name), errors["code"], strict=True))
    assert codes == {
        "x_binary.txt": "binary",
        "x_empty.txt": "empty",
        "x_french.txt": "unsupported_language",
    }
    assert set(errors["level"]) == {"error"}

    events = frame(serial_out, "events")
    assert len(events) >= 30
    assert set(events["lang"]) == {"de", "en"}
    assert set(articles.loc[articles["status"] == "ok", "event_count"]) - {0}
    assert articles["event_count"].sum() == len(events)
    # the dated half lands under its date, the undated half under "unknown"
    dated = events["source"].map(lambda s: int(Path(s).stem[1:]) % 2 == 0)
    assert set(events.loc[dated, "date"]) == {"2024-03-05"}
    assert set(events.loc[~dated, "date"]) == {"unknown"}
    for lang, date in set(zip(events["lang"], events["date"], strict=True)):
        assert list((serial_out / "events" / f"lang={lang}" / f"date={date}").glob("*.parquet"))
    assert not (serial_out / "verifications").exists() or not list(
        (serial_out / "verifications").iterdir()
    )


def test_published_option_dates_every_event(small, tmp_path):
    out = tmp_path / "out"
    run_batch([str(small)], out, chunk_size=50, published=MARCH_5)
    assert set(frame(out, "events")["date"]) == {"2024-03-05"}


def test_two_workers_give_the_same_tables(small, serial_out, tmp_path):
    out = tmp_path / "out"
    run_batch([str(small)], out, workers=2, chunk_size=5)
    assert_same_output(serial_out, out)


def test_rerun_of_a_finished_job_adds_nothing(small, serial_out, tmp_path):
    before = sorted(p.relative_to(serial_out) for p in serial_out.rglob("*") if p.is_file())
    proc = cli(str(small), "-o", str(serial_out), "--chunk-size", "7")
    assert proc.returncode == 0, proc.stderr
    assert "nothing to do" in proc.stderr
    after = sorted(p.relative_to(serial_out) for p in serial_out.rglob("*") if p.is_file())
    assert after == before


def test_new_inputs_are_added_and_old_ids_are_duplicates(small, tmp_path):
    out = tmp_path / "out"
    first = tmp_path / "first"
    first.mkdir()
    (first / "copy.txt").write_bytes((small / "a001.txt").read_bytes())
    run_batch([str(first)], out)
    summary = run_batch([str(first), str(small)], out, chunk_size=10)
    assert summary.already_done == 1 and summary.articles == 44
    articles = frame(out, "articles")
    assert len(articles) == 45
    row = articles[articles["source"] == str(small / "a001.txt")].iloc[0]
    assert row["status"] == "skipped" and row["reason"] == f"duplicate of {first / 'copy.txt'}"


def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path):
    corpus = make_corpus(tmp_path, 120, extras=False)
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    args = ["--chunk-size", "5", "--quiet"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "narrate.cli", "batch", str(corpus), "-o", str(resumed), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    manifests = resumed / "_manifest"
    deadline = time.monotonic() + 120
    while not list(manifests.glob("chunk-*.json")) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    done = len(list(manifests.glob("chunk-*.json")))
    assert 1 <= done < 24, "the run finished before it could be killed"
    # what a crash between moves and manifest leaves behind: removed on restart
    stray = resumed / "events" / "lang=de" / "date=2024-03-05" / "chunk-999999.parquet"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"half a file")
    (resumed / "_staging" / "chunk-999999").mkdir(parents=True)

    rerun = cli(str(corpus), "-o", str(resumed), "--chunk-size", "5", "--log-format", "json")
    assert rerun.returncode == 0, rerun.stderr
    lines = [json.loads(line) for line in rerun.stdout.splitlines()]
    assert lines[-1]["summary"] and lines[-1]["already_done"] == done * 5
    assert {"chunk", "articles", "events", "errors", "elapsed_s"} <= set(lines[0])
    assert not stray.exists() and not (resumed / "_staging" / "chunk-999999").exists()

    complete = cli(str(corpus), "-o", str(whole), *args)
    assert complete.returncode == 0 and complete.stdout == complete.stderr == ""
    assert_same_output(whole, resumed)
    assert len(frame(resumed, "articles")) == 120


def test_dask_engine_gives_the_same_tables(small, serial_out, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        out = tmp_path / "out"
        run_batch([str(small)], out, engine="dask", scheduler=cluster.scheduler_address)
    assert_same_output(serial_out, out)


def test_prices_add_a_verification_table(small, tmp_path):
    prices = tmp_path / "prices"
    prices.mkdir()
    (prices / "GDAXI.csv").write_text(
        "Date,Symbol,Open,High,Low,Close\n"
        "2024-03-01,^GDAXI,17700,17800,17600,17735\n"
        "2024-03-04,^GDAXI,17700,17800,17600,17716\n"
        "2024-03-05,^GDAXI,17700,17800,17600,17698\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    proc = cli(str(small), "-o", str(out), "--prices", str(prices), "--published", "2024-03-05")
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stderr and str(out) in proc.stderr
    checks = frame(out, "verifications")
    events = frame(out, "events")
    assert sorted(checks["event_id"]) == sorted(events["event_id"])
    dax = events.loc[events["symbol"] == "^GDAXI", "event_id"]
    assert set(checks.loc[checks["event_id"].isin(dax), "verification_status"]) - {"unverifiable"}


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--engine", "spark"], 2, "--engine"),
        (["--engine", "dask"], 2, "--scheduler"),
        (["--lang", "fr"], 2, "--lang"),
        (["--field", "body"], 2, "--field"),
        (["--published", "5.3.2024"], 2, "YYYY-MM-DD"),
        (["--prices", "/no/such/dir"], 1, "no such price directory"),
    ],
)
def test_bad_command_lines_and_setup_errors(small, tmp_path, args, code, message):
    result = CliRunner().invoke(app, ["batch", str(small), "-o", str(tmp_path / "out"), *args])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert not isinstance(result.exception, Exception), "a traceback, not a message"


def test_outdir_that_is_a_file_is_a_setup_error(small, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    proc = cli(str(small), "-o", str(target))
    assert proc.returncode == 1
    assert "not a directory" in proc.stderr and "Traceback" not in proc.stderr


def test_glob_and_field_mapping_through_the_cli(tmp_path):
    corpus = tmp_path / "mixed"
    (corpus / "feeds").mkdir(parents=True)
    records = [
        {"body": "Der Dax stieg am Dienstag um 1,5 Prozent.", "day": "2024-03-05"},
        {"body": "The S&P 500 fell 0.8 percent on Tuesday.", "day": "2024-03-05"},
    ]
    (corpus / "feeds" / "wire.jsonl").write_text(
        "\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8"
    )
    (corpus / "note.txt").write_text("Der MDax fiel am Dienstag um 2 Prozent.\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = cli(str(corpus), "-o", str(out), "--glob", "*.JSONL", "--field", "text=body",
               "--field", "date=day")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    articles = frame(out, "articles")
    wire = corpus / "feeds" / "wire.jsonl"
    assert list(articles["source"]) == [f"{wire}:1", f"{wire}:2"]
    assert list(articles["status"]) == ["ok", "ok"]
    events = frame(out, "events")
    assert sorted(events["symbol"]) == ["^GDAXI", "^GSPC"]
    assert set(events["ref_date"].astype(str)) == {"2024-03-05"}


def test_user_catalog_reaches_every_worker(tmp_path):
    corpus = tmp_path / "bux"
    corpus.mkdir()
    for i in range(6):
        text = f"5. März 2024\n\nDer Budapester Leitindex BUX stieg am Dienstag um 1,{i} Prozent.\n"
        (corpus / f"a{i}.txt").write_text(text, encoding="utf-8")
    catalog = tmp_path / "mine.csv"
    catalog.write_text(
        "id,name,type,symbol,isin,exchange,currency,aliases_de,aliases_en,aliases_any\n"
        "index:bux,BUX,index,^BUX.BD,,XBUD,HUF,Budapester Leitindex BUX,,BUX\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = [str(corpus), "-o", str(out), "--catalog", str(catalog), "--workers", "2"]
    proc = cli(*args, "--chunk-size", "2")
    assert proc.returncode == 0, proc.stderr
    events = frame(out, "events")
    assert len(events) == 6
    assert set(events["entity_id"]) == {"index:bux"} and set(events["symbol"]) == {"^BUX.BD"}
    # Without the file the BUX is not in the catalog: no linked event.
    plain = tmp_path / "plain"
    assert cli(str(corpus), "-o", str(plain), "-q").returncode == 0
    assert "index:bux" not in set(frame(plain, "events").get("entity_id", []))


def test_unreachable_dask_scheduler_is_a_setup_error(small, tmp_path):
    import socket

    with socket.socket() as sock:  # a port nothing listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "out"
    proc = cli(
        str(small), "-o", str(out), "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{port}"
    )
    assert proc.returncode == 1
    assert "narrate: error:" in proc.stderr and f"127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_progress_bar_on_a_terminal_and_quiet_mode(small, tmp_path):
    """On a pseudo-terminal the bar shows done/total, the rate and an ETA; -q prints nothing."""
    import pty
    import select

    out = tmp_path / "out"
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "160", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "narrate.cli", "batch", str(small), "-o", str(out),
         "--chunk-size", "4"],
        stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env,
    )  # fmt: skip
    os.close(slave)
    screen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closed: the process has ended
            break
        if not data:
            break
        screen += data
    os.close(master)
    assert proc.wait(timeout=60) == 0
    text = screen.decode("utf-8", "replace")
    assert "/44" in text, text  # the estimated total: 40 + 4 odd files
    assert "articles, " in text and "/s, " in text and "ETA" in text
    assert "ok, 1 skipped, 3 error(s)" in text

    prices = tmp_path / "prices"
    prices.mkdir()
    (prices / "GDAXI.csv").write_text(  # a row the loader warns about
        "Date,Symbol,Open,High,Low,Close\n2024-03-05,^GDAXI,abc,17800,17600,17698\n",
        encoding="utf-8",
    )
    loud = cli(str(small), "-o", str(tmp_path / "loud"), "--prices", str(prices))
    assert "unparseable open" in loud.stderr
    quiet = cli(str(small), "-o", str(tmp_path / "quiet"), "--prices", str(prices), "-q")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""


# --- models -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """A narrate-multitask folder (2-layer, 32-wide BERT) whose NER head tags every word B-ORG."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tiny_model import build_tiny

    return build_tiny(tmp_path_factory.mktemp("m") / "tiny")


def test_models_fill_sentiment_in_events_and_articles(tiny, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = [
        "5. März 2024\n\nDer Dax fiel am Dienstag um 1,4 Prozent.",
        "Die Siemens-Aktie stieg am Dienstag um 2,1 Prozent.",
        "Nvidia shares rose 3 percent and the Nasdaq Composite fell 1.2 percent on Tuesday.",
    ]
    for i, text in enumerate(texts):
        (corpus / f"m{i}.txt").write_text(text + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(corpus), "-o", str(out), "--model", str(tiny), "--quantize", "none"]
    result = CliRunner().invoke(app, [*args, "--workers", "2", "--chunk-size", "2", "-q"])
    assert result.exit_code == 0, result.output
    articles = frame(out, "articles")
    assert list(articles["status"]) == ["ok"] * 3
    assert set(articles["lang"]) == {"de", "en"}
    assert set(articles["doc_sentiment_label"]) <= {"negative", "neutral", "positive"}
    assert articles["doc_sentiment_score"].between(0.0, 1.0, inclusive="right").all()
    events = frame(out, "events")
    assert len(events) >= 3 and set(events["lang"]) == {"de", "en"}
    assert set(events["sentiment_label"]) <= {"negative", "neutral", "positive"}
    assert events["sentiment_score"].between(0.0, 1.0).all()

    plain = tmp_path / "plain"
    result = CliRunner().invoke(app, ["batch", str(corpus), "-o", str(plain), "--no-models"])
    assert result.exit_code == 0, result.output
    assert frame(plain, "articles")["doc_sentiment_label"].isna().all()
    assert frame(plain, "events")["sentiment_label"].isna().all()
    key = ["source", "start", "end", "event_id"]
    assert frame(plain, "events")[key].equals(events[key])


UNLINKED_TEXT = (
    "Shares of Wizz Air fell 6% on Tuesday, while Siemens rose 2%. "
    "Continental said it would cut flights."
)


def test_unlinked_names_are_kept_in_their_own_table(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "u.txt").write_text(UNLINKED_TEXT + "\n", encoding="utf-8")
    (corpus / "v.txt").write_text("Der Dax fiel am Dienstag um 1,4 Prozent.\n", encoding="utf-8")
    plain = tmp_path / "plain"
    result = CliRunner().invoke(app, ["batch", str(corpus), "-o", str(plain), "--no-models", "-q"])
    assert result.exit_code == 0, result.output
    rows = frame(plain, "unlinked").to_dict("records")
    # Without models only the catalog's own decision: "Continental" with no company context.
    assert [(r["text"], r["reason"], list(r["candidates"])) for r in rows] == [
        ("Continental", "ambiguous", ["company:DE0005439004"])
    ]
    article = frame(plain, "articles").set_index("source").loc[str(corpus / "u.txt")]
    assert rows[0]["article_id"] == article["article_id"]
    assert UNLINKED_TEXT[rows[0]["start"] : rows[0]["end"]] == "Continental"

    shipped = ROOT / "models" / "narrate-e5-fin"
    if not (shipped / "heads.safetensors").exists():
        pytest.skip(f"the shipped model is not in {shipped} (make models builds it)")
    pytest.importorskip("torch")
    with_models = tmp_path / "models"
    args = ["batch", str(corpus), "-o", str(with_models), "--models", "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    found = frame(with_models, "unlinked")
    companies = found[found["reason"] == "not_in_catalog"]
    assert "Wizz Air" in set(companies["text"]), found
    assert companies["score"].between(0.0, 1.0).all()
    assert set(companies["model"]) == {"narrate-e5-fin@0.2.0"}


def test_missing_model_is_a_setup_error(small, tmp_path):
    args = ["batch", str(small), "-o", str(tmp_path / "out"), "--model", str(tmp_path / "absent")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "error" in result.output and not isinstance(result.exception, Exception)
