"""Every language file has the same keys, so adding a language needs data, not code."""

import pytest

from narrate.lang import PARTS, SUPPORTED, UnsupportedLanguage, load


def _keys(data, prefix=""):
    out = set()
    for key, value in data.items():
        out.add(prefix + str(key))
        if isinstance(value, dict):
            out |= _keys(value, f"{prefix}{key}.")
    return out


@pytest.mark.parametrize("part", PARTS)
def test_languages_share_keys(part):
    reference = _keys(load(SUPPORTED[0], part))
    for lang in SUPPORTED[1:]:
        assert _keys(load(lang, part)) == reference, f"lang/{lang}/{part}.yaml differs in keys"


def test_unknown_language_is_named():
    with pytest.raises(UnsupportedLanguage, match="'fr'"):
        load("fr", "moves")
