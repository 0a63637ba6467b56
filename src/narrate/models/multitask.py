"""The shipped model: one multilingual encoder, two small heads (target sentiment, token NER).

One encoder serves both tasks so that the committed weights stay small. On disk a model is a
folder:

    encoder/                 transformers BertModel + tokenizer (save_pretrained, safetensors)
    heads.safetensors        sentiment.weight [3, H] and .bias [3]; ner.weight [L, H] and .bias [L]
    narrate_model.json       format, labels, max_length, pooling (see ModelSpec)

Sentiment reads the pair (target, sentence) and classifies the mean-pooled last hidden state
(mean over every real token, as e5 was trained); NER reads the sentence alone and classifies
each token, the first sub-token of a word carrying the word's BIO label.

torch and transformers are imported here at module level: import this module only when a model
is actually needed (narrate.models.registry does so lazily).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from pydantic import BaseModel, ConfigDict
from safetensors.torch import load_file, save_file
from torch import nn

FORMAT = "narrate-multitask-1"


class ModelSpec(BaseModel):
    """narrate_model.json: what a model folder holds and how to feed it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str = FORMAT
    name: str
    version: str
    sentiment_labels: list[str] = ["negative", "neutral", "positive"]
    ner_labels: list[str] = ["O", "B-ORG", "I-ORG", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    max_length: int = 128
    pooling: str = "mean"


class MultiTaskModel(nn.Module):
    """A BertModel encoder with a sentence-level sentiment head and a token-level NER head."""

    def __init__(self, encoder: nn.Module, n_sentiment: int, n_ner: int):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(0.1)
        self.sentiment = nn.Linear(hidden, n_sentiment)
        self.ner = nn.Linear(hidden, n_ner)

    def hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def sentiment_logits(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        states = self.hidden(input_ids, attention_mask)
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.sentiment(self.dropout(pooled))

    def ner_logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.ner(self.dropout(self.hidden(input_ids, attention_mask)))


def save(
    model: MultiTaskModel,
    tokenizer,
    spec: ModelSpec,
    out_dir: str | Path,
    *,
    dtype: torch.dtype = torch.float16,
) -> Path:
    """Write a model folder; the encoder is stored in `dtype` (float16 halves the size)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    encoder = model.encoder.to(dtype)
    encoder.save_pretrained(out / "encoder", safe_serialization=True)
    model.encoder.to(torch.float32)
    tokenizer.save_pretrained(out / "encoder")
    heads = {
        "sentiment.weight": model.sentiment.weight.detach().float().contiguous(),
        "sentiment.bias": model.sentiment.bias.detach().float().contiguous(),
        "ner.weight": model.ner.weight.detach().float().contiguous(),
        "ner.bias": model.ner.bias.detach().float().contiguous(),
    }
    save_file(heads, str(out / "heads.safetensors"))
    (out / "narrate_model.json").write_text(spec.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return out


def load(model_dir: str | Path) -> tuple[MultiTaskModel, object, ModelSpec]:
    """Load a model folder in float32, in eval mode. safetensors only: nothing is unpickled."""
    from transformers import AutoTokenizer, BertModel

    folder = Path(model_dir)
    spec = ModelSpec(**json.loads((folder / "narrate_model.json").read_text(encoding="utf-8")))
    if spec.format != FORMAT:
        raise ValueError(f"{folder}: model format {spec.format!r} is not {FORMAT!r}")
    encoder = BertModel.from_pretrained(
        folder / "encoder", dtype=torch.float32, add_pooling_layer=False, use_safetensors=True
    )
    model = MultiTaskModel(encoder, len(spec.sentiment_labels), len(spec.ner_labels))
    heads = load_file(str(folder / "heads.safetensors"))
    model.sentiment.load_state_dict(
        {"weight": heads["sentiment.weight"], "bias": heads["sentiment.bias"]}
    )
    model.ner.load_state_dict({"weight": heads["ner.weight"], "bias": heads["ner.bias"]})
    tokenizer = AutoTokenizer.from_pretrained(folder / "encoder")
    return model.eval(), tokenizer, spec
