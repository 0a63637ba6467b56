"""The shipped model: it loads and scores offline, and its held-out quality stays above the floors.

The floors are the figures measured when the model was trained (see models/README.md). A change
may raise a floor; lowering one needs a reason in the commit. The issue's goals (SEntFiN 0.90,
FinEntity 0.85, GerNTSA 0.75, GermEval ORG 0.80) are not all met: the model card says which.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
MODEL = ROOT / "models" / "narrate-e5-fin"

needs_model = pytest.mark.skipif(
    not (MODEL / "narrate_model.json").is_file(),
    reason=f"shipped model not found at {MODEL} (build it with `make models`)",
)
needs_data = pytest.mark.skipif(
    not (SHARED / "data" / "text").is_dir(), reason=f"evaluation data not found under {SHARED}"
)

# Measured on the held-out test splits when the shipped model was built (models/README.md),
# float32 / int8 (int8 as `extract --models` runs it; on a CPU with BF16 the feed-forward output
# projections run in bfloat16, elsewhere in float32, which scores at least as well):
# SEntFiN 0.854 / 0.851, FinEntity 0.872 / 0.865, GerNTSA 0.473 / 0.465,
# GermEval ORG 0.623 / 0.606, FinEntity ORG 0.930 / 0.916.
SENTIMENT_FLOORS = {  # dataset: (metric, {quantize: floor})
    "sentfin": ("accuracy", {"none": 0.85, "int8": 0.845}),
    "finentity": ("micro_f1", {"none": 0.87, "int8": 0.86}),
    "gerntsa": ("macro_f1", {"none": 0.47, "int8": 0.46}),
}
NER_ORG_FLOORS = {
    "germeval": {"none": 0.62, "int8": 0.60},
    "finentity": {"none": 0.925, "int8": 0.91},
}


@needs_model
def test_shipped_model_scores_headlines_offline():
    lines = "Nvidia shares plunge after weak guidance\nSAP-Aktie springt nach starken Zahlen an\n"
    proc = subprocess.run(
        [sys.executable, "-m", "narrate.cli", "sentiment", "-"],
        input=lines.encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=300,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr.decode()
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["lang"] for r in rows] == ["en", "de"]
    assert [r["label"] for r in rows] == ["negative", "positive"]
    assert all(0.0 <= r["score"] <= 1.0 for r in rows)


@needs_model
@needs_data
@pytest.mark.parametrize("quantize", ["none", "int8"])
@pytest.mark.parametrize("dataset", sorted(SENTIMENT_FLOORS))
def test_sentiment_quality_floor(dataset, quantize):
    from narrate.models.training import evaluate_sentiment

    metric, floors = SENTIMENT_FLOORS[dataset]
    got = evaluate_sentiment(MODEL, SHARED, dataset, quantize=quantize)
    floor = floors[quantize]
    print(f"\n{dataset} {quantize}: {metric} {got[metric]:.4f} (n={got['n']}, floor {floor})")
    assert got[metric] >= floor


@needs_model
@needs_data
@pytest.mark.parametrize("quantize", ["none", "int8"])
@pytest.mark.parametrize("dataset", sorted(NER_ORG_FLOORS))
def test_ner_org_floor(dataset, quantize):
    from narrate.models.training import evaluate_ner

    got = evaluate_ner(MODEL, SHARED, dataset, quantize=quantize)
    org = got["ORG"]["f1"]
    floor = NER_ORG_FLOORS[dataset][quantize]
    print(f"\n{dataset} {quantize}: ORG F1 {org:.4f} (floor {floor})")
    assert org >= floor


@needs_data
def test_lexicon_baselines_match_the_model_card():
    from narrate.models.training import evaluate_lexicon_sentiment

    pytest.importorskip("vaderSentiment", reason="vaderSentiment (dev extra) not installed")
    words = {d: evaluate_lexicon_sentiment(SHARED, d) for d in SENTIMENT_FLOORS}
    vader = {d: evaluate_lexicon_sentiment(SHARED, d, backend="vader") for d in SENTIMENT_FLOORS}
    assert round(words["sentfin"]["accuracy"], 3) == 0.616
    assert round(words["finentity"]["micro_f1"], 3) == 0.592
    assert round(words["gerntsa"]["macro_f1"], 3) == 0.401
    assert round(vader["sentfin"]["accuracy"], 3) == 0.526
    assert round(vader["finentity"]["micro_f1"], 3) == 0.403
    assert vader["gerntsa"] is None  # VADER is English-only
    with pytest.raises(ValueError, match="'afinn'"):
        evaluate_lexicon_sentiment(SHARED, "sentfin", backend="afinn")
