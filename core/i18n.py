"""Spanish and English: one catalogue per language (`core/locales/<lang>.toml`), one lookup.

Keys are dotted paths into the TOML tables (`classification.definition`); texts use `str.format`
placeholders (`{model}`), the same in both languages (a test checks it). Numbers put into a text
are written the student's way by Babel (CLDR): `{score:.1%}` is "12.5%" in English and
"12,5 %" in Spanish, `{count}` of 123202 is "123,202" and "123.202". A text that depends on a
count is a table of CLDR plural forms (`one`, `other`…) read with `tn`.
"""

from __future__ import annotations

import re
import string
import tomllib
from functools import lru_cache
from numbers import Real
from pathlib import Path
from typing import Any

from babel import Locale
from babel import numbers as babel_numbers

LANGUAGES = {"es": "Español", "en": "English"}
DEFAULT_LANGUAGE = "en"
_LOCALES = Path(__file__).parent / "locales"
_SPEC = re.compile(r"^(?P<group>,)?(?:\.(?P<decimals>\d+))?(?P<kind>[fdg%])?$")


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


# CLDR's minimumGroupingDigits: Spanish groups thousands only from five digits on ("1380",
# "12 345"), a rule Babel's formatting does not apply by itself.
_MIN_GROUPING = {"es": 2}


# Spanish groups thousands with a space, as the RAE's spelling rules ask and as the lesson's texts
# write them ("118 000"), not with CLDR's dot; a no-break space, so that a number never breaks
# over two lines.
_GROUP = {"es": "\u00a0"}


def number(lang: str, value: float, decimals: int | None = None) -> str:
    """`value` as the student writes numbers: "0,83", "1380" and "12 345" in Spanish (a no-break
    space); `decimals` fixed (rounded), or as many as the value has when None."""
    grouped = abs(value) >= 10 ** (3 + _MIN_GROUPING.get(lang, 1) - 1)
    if decimals is None:
        text = babel_numbers.format_decimal(value, locale=lang, group_separator=grouped)
    else:
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        text = babel_numbers.format_decimal(
            value, format=pattern, locale=lang, group_separator=grouped
        )
    if grouped and lang in _GROUP:
        text = text.replace(babel_numbers.get_group_symbol(lang), _GROUP[lang])
    return text


def day(lang: str, iso: str) -> str:
    """A date written "2017-01-28" as the student reads dates: "28 de enero de 2017"."""
    from datetime import date

    from babel.dates import format_date

    return format_date(date.fromisoformat(iso[:10]), format="long", locale=lang)


def significant(lang: str, value: float, digits: int = 3) -> str:
    """`value` to `digits` significant digits, the `lang` way ("0,000123", "1,23E4" for
    extremes): for values whose size is not known in advance (a fitted scale)."""
    return babel_numbers.format_decimal(value, format="@" * digits, locale=lang)


def percent(lang: str, fraction: float, decimals: int = 0) -> str:
    """`fraction` (0.125) as a percentage: "12.5%" in English, "12,5 %" in Spanish."""
    pattern = Locale.parse(lang).percent_formats[None].pattern  # "#,##0 %": the space is CLDR's
    if decimals:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * decimals, 1)
    return babel_numbers.format_percent(fraction, format=pattern, locale=lang)


def separators(lang: str) -> str:
    """The decimal then the thousands symbol of `lang`, as plotly's `layout.separators`."""
    symbols = (babel_numbers.get_decimal_symbol(lang), babel_numbers.get_group_symbol(lang))
    return "".join(symbols)


class _LocalFormatter(string.Formatter):
    """`str.format` with the numbers of a text written by Babel for one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        spec = _SPEC.match(format_spec)
        if isinstance(value, bool) or not isinstance(value, Real) or spec is None:
            return super().format_field(value, format_spec)
        decimals = int(spec["decimals"]) if spec["decimals"] is not None else None
        if spec["kind"] == "%":
            return percent(self.lang, float(value), decimals or 0)
        if spec["kind"] == "d":
            decimals = 0
        if spec["kind"] == "g":  # as many decimals as the value has: 1.5 → "1,5", 20 → "20"
            decimals = None
        return number(self.lang, value, decimals)


def t(lang: str, key: str, **values: Any) -> str:
    """The text for `key` in `lang`, with `values` filled in (numbers written the `lang` way);
    a missing key raises KeyError."""
    text = catalogue(lang)[key]
    return _LocalFormatter(lang).format(text, **values) if values else text


def plural_form(lang: str, count: float) -> str:
    """The CLDR plural category of `count` in `lang`: "one" for 1, "other" for 2 or 0…"""
    return Locale.parse(lang).plural_form(count)


def tn(lang: str, key: str, count: float, **values: Any) -> str:
    """The text of `key` for `count` things ("1 objeto", "3 objetos"): `key` is a table of plural
    forms; a form the table lacks ("many") falls back to `other`."""
    texts = catalogue(lang)
    form = plural_form(lang, count)
    chosen = f"{key}.{form}" if f"{key}.{form}" in texts else f"{key}.other"
    return t(lang, chosen, count=count, **values)


def language_from_locale(locale: str | None) -> str:
    """Spanish for any `es*` browser locale, English otherwise."""
    return "es" if (locale or "").lower().startswith("es") else DEFAULT_LANGUAGE
