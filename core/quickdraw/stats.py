"""Numbers about a set of Quick, Draw! drawings, for the explorer's charts."""

from __future__ import annotations

import gettext
from functools import lru_cache

import pandas as pd

from core.quickdraw.formats import Drawing


def drawings_table(drawings: list[Drawing]) -> pd.DataFrame:
    """One row per drawing: word, country, recognized, strokes, points, seconds, date."""
    return pd.DataFrame(
        {
            "word": [d.word for d in drawings],
            "key_id": [d.key_id for d in drawings],
            "country": [d.countrycode for d in drawings],
            "recognized": [d.recognized for d in drawings],
            "strokes": [len(d.strokes) for d in drawings],
            "points": [d.points for d in drawings],
            "seconds": [None if d.duration_ms is None else d.duration_ms / 1000 for d in drawings],
            "date": [d.timestamp[:10] for d in drawings],
        }
    )


def country_counts(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Drawings per country, with ISO 3166 alpha-3 codes and names (in `lang`) for a map."""
    import pycountry

    counts = table.groupby("country").size().rename("drawings").reset_index()
    found = [pycountry.countries.get(alpha_2=code) for code in counts["country"]]
    counts["iso3"] = [c.alpha_3 if c else None for c in found]
    counts["name"] = [country_name(code, lang) for code in counts["country"]]
    return counts.sort_values("drawings", ascending=False, ignore_index=True)


def country_name(code: str, lang: str) -> str:
    """A country's name in the student's language, from its ISO 3166 alpha-2 code (the code
    itself if unknown: the dataset writes "ZZ" where it could not tell)."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code or "")
    if country is None:
        return code
    name = getattr(country, "common_name", None) or country.name
    return _translations(lang).gettext(name) if lang != "en" else name


@lru_cache(maxsize=4)
def _translations(lang: str) -> gettext.NullTranslations:
    import pycountry

    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, [lang], fallback=True)
