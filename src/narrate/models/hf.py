"""Adapters for plain transformers models: a sequence classifier for sentiment, a token
classifier for NER, from a local folder or a Hugging Face id.

Their labels are mapped onto narrate's by name (`config.id2label`): for sentiment "negative",
"neg", "bearish", "1 star" ... -> negative, and so on; for NER "ORGANIZATION" -> "ORG" and the
like. A sequence classifier is not target-aware: it scores the sentence alone and the target is
not used. Loading is lazy, offline unless the reference allows downloads (`local_files_only`),
and safetensors only (`use_safetensors=True`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from narrate.models.base import (
    SENTIMENT_LABELS,
    ModelError,
    ModelNotFound,
    NerSpan,
    SentimentScore,
)
from narrate.models.registry import DEFAULT_MODEL, HOW_TO_GET, ModelRef, Quantize, verify
from narrate.models.runtime import prepare, quiet_transformers, run_batched, tag_words

# Sentiment class names seen on the hub, lower-cased, by the narrate label they mean.
_SENTIMENT_NAMES = {
    "negative": ("negative", "neg", "bearish", "very negative", "1 star", "2 stars"),
    "neutral": ("neutral", "neu", "mixed", "3 stars"),
    "positive": ("positive", "pos", "bullish", "very positive", "4 stars", "5 stars"),
}
# Entity type names by the short form narrate uses (CoNLL's).
_NER_TYPES = {
    "ORGANIZATION": "ORG",
    "ORGANISATION": "ORG",
    "COMPANY": "ORG",
    "PERSON": "PER",
    "LOCATION": "LOC",
    "GPE": "LOC",
    "MISCELLANEOUS": "MISC",
}


def sentiment_label(name: str) -> str | None:
    """narrate's label for a classifier's class name, or None when the name says nothing."""
    key = re.sub(r"[_\s]+", " ", name.strip().lower())
    for label, names in _SENTIMENT_NAMES.items():
        if key in names:
            return label
    return None


def ner_label(name: str) -> str:
    """A BIO label with the type in narrate's short form: "B-ORGANIZATION" -> "B-ORG"."""
    prefix, sep, kind = name.partition("-")
    if not sep:
        prefix, kind = "", name
    kind = _NER_TYPES.get(kind.upper(), kind.upper())
    if kind == "O" and not sep:
        return "O"
    return f"{prefix.upper()}-{kind}" if sep else kind


class _HFModel:
    """Lazy loading shared by both adapters."""

    auto_class = ""  # the transformers AutoModel class name
    suffix = ""  # the architecture suffix it expects
    task = ""

    def __init__(
        self,
        ref: ModelRef,
        *,
        quantize: Quantize = "int8",
        threads: int | None = None,
        batch_size: int = 64,
    ) -> None:
        self.ref = ref
        self.name = ref.id
        self.quantize = quantize
        self.threads = threads
        self.batch_size = batch_size
        self._model: Any = None
        self._tokenizer: Any = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _ensure(self) -> None:
        if self._model is not None:
            return
        verify(self.ref)
        quiet_transformers()
        import torch
        import transformers

        options = {"local_files_only": not self.ref.allow_download, "revision": self.ref.revision}
        try:
            config = transformers.AutoConfig.from_pretrained(self.ref.source, **options)
            archs = config.architectures or []
            if not any(a.endswith(self.suffix) for a in archs):
                raise ModelError(
                    f"model {self.ref.source} is {archs or 'of unknown architecture'}; "
                    f"{self.task} needs a *{self.suffix} model"
                )
            tokenizer = transformers.AutoTokenizer.from_pretrained(self.ref.source, **options)
            model = getattr(transformers, self.auto_class).from_pretrained(
                self.ref.source, use_safetensors=True, dtype=torch.float32, **options
            )
        except OSError as err:
            raise ModelNotFound(
                f"cannot load {self.ref.source} offline with safetensors ({err}). "
                + HOW_TO_GET.format(name=DEFAULT_MODEL)
            ) from None
        self._setup(config)
        self._model = prepare(model, self.quantize, self.threads)
        self._tokenizer = tokenizer

    def _setup(self, config: Any) -> None:
        raise NotImplementedError

    def _max_length(self) -> int:
        limit = getattr(self._tokenizer, "model_max_length", 512) or 512
        return int(min(limit, 512))


class HFSentiment(_HFModel):
    """`TargetSentimentModel` over a transformers sequence classifier (sentence only)."""

    auto_class = "AutoModelForSequenceClassification"
    suffix = "ForSequenceClassification"
    task = "sentiment"

    def _setup(self, config: Any) -> None:
        names = {int(i): str(n) for i, n in config.id2label.items()}
        mapped = {i: sentiment_label(n) for i, n in names.items()}
        unknown = [names[i] for i, lab in mapped.items() if lab is None]
        if unknown or not {"negative", "positive"} <= set(mapped.values()):
            raise ModelError(
                f"model {self.ref.source}: cannot map its labels {list(names.values())} onto "
                "negative/neutral/positive; its config.id2label must name them (e.g. "
                "'negative', 'neutral', 'positive')"
            )
        # Column indices per narrate label; several classes (1..2 stars) add up.
        self._columns = {
            lab: [i for i, m in mapped.items() if m == lab] for lab in SENTIMENT_LABELS
        }

    def score(self, items: Sequence[tuple[str, str]]) -> list[SentimentScore]:
        if not items:
            return []
        self._ensure()
        import torch

        def step(batch: list[int]) -> list[SentimentScore]:
            enc = self._tokenizer(
                [items[i][0] for i in batch],
                truncation=True,
                max_length=self._max_length(),
                padding=True,
                return_tensors="pt",
            )
            logits = self._model(
                input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]
            ).logits
            probs = torch.softmax(logits.float(), dim=-1)
            per_label = [probs[:, cols].sum(-1) for cols in self._columns.values()]
            return [SentimentScore.from_probs(*row) for row in torch.stack(per_label, 1).tolist()]

        return run_batched(len(items), [len(s) for s, _ in items], self.batch_size, step)


class HFNer(_HFModel):
    """`NerModel` over a transformers token classifier (needs a fast tokenizer)."""

    auto_class = "AutoModelForTokenClassification"
    suffix = "ForTokenClassification"
    task = "ner"

    def _setup(self, config: Any) -> None:
        names = {int(i): str(n) for i, n in config.id2label.items()}
        self._labels = [ner_label(names[i]) for i in range(len(names))]

    def tag(self, sentences: Sequence[str]) -> list[list[NerSpan]]:
        if not sentences:
            return []
        self._ensure()
        if not getattr(self._tokenizer, "is_fast", True):
            raise ModelError(f"model {self.ref.source}: NER needs a fast (Rust) tokenizer")

        def logits(input_ids, attention_mask):
            return self._model(input_ids=input_ids, attention_mask=attention_mask).logits

        def step(batch: list[int]) -> list[list[NerSpan]]:
            chunk = [sentences[i] for i in batch]
            return tag_words(logits, self._tokenizer, chunk, self._labels, self._max_length())

        return run_batched(len(sentences), [len(s) for s in sentences], self.batch_size, step)
