"""Finding catalog entities in text: one Aho-Corasick automaton over all aliases of a language.

The automaton finds every alias occurrence in one pass, so the cost depends on the text length and
the number of hits, not on the size of the catalog. Matching is case-sensitive.
"""

from __future__ import annotations

from collections.abc import Mapping

import ahocorasick

from narrate.records import EntityMention

# A hyphen right after a name is allowed: German compounds are written "Nvidia-Aktie",
# "Bitcoin-Kurs", "Gold-Rally" and name the entity. Any letter or digit on either side is not:
# "Goldman" is no "Gold", "MDAX" no "DAX", "Nvidias" only via its own alias.


class EntityMatcher:
    """Leftmost-longest, non-overlapping alias matcher for one language.

    Args:
        aliases: Surface form -> entity id; an id of None marks a blocking form that is
            matched (so it wins over the shorter aliases inside it) but not reported.
    """

    def __init__(self, aliases: Mapping[str, str | None]) -> None:
        self._automaton = ahocorasick.Automaton()
        for form, entity_id in aliases.items():
            self._automaton.add_word(form, (len(form), entity_id))
        self._size = len(aliases)
        if self._size:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return self._size

    def find(self, text: str) -> list[EntityMention]:
        """Entity mentions in `text`, in text order, with character offsets into `text`.

        Args:
            text: Any text; offsets refer to this exact string.

        Returns:
            Non-overlapping mentions. Where aliases overlap, the one starting first wins, and
            of those starting at the same place the longest ("Nasdaq Composite" over "Nasdaq").
        """
        if not self._size or not text:
            return []
        length = len(text)
        candidates: list[tuple[int, int, str | None]] = []
        for last, (size, entity_id) in self._automaton.iter(text):
            start = last - size + 1
            if start > 0 and text[start - 1].isalnum():
                continue
            end = last + 1
            if end < length and text[end].isalnum():
                continue
            candidates.append((start, -size, entity_id))
        candidates.sort()
        mentions: list[EntityMention] = []
        covered_until = 0
        for start, negative_size, entity_id in candidates:
            if start < covered_until:
                continue
            end = start - negative_size
            covered_until = end
            if entity_id is not None:
                mentions.append(
                    EntityMention(start=start, end=end, text=text[start:end], entity_id=entity_id)
                )
        return mentions
