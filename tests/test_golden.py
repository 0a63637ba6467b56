"""Golden files: input text -> the exact set of move events it must give.

tests/golden/sentences.yaml holds short cases written by the project in both languages;
tests/golden/seed_*.yaml pin every event of the seed articles in seeds/. A golden file changes
only by hand, after reading the diff: an extra event fails as surely as a missing one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

import narrate
from narrate.ingest import read_text_file
from narrate.pipeline import Settings, process

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[1]


def _entity_key(event) -> str:
    return event.symbol or event.entity_id


def _matches(event, expected: dict) -> bool:
    for key, want in expected.items():
        got = _entity_key(event) if key == "entity" else getattr(event, key)
        if isinstance(want, float | int) and not isinstance(want, bool) and got is not None:
            if abs(float(got) - float(want)) > 1e-9 * max(1.0, abs(float(want))):
                return False
        elif got != want:
            return False
    return True


def _check(events, expected: list[dict], label: str) -> None:
    unmatched = list(events)
    missing = []
    for want in expected:
        hit = next((e for e in unmatched if _matches(e, want)), None)
        if hit is None:
            missing.append(want)
        else:
            unmatched.remove(hit)
    extra = [
        {k: getattr(e, k) for k in ("entity_id", "kind", "direction", "value", "unit", "sentence")}
        for e in unmatched
    ]
    assert not missing and not extra, f"{label}\nmissing: {missing}\nunexpected: {extra}"


SENTENCE_CASES = yaml.safe_load((GOLDEN / "sentences.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", SENTENCE_CASES, ids=[c["text"][:60] for c in SENTENCE_CASES])
def test_sentence_golden(case):
    published = case.get("published")
    events = narrate.extract(case["text"], lang=case["lang"], published=published)
    _check(events, case["events"], case["text"])


SEED_CASES = sorted(GOLDEN.glob("seed_*.yaml"))


@pytest.mark.parametrize("path", SEED_CASES, ids=[p.stem for p in SEED_CASES])
def test_seed_golden(path):
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    published = case.get("published")
    article, problems = read_text_file(ROOT / case["input"], published=published)
    assert article is not None, problems
    result = process(article, Settings())
    assert result.lang == case["lang"]
    assert article.published == case.get("article_published")
    _check(result.events, case["events"], path.name)
    for text in case.get("no_event_from", []):
        assert not any(text in article.text[e.start : e.end] for e in result.events), text


def test_published_date_is_an_argument_not_the_clock():
    events = narrate.extract("Am Dienstag fiel der Dax um 1 %.", lang="de")
    assert [e.ref_date for e in events] == [None]
    events = narrate.extract(
        "Am Dienstag fiel der Dax um 1 %.", lang="de", published=dt.date(2024, 3, 8)
    )
    assert [e.ref_date for e in events] == [dt.date(2024, 3, 5)]


MODEL = ROOT / "models" / "narrate-e5-fin"
UNLINKED_CASES = yaml.safe_load((GOLDEN / "unlinked.yaml").read_text(encoding="utf-8"))


@pytest.mark.skipif(
    not (MODEL / "narrate_model.json").is_file(),
    reason=f"shipped model not found at {MODEL} (build it with `make models`)",
)
@pytest.mark.parametrize("case", UNLINKED_CASES, ids=[c["text"][:60] for c in UNLINKED_CASES])
def test_unknown_company_is_unlinked_golden(case):
    import json

    from typer.testing import CliRunner

    from narrate.cli import app

    pytest.importorskip("torch")
    result = CliRunner().invoke(
        app, ["extract", "-", "--models", "--lang", case["lang"], "-f", "jsonl"], input=case["text"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    (article,) = [r for r in rows if r["record"] == "article"]
    found = [
        u["text"]
        for u in article["unlinked"]
        if u["reason"] == "not_in_catalog" and u["type"] == "company"
    ]
    assert found == case["unlinked"], case["text"]
