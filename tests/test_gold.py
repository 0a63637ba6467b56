"""The gold corpus of move events (corpus/gold) and the move-extraction gate on it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from narrate.evaluation import (
    GOLD_SPLITS,
    evaluate_moves,
    glue_counts,
    gold_documents,
    gold_path,
    load_gold,
    repair_glued_words,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
NUMBER_WORD = re.compile(
    r"\d|\b(?:eine?|ein|one|two|three|four|five|six|seven|eight|nine|ten|zwei|drei|vier|fünf|"
    r"sechs|sieben|acht|neun|zehn|half|halb)\b",
    re.IGNORECASE,
)

needs_shared = pytest.mark.skipif(
    not (SHARED / "data").is_dir(), reason=f"the gold texts are read from {SHARED / 'data'}"
)


@pytest.fixture(scope="module")
def documents():
    return gold_documents(SHARED)


def _splits(lang):
    return [split for split in GOLD_SPLITS if gold_path(lang, split).exists()]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_gold_files_parse_and_name_each_document_once(lang):
    assert _splits(lang)[0] == "dev"
    ids = [d.doc for split in _splits(lang) for d in load_gold(lang, split=split)]
    assert len(ids) == len(set(ids))  # a document is in one split only
    assert len(load_gold(lang)) >= 30
    for split in _splits(lang):
        for doc in load_gold(lang, split=split):
            for event in doc.events:
                assert 0 <= event.start < event.end and event.value >= 0
                assert event.unit in ("%", "pp", "points") or re.fullmatch(r"[A-Z]{3}", event.unit)


@needs_shared
@pytest.mark.parametrize("lang", ["de", "en"])
def test_gold_spans_lie_in_their_documents(lang, documents):
    gold = [d for split in _splits(lang) for d in load_gold(lang, split=split)]
    chosen = {k for k in documents if k.startswith("dax_news_dev:") == (lang == "de")}
    assert {d.doc for d in gold} == chosen  # the documents the strides choose, no more, no fewer
    for doc in gold:
        text = documents[doc.doc].text
        for event in doc.events:
            figure = text[event.start : event.end]
            assert event.end <= len(text) and figure.strip() == figure, (doc.doc, figure)
            assert NUMBER_WORD.search(figure), (doc.doc, event.start, figure)


# The evaluation gate for move extraction (issue: F1 >= 0.90 with precision >= 0.95 per
# language). Floors are the figures measured when they were last raised, rounded down; raise them
# as accuracy improves, never lower one without saying why in the commit. "dev" is the split the
# rules were tuned on; "test" is held out (see corpus/gold/README.md).
# Measured 2026-11-22 (`narrate eval moves`), after the catalog grew to twelve indices, ambiguous
# names needed context and yields, commodities and crypto were added: de dev P 0.9817 R 0.9037
# F1 0.9411 (535 of 592 gold, 545 predicted); de test P 0.8938 R 0.8079 F1 0.8487 (244 of 302,
# 273 predicted; its errors are not looked at); en dev P 0.8611 R 0.4769 F1 0.6139 (31 of 65,
# 36 predicted), then P 0.8857 F1 0.6200 (35 predicted) once an unknown name in the clause keeps
# the entity named outside it from taking the figure. Then en dev P 0.9143 F1 0.6400 with the S&P
# 500 sector indices; de dev P 0.9835 R 0.9054 F1 0.9428, de test P 0.8974 R 0.8113 F1 0.8522
# with German capitals ("HUGO BOSS") and places left out of "beziehungsweise"; de test P 0.9041
# F1 0.8551 once shares of an unknown issuer ("die Papiere von RENK") keep their figure; en dev
# P 0.9167 R 0.5077 F1 0.6535 with the AEX, BEL 20, CAC Mid 60, IBEX 35 and OMX companies;
# P 0.9318 R 0.6308 F1 0.7523 once Reuters codes identify companies the catalog does not know.
MOVE_FLOORS = {
    ("de", "dev"): {"precision": 0.983, "recall": 0.905, "f1": 0.942},
    ("de", "test"): {"precision": 0.904, "recall": 0.811, "f1": 0.855},
    ("en", "dev"): {"precision": 0.931, "recall": 0.630, "f1": 0.752},
}


@needs_shared
def test_move_extraction_meets_its_floors():
    scores = {(s.lang, s.split): s for s in evaluate_moves(SHARED)}
    assert set(MOVE_FLOORS) <= set(scores)
    for key, floors in MOVE_FLOORS.items():
        score = scores[key]
        print(
            f"\n{key}: P {score.precision:.3f} R {score.recall:.3f} F1 {score.f1:.3f} "
            f"({score.matched} of {score.gold} gold, {score.predicted} predicted)"
        )
        assert score.precision >= floors["precision"]
        assert score.recall >= floors["recall"]
        assert score.f1 >= floors["f1"]


def test_eval_moves_reports_a_missing_gold_file(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import narrate.evaluation as evaluation
    from narrate.cli import app

    monkeypatch.setattr(evaluation, "GOLD_DIR", tmp_path)  # no de.jsonl / en.jsonl here
    monkeypatch.setattr(evaluation, "gold_documents", lambda shared: {})
    shared = tmp_path / "shared"
    (shared / "data").mkdir(parents=True)
    result = CliRunner().invoke(app, ["eval", "moves", "--shared", str(shared)])
    assert result.exit_code == 1
    assert "de.jsonl" in result.output and not isinstance(result.exception, Exception)


def test_glued_names_are_split_only_where_the_corpus_knows_the_name():
    bodies = [
        "Auf dem Festland klettert der Shanghai Compositeum 2,51 Prozent.",
        "Der Shanghai Compositeverliert 1 Prozent, der Hang Sengin Hongkong steigt.",
        "Der Hang Sengderweil fällt. Der Hang Sengzeigt sich fest.",
        "Die Chefvolkswirtin sagte, der Aufstieg gehe weiter. Auf Sicht: DAX0,9 Prozent stärker.",
        "Auf den Dax folgte undadidas(-0,39 Prozent).",
        "Auf Sicht auf und ab, auf Dauer auf Rekordkurs, auf breiter Front auf Kurs.",
    ]
    names = glue_counts(bodies)
    repaired = [repair_glued_words(body, names) for body in bodies]
    assert repaired == [
        "Auf dem Festland klettert der Shanghai Composite um 2,51 Prozent.",
        "Der Shanghai Composite verliert 1 Prozent, der Hang Seng in Hongkong steigt.",
        "Der Hang Seng derweil fällt. Der Hang Seng zeigt sich fest.",
        # a feminine "-in" and a capitalised function word ("Auf" + "stieg") are no glue
        "Die Chefvolkswirtin sagte, der Aufstieg gehe weiter. Auf Sicht: DAX 0,9 Prozent stärker.",
        "Auf den Dax folgte und adidas(-0,39 Prozent).",
        bodies[-1],
    ]
    # without corpus counts only the unambiguous repairs are made
    assert repair_glued_words(bodies[0]) == bodies[0]
