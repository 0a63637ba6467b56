"""branch_optionals rewrites optional groups as branches without changing what a pattern matches."""

import re

import pytest

from narrate.extractors.regex_tools import branch_optionals


@pytest.mark.parametrize(
    ("pattern", "rewritten"),
    [
        (r"(?:am\s+)?Montag", r"(?:am\s+|)Montag"),
        (r"a(?:b(?:c)?)?d", r"a(?:b(?:c|)|)d"),
        (r"(?:x)??y(?:z)?+", r"(?:x)??y(?:z)?+"),  # lazy and possessive stay as they are
        (r"[(](?:q)?\)(?P<n>r)?", r"[(](?:q|)\)(?P<n>r)?"),  # classes, escapes, named groups
    ],
)
def test_rewrite(pattern, rewritten):
    assert branch_optionals(pattern) == rewritten
    samples = ["Montag", "am Montag", "ad", "abd", "abcd", "acd", "y", "xy", "yz", "(q)r", "(q)"]
    for text in samples:
        before = [m.span() for m in re.finditer(pattern, text)]
        assert [m.span() for m in re.finditer(rewritten, text)] == before
