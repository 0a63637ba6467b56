"""Inference for the shipped multitask model (narrate.models.multitask) on CPU.

One `MultiTaskRuntime` loads the folder once, on first use, and serves both heads; the two thin
adapters `MultiTaskSentiment` and `MultiTaskNer` give it the `base` protocols. Inputs are sorted
by length and run in batches (64 by default), so padding is short; everything runs under
`torch.inference_mode`. int8 dynamic quantization of the Linear layers roughly halves CPU time
at a small cost in accuracy; as activations are quantized with one scale per batch, an int8
score can move slightly (~1e-3) with the other inputs of its batch. The same inputs in the same
order always give the same scores.

How inputs are fed (training must match):
    sentiment: tokenizer(target, sentence, truncation="only_second", max_length=spec.max_length)
    NER:       tokenizer([w.text for w in base.words(sentence)], is_split_into_words=True, ...),
               the label of a word read from its first sub-token.

torch is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from narrate.models.base import (
    SENTIMENT_LABELS,
    ModelError,
    NerSpan,
    SentimentScore,
    decode_bio,
    words,
)

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
            model = quantize_dynamic.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return model


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

    def sentiment(self, items: Sequence[tuple[str, str]]) -> list[SentimentScore]:
        """Target sentiment for (sentence, target) pairs."""
        if not items:
            return []
        self._ensure()
        import torch

        def step(batch: list[int]) -> list[SentimentScore]:
            enc = self._tokenizer(
                [items[i][1] for i in batch],
                [items[i][0] for i in batch],
                truncation="only_second",
                max_length=self._spec.max_length,
                padding=True,
                return_tensors="pt",
            )
            logits = self._model.sentiment_logits(enc["input_ids"], enc["attention_mask"])
            probs = torch.softmax(logits.float(), dim=-1)[:, self._sentiment_order].tolist()
            return [SentimentScore.from_probs(*row) for row in probs]

        lengths = [len(s) + len(t) for s, t in items]
        return run_batched(len(items), lengths, self.batch_size, step)

    def ner(self, sentences: Sequence[str]) -> list[list[NerSpan]]:
        """Entity spans per sentence."""
        if not sentences:
            return []
        self._ensure()
        labels = self._spec.ner_labels

        def step(batch: list[int]) -> list[list[NerSpan]]:
            return tag_words(
                self._model.ner_logits,
                self._tokenizer,
                [sentences[i] for i in batch],
                labels,
                self._spec.max_length,
            )

        return run_batched(len(sentences), [len(s) for s in sentences], self.batch_size, step)


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
        word_labels = ["O"] * len(cut[i])
        word_scores = [1.0] * len(cut[i])
        seen = set()
        for position, word in enumerate(enc.word_ids(row)):
            if word is None or word in seen:
                continue
            seen.add(word)
            word_labels[word] = label_map(labels[int(best[row, position])])
            word_scores[word] = float(best_p[row, position])
        out[i] = decode_bio(cut[i], word_labels, word_scores)
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
