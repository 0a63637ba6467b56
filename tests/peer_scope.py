"""Shared by the peer-suite tests: which peer cases are out of scope, and why.

tests/peer/out_of_scope.yaml maps a peer file name to the cases narrate does not attempt, each
with its 0-based index in the file, its input (so a reader sees what it is) and a reason:

    Number_English_NumberModel.json:
      - {index: 12, input: "two thirds", reason: "fractions in words: not a market figure"}

Nothing is skipped silently: a case is either listed there (and reported as skipped with its
reason) or scored. No file may declare more than MAX_OUT_OF_SCOPE of its cases out of scope.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED_TEXT = ROOT / ".." / "shared" / "data" / "text"
OUT_OF_SCOPE_FILE = ROOT / "tests" / "peer" / "out_of_scope.yaml"
MAX_OUT_OF_SCOPE = 0.10


@cache
def out_of_scope() -> dict[str, dict[int, dict]]:
    """{peer file name: {case index: entry}} from tests/peer/out_of_scope.yaml."""
    raw = yaml.safe_load(OUT_OF_SCOPE_FILE.read_text(encoding="utf-8")) or {}
    return {name: {e["index"]: e for e in entries or []} for name, entries in raw.items()}


def peer_path(relative: str) -> Path:
    """A peer file under ../shared/data/text; skips the calling test when it is absent."""
    path = SHARED_TEXT / relative
    if not path.is_file():
        pytest.skip(f"peer data {path} not found (needs ../shared/data beside the repository)")
    return path


def load_cases(relative: str) -> list:
    """The cases of a peer file (a JSON list), in file order."""
    return json.loads(peer_path(relative).read_text(encoding="utf-8-sig"))


def case_ids(relative: str, count_hint: int) -> list[int]:
    """Case indices for parametrize: the real count when the file exists, else the hint."""
    path = SHARED_TEXT / relative
    if path.is_file():
        return list(range(len(json.loads(path.read_text(encoding="utf-8-sig")))))
    return list(range(count_hint))


def skip_if_out_of_scope(name: str, index: int, case_input: str) -> None:
    """pytest.skip with the listed reason; fails if the listed input is not this case's."""
    entry = out_of_scope().get(name, {}).get(index)
    if entry is None:
        return
    assert entry["input"] == case_input, (
        f"{OUT_OF_SCOPE_FILE.name}: {name} case {index} is {case_input!r}, "
        f"listed as {entry['input']!r}"
    )
    pytest.skip(f"out of scope: {entry['reason']}")


def check_scope_share(name: str, total: int) -> None:
    """At most MAX_OUT_OF_SCOPE of a file's cases may be declared out of scope."""
    declared = out_of_scope().get(name, {})
    assert all(0 <= i < total for i in declared), f"{name}: index out of range in the list"
    share = len(declared) / total
    assert share <= MAX_OUT_OF_SCOPE, f"{name}: {len(declared)}/{total} out of scope"


KNOWN_FAILURES_FILE = ROOT / "tests" / "peer" / "known_failures.yaml"


@cache
def known_failures() -> dict[str, dict[int, dict]]:
    """{peer file name: {case index: entry}}: in-scope cases narrate gets wrong today, with why.

    They are scored (and count against the pass rate) but marked xfail(strict=True), so a fix
    turns into an unexpected pass that fails the run until the entry is removed.
    """
    if not KNOWN_FAILURES_FILE.is_file():
        return {}
    raw = yaml.safe_load(KNOWN_FAILURES_FILE.read_text(encoding="utf-8")) or {}
    return {name: {e["index"]: e for e in entries or []} for name, entries in raw.items()}


def mark_known_failure(request, name: str, index: int) -> None:
    """Applies xfail(strict=True) with the listed reason to the running case, if listed."""
    entry = known_failures().get(name, {}).get(index)
    if entry is not None:
        request.applymarker(pytest.mark.xfail(reason=entry["reason"], strict=True))
