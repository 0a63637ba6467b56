"""The shipped model: one multilingual encoder, two small heads (target sentiment, token NER).

One encoder serves both tasks so that the committed weights stay small. On disk a model is a
folder:

    encoder/                 transformers BertModel + tokenizer (save_pretrained, safetensors)
    heads.safetensors        sentiment.weight [3, 2H] and .bias [3]; ner.weight [L, H], .bias [L]
    narrate_model.json       format, labels, max_length, pooling (see ModelSpec)

One forward pass over a sentence serves both tasks and every target in it. The sentence is fed
as its words (`narrate.models.base.words`, joined by single spaces). NER classifies each token,
the first sub-token of a word carrying the word's BIO label. Target sentiment classifies the
concatenation of two means of the last hidden states: over the whole sentence and over the
tokens of the target's words; a target that is not in the sentence (an all-zero target mask)
takes the sentence mean for both halves, which is the sentence's own sentiment.

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

FORMAT = "narrate-multitask-2"


class ModelSpec(BaseModel):
    """narrate_model.json: what a model folder holds and how to feed it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str = FORMAT
    name: str
    version: str
    sentiment_labels: list[str] = ["negative", "neutral", "positive"]
    ner_labels: list[str] = ["O", "B-ORG", "I-ORG", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    max_length: int = 128
    pooling: str = "mean+target"


class MultiTaskModel(nn.Module):
    """A BertModel encoder with a target-sentiment head and a token-level NER head."""

    def __init__(self, encoder: nn.Module, n_sentiment: int, n_ner: int):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(0.1)
        self.sentiment = nn.Linear(2 * hidden, n_sentiment)
        self.ner = nn.Linear(hidden, n_ner)

    def hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def sentiment_from_states(
        self,
        states: torch.Tensor,
        attention_mask: torch.Tensor,
        target_mask: torch.Tensor,
        rows: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Logits per target; target i reads sentence `rows[i]` (default: row i).

        Args:
            states: [B, T, H] last hidden states.
            attention_mask: [B, T], 1 on real tokens.
            target_mask: [N, T], 1 on the target's tokens (all 0: no target in the sentence).
            rows: [N] sentence row of each target, or None when N == B and target i is in row i.
        """
        if rows is not None:
            states, attention_mask = states[rows], attention_mask[rows]
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        sentence = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        tmask = target_mask.unsqueeze(-1).to(states.dtype)
        count = tmask.sum(1)
        target = torch.where(count > 0, (states * tmask).sum(1) / count.clamp(min=1.0), sentence)
        return self.sentiment(self.dropout(torch.cat([sentence, target], dim=-1)))

    def sentiment_logits(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, target_mask: torch.Tensor
    ) -> torch.Tensor:
        states = self.hidden(input_ids, attention_mask)
        return self.sentiment_from_states(states, attention_mask, target_mask)

    def ner_from_states(self, states: torch.Tensor) -> torch.Tensor:
        return self.ner(self.dropout(states))

    def ner_logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.ner_from_states(self.hidden(input_ids, attention_mask))


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
