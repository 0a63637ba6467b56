"""Ambiguous aliases: link a name like "Apple", "Next" or "Merck" only where the text supports it.

The rules are data (`data/ambiguous.yaml`, read into `AmbiguityRules`); `resolve` applies them to
the alias matches of one text. It only looks at mentions whose surface form is a listed alias (or
its German genitive), so an article without one costs a dictionary lookup per mention. A mention
without enough evidence becomes an `UnlinkedEntity` with reason "ambiguous" and its candidates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from narrate.catalog.aliases import german_genitive, load_alias_rules
from narrate.catalog.sources import CatalogError
from narrate.lang import read_yaml
from narrate.records import CatalogEntity, EntityMention, UnlinkedEntity

AMBIGUOUS_FILE = "ambiguous.yaml"

Need = Literal["none", "support", "cue"]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Candidate(_Data):
    """One entity an ambiguous alias may name."""

    entity: str
    default: list[str] = []  # languages where this is the reading without a cue
    cues: list[str] = []  # words near the mention that point to this entity


class AmbiguousAlias(_Data):
    alias: str
    reason: str = Field(min_length=1)
    candidates: list[Candidate] = Field(min_length=1)
    needs: dict[str, Need] = {"any": "support"}  # language ("any": fallback) -> evidence needed
    against: dict[str, list[str]] = {}  # language -> phrases that mean something else

    def need(self, lang: str) -> Need:
        return self.needs.get(lang, self.needs.get("any", "support"))

    def default_for(self, lang: str) -> str | None:
        """The entity read without a cue: the only candidate, or the one marked for `lang`."""
        if len(self.candidates) == 1:
            return self.candidates[0].entity
        marked = [c.entity for c in self.candidates if lang in c.default]
        return marked[0] if len(marked) == 1 else None


class AmbiguityRules(_Data):
    """The whole of ambiguous.yaml."""

    window: int = Field(gt=0)
    support: dict[str, list[str]]
    aliases: list[AmbiguousAlias]


def _words_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for a word list: a lower-case first letter also matches upper case, "*" any
    ending, and a word starting or ending in a letter or digit must do so at a word boundary."""
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        stem = word.removesuffix("*")
        body = re.escape(stem)
        if stem[:1].islower():
            body = f"[{stem[0]}{stem[0].upper()}]{re.escape(stem[1:])}"
        head = r"(?<!\w)" if stem[:1].isalnum() else ""
        if word.endswith("*"):
            tail = r"[\w-]*"
        else:
            tail = r"(?!\w)" if stem[-1:].isalnum() else ""
        parts.append(head + body + tail)
    return re.compile("|".join(parts)) if parts else None


class _Compiled:
    """The regexes of one alias entry in one language."""

    def __init__(self, entry: AmbiguousAlias, lang: str) -> None:
        self.entry = entry
        self.need = entry.need(lang)
        self.default = entry.default_for(lang)
        self.cues = {c.entity: _words_pattern(c.cues) for c in entry.candidates}
        self.against = _words_pattern([*entry.against.get("any", ()), *entry.against.get(lang, ())])


class Disambiguator:
    """The rules of ambiguous.yaml, compiled per language on first use.

    Args:
        rules: The validated rules.
    """

    def __init__(self, rules: AmbiguityRules) -> None:
        self.rules = rules
        self._compiled: dict[str, tuple[dict[str, _Compiled], re.Pattern[str] | None]] = {}

    def _for(self, lang: str) -> tuple[dict[str, _Compiled], re.Pattern[str] | None]:
        if lang not in self._compiled:
            genitive_rules = load_alias_rules()
            by_form: dict[str, _Compiled] = {}
            for entry in self.rules.aliases:
                compiled = _Compiled(entry, lang)
                by_form[entry.alias] = compiled
                genitive = german_genitive(entry.alias, genitive_rules)
                if lang == "de" and genitive:
                    by_form.setdefault(genitive, compiled)
            support = _words_pattern(
                [*self.rules.support.get("any", ()), *self.rules.support.get(lang, ())]
            )
            self._compiled[lang] = (by_form, support)
        return self._compiled[lang]

    def resolve(
        self,
        text: str,
        lang: str,
        mentions: Sequence[EntityMention],
        entity: Callable[[str], CatalogEntity],
    ) -> tuple[list[EntityMention], list[UnlinkedEntity]]:
        """Keep, relink or drop the mentions of ambiguous aliases.

        Args:
            text: The text the mentions were found in.
            lang: Its language.
            mentions: Alias and code matches in text order (Catalog.find before this step).
            entity: Entity id -> catalog entity (for the unlinked mention's type).

        Returns:
            The mentions to link (an ambiguous one possibly with another candidate's id) and the
            ambiguous mentions left unlinked, both in text order.
        """
        by_form, support = self._for(lang)
        if not any(m.text in by_form for m in mentions):
            return list(mentions), []
        plain = [m for m in mentions if m.text not in by_form]
        named = {m.entity_id for m in plain}
        linked: list[EntityMention] = []
        unlinked: list[UnlinkedEntity] = []
        for mention in mentions:
            rule = by_form.get(mention.text)
            if rule is None:
                linked.append(mention)
                continue
            lo, hi = _window(text, mention, self.rules.window)
            near = text[lo:hi]
            chosen = _decide(rule, near, lo, plain, named, support)
            if chosen is not None:
                linked.append(mention.model_copy(update={"entity_id": chosen}))
            else:
                candidates = [c.entity for c in rule.entry.candidates]
                unlinked.append(
                    UnlinkedEntity(
                        text=mention.text,
                        start=mention.start,
                        end=mention.end,
                        type=entity(candidates[0]).type,
                        reason="ambiguous",
                        candidates=candidates,
                    )
                )
        return linked, unlinked


def _window(text: str, mention: EntityMention, width: int) -> tuple[int, int]:
    """`width` characters either side of the mention, within its paragraph (line)."""
    lo = max(text.rfind("\n", 0, mention.start) + 1, mention.start - width)
    line_end = text.find("\n", mention.end)
    hi = min(len(text) if line_end < 0 else line_end, mention.end + width)
    return lo, hi


def _decide(
    rule: _Compiled,
    near: str,
    offset: int,
    plain: Sequence[EntityMention],
    named: set[str],
    support: re.Pattern[str] | None,
) -> str | None:
    """The entity the mention links to, or None for an unlinked ambiguous mention."""
    candidates = [c.entity for c in rule.entry.candidates]
    hi = offset + len(near)
    cued = [e for e in candidates if rule.cues[e] is not None and rule.cues[e].search(near)]
    if len(cued) == 1:
        return cued[0]
    if rule.default is None:
        return None
    if rule.against is not None and rule.against.search(near):
        return None
    if rule.need == "none":
        return rule.default
    # The company's unambiguous name or code elsewhere in the article ("Apple Inc." in the first
    # paragraph, "Apple" later on) stands in for a cue, but only beside a support word: an article
    # on Next plc still says "Next week". Not for a name two companies share: finanzen.net lists
    # name "Porsche" (Porsche AG) right beside "Porsche Automobil vz" (Porsche SE).
    named_elsewhere = len(candidates) == 1 and candidates[0] in named
    other_mention = any(offset <= m.start < hi and m.entity_id not in candidates for m in plain)
    supported = other_mention or (support is not None and support.search(near) is not None)
    if rule.need == "support" and (supported or named_elsewhere):
        return rule.default
    if rule.need == "cue" and supported and named_elsewhere:
        return rule.default
    return None


def read_ambiguity_rules(text: str, source: str) -> AmbiguityRules:
    """Validate ambiguous.yaml.

    Raises:
        CatalogError: The file does not fit the schema; the message names the file and entry.
    """
    try:
        rules = AmbiguityRules.model_validate(read_yaml(text))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CatalogError(f"{source}: {where}: {first['msg']}") from None
    seen: set[str] = set()
    for entry in rules.aliases:
        if entry.alias in seen:
            raise CatalogError(f"{source}: alias {entry.alias!r} is listed twice")
        seen.add(entry.alias)
    return rules


@cache
def load_ambiguity_rules() -> AmbiguityRules:
    """The packaged ambiguous.yaml (cached: read-only package data)."""
    path = resources.files("narrate.catalog").joinpath("data", AMBIGUOUS_FILE)
    return read_ambiguity_rules(path.read_text(encoding="utf-8"), AMBIGUOUS_FILE)


def ambiguity_problems(
    rules: AmbiguityRules, aliases: Mapping[str, Mapping[str, str | None]]
) -> list[str]:
    """Entries that do not fit the catalog: an alias no candidate has in any language, or a
    candidate that is not a catalog entity. `aliases`: language -> Catalog.aliases_for(lang)."""
    problems = []
    known = {e for forms in aliases.values() for e in forms.values() if e}
    for entry in rules.aliases:
        ids = [c.entity for c in entry.candidates]
        for entity_id in ids:
            if entity_id not in known:
                problems.append(f"{entry.alias!r}: candidate {entity_id!r} has no alias")
        if not any(forms.get(entry.alias) in ids for forms in aliases.values()):
            problems.append(f"{entry.alias!r}: no candidate has this alias in any language")
    return problems
