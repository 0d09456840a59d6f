"""Spanish and English: one catalogue per language (`core/locales/<lang>.toml`), one lookup.

Keys are dotted paths into the TOML tables (`classification.definition`); texts use `str.format`
placeholders (`{model}`), the same in both languages (a test checks it).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = {"es": "Español", "en": "English"}
DEFAULT_LANGUAGE = "en"
_LOCALES = Path(__file__).parent / "locales"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(lang: str) -> dict[str, str]:
    """Every text of one language, by dotted key."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; known: {sorted(LANGUAGES)}")
    with open(_LOCALES / f"{lang}.toml", "rb") as file:
        return _flatten(tomllib.load(file))


def t(lang: str, key: str, **values: Any) -> str:
    """The text for `key` in `lang`, with `values` filled in; a missing key raises KeyError."""
    text = catalogue(lang)[key]
    return text.format(**values) if values else text


def language_from_locale(locale: str | None) -> str:
    """Spanish for any `es*` browser locale, English otherwise."""
    return "es" if (locale or "").lower().startswith("es") else DEFAULT_LANGUAGE
