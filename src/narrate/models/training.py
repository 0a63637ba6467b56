"""Train and evaluate the shipped multi-task model (target sentiment + NER) on CPU.

Training mixes sentiment and NER batches in one seeded schedule over a partly frozen encoder
(embeddings and the lowest layers stay fixed: on two CPU cores the backward pass through them
is most of the cost, and the multilingual embedding matrix is what keeps German working after
English-heavy fine-tuning). Each epoch ends with a dev evaluation; the best epoch is kept.

The evaluation functions read the same deterministic splits as training (`narrate.models.data`),
so `evaluate_sentiment(model_dir, shared, "sentfin")` scores the held-out test split that
training never saw. The lexicon baseline is the floor a trained model must clear.

torch and transformers are imported at module level: import this module only to train or to
evaluate a model.
"""

from __future__ import annotations

import math
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from narrate.models import multitask
from narrate.models.base import target_words, words
from narrate.models.data import (
    NER_LABELS,
    SENTIMENT_LABELS,
    NerExample,
    SentimentExample,
    load_ner_examples,
    load_sentiment_examples,
)

SENTIMENT_MAX_LENGTH = 128
NER_MAX_LENGTH = 128
SENTIMENT_SETS = ("sentfin", "finentity", "gerntsa")
NER_SETS = ("germeval", "finentity")
LANG_OF_SET = {"sentfin": "en", "finentity": "en", "gerntsa": "de", "germeval": "de"}
IGNORE = -100
MODEL_VERSION = "0.2.0"  # written into narrate_model.json; keep in step with models/registry.yaml


@dataclass(frozen=True)
class TrainConfig:
    """Knobs of one training run; the defaults are what the shipped model used."""

    epochs: int = 2
    batch_size: int = 16
    lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    freeze_layers: int = 2
    # Encoder layers kept (of e5-small's 12): the top layers cost a third of the CPU time and
    # are the ones most specialised for e5's embedding objective.
    layers: int = 8
    max_minutes: float = 45.0
    # Small sets are repeated within an epoch so that SEntFiN (11k pairs) does not drown them;
    # GermEval NER (dev file + 60 % of test part A, 3,840 sentences) is repeated 2x.
    repeat: dict[str, int] = field(
        default_factory=lambda: {"finentity": 2, "gerntsa": 3, "germeval": 2, "sentfin": 1}
    )
    seed: int = 0
    threads: int = 2


# ----------------------------------------------------------------------------- encoding


@dataclass(frozen=True)
class Encoded:
    """One tokenized example: ids plus either a class (sentiment) or per-token labels (NER)."""

    task: str  # "sentiment" | "ner"
    input_ids: list[int]
    label: int = IGNORE
    token_labels: tuple[int, ...] = ()
    target_mask: tuple[int, ...] = ()  # sentiment: 1 on the target's tokens
    source: str = ""


def encode_sentiment(
    tokenizer, example: SentimentExample, source: str = "", *, whole: bool = False
) -> Encoded:
    """The sentence as words (as at inference), with a mask on the target's tokens.

    `whole` drops the target (all-zero mask): the label is then the sentence's own sentiment.
    """
    spans = words(example.text)
    chosen = target_words(spans, None if whole else example.span())
    ids, word_of = word_alignment(
        tokenizer, [w.text for w in spans], max_length=SENTIMENT_MAX_LENGTH
    )
    mask = tuple(int(w is not None and chosen[w]) for w in word_of)
    return Encoded(
        task="sentiment",
        input_ids=ids,
        label=SENTIMENT_LABELS.index(example.label),
        target_mask=mask,
        source=source,
    )


def word_alignment(tokenizer, words: Sequence[str], max_length: int = NER_MAX_LENGTH):
    """Tokenize the words joined by spaces; return (input_ids, word index per token or None).

    The tokenizer runs on the joined text, as it will at inference, rather than word by word.
    A token belongs to the word holding its last character (offsets include the metaspace, so
    the first character can be the space before the word).
    """
    text = " ".join(words)
    char_word: list[int | None] = []
    for i, word in enumerate(words):
        if i:
            char_word.append(None)
        char_word.extend([i] * len(word))
    enc = tokenizer(text, truncation=True, max_length=max_length, return_offsets_mapping=True)
    word_of: list[int | None] = []
    for start, end in enc["offset_mapping"]:
        if end <= start:
            word_of.append(None)
            continue
        owner = None
        for pos in range(end - 1, start - 1, -1):
            if char_word[pos] is not None:
                owner = char_word[pos]
                break
        word_of.append(owner)
    return list(enc["input_ids"]), word_of


def first_subtoken_labels(word_of: Sequence[int | None], word_labels: Sequence[int]) -> list[int]:
    """The word's label on its first sub-token, IGNORE elsewhere."""
    out: list[int] = []
    seen: set[int] = set()
    for w in word_of:
        if w is None or w in seen:
            out.append(IGNORE)
        else:
            seen.add(w)
            out.append(word_labels[w])
    return out


def encode_ner(tokenizer, example: NerExample, source: str = "") -> Encoded:
    ids, word_of = word_alignment(tokenizer, example.tokens)
    labels = first_subtoken_labels(word_of, [NER_LABELS.index(x) for x in example.labels])
    return Encoded(task="ner", input_ids=ids, token_labels=tuple(labels), source=source)


def collate(batch: Sequence[Encoded], pad_id: int) -> dict[str, torch.Tensor]:
    width = max(len(e.input_ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, e in enumerate(batch):
        ids[row, : len(e.input_ids)] = torch.tensor(e.input_ids)
        mask[row, : len(e.input_ids)] = 1
    out = {"input_ids": ids, "attention_mask": mask}
    if batch[0].task == "sentiment":
        out["labels"] = torch.tensor([e.label for e in batch])
        target = torch.zeros((len(batch), width), dtype=torch.long)
        for row, e in enumerate(batch):
            target[row, : len(e.target_mask)] = torch.tensor(e.target_mask, dtype=torch.long)
        out["target_mask"] = target
    else:
        labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
        for row, e in enumerate(batch):
            labels[row, : len(e.token_labels)] = torch.tensor(e.token_labels)
        out["labels"] = labels
    return out


def length_batches(
    items: Sequence[Encoded], batch_size: int, rng: random.Random
) -> list[list[Encoded]]:
    """Shuffled batches of similar length: padding is wasted CPU time.

    Items are shuffled, cut into pools of 50 batches, sorted by length inside each pool, and
    the resulting batches shuffled again, so batches stay random but nearly unpadded.
    """
    order = list(items)
    rng.shuffle(order)
    pool = batch_size * 50
    batches: list[list[Encoded]] = []
    for i in range(0, len(order), pool):
        chunk = sorted(order[i : i + pool], key=lambda e: len(e.input_ids))
        batches.extend(chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def interleave(a: list, b: list) -> list:
    """Spread the shorter list evenly through the longer, keeping each list's order."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return list(a)
    out, step, j = [], len(a) / len(b), 0
    for i, item in enumerate(a):
        out.append(item)
        while j < len(b) and (j + 1) * step <= i + 1:
            out.append(b[j])
            j += 1
    out.extend(b[j:])
    return out


# ----------------------------------------------------------------------------- model set-up


def build_model(base_dir: Path, freeze_layers: int, layers: int | None = None):
    """A fresh MultiTaskModel on the base encoder (its lowest `layers` layers), embeddings and
    the lowest `freeze_layers` layers frozen."""
    from narrate.models.e5convert import load_model

    encoder, tokenizer = load_model(base_dir)
    if layers is not None and layers < encoder.config.num_hidden_layers:
        encoder.encoder.layer = encoder.encoder.layer[:layers]
        encoder.config.num_hidden_layers = layers
    model = multitask.MultiTaskModel(encoder, len(SENTIMENT_LABELS), len(NER_LABELS))
    for p in model.encoder.embeddings.parameters():
        p.requires_grad = False
    for layer in model.encoder.encoder.layer[:freeze_layers]:
        for p in layer.parameters():
            p.requires_grad = False
    return model, tokenizer


def class_weights(labels: Sequence[int], n: int) -> torch.Tensor:
    """Inverse square-root frequency, mean 1: softens a neutral majority without overshooting."""
    counts = Counter(labels)
    raw = torch.tensor([1.0 / math.sqrt(max(counts.get(i, 0), 1)) for i in range(n)])
    return raw * n / raw.sum()


# ----------------------------------------------------------------------------- training


@dataclass
class TrainResult:
    """What a run did; written into the training log and the model card."""

    epochs_run: int = 0
    steps: int = 0
    seconds: float = 0.0
    examples_per_second: float = 0.0
    throughput_probe: float = 0.0
    best_epoch: int = 0
    best_score: float = -1.0
    dev_history: list[dict] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)


def load_training_data(shared: Path, tokenizer, split: str) -> dict[str, list[Encoded]]:
    """Encoded train examples per `task/name`.

    A sentence with exactly one target also trains once without it (whole-sentence sentiment,
    what `narrate sentiment` gives a line without a catalog entity).
    """
    data: dict[str, list[Encoded]] = {}
    for name in SENTIMENT_SETS:
        examples = load_sentiment_examples(shared, name, split)
        per_text = Counter(e.text for e in examples)
        data[f"sentiment/{name}"] = [encode_sentiment(tokenizer, e, name) for e in examples] + [
            encode_sentiment(tokenizer, e, name, whole=True)
            for e in examples
            if per_text[e.text] == 1
        ]
    for name in NER_SETS:
        examples = load_ner_examples(shared, name, split)
        data[f"ner/{name}"] = [encode_ner(tokenizer, e, name) for e in examples]
    return data


def _step_loss(model, batch: dict[str, torch.Tensor], task: str, weights: torch.Tensor):
    if task == "sentiment":
        logits = model.sentiment_logits(
            batch["input_ids"], batch["attention_mask"], batch["target_mask"]
        )
        return nn.functional.cross_entropy(logits, batch["labels"], weight=weights)
    logits = model.ner_logits(batch["input_ids"], batch["attention_mask"])
    return nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), batch["labels"].reshape(-1), ignore_index=IGNORE
    )


def measure_throughput(model, batches: list[list[Encoded]], pad_id: int, n: int = 200) -> float:
    """Training examples per second (forward + backward, no update) over about `n` examples."""
    model.train()
    seen, start = 0, time.perf_counter()
    weights = torch.ones(len(SENTIMENT_LABELS))
    for batch in batches:
        loss = _step_loss(model, collate(batch, pad_id), batch[0].task, weights)
        loss.backward()
        seen += len(batch)
        if seen >= n:
            break
    model.zero_grad(set_to_none=True)
    return seen / (time.perf_counter() - start)


def dev_score(metrics: dict[str, dict]) -> float:
    """One number for model selection: the mean of the goal metric of every set."""
    parts = [
        metrics["sentiment/sentfin"]["accuracy"],
        metrics["sentiment/finentity"]["micro_f1"],
        metrics["sentiment/gerntsa"]["macro_f1"],
        metrics["ner/germeval"]["ORG"]["f1"],
        metrics["ner/finentity"]["ORG"]["f1"],
    ]
    return sum(parts) / len(parts)


def train(
    base_dir: Path,
    shared: Path,
    out_dir: Path,
    config: TrainConfig,
    log: Callable[[str], None] = print,
) -> TrainResult:
    """Fine-tune the base encoder on all train splits; save the best dev epoch to `out_dir`."""
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)
    result = TrainResult()
    started = time.perf_counter()

    model, tokenizer = build_model(base_dir, config.freeze_layers, config.layers)
    pad_id = tokenizer.pad_token_id
    train_data = load_training_data(shared, tokenizer, "train")
    dev_examples = {
        **{f"sentiment/{n}": load_sentiment_examples(shared, n, "dev") for n in SENTIMENT_SETS},
        **{f"ner/{n}": load_ner_examples(shared, n, "dev") for n in NER_SETS},
    }
    result.sizes = {k: len(v) for k, v in train_data.items()}
    result.sizes.update({f"dev:{k}": len(v) for k, v in dev_examples.items()})
    log(f"train sizes {result.sizes}")

    sentiment_items = [e for k, v in train_data.items() if k.startswith("sentiment/") for e in v]
    weights = class_weights([e.label for e in sentiment_items], len(SENTIMENT_LABELS))
    log(f"sentiment class weights {[round(w, 3) for w in weights.tolist()]}")

    def epoch_batches() -> list[list[Encoded]]:
        sent, ner = [], []
        for key, items in train_data.items():
            times = config.repeat.get(key.split("/", 1)[1], 1)
            (sent if key.startswith("sentiment/") else ner).extend(items * times)
        return interleave(
            length_batches(sent, config.batch_size, rng),
            length_batches(ner, config.batch_size, rng),
        )

    first = epoch_batches()
    result.throughput_probe = measure_throughput(model, first, pad_id)
    per_epoch = sum(len(b) for b in first)
    budget_s = config.max_minutes * 60 - (time.perf_counter() - started)
    # Reserve time for one dev evaluation per epoch (inference runs ~3x faster than training).
    dev_n = sum(len(v) for v in dev_examples.values())
    epoch_s = per_epoch / result.throughput_probe + dev_n / (3 * result.throughput_probe)
    affordable = max(budget_s / epoch_s, 0.25)
    # Past one affordable epoch, keep the requested number of epochs and shorten each instead:
    # fresh shuffles see more distinct data than a truncated last epoch, and every epoch ends
    # with a dev check.
    epochs = config.epochs if affordable >= 1.0 else 1
    fraction = min(1.0, affordable / epochs)
    steps_per_epoch = max(1, int(len(first) * fraction))
    total_steps = steps_per_epoch * epochs
    log(
        f"throughput {result.throughput_probe:.1f} ex/s; {per_epoch} examples/epoch "
        f"(~{epoch_s / 60:.1f} min); running {epochs} epoch(s) of {steps_per_epoch} "
        f"of {len(first)} batches"
    )

    encoder_params = [p for p in model.encoder.parameters() if p.requires_grad]
    head_params = list(model.sentiment.parameters()) + list(model.ner.parameters())
    optimizer = torch.optim.AdamW(
        [
            {"params": encoder_params, "lr": config.lr},
            {"params": head_params, "lr": config.head_lr},
        ],
        weight_decay=config.weight_decay,
    )
    warmup = max(1, int(total_steps * config.warmup_fraction))

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    best_state: dict[str, torch.Tensor] | None = None
    trained_examples = 0
    deadline = started + config.max_minutes * 60
    train_started = time.perf_counter()

    for epoch in range(1, epochs + 1):
        batches = first if epoch == 1 else epoch_batches()
        batches = batches[:steps_per_epoch]
        model.train()
        running: dict[str, list[float]] = {"sentiment": [], "ner": []}
        stopped = False
        for i, batch in enumerate(batches):
            task = batch[0].task
            loss = _step_loss(model, collate(batch, pad_id), task, weights)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(encoder_params + head_params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            result.steps += 1
            trained_examples += len(batch)
            running[task].append(loss.item())
            if (i + 1) % 100 == 0:
                rate = trained_examples / (time.perf_counter() - train_started)
                log(
                    f"epoch {epoch} step {i + 1}/{len(batches)} "
                    f"loss sent {_mean(running['sentiment']):.3f} ner {_mean(running['ner']):.3f} "
                    f"{rate:.1f} ex/s"
                )
                running = {"sentiment": [], "ner": []}
            # Leave room for the dev pass and the save.
            if time.perf_counter() > deadline - dev_n / (3 * result.throughput_probe) - 30:
                log(f"wall-clock cap reached in epoch {epoch} at step {i + 1}")
                stopped = True
                break
        result.epochs_run = epoch
        metrics = evaluate_loaded(model, tokenizer, dev_examples)
        score = dev_score(metrics)
        result.dev_history.append({"epoch": epoch, "score": score, "metrics": metrics})
        log(f"epoch {epoch} dev score {score:.4f} {summarize(metrics)}")
        if score > result.best_score:
            result.best_score, result.best_epoch = score, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if stopped:
            break

    result.seconds = time.perf_counter() - started
    result.examples_per_second = trained_examples / max(time.perf_counter() - train_started, 1e-9)
    if best_state is not None:
        model.load_state_dict(best_state)
    spec = multitask.ModelSpec(
        name=Path(out_dir).name, version=MODEL_VERSION, max_length=NER_MAX_LENGTH
    )
    multitask.save(model.eval(), tokenizer, spec, out_dir)
    log(f"saved best epoch {result.best_epoch} (dev score {result.best_score:.4f}) to {out_dir}")
    return result


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


# ----------------------------------------------------------------------------- inference


@torch.inference_mode()
def predict_sentiment(
    model, tokenizer, examples: Sequence[SentimentExample], batch_size: int = 64
) -> list[str]:
    """Predicted label per example, batched by length."""
    model.eval()
    encoded = [encode_sentiment(tokenizer, e) for e in examples]
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].input_ids))
    out: list[str] = [""] * len(encoded)
    for i in range(0, len(order), batch_size):
        idx = order[i : i + batch_size]
        batch = collate([encoded[j] for j in idx], tokenizer.pad_token_id)
        pred = model.sentiment_logits(
            batch["input_ids"], batch["attention_mask"], batch["target_mask"]
        ).argmax(-1)
        for j, p in zip(idx, pred.tolist(), strict=True):
            out[j] = SENTIMENT_LABELS[p]
    return out


@torch.inference_mode()
def predict_ner(
    model, tokenizer, examples: Sequence[NerExample], batch_size: int = 32
) -> list[list[str]]:
    """Predicted BIO label per word (first sub-token); words cut off by truncation get O."""
    model.eval()
    aligned = [word_alignment(tokenizer, e.tokens) for e in examples]
    order = sorted(range(len(aligned)), key=lambda i: len(aligned[i][0]))
    out: list[list[str]] = [[] for _ in examples]
    for i in range(0, len(order), batch_size):
        idx = order[i : i + batch_size]
        batch = collate(
            [Encoded(task="ner", input_ids=aligned[j][0]) for j in idx], tokenizer.pad_token_id
        )
        pred = model.ner_logits(batch["input_ids"], batch["attention_mask"]).argmax(-1).tolist()
        for row, j in enumerate(idx):
            labels = ["O"] * len(examples[j].tokens)
            seen: set[int] = set()
            for pos, w in enumerate(aligned[j][1]):
                if w is not None and w not in seen:
                    seen.add(w)
                    labels[w] = NER_LABELS[pred[row][pos]]
            out[j] = labels
    return out


# ----------------------------------------------------------------------------- metrics


def sentiment_metrics(gold: Sequence[str], pred: Sequence[str]) -> dict:
    """Accuracy, macro-F1, micro-F1 (= accuracy for single-label classes) and per-class F1."""
    n = len(gold)
    per_class = {}
    for label in SENTIMENT_LABELS:
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        per_class[label] = _prf(tp, fp, fn)
    accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / n if n else 0.0
    return {
        "n": n,
        "accuracy": accuracy,
        "macro_f1": sum(c["f1"] for c in per_class.values()) / len(per_class),
        "micro_f1": accuracy,
        "per_class": per_class,
    }


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}


def bio_spans(labels: Sequence[str]) -> set[tuple[str, int, int]]:
    """(type, first word, last word + 1) of every entity; a stray I- starts an entity."""
    spans: set[tuple[str, int, int]] = set()
    kind, start = None, 0
    for i, label in enumerate([*labels, "O"]):
        prefix, _, typ = label.partition("-")
        if kind is not None and (prefix != "I" or typ != kind):
            spans.add((kind, start, i))
            kind = None
        if prefix == "B" or (prefix == "I" and kind is None):
            kind, start = typ, i
    return spans


def ner_metrics(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict:
    """Entity-level exact-span precision/recall/F1 per type and micro over all types."""
    counts: dict[str, list[int]] = {t: [0, 0, 0] for t in ("ORG", "PER", "LOC")}
    for g, p in zip(gold, pred, strict=True):
        gs, ps = bio_spans(g), bio_spans(p)
        for typ in counts:
            gt = {s for s in gs if s[0] == typ}
            pt = {s for s in ps if s[0] == typ}
            counts[typ][0] += len(gt & pt)
            counts[typ][1] += len(pt - gt)
            counts[typ][2] += len(gt - pt)
    out: dict = {"n": len(gold)}
    for typ, (tp, fp, fn) in counts.items():
        out[typ] = _prf(tp, fp, fn)
    out["micro"] = _prf(*(sum(c[k] for c in counts.values()) for k in range(3)))
    return out


def evaluate_loaded(model, tokenizer, sets: dict[str, list]) -> dict[str, dict]:
    """Metrics for each `task/name` -> examples entry."""
    out: dict[str, dict] = {}
    for key, examples in sets.items():
        if key.startswith("sentiment/"):
            pred = predict_sentiment(model, tokenizer, examples)
            out[key] = sentiment_metrics([e.label for e in examples], pred)
        else:
            pred = predict_ner(model, tokenizer, examples)
            out[key] = ner_metrics([e.labels for e in examples], pred)
    return out


def summarize(metrics: dict[str, dict]) -> str:
    parts = []
    for key, m in metrics.items():
        if key.startswith("sentiment/"):
            parts.append(f"{key} acc {m['accuracy']:.3f} mF1 {m['macro_f1']:.3f}")
        else:
            parts.append(f"{key} ORG {m['ORG']['f1']:.3f} all {m['micro']['f1']:.3f}")
    return "; ".join(parts)


def load_for_eval(model_dir: str | Path, quantize: str = "none"):
    """A saved model as the pipeline runs it: float32, or with `runtime.prepare`'s int8 layers."""
    model, tokenizer, _ = multitask.load(model_dir)
    if quantize != "none":
        from narrate.models.runtime import prepare

        model = prepare(model, quantize, None)  # type: ignore[arg-type]
    return model, tokenizer


def evaluate_sentiment(
    model_dir: str | Path,
    shared: str | Path,
    dataset: str,
    split: str = "test",
    quantize: str = "none",
) -> dict:
    """Accuracy, macro-F1, micro-F1 and n of a saved model on one split of a sentiment set."""
    model, tokenizer = load_for_eval(model_dir, quantize)
    examples = load_sentiment_examples(Path(shared), dataset, split)
    return sentiment_metrics(
        [e.label for e in examples], predict_sentiment(model, tokenizer, examples)
    )


def evaluate_ner(
    model_dir: str | Path,
    shared: str | Path,
    dataset: str,
    split: str = "test",
    quantize: str = "none",
) -> dict:
    """Entity-level P/R/F1 per type (exact span match) of a saved model on one NER split."""
    model, tokenizer = load_for_eval(model_dir, quantize)
    examples = load_ner_examples(Path(shared), dataset, split)
    return ner_metrics([e.labels for e in examples], predict_ner(model, tokenizer, examples))


# ----------------------------------------------------------------------------- lexicon baseline

# Hand-written polarity lists (about 60 words each), matched on lower-cased word prefixes so
# that inflections count ("gains", "gained"; "gestiegen", "steigt" via stems). They ignore the
# target entirely: the baseline says what sentence polarity alone gets you.
LEXICON = {
    "en": {
        "positive": (
            "gain rise rose rising jump surge soar rally climb up high record profit beat "
            "outperform upgrade strong growth grow boost advance bullish buy recover rebound "
            "expand win won success improv positive top best exceed higher increase dividend "
            "upbeat optimis robust surpass approv launch award acquire partnership raise "
            "boom breakout lifts gains"
        ).split(),
        "negative": (
            "fall fell drop declin slump plunge crash tumble sink sank slid slide loss lose "
            "lost weak downgrade miss cut layoff bearish sell down low lower decrease fraud "
            "probe lawsuit fine penalt default debt bankrupt concern risk warn worst slash "
            "negative halt suspend scam hack collapse recession inflation investigat crisis "
            "struggl pressure"
        ).split(),
    },
    "de": {
        "positive": (
            "steig stieg gestiegen gewinn plus zuleg legt erhol aufschwung wachs wuchs "
            "wachstum rekord stark stärk gut besser best erfolg positiv hoch höher profit "
            "optimis fortschritt lob gelobt hilf hilfe unterstütz chance sicher stabil "
            "einig lösung freu glück sieg gewann verbesser entlast fördern förder schön "
            "zufrieden begeist innovativ durchbruch hoffnung erleichter"
        ).split(),
        "negative": (
            "fall fiel gefallen sink sank verlust verlier minus schwach schwäch einbruch "
            "einbrech krise kritik kritisi problem schlecht schlimm negativ risiko gefahr "
            "gefährd angst sorge streit skandal betrug klage tod tot krieg angriff "
            "pleite insolvenz streik warn drohen droh mangel knapp teuer inflation "
            "abbau kürz ärger vorwurf versag scheiter chaos katastroph"
        ).split(),
    },
}
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def _stem_matches(word: str, stem: str) -> bool:
    # Short stems only match whole words: "up" must not fire on "update", "tot" on "total".
    if len(stem) <= 4:
        return word == stem or word == stem + "s"
    return word.startswith(stem)


def lexicon_polarity(text: str, lang: str) -> str:
    """positive / negative by the count of polarity words in the text; neutral on a tie."""
    lex = LEXICON.get(lang, LEXICON["en"])
    score = 0
    for word in _TOKEN_RE.findall(text.lower()):
        score += any(_stem_matches(word, stem) for stem in lex["positive"])
        score -= any(_stem_matches(word, stem) for stem in lex["negative"])
    return "positive" if score > 0 else "negative" if score < 0 else "neutral"


def vader_polarity(texts: Sequence[str]) -> list[str] | None:
    """VADER (Hutto & Gilbert 2014, MIT) with its usual +-0.05 compound thresholds; None when
    vaderSentiment (a dev extra) is not installed."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    analyzer = SentimentIntensityAnalyzer()
    out = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        out.append(
            "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
        )
    return out


def evaluate_lexicon_sentiment(
    shared: str | Path, dataset: str, split: str = "test", backend: str = "words"
) -> dict | None:
    """A lexicon baseline scored like `evaluate_sentiment`.

    backend "words": the finance word lists above (both languages); "vader": VADER, English
    sets only (None for German sets or when vaderSentiment is not installed).
    """
    examples = load_sentiment_examples(Path(shared), dataset, split)
    if backend == "vader":
        if LANG_OF_SET.get(dataset) != "en":
            return None
        pred = vader_polarity([e.text for e in examples])
        if pred is None:
            return None
    elif backend == "words":
        pred = [lexicon_polarity(e.text, e.lang) for e in examples]
    else:
        raise ValueError(f"lexicon backend {backend!r} is not one of words, vader")
    return sentiment_metrics([e.label for e in examples], pred)
