"""Regular-expression helpers shared by the extractors' scanners."""

from __future__ import annotations

from collections.abc import Iterator


def structure(pattern: str) -> Iterator[tuple[int, str]]:
    """(index, character) of every character of `pattern` that is regex syntax or literal text
    outside a character class: escapes ("\\(") and classes ("[(]") are skipped whole."""
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            yield i, char
        i += 1


def branch_optionals(pattern: str) -> str:
    """Rewrite each greedy optional group "(?:X)?" as the equivalent "(?:X|)".

    Python's `re` runs a repeated group through its general repeat machinery, which costs far
    more than a branch; the templates' optional words ("(?:am )?") sit at the start of many
    rules and are tried at every word of the text.
    """
    opens: list[int] = []
    closing: set[int] = set()
    for i, char in structure(pattern):
        if char == "(":
            opens.append(i)
        elif char == ")":
            start = opens.pop()
            after = pattern[i + 1 : i + 3]
            if (
                pattern.startswith("(?:", start)
                and after[:1] == "?"
                and after[1:] not in ("?", "+")
            ):
                closing.add(i)
    out = []
    i = 0
    while i < len(pattern):
        if i in closing:
            out.append("|)")
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)
