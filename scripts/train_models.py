"""Train the shipped multilingual model (target sentiment + NER) and score it on the test splits.

    python scripts/train_models.py --base build/e5-pruned-k0 --out build/models/narrate-e5-fin \
        --shared ../shared [--epochs N] [--layers L] [--freeze-layers K] [--max-minutes M]

Only "train OK" sets are read (SEntFiN, FinEntity, GerNTSA, GermEval 2014); see
narrate.models.data for the deterministic splits. Writes the model folder and, next to it,
`<out>.metrics.json` with training numbers, dev history, and test metrics of the model and of
the lexicon baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="converted e5 encoder folder")
    parser.add_argument("--out", type=Path, required=True, help="model folder to write")
    parser.add_argument("--shared", type=Path, required=True, help="folder holding data/text/")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--freeze-layers", type=int, default=2)
    parser.add_argument("--layers", type=int, default=8, help="encoder layers kept (of 12)")
    parser.add_argument("--max-minutes", type=float, default=45.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument(
        "--skip-train", action="store_true", help="only evaluate the model already in --out"
    )
    args = parser.parse_args(argv)

    if not (args.shared / "data" / "text").is_dir():
        parser.error(f"--shared {args.shared}: no data/text/ folder there")

    from narrate.models import training

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    report: dict = {}
    if not args.skip_train:
        if not (args.base / "config.json").is_file():
            parser.error(f"--base {args.base}: no converted encoder (run scripts/convert_e5.py)")
        config = training.TrainConfig(
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            freeze_layers=args.freeze_layers,
            layers=args.layers,
            max_minutes=args.max_minutes,
        )
        result = training.train(args.base, args.shared, args.out, config, log=log)
        report["training"] = {"config": config.__dict__, **result.__dict__}

    log("scoring test splits")
    test: dict = {"model": {}, "lexicon": {}}
    for name in training.SENTIMENT_SETS:
        test["model"][f"sentiment/{name}"] = training.evaluate_sentiment(
            args.out, args.shared, name
        )
        test["lexicon"][f"sentiment/{name}"] = training.evaluate_lexicon_sentiment(
            args.shared, name
        )
        vader = training.evaluate_lexicon_sentiment(args.shared, name, backend="vader")
        if vader is not None:
            test.setdefault("vader", {})[f"sentiment/{name}"] = vader
    for name in training.NER_SETS:
        test["model"][f"ner/{name}"] = training.evaluate_ner(args.out, args.shared, name)
    report["test"] = test
    dev_lexicon = {
        f"sentiment/{n}": training.evaluate_lexicon_sentiment(args.shared, n, "dev")
        for n in training.SENTIMENT_SETS
    }
    report["dev_lexicon"] = dev_lexicon
    log(f"test model: {training.summarize(test['model'])}")
    log(f"test lexicon: {training.summarize(test['lexicon'])}")

    metrics_path = args.out.with_name(args.out.name + ".metrics.json")
    metrics_path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    log(f"wrote {metrics_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
