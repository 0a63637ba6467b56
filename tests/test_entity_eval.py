"""`narrate eval entities`: the scorers on hand-made inputs, the command's error path, and the
entity-linking gate on ../shared/data."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from narrate.catalog import Catalog, load_catalog
from narrate.cli import app
from narrate.evaluation import (
    GoldDoc,
    evaluate_entities,
    load_sentfin_gold,
    score_finentity,
    score_linking,
    score_sentfin,
)
from narrate.records import CatalogEntity

SHARED = Path(__file__).resolve().parents[2] / "shared"
needs_shared = pytest.mark.skipif(
    not (SHARED / "data").is_dir(), reason=f"the entity data is read from {SHARED / 'data'}"
)


@pytest.fixture(scope="module")
def catalog():
    return Catalog(
        [
            CatalogEntity(
                id="company:target", name="Target", type="company", symbol="TGT",
                aliases={"any": ["Target Corp"]},
            ),
            CatalogEntity(
                id="company:jnj", name="Johnson & Johnson", type="company", symbol="JNJ",
                aliases={"any": ["Johnson & Johnson"]},
            ),
            CatalogEntity(
                id="commodity:gold", name="Gold", type="commodity", aliases={"en": ["gold"]}
            ),
        ]
    )  # fmt: skip


def _span(text: str, value: str, shift: int = 0) -> dict:
    start = text.index(value) + shift
    return {"start": start, "end": start + len(value), "value": value}


def test_finentity_recall_scores_the_alias_matcher_against_the_code(catalog):
    linked = "Johnson & Johnson <JNJ.N> shares gained."
    missed = "Rivals Target <TGT.N> and Tesla's <TSLA.O> also slid."
    possessive = "Target Corp's <TGT.N> profit halved."
    no_code = "Target Corp said on Monday <TGT.N> that..."  # the code is too far from the name
    shifted = "Apple��s rival Johnson & Johnson <JNJ.N> rose."  # offsets off by two characters
    paragraphs = [
        {"content": linked, "annotations": [_span(linked, "Johnson & Johnson")]},
        {
            "content": missed,
            "annotations": [_span(missed, "Target"), _span(missed, "Tesla")],
        },
        {"content": possessive, "annotations": [_span(possessive, "Target Corp")]},
        {"content": no_code, "annotations": [_span(no_code, "Target Corp")]},
        {"content": shifted, "annotations": [_span(shifted, "Johnson & Johnson", shift=2)]},
    ]
    score = score_finentity(paragraphs, catalog)
    # Tesla has a code but no catalog entity; "Target" alone is no alias of the small catalog.
    assert (score.spans, score.with_code, score.expected, score.linked) == (6, 5, 4, 3)
    assert (score.company_expected, score.company_linked) == (4, 3)
    assert score.recall == pytest.approx(0.75)
    (miss,) = score.misses
    assert (miss["doc"], miss["mention"], miss["expected"]) == (
        "finentity:1",
        "Target",
        "company:target",
    )


def test_sentfin_recall_counts_mentions_the_gold_maps_to_an_entity(catalog):
    headlines = [
        ("Target Corp shares fall; gold steady", ["Target Corp", "gold"]),
        ("Sensex ends flat", ["Sensex"]),  # mapped to null: not scored
        ("Gold glitters", ["Gold"]),  # case matters: the small catalog has "gold" only
        ("Unknown Ltd rises", ["Unknown Ltd"]),  # not in the gold mapping: not scored
    ]
    gold = {
        "Target Corp": "company:target",
        "gold": "commodity:gold",
        "Gold": "commodity:gold",
        "Sensex": None,
    }
    score = score_sentfin(headlines, gold, catalog)
    assert (score.spans, score.with_code, score.expected, score.linked) == (5, 4, 3, 2)
    assert (score.company_expected, score.company_linked) == (1, 1)
    (miss,) = score.misses
    assert (miss["mention"], miss["found"], miss["context"]) == ("Gold", [], "Gold glitters")


def _event(start, end, kind, value, entity_id, symbol=None):
    return SimpleNamespace(
        start=start, end=end, kind=kind, value=value, entity_id=entity_id, symbol=symbol,
        direction="up", unit="%", qualifier=None, ref_date=None,
    )  # fmt: skip


def test_linking_precision_compares_events_that_meet_a_gold_event():
    text = "Der Dax stieg um 1,5 Prozent, SAP um 2 Prozent auf 200 Euro."
    gold_event = {
        "direction": "up", "unit": "%", "qualifier": None, "ref_date": None,
    }  # fmt: skip
    doc = GoldDoc.model_validate(
        {
            "doc": "d1",
            "events": [
                {**gold_event, "start": 17, "end": 28, "entity": "Dax", "entity_id": "index:dax",
                 "symbol": "^GDAXI", "kind": "percent_change", "value": 1.5},
                {**gold_event, "start": 37, "end": 46, "entity": "SAP", "entity_id": None,
                 "symbol": "SAP.DE", "kind": "percent_change", "value": 2.0},
            ],
        }
    )  # fmt: skip
    predicted = {
        "d1": [
            _event(17, 28, "percent_change", 1.5, "index:dax"),  # right
            _event(37, 46, "percent_change", 2.0, "company:sap", "SAP.DE"),  # right by symbol
            _event(37, 46, "percent_change", 2.0, "index:dax"),  # wrong link
            _event(37, 46, "percent_change", 3.0, "index:dax"),  # another value: not compared
            _event(51, 59, "level", 200.0, "index:dax"),  # meets no gold event
        ]
    }
    score = score_linking("de", [doc], predicted, {"d1": text})
    assert (score.compared, score.same_entity) == (3, 2)
    assert score.precision == pytest.approx(2 / 3)
    (wrong,) = score.wrong_links
    assert (wrong["entity_id"], wrong["gold_symbol"], wrong["figure"]) == (
        "index:dax", "SAP.DE", "2 Prozent",
    )  # fmt: skip


def test_sentfin_gold_names_only_catalog_entities():
    gold = load_sentfin_gold()
    assert len(gold) >= 150
    catalog = load_catalog()
    unknown = sorted(v for v in gold.values() if v is not None and v not in catalog)
    assert not unknown


def test_eval_entities_reports_missing_data_in_one_line(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    (shared / "data").mkdir(parents=True)  # the folder exists, FinEntity.json does not
    result = CliRunner().invoke(app, ["eval", "entities", "--shared", str(shared)])
    assert result.exit_code == 1 and not isinstance(result.exception, Exception)
    assert "FinEntity.json" in result.output and len(result.output.strip().splitlines()) == 1
    result = CliRunner().invoke(app, ["eval", "entities", "--shared", str(tmp_path / "none")])
    assert result.exit_code == 1 and "not found" in result.output
    missing = ["--models", "--model", str(tmp_path / "no-model")]
    result = CliRunner().invoke(app, ["eval", "entities", "--shared", str(shared), *missing])
    assert result.exit_code == 1 and not isinstance(result.exception, Exception)
    assert "no-model" in result.output and "FinEntity.json" not in result.output


# The entity-linking gate (issue "Entity catalog and linking": recall >= 0.90 on catalog
# companies, linking precision >= 0.97). Floors are the figures measured when they were set,
# rounded down; raise them as linking improves, never lower one without saying why in the commit.
# Measured at 84118c0's catalog (`narrate eval entities`): FinEntity 413 of 447 spans with a
# catalog company's code (0.9239); SEntFiN 691 of 885 mentions (0.7808; companies 100 of 101,
# most misses are the bare "dollar" and "oil" that the catalog leaves out on purpose); linking
# precision de 764 of 798 (0.9574), en 31 of 33 (0.9394). After disambiguation, yields and
# commodities: de 786 of 809 (0.9716); SEntFiN 1400 of 1617 (0.8658) once Nifty, Sensex and
# sugar, now in the catalog, were mapped to their ids; en 31 of 32 (0.9688) once an unknown name
# in a clause kept its figure from the entity named outside it; en 32 of 32 once the S&P 500
# sector indices were in the catalog ("S&P industrials index" had linked to the S&P 500); de 788
# of 809 (0.9740) with German capitals ("HUGO BOSS") and places left out of "beziehungsweise";
# 788 of 807 (0.9765) once shares of an unknown issuer ("die Papiere von RENK") keep their figure;
# FinEntity 420 of 454 (0.9251) and en 33 of 33 with the AEX, BEL 20, CAC Mid 60, IBEX 35 and OMX.
RECALL_FLOORS = {"finentity": 0.925, "sentfin": 0.865}
COMPANY_RECALL_FLOORS = {"finentity": 0.925, "sentfin": 0.990}  # 422 of 456 with class codes
LINKING_FLOORS = {"de": 0.976, "en": 0.999}


@needs_shared
def test_entity_linking_meets_its_floors():
    result = evaluate_entities(SHARED)
    for score in result.recall:
        print(
            f"\n{score.dataset}: recall {score.recall:.4f} ({score.linked} of {score.expected}),"
            f" companies {score.company_recall:.4f}"
        )
        assert score.recall >= RECALL_FLOORS[score.dataset]
        assert score.company_recall >= COMPANY_RECALL_FLOORS[score.dataset]
    assert {link.lang for link in result.linking} == set(LINKING_FLOORS)
    for link in result.linking:
        print(
            f"{link.lang}: linking precision {link.precision:.4f}"
            f" ({link.same_entity} of {link.compared})"
        )
        assert link.precision >= LINKING_FLOORS[link.lang]


# --- names the catalog does not know (`narrate eval entities --models`) ----------------------

MODEL = Path(__file__).resolve().parents[1] / "models" / "narrate-e5-fin"
needs_model = pytest.mark.skipif(
    not (MODEL / "narrate_model.json").is_file(),
    reason=f"shipped model not found at {MODEL} (build it with `make models`)",
)


def test_unlinked_recall_counts_gold_names_the_catalog_does_not_link(catalog, monkeypatch):
    import narrate.pipeline
    from narrate.evaluation import score_unlinked
    from narrate.pipeline import ArticleResult, Settings
    from narrate.records import UnlinkedEntity

    text = "Target Corp rose 2%, Huhtamaki 6% and Acme Ltd 1%; Foo Bar fell."
    spans = [(text.index(n), text.index(n) + len(n)) for n in ("Target Corp", "Huhtamaki", "Acme")]

    def unlinked(name, reason="not_in_catalog"):
        start = text.index(name)
        return UnlinkedEntity(text=name, start=start, end=start + len(name), reason=reason)

    found = [unlinked("Huhtamaki"), unlinked("Foo Bar"), unlinked("Acme Ltd", reason="ambiguous")]
    monkeypatch.setattr(  # the pipeline's unlinked entities, given
        narrate.pipeline,
        "process",
        lambda article, *_: ArticleResult(article=article, lang="en", unlinked=found),
    )
    score = score_unlinked("t", "en", [(text, spans)], Settings(lang="en"), catalog)
    # Target Corp is linked; Huhtamaki is covered; Acme only by an "ambiguous" record.
    assert (score.gold, score.not_linked, score.covered) == (3, 2, 1)
    assert (score.emitted, score.on_gold) == (2, 1)
    assert score.recall == pytest.approx(0.5) and score.precision_floor == pytest.approx(0.5)
    (off,) = score.off_gold
    assert off["text"] == "Foo Bar" and "Foo Bar fell" in off["context"]


# The unlinked-entity gate: through the real pipeline with the shipped model (int8, as `extract
# --models` runs it), on the model's held-out test splits (narrate.models.data), never trained
# on. Floors are the measured figures rounded down by about 0.02 (int8 differs slightly between
# CPUs); raise them as recall improves, never lower one without saying why in the commit.
# Measured with moves.name_sentences (`narrate eval entities --models`): FinEntity 169 of 234
# company spans the catalog does not link (0.7222; 76 of 234 when only sentences with a catalog
# entity reached NER), 262 emitted, 170 on a gold span (0.6489); GermEval ORG 39 of 233 (0.1674:
# general news, few sentences with a move cue), 62 emitted, 40 on a gold span (0.6452). Then,
# with spans inside Reuters codes ("<TRIP.O>") dropped and the S&P 500 sector codes in the
# catalog: FinEntity 170 of 234 (0.7265), 191 emitted, 170 on a gold span (0.8901). With the
# AEX, BEL 20, CAC Mid 60, IBEX 35 and OMX companies (fewer names left to NER): FinEntity 165 of
# 228 (0.7237), 185 emitted, 165 on gold (0.8919); GermEval 39 of 232 (0.1681), 40 of 63 on gold.
# Once a Reuters code makes a company an entity ("Wizz Air <WIZZ.L>", Catalog.coded): FinEntity
# 175 of 228 (0.7675; 29 by their code), 168 emitted, 146 on gold (0.8690). The on-gold floor
# went from 0.87 to 0.85: coded names are entities now, not unlinked ones (emitted 185 -> 168,
# on gold 165 -> 146), so the unlinked left are the harder names.
UNLINKED_FLOORS = {"finentity_test": 0.74, "germeval_test": 0.15}
UNLINKED_ON_GOLD_FLOORS = {"finentity_test": 0.85, "germeval_test": 0.62}


@needs_shared
@needs_model
@pytest.mark.slow
def test_unlinked_entities_meet_their_floors():
    pytest.importorskip("torch")
    from narrate.evaluation import evaluate_unlinked

    for score in evaluate_unlinked(SHARED):
        print(
            f"\n{score.dataset}: recall {score.recall:.4f} ({score.covered} of"
            f" {score.not_linked}, {score.coded} by code), emitted {score.emitted}, on gold"
            f" {score.precision_floor:.4f} ({score.on_gold})"
        )
        assert score.recall >= UNLINKED_FLOORS[score.dataset]
        assert score.precision_floor >= UNLINKED_ON_GOLD_FLOORS[score.dataset]
