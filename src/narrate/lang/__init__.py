"""Language knowledge lives in data files: lang/<code>/<part>.yaml, the same keys in every language.

Code reads these through `load(lang, part)`; no module branches on a language code.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

SUPPORTED = ("de", "en")
PARTS = ("numbers", "moves", "dates")


class UnsupportedLanguage(ValueError):
    pass


@cache
def load(lang: str, part: str) -> dict[str, Any]:
    """Return the parsed YAML for one language and part (cached: the files are read-only data)."""
    if lang not in SUPPORTED:
        raise UnsupportedLanguage(
            f"language {lang!r} is not supported (expected one of {SUPPORTED})"
        )
    if part not in PARTS:
        raise ValueError(f"unknown language data part {part!r} (expected one of {PARTS})")
    text = resources.files(__package__).joinpath(lang, f"{part}.yaml").read_text(encoding="utf-8")
    data = read_yaml(text)
    if not isinstance(data, dict):
        raise ValueError(f"lang/{lang}/{part}.yaml must be a mapping")
    return data


def read_yaml(text: str):
    """Parse YAML safely, with libyaml's C parser when present (ten times faster at start-up)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
