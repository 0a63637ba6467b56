"""A tiny random-weight model in the shipped multitask format, for tests (no training, no network).

A 2-layer, 32-wide BERT with a word-level tokenizer; its NER head tags every word B-ORG, so spans
are known. Used by test_models.py and test_batch.py.
"""

from __future__ import annotations

from pathlib import Path

VOCAB = (
    "[PAD] [UNK] [CLS] [SEP] [MASK] der die das dax fiel stieg siemens aktie nasdaq composite "
    "the stock rose fell shares of and , . % 1 2 3 4 apple nvidia gewinn verlust um am dienstag"
).split()


def tokenizer():
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(VOCAB)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 2), ("[SEP]", 3)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )


def config(**extra):
    import transformers

    return transformers.BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        **extra,
    )


def build_tiny(out_dir: Path) -> Path:
    """Write the tiny multitask model folder to `out_dir` and return it."""
    import torch
    import transformers

    from narrate.models.multitask import ModelSpec, MultiTaskModel, save

    torch.manual_seed(0)
    encoder = transformers.BertModel(config(), add_pooling_layer=False)
    model = MultiTaskModel(encoder, 3, 7)
    with torch.no_grad():  # a random head tags at random; this one gives known spans
        model.ner.weight.zero_()
        model.ner.bias.copy_(torch.tensor([0.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0]))
    spec = ModelSpec(name="tiny", version="0.0.1", max_length=64)
    return save(model, tokenizer(), spec, out_dir)
