"""What a student reads on a page, and the words of it no catalogue of their language explains.

The check is built from the catalogues, not from a list of foreign words: a word shown on a
Spanish page must appear in a Spanish text of `core/locales/es.toml`, or be a model's own label
(the model speaks the language it was trained in), a Quick, Draw! category in Spanish, a country's
Spanish name, or a proper name (a model id, a library). The same holds for English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import pycountry
from streamlit.testing.v1 import AppTest

from core.i18n import LANGUAGES, catalogue
from core.models.registry import MODELS
from core.quickdraw.formats import QUICKDRAW_WORDS, word_in
from tests.support.environment import SHARED

# Names no catalogue needs to translate: the libraries, devices and places the app names.
PROPER_NAMES = {
    "cpu", "cuda", "mps", "gpu", "python", "pytorch", "torch", "transformers", "hugging", "face",
    "streamlit", "google", "quick", "draw", "ray", "serve", "skimage", "scikit", "image", "pil",
    "numpy", "plotly", "hub", "ok", "http", "https", "url", "vtl", "json", "npy", "ndjson", "bin",
    "ms", "s", "mb", "gb", "kb", "px", "x", "e", "pdf", "csv", "png", "jpg", "jpeg", "webp",
    "viridis", "magma", "inferno", "cividis",  # colour maps
}  # fmt: skip
# The language selector speaks both languages on purpose: a student lost in the other language
# must still find it.
BILINGUAL_KEYS = {"lang_choice"}
_WORD = re.compile(r"[^\W\d_]+")
_SKIP = [
    re.compile(r"https?://\S+"),  # addresses
    re.compile(r"\]\([^)]*\)"),  # Markdown link targets
    re.compile(r"`[^`]*`"),  # inline code: identifiers, the same in every language
    re.compile(r"\$[^$]*\$"),  # LaTeX
    re.compile(r"\b[\w.-]+/[\w./-]+"),  # model ids, paths
    re.compile(r"<[^>]+>"),  # HTML tags
    re.compile(r"%\{[^}]*\}"),  # plotly hover placeholders
    re.compile(r"\b\d+(?:\.\d+)+\S*"),  # versions: "2.14.1+cu130"
]


_VERSIONS = re.compile(r"\b(MiDaS|BY|[vV])\s?\d+\.\d+")  # "MiDaS 3.0", "CC BY 4.0", "v1.5"


def words(text: str) -> list[str]:
    for pattern in _SKIP:
        text = pattern.sub(" ", text)
    return [w.lower() for w in _WORD.findall(text)]


@lru_cache(maxsize=1)
def model_labels() -> tuple[str, ...]:
    """Every label of the real models' configs (the replicas in ../shared, whose label sets the
    tiny test models copy), longest first: a text loses whole labels before its words are read,
    so a label's words ("hen-of-the-woods") never excuse the same word in a sentence."""
    found: set[str] = set()
    for config in (SHARED / "hub-replicas").rglob("config.json"):
        try:
            labels = json.loads(config.read_text()).get("id2label") or {}
        except (OSError, ValueError):
            continue
        found |= {str(label) for label in labels.values() if len(str(label)) > 1}
    return tuple(sorted(found, key=len, reverse=True))


@lru_cache(maxsize=1)
def _labels_pattern() -> re.Pattern:
    alternatives = "|".join(re.escape(label) for label in model_labels())
    return re.compile(rf"(?<![^\W\d_])(?:{alternatives})(?![^\W\d_])")


@lru_cache(maxsize=len(LANGUAGES))
def vocabulary(lang: str) -> frozenset[str]:
    """The words a page in `lang` may show."""
    allowed = {
        w for text in catalogue(lang).values() for w in words(re.sub(r"\{[^}]*\}", " ", text))
    }
    allowed |= {w for word in QUICKDRAW_WORDS for w in words(word_in(lang, word))}
    allowed |= {w for name in _country_names(lang) for w in words(name)}
    allowed |= {w for model_id in MODELS for w in words(model_id.replace("/", " "))}
    allowed |= {w for month in _month_names(lang) for w in words(month)}  # dates, as CLDR writes
    return frozenset(allowed | PROPER_NAMES)


def _month_names(lang: str) -> set[str]:
    from babel.dates import get_month_names

    return set(get_month_names("wide", locale=lang).values())


def _country_names(lang: str) -> set[str]:
    import gettext

    names = {country.name for country in pycountry.countries}
    if lang == "en":
        return names
    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
    return {translation.gettext(name) for name in names}


def _walk(node) -> Iterator:
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _walk(child)


def _plotly_texts(spec: dict) -> Iterator[str]:
    layout = spec.get("layout", {})
    for key, value in layout.items():
        if key.startswith(("xaxis", "yaxis", "coloraxis", "legend", "scene")) and isinstance(
            value, dict
        ):
            yield from _titles(value)
    yield from _titles(layout)
    for annotation in layout.get("annotations", []):
        yield str(annotation.get("text", ""))
    for trace in spec.get("data", []):
        yield str(trace.get("name", "") or "")
        yield from _titles(trace.get("colorbar", {}) or {})
        yield from _titles((trace.get("marker", {}) or {}).get("colorbar", {}) or {})
        for axis in ("x", "y"):
            values = trace.get(axis)
            if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
                yield from values
        for key in ("text", "hovertext"):
            values = trace.get(key)
            if isinstance(values, str):
                yield values
            elif isinstance(values, list):
                yield from (v for v in values if isinstance(v, str))
        yield re.sub(r"%\{[^}]*\}", " ", str(trace.get("hovertemplate", "") or ""))


def _titles(table: dict) -> Iterator[str]:
    title = table.get("title")
    if isinstance(title, dict):
        yield str(title.get("text", "") or "")
    elif isinstance(title, str):
        yield title
    # A tick's text that only shortens its value (a model's class name on two lines, as the
    # bars' data holds it, `short_label`) is data, like the bars' own labels; any other is text.
    from core.tasks.charts import short_label

    values = table.get("tickvals", []) or []
    for index, text in enumerate(table.get("ticktext", []) or []):
        if index < len(values) and str(text) == short_label(str(values[index])):
            continue
        yield str(text)


# Streamlit's frontend writes this in an empty multiselect given no placeholder of the page's.
STREAMLIT_PLACEHOLDER = "Choose options"


def visible_texts(at: AppTest) -> Iterator[str]:
    """Every text a student reads on the page AppTest ran (sidebar included)."""
    for node in _walk(at._tree):
        kind, proto = node.type, getattr(node, "proto", None)
        if proto is None or getattr(node, "key", None) in BILINGUAL_KEYS:
            continue
        if getattr(proto, "id", "").endswith(tuple(f"-{k}" for k in BILINGUAL_KEYS)):
            continue
        if kind == "html" and proto.body.startswith(("<style>", "<script>")):  # never shown
            continue  # a stylesheet: nothing to read (tests/test_security.py checks it)
        if kind == "plotly_chart":
            yield from _plotly_texts(json.loads(proto.spec))
        elif kind in ("dataframe", "table"):
            frame = node.value
            yield from (str(c) for c in frame.columns)
            for column in frame.columns:
                yield from (v for v in frame[column].tolist() if isinstance(v, str))
        elif kind == "code":
            yield from re.findall(r"#(.*)", proto.code_text)  # comments only: code is Python
        elif kind in ("expandable", "tab"):
            yield node.label
        else:
            if kind == "multiselect" and not proto.placeholder:
                yield STREAMLIT_PLACEHOLDER  # what the empty box says when the page says nothing
            for field in ("body", "label", "help", "placeholder", "caption", "value", "delta"):
                value = getattr(proto, field, None)
                if isinstance(value, str):
                    yield value
            for field in ("options", "captions"):
                values = getattr(proto, field, None)
                if values is not None and not isinstance(values, str):
                    yield from (v for v in values if isinstance(v, str))
            if kind == "imgs":
                yield from (img.caption for img in proto.imgs)


def foreign_words(at: AppTest, lang: str) -> dict[str, str]:
    """The words on the page that no text of `lang` explains, each with the text it came from."""
    return unexplained(visible_texts(at), lang)


def unexplained(texts: Iterable[str], lang: str) -> dict[str, str]:
    """The words of `texts` that no text of `lang` explains, each with the text it came from."""
    allowed = vocabulary(lang)
    found: dict[str, str] = {}
    for text in texts:
        for word in words(_labels_pattern().sub(" ", text)):
            if word not in allowed and len(word) > 1:
                found.setdefault(word, text[:100])
    return found


def wrong_decimals(at: AppTest, lang: str) -> list[str]:
    """Texts that write a decimal the other language's way ("0.83" on a Spanish page)."""
    point = (
        r"(?<![\w.,-])\d+\.\d{1,2}(?![\w.,\d])"
        if lang == "es"
        else r"(?<![\w.,-])\d+,\d{1,2}(?![\w.,\d])"
    )
    found = []
    for text in visible_texts(at):
        plain = _VERSIONS.sub(" ", re.sub(r"`[^`]*`", " ", text))
        if re.search(point, plain):
            found.append(text[:100])
    return found
