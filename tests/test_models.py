"""The model layer on tiny random-weight models built here: registry, integrity, lazy loading,
inference, the `narrate sentiment` command and the pipeline's model stage.

No trained model and no network are needed: every model is a 2-layer, 32-wide BERT with a
word-level tokenizer, written to tmp_path in the shipped formats.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from typer.testing import CliRunner  # noqa: E402

from narrate.catalog import load_catalog  # noqa: E402
from narrate.cli import app  # noqa: E402
from narrate.ingest import read_text_file  # noqa: E402
from narrate.models import registry  # noqa: E402
from narrate.models.base import (  # noqa: E402
    ModelError,
    ModelIntegrityError,
    ModelNotFound,
    NerModel,
    TargetSentimentModel,
    decode_bio,
    words,
)
from narrate.pipeline import Settings, process  # noqa: E402
from tiny_model import build_tiny  # noqa: E402
from tiny_model import config as _config  # noqa: E402
from tiny_model import tokenizer as _tokenizer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED_000 = ROOT / "seeds" / "000_22a5b5a2a56595fc.txt"
SENTENCES = [
    "Der Dax fiel um 1,4 %.",
    "Siemens-Aktie stieg am Dienstag, Apple fiel.",
    "Nvidia shares rose 3 % and the Nasdaq Composite fell.",
    "Gewinn.",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """A narrate-multitask folder whose NER head tags every word B-ORG."""
    return build_tiny(tmp_path_factory.mktemp("m") / "tiny")


@pytest.fixture(scope="module")
def hf_sentiment(tmp_path_factory) -> Path:
    torch.manual_seed(1)
    labels = {0: "negative", 1: "neutral", 2: "positive"}
    model = transformers.BertForSequenceClassification(
        _config(id2label=labels, label2id={v: k for k, v in labels.items()})
    )
    out = tmp_path_factory.mktemp("hf") / "sst"
    model.save_pretrained(out, safe_serialization=True)
    _tokenizer().save_pretrained(out)
    return out


@pytest.fixture
def models_dir(tmp_path, tiny) -> Path:
    """A models/ folder with the repository's registry plus an entry for the tiny model."""
    import shutil

    shutil.copytree(tiny, tmp_path / "tiny")
    raw = yaml.safe_load((ROOT / "models" / "registry.yaml").read_text(encoding="utf-8"))
    raw["models"]["tiny"] = {
        "version": "0.0.1",
        "format": "narrate-multitask",
        "tasks": ["sentiment", "ner"],
        "path": "tiny",
    }
    (tmp_path / "registry.yaml").write_text("# test registry\n" + yaml.safe_dump(raw))
    return tmp_path


def _valid(score) -> None:
    assert score.label in ("negative", "neutral", "positive")
    assert 0.0 <= score.score <= 1.0
    assert sum(score.probs) == pytest.approx(1.0, abs=1e-4)
    assert score.score == pytest.approx(max(score.probs), abs=1e-6)
    assert score.signed == pytest.approx(score.probs[2] - score.probs[0], abs=1e-5)


# --- registry and integrity -------------------------------------------------------------


def test_repository_registry_names_the_default_model():
    entries = registry.read_registry(ROOT / "models")
    entry = entries[registry.DEFAULT_MODEL]
    assert entry.path == "narrate-e5-fin" and set(entry.tasks) == {"sentiment", "ner"}


def test_missing_default_model_says_how_to_get_it(tmp_path):
    (tmp_path / "registry.yaml").write_bytes((ROOT / "models" / "registry.yaml").read_bytes())
    with pytest.raises(ModelNotFound) as err:
        registry.load_sentiment(models_dir=tmp_path)
    assert "make models" in str(err.value) and "--model PATH" in str(err.value)
    with pytest.raises(ModelNotFound, match="--model PATH"):
        registry.resolve("no-such-model", models_dir=tmp_path)


def test_hub_id_is_refused_offline_unless_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(ModelNotFound, match="allow_download"):
        registry.resolve("someone/finbert", models_dir=tmp_path)
    ref = registry.resolve("someone/finbert", models_dir=tmp_path, allow_download=True)
    assert (ref.format, ref.hub, ref.path) == ("hf", "someone/finbert", None)


def test_refresh_pins_sums_and_tampering_is_refused(models_dir):
    with pytest.raises(ModelIntegrityError, match="--refresh tiny"):  # nothing pinned yet
        registry.verify(registry.resolve("tiny", models_dir=models_dir))
    assert registry._main(["--models-dir", str(models_dir), "--refresh", "tiny"]) == 0
    text = (models_dir / "registry.yaml").read_text()
    assert text.startswith("# test registry\n")
    ref = registry.resolve("tiny", models_dir=models_dir)
    assert set(ref.sha256) == {
        "heads.safetensors",
        "narrate_model.json",
        "encoder/config.json",
        "encoder/model.safetensors",
        "encoder/tokenizer.json",
        "encoder/tokenizer_config.json",
    }
    registry.verify(ref)
    assert registry._main(["--models-dir", str(models_dir), "--check"]) == 1  # default absent

    sentiment = registry.load_sentiment("tiny", models_dir=models_dir, quantize="none")
    with (models_dir / "tiny" / "heads.safetensors").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelIntegrityError, match="heads.safetensors: sha256 differs"):
        sentiment.score([("Der Dax fiel.", "Dax")])
    assert not sentiment.loaded


def test_pickled_weights_are_refused(tmp_path):
    folder = tmp_path / "legacy"
    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps({"architectures": ["BertForTokenClassification"]})
    )
    (folder / "pytorch_model.bin").write_bytes(b"not really a pickle")
    ner = registry.load_ner(folder)
    with pytest.raises(ModelIntegrityError, match="safetensors only"):
        ner.tag(["Der Dax fiel."])


# --- lazy loading -----------------------------------------------------------------------


def test_constructing_loads_nothing(tiny):
    models = registry.load_models(tiny)
    assert isinstance(models.sentiment, TargetSentimentModel)
    assert isinstance(models.ner, NerModel)
    assert not models.sentiment.loaded and not models.ner.loaded
    models.sentiment.score([("Der Dax fiel.", "Dax")])
    assert models.sentiment.loaded and models.ner.loaded  # one encoder serves both heads


def test_importing_the_model_layer_imports_no_torch():
    # narrate.pipeline is left out: spaCy's thinc imports torch itself when it is installed.
    code = (
        "import sys, narrate.models.registry, narrate.models.runtime, narrate.models.hf, "
        "narrate.sentiment, narrate.cli\n"
        "heavy = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


# --- inference --------------------------------------------------------------------------


@pytest.mark.parametrize("quantize", ["none", "int8"])
def test_sentiment_scores_are_probabilities_and_deterministic(tiny, quantize):
    items = [(s, s.split()[0]) for s in SENTENCES] * 3
    model = registry.load_sentiment(tiny, quantize=quantize, batch_size=2)
    first = model.score(items)
    assert len(first) == len(items)
    for score in first:
        _valid(score)
    assert model.score(items) == first
    again = registry.load_sentiment(tiny, quantize=quantize, batch_size=64).score(items[::-1])
    # Batching and order do not matter, up to padding arithmetic; int8 quantizes activations
    # with one scale per batch, so there a score moves slightly with its batch companions.
    tolerance = 1e-4 if quantize == "none" else 1e-2
    for a, b in zip(first, again[::-1], strict=True):
        assert a.probs == pytest.approx(b.probs, abs=tolerance)
    assert model.score([]) == []


@pytest.mark.parametrize("quantize", ["none", "int8"])
def test_ner_spans_are_words_with_exact_offsets(tiny, quantize):
    ner = registry.load_ner(tiny, quantize=quantize, batch_size=3)
    tagged = ner.tag([*SENTENCES, ""])
    assert tagged[-1] == []
    for sentence, spans in zip(SENTENCES, tagged, strict=False):
        assert [(s.start, s.end) for s in spans] == [(w.start, w.end) for w in words(sentence)]
        for span in spans:
            assert 0 <= span.start < span.end <= len(sentence)
            assert span.label == "ORG" and 0.0 < span.score <= 1.0


def _runtime(tiny, quantize="none", batch_size=64):
    from narrate.models.runtime import MultiTaskRuntime

    return MultiTaskRuntime(registry.resolve(str(tiny)), quantize=quantize, batch_size=batch_size)


def test_one_pass_gives_what_separate_calls_give(tiny):
    runtime = _runtime(tiny, batch_size=3)
    sentence = SENTENCES[1]  # "Siemens-Aktie stieg am Dienstag, Apple fiel."
    siemens, apple = (0, 7), (sentence.index("Apple"), sentence.index("Apple") + 5)
    (joint,) = runtime.analyze([sentence], [[siemens, apple, None]])
    alone = runtime.sentiment([(sentence, "Siemens"), (sentence, "Apple"), (sentence, sentence)])
    for a, b in zip(joint.scores, alone, strict=True):
        assert a.probs == pytest.approx(b.probs, abs=1e-5)
    assert joint.spans == runtime.ner([sentence])[0]
    # The target changes the input of the head: two targets, two different scores.
    assert joint.scores[0].probs != pytest.approx(joint.scores[1].probs, abs=1e-6)
    # A target the sentence does not name is scored as the sentence itself.
    (missing,) = runtime.sentiment([(sentence, "Volkswagen")])
    assert missing.probs == pytest.approx(joint.scores[2].probs, abs=1e-5)
    with pytest.raises(ValueError, match="one list of targets per sentence"):
        runtime.analyze([sentence], [])


def test_pipeline_encodes_each_entity_sentence_once(tiny, monkeypatch):
    from narrate.models.runtime import MultiTaskNer, MultiTaskSentiment
    from narrate.sentiment import annotate

    article, _ = read_text_file(SEED_000)
    plain = process(article, Settings())
    runtime = _runtime(tiny)
    runtime._ensure()
    encoded: list[int] = []
    hidden = runtime._model.hidden
    monkeypatch.setattr(
        runtime._model, "hidden", lambda ids, mask: encoded.append(len(ids)) or hidden(ids, mask)
    )
    entities = load_catalog().matcher("de").find(article.text)
    from narrate import nlp

    spans = [(s.start, s.end) for s in nlp.sentences(article.text, "de")]
    joint = annotate(
        article, plain.events, entities, spans, MultiTaskSentiment(runtime), MultiTaskNer(runtime)
    )
    with_entity = [(a, b) for a, b in spans if any(a <= e.start and e.end <= b for e in entities)]
    assert sum(encoded) == len(with_entity)

    class Separate:  # the same heads without the shared runtime: two passes
        def __init__(self, inner):
            self.inner, self.name = inner, inner.name

        def score(self, items):
            return self.inner.score(items)

        def tag(self, sentences):
            return self.inner.tag(sentences)

    apart = annotate(
        article,
        plain.events,
        entities,
        spans,
        Separate(MultiTaskSentiment(runtime)),
        Separate(MultiTaskNer(runtime)),
    )
    assert [e.sentiment_label for e in joint.events] == [e.sentiment_label for e in apart.events]
    for a, b in zip(joint.events, apart.events, strict=True):
        assert a.sentiment_score == pytest.approx(b.sentiment_score, abs=1e-5)
    assert joint.doc_sentiment_label == apart.doc_sentiment_label
    assert [u.text for u in joint.unlinked] == [u.text for u in apart.unlinked]


def test_words_and_bio_decoding():
    sentence = "Die Siemens-Aktie stieg um 3,5 %, Macy's fiel."
    cut = words(sentence)
    assert [w.text for w in cut] == [
        "Die", "Siemens-Aktie", "stieg", "um", "3,5", "%", ",", "Macy's", "fiel", ".",
    ]  # fmt: skip
    assert all(sentence[w.start : w.end] == w.text for w in cut)
    labels = ["O", "B-ORG", "O", "O", "O", "O", "O", "I-ORG", "I-ORG", "O"]
    spans = decode_bio(cut, labels, [1.0] * 7 + [0.5, 0.7, 1.0])
    assert [(sentence[s.start : s.end], s.label) for s in spans] == [
        ("Siemens-Aktie", "ORG"),
        ("Macy's fiel", "ORG"),
    ]
    assert spans[1].score == pytest.approx(0.6)


def test_plain_transformers_classifier_through_hf(hf_sentiment):
    model = registry.load_sentiment(hf_sentiment, quantize="none")
    assert model.name == "sst@local" and not model.loaded
    scores = model.score([(s, "x") for s in SENTENCES])
    for score in scores:
        _valid(score)
    with pytest.raises(ModelError, match="does not do ner"):
        registry.load_ner(hf_sentiment)


def test_plain_transformers_token_classifier_through_hf(tmp_path):
    labels = {0: "O", 1: "B-ORGANIZATION", 2: "I-ORGANIZATION", 3: "B-PERSON", 4: "I-PERSON"}
    torch.manual_seed(2)
    model = transformers.BertForTokenClassification(
        _config(id2label=labels, label2id={v: k for k, v in labels.items()})
    )
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([0.0, 0.0, 0.0, 5.0, 0.0]))
    model.save_pretrained(tmp_path / "ner", safe_serialization=True)
    _tokenizer().save_pretrained(tmp_path / "ner")
    spans = registry.load_ner(tmp_path / "ner", quantize="int8").tag(["Siemens stieg."])[0]
    assert [(s.start, s.end, s.label) for s in spans] == [
        (0, 7, "PER"),
        (8, 13, "PER"),
        (13, 14, "PER"),
    ]


def test_classifier_with_unnamed_labels_is_refused(tmp_path):
    transformers.BertForSequenceClassification(_config(num_labels=3)).save_pretrained(
        tmp_path / "generic", safe_serialization=True
    )
    _tokenizer().save_pretrained(tmp_path / "generic")
    with pytest.raises(ModelError, match="id2label"):
        registry.load_sentiment(tmp_path / "generic").score([("Der Dax fiel.", "Dax")])


# --- command line -----------------------------------------------------------------------


def test_sentiment_command(tiny):
    lines = "Der Dax fiel um 1,4 %.\n\n   \nGewinn und Verlust\n"
    result = CliRunner().invoke(
        app, ["sentiment", "-", "--model", str(tiny), "--quantize", "none"], input=lines
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["Der Dax fiel um 1,4 %.", "Gewinn und Verlust"]
    assert {"text", "lang", "label", "score"} <= set(rows[0])
    assert rows[0]["target"] == "Dax" and rows[1]["target"] is None  # document mode
    assert all(r["label"] in ("negative", "neutral", "positive") for r in rows)

    fixed = CliRunner().invoke(
        app,
        ["sentiment", "--model", str(tiny), "--target", "Gewinn", "--lang", "de"],
        input="Gewinn und Verlust\n",
    )
    row = json.loads(fixed.stdout)
    assert (row["target"], row["lang"]) == ("Gewinn", "de")


def test_sentiment_command_without_model_is_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "narrate.cli", "sentiment", "--model", str(tmp_path / "absent")],
        input=b"Der Dax fiel.\n",
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 1 and proc.stdout == b""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "--model PATH" in err and "make models" in err


def test_extract_command_with_models(tiny):
    result = CliRunner().invoke(
        app, ["extract", str(SEED_000), "-f", "jsonl", "--model", str(tiny), "--quantize", "none"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    events = [r for r in rows if r["record"] == "event"]
    assert events and all(r["sentiment_label"] is not None for r in events)
    (article,) = [r for r in rows if r["record"] == "article"]
    assert article["doc_sentiment_label"] in ("negative", "neutral", "positive")
    assert isinstance(article["unlinked"], list)


# --- pipeline ---------------------------------------------------------------------------


def test_pipeline_fills_sentiment_and_unlinked(tiny):
    article, _ = read_text_file(SEED_000)
    plain = process(article, Settings())
    assert plain.events and all(e.sentiment_label is None for e in plain.events)
    assert plain.doc_sentiment_label is None and plain.unlinked == []

    result = process(article, Settings(models=True, model=str(tiny), quantize="none"))
    assert [e.event_id for e in result.events] == [e.event_id for e in plain.events]
    for event in result.events:
        assert event.sentiment_label in ("negative", "neutral", "positive")
        assert 0.0 <= event.sentiment_score <= 1.0
    assert result.doc_sentiment_label in ("negative", "neutral", "positive")
    assert 0.0 < result.doc_sentiment_score <= 1.0
    # The tiny NER head calls every word an ORG: those the catalog does not know are unlinked.
    assert result.unlinked
    known = load_catalog().matcher("de").find(article.text)
    for ent in result.unlinked:
        assert article.text[ent.start : ent.end] == ent.text
        assert (ent.type, ent.reason, ent.model) == ("company", "not_in_catalog", "tiny@0.0.1")
        assert not any(k.start < ent.end and ent.start < k.end for k in known)


def test_name_sentences_need_a_move_cue_and_in_english_a_name():
    from narrate.extractors.moves import move_cues, name_sentences
    from narrate.extractors.numbers import find_quantities

    def chosen(text, lang):
        from narrate import nlp

        entities = load_catalog().matcher(lang).find(text)
        cues = move_cues(text, find_quantities(text, lang), lang)
        spans = nlp.sentences(text, lang)
        return [text[a:b] for a, b in name_sentences(text, spans, entities, cues, lang)]

    text = (
        "Siemens shares rose 2% on Tuesday.\n"  # a catalog entity: the models read it anyway
        "Delivery firm Deliveroo is also up by 6%.\n"
        "Deliveroo delivers meals.\n"  # no number, no direction word
        "Shares were up 3% in March.\n"  # only stop words are capitalised
        "It was founded in 1920 by Nordic Ventures.\n"  # a year is no move cue
    )
    assert chosen(text, "en") == ["Delivery firm Deliveroo is also up by 6%."]
    # German capitalises every noun: the cue alone decides.
    text = "Die Aktie von Villeroy & Boch stieg um 6 Prozent.\nDie Firma stellt Geschirr her.\n"
    assert chosen(text, "de") == ["Die Aktie von Villeroy & Boch stieg um 6 Prozent."]


def test_ner_reads_sentences_that_may_name_an_unknown_company(tiny):
    from narrate.ingest import article_from_text

    text = (
        "Siemens shares rose 2% on Tuesday.\n"
        "Delivery firm Deliveroo is also up by 6%.\n"
        "The weather in Helsinki was mild.\n"
    )
    article = article_from_text(text, "t")
    plain = process(article, Settings(lang="en"))
    result = process(article, Settings(lang="en", models=True, model=str(tiny), quantize="none"))
    assert [e.event_id for e in result.events] == [e.event_id for e in plain.events]
    # The tiny NER head calls every word an ORG: the second sentence now reaches it, the third
    # (no number, no direction word) does not.
    texts = [u.text for u in result.unlinked]
    assert "Deliveroo" in texts
    third = text.index("The weather")
    assert not [u for u in result.unlinked if u.start >= third]
    assert all(any(c.isalpha() for c in u.text) for u in result.unlinked)


@pytest.mark.parametrize(
    ("text", "span", "inside"),
    [
        ("TripAdvisor Inc <TRIP.O> rose", "TRIP.O", True),
        ("utilities <.SPLRCU> gained", "SPLRCU", True),
        ("TripAdvisor Inc <TRIP.O> rose", "TripAdvisor Inc", False),
        ("a < b and Wizz Air > c", "Wizz Air", False),
    ],
)
def test_spans_inside_reuters_codes_are_no_names(text, span, inside):
    from narrate.sentiment import _inside_code

    start = text.index(span)
    assert _inside_code(text, start, start + len(span)) is inside
