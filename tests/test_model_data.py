"""Readers and deterministic splits of the model training data (narrate.models.data).

Synthetic files in tmp_path cover the formats; one test reads the real shared files when they
are present and pins their counts, so a changed split rule or reader cannot go unnoticed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrate.models import data
from narrate.models.data import (
    NerExample,
    SentimentExample,
    assign_split,
    load_ner_examples,
    load_sentiment_examples,
    parse_sentfin_decisions,
    split_value,
    target_window,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    root = tmp_path / "shared"
    text = root / "data" / "text"
    (text / "sentfin").mkdir(parents=True)
    (text / "finentity").mkdir()
    (text / "GerNTSA").mkdir()
    (text / "germeval2014_ner").mkdir()
    rows = ["S No.,Title,Decisions,Words"]
    for i in range(40):
        rows.append(f"{i},Acme {i} shares rise,\"{{'Acme {i}': 'positive', 'Beta': 'neutral'}}\",4")
    rows.append("""41,Lupin's US arm wins,"{'Lupin's US arm': 'positive'}",4""")
    (text / "sentfin" / "SEntFiN.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    paragraphs = [
        {
            "content": f"Tesla {i} Inc fell while Ford gained.",
            "annotations": [
                {"start": 0, "end": len(f"Tesla {i} Inc"), "tag": "Negative", "value": "x"},
                {
                    "start": len(f"Tesla {i} Inc fell while "),
                    "end": len(f"Tesla {i} Inc fell while Ford"),
                    "tag": "Positive",
                    "value": "Ford",
                },
            ],
        }
        for i in range(30)
    ]
    (text / "finentity" / "FinEntity.json").write_text(json.dumps(paragraphs), encoding="utf-8")
    records = [
        {
            "id": str(i),
            "opinion_snippet": f"Die Maskenpflicht {i} ist gut.",
            "target": "Maskenpflicht",
            "target_anchor": {"from": 4, "to": 17},
            "sentiment": {"polarity": "positive"},
        }
        for i in range(30)
    ]
    (text / "GerNTSA" / "GerNTSA.json").write_text(json.dumps(records), encoding="utf-8")
    tsv = (
        "#\tsource\t[2010]\t\n"
        "1\tDie\tO\tO\n2\tDeutsche\tB-ORG\tB-LOCderiv\n3\tBank\tI-ORG\tO\n4\tin\tO\tO\n"
        "5\tFrankfurt\tB-LOC\tO\n6\tund\tO\tO\n7\tAngela\tB-PER\tO\n8\tMerkel\tI-PER\tO\n"
        "9\tdeutsche\tB-LOCderiv\tO\n10\tiPhone\tB-OTH\tO\n11\tSAP-Chef\tB-ORGpart\tO\n\n"
    )
    more = "".join(f"1\tSatz\tO\tO\n2\t{i}\tO\tO\n\n" for i in range(20))
    (text / "germeval2014_ner" / "NER-de-dev.tsv").write_text(tsv + more, encoding="utf-8")
    part_a = tsv + "".join(f"1\tTeil\tO\tO\n2\t{i}\tO\tO\n\n" for i in range(30))
    (text / "germeval2014_ner" / "NER-de-test-part-a.tsv").write_text(part_a, encoding="utf-8")
    return root


def test_split_value_is_stable_and_in_range():
    assert split_value("abc") == split_value("abc")
    assert split_value("abc") != split_value("abd")
    assert all(0.0 <= split_value(str(i)) < 1.0 for i in range(100))


def test_assign_split_shares_match_fractions():
    splits = [assign_split(f"headline {i}", 0.2) for i in range(5000)]
    assert 0.17 < splits.count("test") / 5000 < 0.23
    assert 0.05 < splits.count("dev") / 5000 < 0.11


def test_sentfin_decisions_with_apostrophes():
    assert parse_sentfin_decisions("{'A': 'neutral'}") == {"A": "neutral"}
    cell = "{'Lupin's US arm': 'positive', 'Dr Reddy's': 'negative'}"
    assert parse_sentfin_decisions(cell) == {"Lupin's US arm": "positive", "Dr Reddy's": "negative"}
    with pytest.raises(ValueError, match="not understood"):
        parse_sentfin_decisions("garbage")


@pytest.mark.parametrize("dataset", ["sentfin", "finentity", "gerntsa"])
def test_sentiment_splits_partition_and_keep_groups_together(shared: Path, dataset: str):
    parts = {s: load_sentiment_examples(shared, dataset, s) for s in data.SPLITS}
    assert all(isinstance(e, SentimentExample) for v in parts.values() for e in v)
    texts = {s: {e.text for e in v} for s, v in parts.items()}
    assert not texts["train"] & texts["test"]
    assert not texts["dev"] & texts["test"]
    assert parts == {s: load_sentiment_examples(shared, dataset, s) for s in data.SPLITS}


def test_sentfin_reader(shared: Path):
    examples = [e for s in data.SPLITS for e in load_sentiment_examples(shared, "sentfin", s)]
    assert len(examples) == 81
    lupin = [e for e in examples if e.target == "Lupin's US arm"]
    assert lupin == [
        SentimentExample(
            text="Lupin's US arm wins", target="Lupin's US arm", label="positive", lang="en"
        )
    ]


def test_finentity_sentiment_and_ner(shared: Path):
    sent = [e for s in data.SPLITS for e in load_sentiment_examples(shared, "finentity", s)]
    assert len(sent) == 60
    assert {(e.target, e.label) for e in sent if e.target == "Ford"} == {("Ford", "positive")}
    ner = [e for s in data.SPLITS for e in load_ner_examples(shared, "finentity", s)]
    assert len(ner) == 30
    first = next(e for e in ner if e.tokens[1] == "0")
    assert first.labels == ["B-ORG", "I-ORG", "I-ORG", "O", "O", "B-ORG", "O"]
    # The NER split of a paragraph is the split of its sentiment examples.
    test_texts = {e.text for e in load_sentiment_examples(shared, "finentity", "test")}
    assert {
        " ".join(e.tokens) for e in load_ner_examples(shared, "finentity", "test")
    } == test_texts


def test_gerntsa_reader(shared: Path):
    examples = [e for s in data.SPLITS for e in load_sentiment_examples(shared, "gerntsa", s)]
    assert len(examples) == 30
    assert {(e.target, e.label, e.lang) for e in examples} == {("Maskenpflicht", "positive", "de")}


def test_germeval_labels_and_files(shared: Path):
    splits = {s: load_ner_examples(shared, "germeval", s) for s in data.SPLITS}
    everything = [ex for s in data.SPLITS for ex in splits[s]]
    assert len(everything) == 21 + 31
    first = NerExample(
        tokens="Die Deutsche Bank in Frankfurt und Angela Merkel deutsche iPhone SAP-Chef".split(),
        labels=["O", "B-ORG", "I-ORG", "O", "B-LOC", "O", "B-PER", "I-PER", "O", "O", "O"],
        lang="de",
    )
    assert everything.count(first) == 2  # once from each file
    # Test part A is split into test and train only; the test split is all from part A.
    assert splits["test"] and all(ex.tokens[0] in ("Teil", "Die") for ex in splits["test"])
    assert not any(ex.tokens[0] == "Teil" for ex in splits["dev"])
    assert any(ex.tokens[0] == "Teil" for ex in splits["train"])


def test_target_spans_point_at_the_target(shared: Path):
    for name in ("sentfin", "finentity", "gerntsa"):
        for example in load_sentiment_examples(shared, name, "train"):
            if example.target == "Beta":  # a SEntFiN entity the headline does not name
                assert example.span() is None
                continue
            start, end = example.span()
            assert example.text[start:end] == example.target, (name, example)


def test_bad_arguments_name_the_value(shared: Path, tmp_path: Path):
    with pytest.raises(ValueError, match="'valid'"):
        load_sentiment_examples(shared, "sentfin", "valid")
    with pytest.raises(ValueError, match="'semeval'"):
        load_sentiment_examples(shared, "semeval", "test")
    with pytest.raises(ValueError, match="'conll'"):
        load_ner_examples(shared, "conll", "test")
    with pytest.raises(FileNotFoundError, match="data/text"):
        load_sentiment_examples(tmp_path / "nowhere", "sentfin", "test")


def test_target_window_keeps_target_and_limits_words():
    words = [f"w{i}" for i in range(200)]
    text = " ".join(words)
    start = text.index("w150")
    window = target_window(text, start, start + 4, max_words=60)
    assert "w150" in window.split()
    assert len(window.split()) == 60
    assert target_window("short text", 0, 5) == "short text"


@pytest.mark.skipif(
    not (SHARED / "data" / "text" / "sentfin").is_dir(), reason="shared data folder absent"
)
def test_real_files_split_sizes():
    sizes = {
        (d, s): len(load_sentiment_examples(SHARED, d, s))
        for d in ("sentfin", "finentity", "gerntsa")
        for s in data.SPLITS
    }
    sizes.update(
        {
            (f"ner-{d}", s): len(load_ner_examples(SHARED, d, s))
            for d in ("germeval", "finentity")
            for s in data.SPLITS
        }
    )
    assert sum(sizes["sentfin", s] for s in data.SPLITS) == 14405
    assert sum(sizes["finentity", s] for s in data.SPLITS) == 2131
    assert sum(sizes["gerntsa", s] for s in data.SPLITS) == 3792
    assert sum(sizes["ner-finentity", s] for s in data.SPLITS) == 979
    assert sum(sizes["ner-germeval", s] for s in data.SPLITS) == 2200 + 3100
    assert sizes["ner-germeval", "test"] == 1240  # 40 % of test part A
    # Pinned: a change here moves examples between train and test.
    assert sizes["sentfin", "test"] == 2095
    assert sizes["finentity", "test"] == 407
    assert sizes["gerntsa", "test"] == 775
    assert sizes["ner-finentity", "test"] == 193
    assert sizes["ner-germeval", "dev"] == 220
