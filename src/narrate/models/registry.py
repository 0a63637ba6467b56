"""Which model a name means, whether its files are the pinned ones, and lazy loaders.

Models are named in `models/registry.yaml` (next to the model folders, in the repository's
`models/` directory; `NARRATE_MODELS_DIR` points elsewhere). An entry pins the sha256 of every
file, so a model that was swapped or damaged is refused, not silently used. Besides names, a
loader takes a model folder (the shipped multitask format, or a plain transformers
sequence-/token-classification model) or a Hugging Face id.

Nothing is downloaded unless the caller passes `allow_download=True`; nothing heavy is imported
or read until a model's first `score`/`tag` call.

    >>> sentiment = load_sentiment()            # cheap: resolves the name, loads nothing
    >>> sentiment.score([("Siemens stieg um 3 %.", "Siemens")])   # loads, checks, scores

Command line (after training a model into models/, to pin its files):

    python -m narrate.models.registry --list
    python -m narrate.models.registry --refresh narrate-e5-fin
    python -m narrate.models.registry --check
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Literal, NamedTuple

import yaml
from pydantic import ValidationError

from narrate.models.base import (
    ModelError,
    ModelIntegrityError,
    ModelNotFound,
    NerModel,
    TargetSentimentModel,
)
from narrate.records import Record

DEFAULT_MODEL = "narrate-e5-fin"
REGISTRY_FILE = "registry.yaml"
MULTITASK_SPEC = "narrate_model.json"  # marks a folder in the shipped multitask format

ModelFormat = Literal["narrate-multitask", "hf"]
Task = Literal["sentiment", "ner"]
Quantize = Literal["none", "int8"]

# Weights in these formats are Python pickles: loading one can run arbitrary code.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")

_HUB_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")

HOW_TO_GET = (
    "Build the shipped model with `make models` (it trains into build/models/{name} and copies "
    "it to models/{name}), or point narrate at a model folder or Hugging Face id with "
    "`--model PATH` (Settings(model=...); ids need the model in the local Hugging Face cache "
    "or allow_download=True)."
)


def default_models_dir() -> Path:
    """The folder holding registry.yaml and the model folders.

    `NARRATE_MODELS_DIR` when set, else the repository's `models/` (this file lives in
    src/narrate/models/).
    """
    env = os.environ.get("NARRATE_MODELS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "models"


class RegistryEntry(Record):
    """One named model in registry.yaml."""

    version: str
    format: ModelFormat = "narrate-multitask"
    tasks: list[Task]
    path: str | None = None  # relative to the models folder
    hub: str | None = None  # a Hugging Face id, when the model is not in the repository
    revision: str | None = None  # hub revision (commit) to pin
    description: str | None = None
    base_model: str | None = None
    licence: str | None = None
    training_data: list[str] | None = None
    metrics: dict[str, float | None] = {}
    sha256: dict[str, str] = {}  # file path relative to the model folder -> hex digest


class ModelRef(Record):
    """A resolved model: where it is, what it does, and the sums its files must have.

    Attributes:
        sha256: Pinned sums; None for a folder or id given directly (not checked), {} for a
            registry entry whose sums were never filled in (refused at load).
        tasks: What the model can do; empty for a hub id (known once its config is read).
    """

    name: str
    version: str
    format: ModelFormat
    tasks: list[Task]
    path: Path | None = None
    hub: str | None = None
    revision: str | None = None
    sha256: dict[str, str] | None = None
    allow_download: bool = False

    @property
    def id(self) -> str:
        """Provenance string: "name@version"."""
        return f"{self.name}@{self.version}"

    @property
    def source(self) -> str:
        """What transformers is given: the folder or the hub id."""
        return str(self.path) if self.path is not None else str(self.hub)


def read_registry(models_dir: Path | None = None) -> dict[str, RegistryEntry]:
    """The entries of registry.yaml by name; no file means no named models."""
    file = (models_dir or default_models_dir()) / REGISTRY_FILE
    if not file.exists():
        return {}
    raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    entries = raw.get("models") or {}
    if not isinstance(entries, dict):
        raise ModelError(f"{file}: 'models' must map names to entries")
    out = {}
    for name, body in entries.items():
        try:
            entry = RegistryEntry(**(body or {}))
        except ValidationError as err:
            raise ModelError(f"{file}: entry {name!r} is invalid:\n{err}") from None
        if (entry.path is None) == (entry.hub is None):
            raise ModelError(f"{file}: entry {name!r} needs exactly one of 'path' or 'hub'")
        out[str(name)] = entry
    return out


def resolve(
    name_or_path: str | Path | None = None,
    *,
    models_dir: Path | None = None,
    allow_download: bool = False,
) -> ModelRef:
    """Find a model by registry name, folder or Hugging Face id, without loading it.

    Args:
        name_or_path: A name in registry.yaml, a model folder, or a hub id ("owner/name");
            None means the default model, narrate-e5-fin.
        models_dir: The folder with registry.yaml (default: `default_models_dir()`).
        allow_download: Let transformers fetch a hub id that is not in the local cache.

    Raises:
        ModelNotFound: Nothing under that name; the message says how to get the model.
        ModelError: The folder is not a model folder, or registry.yaml is invalid.
    """
    models_dir = models_dir or default_models_dir()
    name = str(name_or_path) if name_or_path is not None else DEFAULT_MODEL
    registry = read_registry(models_dir)
    if name in registry:
        return _from_entry(name, registry[name], models_dir, allow_download)
    path = Path(name).expanduser()
    if path.exists():
        return _from_folder(path)
    if _HUB_ID_RE.match(name) and not name.startswith((".", "~")):
        if not allow_download and not _in_hub_cache(name):
            raise ModelNotFound(
                f"model {name!r} is neither a folder nor in the local Hugging Face cache, and "
                "downloads are off. Download it once (`hf download "
                f"{name}`, or allow_download=True), or " + HOW_TO_GET.format(name=DEFAULT_MODEL)
            )
        return ModelRef(
            name=name, version="hub", format="hf", tasks=[], hub=name,
            allow_download=allow_download,
        )  # fmt: skip
    known = ", ".join(sorted(registry)) or "none"
    raise ModelNotFound(
        f"no model {name!r}: not a name in {models_dir / REGISTRY_FILE} (known: {known}), "
        "not a folder, not a Hugging Face id. " + HOW_TO_GET.format(name=DEFAULT_MODEL)
    )


def _from_entry(
    name: str, entry: RegistryEntry, models_dir: Path, allow_download: bool
) -> ModelRef:
    if entry.hub is not None:
        if not allow_download and not _in_hub_cache(entry.hub):
            raise ModelNotFound(
                f"model {name!r} ({entry.hub}) is not in the local Hugging Face cache and "
                f"downloads are off. Download it once (`hf download {entry.hub}`), or "
                + HOW_TO_GET.format(name=DEFAULT_MODEL)
            )
        return ModelRef(
            name=name, version=entry.version, format=entry.format, tasks=entry.tasks,
            hub=entry.hub, revision=entry.revision, sha256=None, allow_download=allow_download,
        )  # fmt: skip
    folder = models_dir / str(entry.path)
    if not folder.is_dir():
        raise ModelNotFound(
            f"model {name!r} is not installed: no folder {folder}. " + HOW_TO_GET.format(name=name)
        )
    return ModelRef(
        name=name, version=entry.version, format=entry.format, tasks=entry.tasks,
        path=folder, sha256=dict(entry.sha256),
    )  # fmt: skip


def _from_folder(path: Path) -> ModelRef:
    if not path.is_dir():
        raise ModelError(f"{path} is a file; --model wants a model folder, a name or a hub id")
    spec_file = path / MULTITASK_SPEC
    if spec_file.exists():
        spec = json.loads(spec_file.read_text(encoding="utf-8"))
        return ModelRef(
            name=str(spec.get("name") or path.name), version=str(spec.get("version") or "local"),
            format="narrate-multitask", tasks=["sentiment", "ner"], path=path,
        )  # fmt: skip
    config_file = path / "config.json"
    if config_file.exists():
        config = json.loads(config_file.read_text(encoding="utf-8"))
        archs = config.get("architectures") or []
        tasks: list[Task] = []
        if any(a.endswith("ForSequenceClassification") for a in archs):
            tasks.append("sentiment")
        if any(a.endswith("ForTokenClassification") for a in archs):
            tasks.append("ner")
        if not tasks:
            raise ModelError(
                f"{path}: a transformers model of architecture {archs or 'unknown'}; narrate "
                "needs *ForSequenceClassification (sentiment) or *ForTokenClassification (NER)"
            )
        return ModelRef(name=path.name, version="local", format="hf", tasks=tasks, path=path)
    raise ModelNotFound(
        f"{path} is not a model folder (no {MULTITASK_SPEC}, no config.json). "
        + HOW_TO_GET.format(name=DEFAULT_MODEL)
    )


def _in_hub_cache(hub_id: str) -> bool:
    """Whether the Hugging Face cache holds this repository (its layout: models--owner--name)."""
    cache_dir = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if not cache_dir:
        home = os.environ.get("HF_HOME") or Path("~/.cache/huggingface").expanduser()
        cache_dir = Path(home) / "hub"
    return (Path(cache_dir) / f"models--{hub_id.replace('/', '--')}").is_dir()


# --- integrity --------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_files(folder: Path) -> list[str]:
    """Every file in a model folder, relative, sorted; hidden files (.DS_Store, .git) skipped."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def verify(ref: ModelRef) -> None:
    """Check a local model's files before loading: safetensors only, and the pinned sums.

    Raises:
        ModelIntegrityError: Pickled weights without safetensors; or, for a registry model, a
            file that is missing, unlisted or whose sha256 differs from registry.yaml.
    """
    if ref.path is None:
        return  # hub ids: transformers is held to safetensors by use_safetensors=True
    files = model_files(ref.path)
    if not any(f.endswith(".safetensors") for f in files):
        pickles = [f for f in files if f.endswith(PICKLE_SUFFIXES)]
        what = f"only pickled weights ({', '.join(pickles)})" if pickles else "no weights"
        raise ModelIntegrityError(
            f"{ref.path} holds {what}: narrate loads safetensors only, which cannot run code. "
            "Convert with `model.save_pretrained(folder, safe_serialization=True)`."
        )
    if ref.sha256 is None:
        return
    refresh = f"`python -m narrate.models.registry --refresh {ref.name}`"
    if not ref.sha256:
        raise ModelIntegrityError(
            f"model {ref.name!r}: registry.yaml pins no sha256 sums for {ref.path}. If this "
            f"folder holds the intended model, pin its files with {refresh}."
        )
    problems = []
    for rel in sorted(set(ref.sha256) | set(files)):
        if rel not in files:
            problems.append(f"{rel}: missing")
        elif rel not in ref.sha256:
            problems.append(f"{rel}: not listed in registry.yaml")
        elif file_sha256(ref.path / rel) != ref.sha256[rel].lower():
            problems.append(f"{rel}: sha256 differs from registry.yaml")
    if problems:
        raise ModelIntegrityError(
            f"model {ref.id} at {ref.path} does not match registry.yaml: "
            + "; ".join(problems)
            + f". Reinstall it (`make models`), or, if the new files are intended, run {refresh}."
        )


# --- loaders ------------------------------------------------------------------------------------


class Models(NamedTuple):
    """A sentiment and an NER model; for the shipped model both share one loaded encoder."""

    sentiment: TargetSentimentModel
    ner: NerModel | None


def load_sentiment(
    name_or_path: str | Path | None = None,
    *,
    models_dir: Path | None = None,
    allow_download: bool = False,
    quantize: Quantize = "int8",
    threads: int | None = None,
    batch_size: int = 64,
) -> TargetSentimentModel:
    """A target-sentiment model; resolved now (ModelNotFound early), loaded on first `score`.

    Args:
        name_or_path: Registry name, model folder or hub id (None: narrate-e5-fin).
        models_dir: Folder with registry.yaml (default: `default_models_dir()`).
        allow_download: Allow fetching a hub id (off: offline, local files only).
        quantize: "int8" quantizes Linear layers dynamically (faster on CPU), "none" keeps fp32.
        threads: torch intra-op threads (None: torch's default).
        batch_size: Inputs per forward pass.

    Raises:
        ModelNotFound: No such model; the message says how to build or name one.
    """
    return _load(
        "sentiment", name_or_path, models_dir, allow_download, quantize, threads, batch_size
    ).sentiment


def load_ner(
    name_or_path: str | Path | None = None,
    *,
    models_dir: Path | None = None,
    allow_download: bool = False,
    quantize: Quantize = "int8",
    threads: int | None = None,
    batch_size: int = 64,
) -> NerModel:
    """An NER model; resolved now, loaded on first `tag`. Arguments as for `load_sentiment`."""
    ner = _load("ner", name_or_path, models_dir, allow_download, quantize, threads, batch_size).ner
    assert ner is not None  # _load raised otherwise
    return ner


def load_models(
    name_or_path: str | Path | None = None,
    *,
    models_dir: Path | None = None,
    allow_download: bool = False,
    quantize: Quantize = "int8",
    threads: int | None = None,
    batch_size: int = 64,
) -> Models:
    """Sentiment and (where the model has it) NER from one model, sharing one load."""
    return _load(None, name_or_path, models_dir, allow_download, quantize, threads, batch_size)


@cache
def shared_models(
    name_or_path: str | None, quantize: Quantize = "int8", threads: int | None = None
) -> Models:
    """`load_models`, once per process and arguments: the pipeline's models across articles."""
    return load_models(name_or_path, quantize=quantize, threads=threads)


def _load(
    task: Task | None,
    name_or_path: str | Path | None,
    models_dir: Path | None,
    allow_download: bool,
    quantize: Quantize,
    threads: int | None,
    batch_size: int,
) -> Models:
    if quantize not in ("none", "int8"):
        raise ValueError(f"quantize must be 'none' or 'int8', not {quantize!r}")
    ref = resolve(name_or_path, models_dir=models_dir, allow_download=allow_download)
    if task is not None and ref.tasks and task not in ref.tasks:
        raise ModelError(f"model {ref.id} ({ref.source}) does not do {task}; it does {ref.tasks}")
    options = {"quantize": quantize, "threads": threads, "batch_size": batch_size}
    if ref.format == "narrate-multitask":
        from narrate.models import runtime

        shared = runtime.MultiTaskRuntime(ref, **options)
        return Models(runtime.MultiTaskSentiment(shared), runtime.MultiTaskNer(shared))
    from narrate.models import hf

    # A plain transformers model does one task; the other is absent (None) or, for a hub id
    # whose task is unknown yet, whatever its config says at load.
    sentiment = hf.HFSentiment(ref, **options)
    ner = hf.HFNer(ref, **options) if (task == "ner" or "ner" in ref.tasks) else None
    return Models(sentiment, ner)


# --- command line ---------------------------------------------------------------------------


def refresh(name: str, models_dir: Path | None = None) -> dict[str, str]:
    """Recompute the sha256 of every file of a registry model and write them to registry.yaml.

    Comments at the top of registry.yaml are kept; the rest is rewritten (comments inside
    entries are lost: notes belong in the header or in `description`).
    """
    models_dir = models_dir or default_models_dir()
    file = models_dir / REGISTRY_FILE
    registry = read_registry(models_dir)
    if name not in registry:
        raise ModelNotFound(f"no model {name!r} in {file} (known: {', '.join(sorted(registry))})")
    entry = registry[name]
    if entry.path is None:
        raise ModelError(f"model {name!r} lives on the hub ({entry.hub}); nothing to pin locally")
    folder = models_dir / entry.path
    if not folder.is_dir():
        raise ModelNotFound(f"no folder {folder}. " + HOW_TO_GET.format(name=name))
    sums = {rel: file_sha256(folder / rel) for rel in model_files(folder)}
    text = file.read_text(encoding="utf-8")
    raw = yaml.safe_load(text) or {}
    raw["models"][name]["sha256"] = sums
    body = yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=100)
    file.write_text(_leading_comments(text) + body, encoding="utf-8")
    return sums


def _leading_comments(text: str) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#") and line.strip():
            break
        lines.append(line)
    return "".join(lines)


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m narrate.models.registry",
        description="List, check and pin (sha256) the models named in models/registry.yaml.",
    )
    parser.add_argument("--models-dir", type=Path, default=None, help="default: repo models/")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--list", action="store_true", help="print the entries and their state")
    group.add_argument("--check", action="store_true", help="verify every installed model")
    group.add_argument(
        "--refresh",
        nargs="+",
        metavar="NAME",
        help="recompute and write the sha256 of NAME's files",
    )
    args = parser.parse_args(argv)
    try:
        if args.refresh:
            for name in args.refresh:
                sums = refresh(name, args.models_dir)
                print(f"{name}: pinned {len(sums)} files")
            return 0
        failed = False
        for name in read_registry(args.models_dir):
            try:
                ref = resolve(name, models_dir=args.models_dir)
                if args.check:
                    verify(ref)
                state = "ok" if args.check else f"installed at {ref.source}"
            except ModelError as err:
                failed = failed or args.check
                state = f"{type(err).__name__}: {err}"
            print(f"{name}: {state}")
        return 1 if failed else 0
    except ModelError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(_main())
