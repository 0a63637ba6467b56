"""The shipped model: it loads and scores offline, and its held-out quality stays above the floors.

The floors are the figures measured when the model was trained (see models/README.md). A change
may raise a floor; lowering one needs a reason in the commit. The issue's goals (SEntFiN 0.90,
FinEntity 0.85, GerNTSA 0.75, GermEval ORG 0.80) are not all met yet: the model card says which.
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

# Measured on the held-out test splits when the shipped model was built (models/README.md).
# Measured: SEntFiN 0.829, FinEntity 0.843, GerNTSA 0.502, GermEval ORG 0.635, FinEntity ORG 0.882.
SENTIMENT_FLOORS = {  # dataset: (metric, floor)
    "sentfin": ("accuracy", 0.82),
    "finentity": ("micro_f1", 0.84),
    "gerntsa": ("macro_f1", 0.50),
}
NER_ORG_FLOORS = {"germeval": 0.63, "finentity": 0.88}


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
@pytest.mark.parametrize("dataset", sorted(SENTIMENT_FLOORS))
def test_sentiment_quality_floor(dataset):
    from narrate.models.training import evaluate_sentiment

    metric, floor = SENTIMENT_FLOORS[dataset]
    got = evaluate_sentiment(MODEL, SHARED, dataset)
    print(f"\n{dataset}: {metric} {got[metric]:.4f} (n={got['n']}, floor {floor})")
    assert got[metric] >= floor


@needs_model
@needs_data
@pytest.mark.parametrize("dataset", sorted(NER_ORG_FLOORS))
def test_ner_org_floor(dataset):
    from narrate.models.training import evaluate_ner

    got = evaluate_ner(MODEL, SHARED, dataset)
    org = got["ORG"]["f1"]
    print(f"\n{dataset}: ORG F1 {org:.4f} (floor {NER_ORG_FLOORS[dataset]})")
    assert org >= NER_ORG_FLOORS[dataset]
