"""Inference for the shipped multitask model (narrate.models.multitask) on CPU.

One `MultiTaskRuntime` loads the folder once, on first use, and serves both heads; the two thin
adapters `MultiTaskSentiment` and `MultiTaskNer` give it the `base` protocols. Inputs are sorted
by length and run in batches (64 by default), so padding is short; everything runs under
`torch.inference_mode`. int8 dynamic quantization of most Linear layers (`int8_layers`)
roughly halves CPU time at a small cost in accuracy; as activations are quantized with one scale
per batch, an int8 score can move slightly (~1e-3) with the other inputs of its batch. The same
inputs in the same order always give the same scores.

How inputs are fed (training must match): every sentence once, as its words,
    tokenizer([w.text for w in base.words(sentence)], is_split_into_words=True, ...);
NER reads a word's label from its first sub-token; the sentiment of each target in the sentence
reads the tokens of the words that overlap the target (`base.target_words`). `analyze` gives
both from one forward pass, which is how the pipeline calls it.

torch is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from narrate.models.base import (
    SENTIMENT_LABELS,
    ModelError,
    NerSpan,
    SentimentScore,
    Word,
    decode_bio,
    locate,
    target_words,
    words,
)

TargetSpan = tuple[int, int] | None  # character span in the sentence; None: the whole sentence


class Analysis(NamedTuple):
    """One sentence after `MultiTaskRuntime.analyze`."""

    spans: list[NerSpan]  # entities (empty when NER was not asked for)
    scores: list[SentimentScore]  # one per target, in order


if TYPE_CHECKING:
    import torch

    from narrate.models.registry import ModelRef, Quantize


def length_batches(lengths: Sequence[int], size: int) -> Iterator[list[int]]:
    """Indices grouped into batches of similar length (longest first), each at most `size`."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    for at in range(0, len(order), size):
        yield order[at : at + size]


def prepare(model: torch.nn.Module, quantize: Quantize, threads: int | None) -> torch.nn.Module:
    """Eval mode, thread count and optional int8 dynamic quantization of Linear layers."""
    import torch

    if threads is not None:
        torch.set_num_threads(max(1, int(threads)))
    model = model.eval()
    if quantize == "int8":
        quantize_dynamic = getattr(getattr(torch, "ao", None), "quantization", None)
        if quantize_dynamic is None or not hasattr(quantize_dynamic, "quantize_dynamic"):
            raise ModelError("this torch has no int8 dynamic quantization; use quantize='none'")
        # torch marks eager quantization deprecated in favour of torchao (not installed); the
        # API still works and its warnings would reach every user of the CLI.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", UserWarning)
            model = quantize_dynamic.quantize_dynamic(
                model, int8_layers(model, quantize_dynamic), dtype=torch.qint8
            )
        if fast_bf16():
            for name, module in list(model.named_modules()):
                if _is_ffn_output(name) and isinstance(module, torch.nn.Linear):
                    parent, _, child = name.rpartition(".")
                    setattr(model.get_submodule(parent), child, Bf16Linear(module))
    return model


def _is_ffn_output(name: str) -> bool:
    return (
        name.startswith("encoder.") and name.endswith(".output.dense") and ".attention." not in name
    )


def fast_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX-512 BF16 or AMX); Linux flags only."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def _bf16_linear_class():
    import torch

    class Bf16Linear(torch.nn.Module):
        """A Linear layer computed in bfloat16 (float32 in and out): for the feed-forward output
        projections that int8 handles badly; half the time of float32 where the CPU has BF16."""

        def __init__(self, linear: torch.nn.Linear) -> None:
            super().__init__()
            self.weight = torch.nn.Parameter(
                linear.weight.detach().to(torch.bfloat16), requires_grad=False
            )
            bias = linear.bias.detach().to(torch.bfloat16) if linear.bias is not None else None
            self.bias = None if bias is None else torch.nn.Parameter(bias, requires_grad=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = torch.nn.functional.linear(x.to(torch.bfloat16), self.weight, self.bias)
            return out.to(x.dtype)

    return Bf16Linear


def Bf16Linear(linear: Any) -> Any:  # noqa: N802 - builds a module, reads like a class
    return _bf16_linear_class()(linear)


def int8_layers(model: torch.nn.Module, quantization: Any) -> dict[str, Any]:
    """The Linear layers to quantize, each with per-channel int8 weights.

    Left out: each feed-forward block's output projection (BERT's `layer.N.output.dense`:
    its input comes out of GELU with a few large outliers, and one activation scale per batch
    then flattens the rest; quantizing it cost 4.6 points of SEntFiN accuracy and 10 of GermEval
    ORG F1 in `models/README.md`'s measurements) and the task heads (tiny). Per-channel weight
    scales instead of one per matrix recover a little more. Where the CPU has native bfloat16
    (`fast_bf16`), `prepare` runs those projections in bfloat16 instead of float32.
    """
    import torch

    qconfig = quantization.per_channel_dynamic_qconfig
    return {
        name: qconfig
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear)
        and name.startswith("encoder.")
        and not _is_ffn_output(name)
    }


def quiet_transformers() -> None:
    """No progress bars or advisory logging from transformers on the user's terminal."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def run_batched(
    n: int, lengths: Sequence[int], batch_size: int, step: Callable[[list[int]], list[Any]]
) -> list[Any]:
    """Call `step` on length-sorted batches of indices and put its results back in input order."""
    import torch

    out: list[Any] = [None] * n
    with torch.inference_mode():
        for batch in length_batches(lengths, batch_size):
            for index, result in zip(batch, step(batch), strict=True):
                out[index] = result
    return out


class MultiTaskRuntime:
    """The shipped model, loaded on first use: verified, float32, optionally int8.

    Args:
        ref: A resolved model in the narrate-multitask format (see `registry.resolve`).
        quantize: "int8" or "none".
        threads: torch intra-op threads (None: leave torch's setting).
        batch_size: Inputs per forward pass.
    """

    def __init__(
        self,
        ref: ModelRef,
        *,
        quantize: Quantize = "int8",
        threads: int | None = None,
        batch_size: int = 64,
    ) -> None:
        self.ref = ref
        self.quantize = quantize
        self.threads = threads
        self.batch_size = batch_size
        self._model: Any = None
        self._tokenizer: Any = None
        self._spec: Any = None
        self._sentiment_order: list[int] = []

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _ensure(self) -> None:
        if self._model is not None:
            return
        from narrate.models import registry

        registry.verify(self.ref)
        quiet_transformers()
        from narrate.models import multitask

        model, tokenizer, spec = multitask.load(self.ref.path)
        if sorted(spec.sentiment_labels) != sorted(SENTIMENT_LABELS):
            raise ModelError(
                f"{self.ref.path}: sentiment labels {spec.sentiment_labels} are not "
                f"{list(SENTIMENT_LABELS)} in some order"
            )
        # Column of each narrate label (negative, neutral, positive) in the head's output.
        self._sentiment_order = [spec.sentiment_labels.index(lab) for lab in SENTIMENT_LABELS]
        self._model = prepare(model, self.quantize, self.threads)
        self._tokenizer, self._spec = tokenizer, spec

    def analyze(
        self,
        sentences: Sequence[str],
        targets: Sequence[Sequence[TargetSpan]],
        *,
        ner: bool = True,
    ) -> list[Analysis]:
        """NER and the sentiment of every target of each sentence, one forward pass each.

        Args:
            sentences: The sentences.
            targets: Per sentence, the character spans of the targets to score (None: the
                sentence's own sentiment).
            ner: Also tag entities.
        """
        if len(targets) != len(sentences):
            raise ValueError("analyze: one list of targets per sentence")
        if not sentences:
            return []
        self._ensure()
        import torch

        labels = self._spec.ner_labels
        cut = [words(s) for s in sentences]

        def step(batch: list[int]) -> list[Analysis]:
            enc = self._tokenizer(
                [[w.text for w in cut[i]] or [""] for i in batch],
                is_split_into_words=True,
                truncation=True,
                max_length=self._spec.max_length,
                padding=True,
                return_tensors="pt",
            )
            ids, mask = enc["input_ids"], enc["attention_mask"]
            states = self._model.hidden(ids, mask)
            rows, masks = [], []
            for row, i in enumerate(batch):
                word_ids = enc.word_ids(row)
                for span in targets[i]:
                    chosen = target_words(cut[i], span)
                    masks.append(
                        [int(w is not None and w < len(chosen) and chosen[w]) for w in word_ids]
                    )
                    rows.append(row)
            scores: list[SentimentScore] = []
            if rows:
                logits = self._model.sentiment_from_states(
                    states, mask, torch.tensor(masks), torch.tensor(rows)
                )
                probs = torch.softmax(logits.float(), dim=-1)[:, self._sentiment_order].tolist()
                scores = [SentimentScore.from_probs(*p) for p in probs]
            tagged: list[list[NerSpan]] = [[] for _ in batch]
            if ner:
                ner_probs = torch.softmax(self._model.ner_from_states(states).float(), dim=-1)
                best_p, best = ner_probs.max(dim=-1)
                for row, i in enumerate(batch):
                    tagged[row] = decode_words(
                        cut[i],
                        enc.word_ids(row),
                        best[row].tolist(),
                        best_p[row].tolist(),
                        labels,
                    )
            out, at = [], 0
            for row, i in enumerate(batch):
                n = len(targets[i])
                out.append(Analysis(spans=tagged[row], scores=scores[at : at + n]))
                at += n
            return out

        return run_batched(len(sentences), [len(s) for s in sentences], self.batch_size, step)

    def sentiment(self, items: Sequence[tuple[str, str]]) -> list[SentimentScore]:
        """Target sentiment for (sentence, target) pairs; each distinct sentence is encoded once.

        The target is found in the sentence by `base.locate`; a target that is not there, or
        that is the whole sentence, gives the sentence's own sentiment.
        """
        if not items:
            return []
        order: dict[str, list[int]] = {}
        for n, (sentence, _) in enumerate(items):
            order.setdefault(sentence, []).append(n)
        sentences = list(order)
        spans: list[list[TargetSpan]] = []
        for sentence in sentences:
            row = []
            for n in order[sentence]:
                target = items[n][1]
                row.append(None if target.strip() == sentence.strip() else locate(sentence, target))
            spans.append(row)
        out: list[Any] = [None] * len(items)
        for sentence, analysis in zip(
            sentences, self.analyze(sentences, spans, ner=False), strict=True
        ):
            for n, score in zip(order[sentence], analysis.scores, strict=True):
                out[n] = score
        return out

    def ner(self, sentences: Sequence[str]) -> list[list[NerSpan]]:
        """Entity spans per sentence."""
        return [a.spans for a in self.analyze(sentences, [[] for _ in sentences], ner=True)]


def decode_words(
    cut: Sequence[Word],
    word_ids: Sequence[int | None],
    best: Sequence[int],
    best_p: Sequence[float],
    labels: Sequence[str],
    label_map: Callable[[str], str] = lambda label: label,
) -> list[NerSpan]:
    """Entity spans of one sentence from per-token best labels; words past truncation are "O"."""
    word_labels = ["O"] * len(cut)
    word_scores = [1.0] * len(cut)
    seen = set()
    for position, word in enumerate(word_ids):
        if word is None or word in seen or word >= len(cut):
            continue
        seen.add(word)
        word_labels[word] = label_map(labels[int(best[position])])
        word_scores[word] = float(best_p[position])
    return decode_bio(cut, word_labels, word_scores)


def tag_words(
    logits_fn: Callable[..., torch.Tensor],
    tokenizer: Any,
    sentences: Sequence[str],
    labels: Sequence[str],
    max_length: int,
    label_map: Callable[[str], str] = lambda label: label,
) -> list[list[NerSpan]]:
    """Word-level BIO tagging of one batch; each word's label read from its first sub-token.

    Words cut off by `max_length` count as "O".
    """
    import torch

    cut = [words(s) for s in sentences]
    live = [i for i, ws in enumerate(cut) if ws]
    out: list[list[NerSpan]] = [[] for _ in sentences]
    if not live:
        return out
    enc = tokenizer(
        [[w.text for w in cut[i]] for i in live],
        is_split_into_words=True,
        truncation=True,
        max_length=max_length,
        padding=True,
        return_tensors="pt",
    )
    probs = torch.softmax(logits_fn(enc["input_ids"], enc["attention_mask"]).float(), dim=-1)
    best_p, best = probs.max(dim=-1)
    for row, i in enumerate(live):
        out[i] = decode_words(
            cut[i], enc.word_ids(row), best[row].tolist(), best_p[row].tolist(), labels, label_map
        )
    return out


class MultiTaskSentiment:
    """`TargetSentimentModel` over a shared `MultiTaskRuntime`."""

    def __init__(self, runtime: MultiTaskRuntime) -> None:
        self.runtime = runtime
        self.name = runtime.ref.id

    @property
    def loaded(self) -> bool:
        return self.runtime.loaded

    def score(self, items: Sequence[tuple[str, str]]) -> list[SentimentScore]:
        return self.runtime.sentiment(items)


class MultiTaskNer:
    """`NerModel` over a shared `MultiTaskRuntime`."""

    def __init__(self, runtime: MultiTaskRuntime) -> None:
        self.runtime = runtime
        self.name = runtime.ref.id

    @property
    def loaded(self) -> bool:
        return self.runtime.loaded

    def tag(self, sentences: Sequence[str]) -> list[list[NerSpan]]:
        return self.runtime.ner(sentences)
