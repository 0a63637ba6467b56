"""Reading and validating catalog data files (YAML and CSV) into records.CatalogEntity.

Every entry is validated with pydantic plus the checks pydantic cannot express (id prefix, ISIN
check digit, symbol shape, alias languages); a bad entry raises CatalogError naming the file and
the entry, never a silently skipped row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from narrate.catalog.codes import entity_id_type, isin_is_valid, symbol_is_valid
from narrate.lang import read_yaml
from narrate.records import CatalogEntity

ALIAS_LANGUAGES = ("de", "en", "any")
ALIAS_SEPARATOR = "|"
_CSV_SCALARS = ("id", "name", "type", "symbol", "isin", "exchange", "currency", "country")
# Columns holding lists joined by ALIAS_SEPARATOR, besides the alias columns.
_CSV_LISTS = ("listings",)


class CatalogError(ValueError):
    """Bad catalog data; the message names the file and the entry."""


class AliasPatch(BaseModel):
    """Curated aliases merged onto a generated company, found by ISIN or by symbol."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    isin: str | None = None
    symbol: str | None = None
    aliases: dict[str, list[str]]

    @model_validator(mode="after")
    def _one_key(self) -> AliasPatch:
        if (self.isin is None) == (self.symbol is None):
            raise ValueError("give exactly one of isin or symbol")
        return self


def _where(source: str, index: int, raw: Any) -> str:
    label = None
    if isinstance(raw, Mapping):
        label = raw.get("id") or raw.get("name") or raw.get("isin") or raw.get("symbol")
    return f"{source}: entry {index}" + (f" ({label})" if label else "")


def _pydantic_message(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or '<entry>'}: {item['msg']}"
        for item in error.errors()
    )


def alias_problems(aliases: Mapping[str, list[str]]) -> list[str]:
    """What is wrong with an alias mapping (unknown language, blank or padded alias, separator)."""
    problems = []
    for lang, forms in aliases.items():
        if lang not in ALIAS_LANGUAGES:
            problems.append(f"alias language {lang!r} is not one of {ALIAS_LANGUAGES}")
        for form in forms:
            if not form or form != form.strip():
                problems.append(f"alias {form!r} ({lang}) is empty or has surrounding spaces")
            elif ALIAS_SEPARATOR in form:
                problems.append(
                    f"alias {form!r} ({lang}) contains the separator {ALIAS_SEPARATOR!r}"
                )
    return problems


def entity_problems(entity: CatalogEntity) -> list[str]:
    """Checks beyond the pydantic schema; an empty list means the entity is well-formed."""
    problems = []
    id_type = entity_id_type(entity.id)
    if id_type is None:
        problems.append(f"id {entity.id!r} is not '<type>:<key>'")
    elif id_type != entity.type:
        problems.append(f"id prefix {id_type!r} does not match type {entity.type!r}")
    if entity.isin is not None and not isin_is_valid(entity.isin):
        problems.append(f"isin {entity.isin!r} is malformed or has a wrong check digit")
    if entity.symbol is not None and not symbol_is_valid(entity.symbol):
        problems.append(f"symbol {entity.symbol!r} is not a Yahoo Finance symbol")
    bad_listings = [symbol for symbol in entity.listings if not symbol_is_valid(symbol)]
    if bad_listings:
        problems.append(f"listings {bad_listings} are not Yahoo Finance symbols")
    problems.extend(alias_problems(entity.aliases))
    if not any(entity.aliases.values()):
        problems.append("has no alias")
    return problems


def validate_entity(raw: Any, source: str, index: int) -> CatalogEntity:
    """One raw mapping -> a checked CatalogEntity.

    Raises:
        CatalogError: The entry does not fit the schema; the message names file and entry.
    """
    where = _where(source, index, raw)
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{where}: expected a mapping, got {type(raw).__name__}")
    try:
        entity = CatalogEntity.model_validate(raw)
    except ValidationError as error:
        raise CatalogError(f"{where}: {_pydantic_message(error)}") from None
    problems = entity_problems(entity)
    if problems:
        raise CatalogError(f"{where}: {'; '.join(problems)}")
    return entity


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML loading that refuses a key given twice in one mapping: YAML keeps the last silently,
    so a second `en:` list of aliases would replace the first."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def _yaml_list(text: str, source: str) -> list[Any]:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        raise CatalogError(f"{source}: not valid YAML: {error}") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise CatalogError(f"{source}: expected a list of entries, got {type(data).__name__}")
    return data


def read_entities_yaml(text: str, source: str) -> list[CatalogEntity]:
    """Entities from a YAML list in the CatalogEntity schema."""
    return [
        validate_entity(raw, source, index) for index, raw in enumerate(_yaml_list(text, source))
    ]


def read_entities_csv(text: str, source: str) -> list[CatalogEntity]:
    """Entities from CSV: scalars as columns, lists (listings, aliases_<lang>) joined by "|".

    Only `id` is required; a file without the newer columns (`country`, `listings`) loads as well.
    """
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    alias_columns = {f"aliases_{lang}": lang for lang in ALIAS_LANGUAGES}
    known = (*_CSV_SCALARS, *_CSV_LISTS, *alias_columns)
    unknown = [col for col in columns if col not in known]
    if unknown or "id" not in columns:
        raise CatalogError(
            f"{source}: unexpected columns {unknown} or no 'id' column (expected {list(known)})"
        )
    entities = []
    for index, row in enumerate(reader):
        raw: dict[str, Any] = {col: (row[col] or None) for col in _CSV_SCALARS if col in row}
        for col in _CSV_LISTS:
            if row.get(col):
                raw[col] = row[col].split(ALIAS_SEPARATOR)
        raw["aliases"] = {
            lang: row[col].split(ALIAS_SEPARATOR)
            for col, lang in alias_columns.items()
            if row.get(col)
        }
        entities.append(validate_entity(raw, source, index))
    return entities


def read_alias_patches(text: str, source: str) -> list[AliasPatch]:
    """Curated company aliases (company_aliases.yaml)."""
    patches = []
    for index, raw in enumerate(_yaml_list(text, source)):
        where = _where(source, index, raw)
        try:
            patch = AliasPatch.model_validate(raw)
        except ValidationError as error:
            raise CatalogError(f"{where}: {_pydantic_message(error)}") from None
        problems = alias_problems(patch.aliases)
        if patch.isin is not None and not isin_is_valid(patch.isin):
            problems.append(f"isin {patch.isin!r} is malformed or has a wrong check digit")
        if problems:
            raise CatalogError(f"{where}: {'; '.join(problems)}")
        patches.append(patch)
    return patches


def read_non_entities(text: str, source: str) -> dict[str, list[str]]:
    """Blocking surface forms per alias language (non_entities.yaml)."""
    try:
        data = read_yaml(text) or {}
    except yaml.YAMLError as error:
        raise CatalogError(f"{source}: not valid YAML: {error}") from None
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise CatalogError(f"{source}: expected a mapping of language -> list of forms")
    problems = alias_problems(data)
    if problems:
        raise CatalogError(f"{source}: {'; '.join(problems)}")
    return {lang: list(forms) for lang, forms in data.items()}
