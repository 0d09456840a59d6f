"""Starting a page: its tab title and icon, wide layout, the student's language, the sidebar's
navigation (from the registry), and the stylesheet that writes Streamlit's own texts in that
language. The widgets pages share are in `core.ui.widgets`."""

from __future__ import annotations

import json

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from core.config import settings
from core.i18n import LANGUAGES, catalogue, language_from_locale, t
from core.models.registry import HOME, all_pages, page_icon
from core.tasks.colours import ACCENT
from core.tasks.image_input import SAMPLE_PHOTOS

LANG_KEY = "lang"  # the language chosen, kept across pages (widget state is per page)


def _remember_language() -> None:
    st.session_state[LANG_KEY] = st.session_state["lang_choice"]


def student_language() -> str:
    """The language chosen in the sidebar, or on a first visit the browser's."""
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = language_from_locale(st.context.locale)
    return st.session_state[LANG_KEY]


def navigation() -> StreamlitPage:
    """The sidebar's pages, titled in the student's language (Streamlit would otherwise title
    them with the files' English names); run what it returns to draw the page chosen."""
    lang = student_language()
    pages = [
        st.Page(spec.page, title=t(lang, spec.title), icon=spec.icon, default=spec is HOME)
        for spec in all_pages()
    ]
    return st.navigation(pages)


# Texts Streamlit draws itself, in English, with no parameter to change them (its file
# uploader's button and size line, the camera's prompt and button, the running indicator's Stop;
# streamlit/streamlit#13500): each is hidden and drawn again from the catalogue by a stylesheet.
_STREAMLIT_TEXTS = {
    "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p": (
        "upload",
        "0.875rem",
    ),
    "[data-testid='stFileUploaderDropzoneInstructions'] span": ("upload_limit", "0.75rem"),
    "[data-testid='stCameraInputWebcamComponent'] p": ("camera_prompt", "0.875rem"),
    "[data-testid='stCameraInputButton']": ("take_photo", "1rem"),
    "[data-testid='stStatusWidget'] button": ("stop", "0.875rem"),
}


def _css_string(text: str) -> str:
    """`text` as a CSS string literal: quotes, backslashes and angle brackets escaped."""
    escaped = "".join(
        c if c.isalnum() or c in " .,:;()·…¡!¿?%-" else f"\\{ord(c):x} " for c in text
    )
    return f'"{escaped}"'


# WCAG 2.1 AA in Streamlit's theme, light or dark (axe-core's `color-contrast`): captions in the
# page's own text colour, slightly faded (Streamlit's grey gave 3.9:1 on white; 4.5:1 is asked);
# a focus ring every control shows, wider and in the theme's colour.
ACCESSIBLE_STYLE = (
    "<style>"
    "[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] p,"
    " [data-testid='stWidgetLabel'] [data-testid='stCaptionContainer']"
    " {color: inherit; opacity: 0.82}\n"
    f":focus-visible {{outline: 3px solid {ACCENT} !important; outline-offset: 2px}}\n"
    # a radio button's or a checkbox's own input is hidden under its drawing: ring its label
    f"label:has(input:focus-visible) {{outline: 3px solid {ACCENT}; outline-offset: 2px;"
    " border-radius: 4px}"
    "</style>"
)


# Rewrites what Streamlit's own controls say to a screen reader (aria-label, title, placeholder:
# "Fullscreen", "Remove gato", "Download as CSV"…) and its skip link, from one language's words
# to the page's, now and whenever the page changes. Installed once; a later run (another
# language) only swaps the words. Components drawn in a shadow root (the Pictionary canvas's
# toolbar: "Undo", "Reset canvas & history"…) are rewritten and watched as well.
_LABELS_SCRIPT = """
(() => {
  const words = %s;
  if (window.vtlLabels) { window.vtlLabels.words = words; window.vtlLabels.fix(); return; }
  const state = {words};
  const turn = (value) => {
    const {exact, prefixes} = state.words;
    if (Object.hasOwn(exact, value)) return exact[value];
    for (const [from, to] of prefixes) {
      if (value.startsWith(from)) return to + value.slice(from.length);
    }
    return null;
  };
  const watched = new WeakSet();
  const hosts = () => document.querySelectorAll("[data-testid=stBidiComponentIsolated]");
  const roots = () => [document, ...[...hosts()].map((h) => h.shadowRoot).filter(Boolean)];
  const fixRoot = (root) => {
    if (root !== document && !watched.has(root)) { watched.add(root); watch(root); }
    for (const el of root.querySelectorAll("[aria-label],[title],[placeholder]")) {
      for (const name of ["aria-label", "title", "placeholder"]) {
        const value = el.getAttribute(name);
        const turned = value && turn(value);
        if (turned && turned !== value) el.setAttribute(name, turned);
      }
    }
    for (const el of root.querySelectorAll("a, button")) {
      if (el.children.length) continue;
      const turned = turn(el.textContent.trim());
      if (turned) el.textContent = turned;
    }
    // Buttons shown as a picture (a sample photo's emoji) named by what they pick, from the end
    // of their widget's key ("cls_thumb_chelsea": Chelsea, la gata).
    for (const [ending, name] of Object.entries(state.words.buttons)) {
      for (const el of root.querySelectorAll(`[class*="${ending}"] button`)) {
        if (el.getAttribute("aria-label") !== name) el.setAttribute("aria-label", name);
      }
    }
  };
  state.fix = () => roots().forEach(fixRoot);
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; state.fix(); });
  });
  const watch = (root) => observer.observe(root, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ["aria-label", "title", "placeholder"]});
  watch(document.body);
  window.vtlLabels = state;
  state.fix();
})();
"""


def page_script(lang: str) -> str:
    """The page's script: `<html lang>` set to `lang` (a key of `LANGUAGES` only), and Streamlit's
    own labels in `lang` (from the catalogues' `streamlit_labels`, never anything a student
    typed)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    exact, prefixes = {}, []
    for key in (k.removeprefix("streamlit_labels.") for k in catalogue(lang)
                if k.startswith("streamlit_labels.")):  # fmt: skip
        for other in (o for o in LANGUAGES if o != lang):
            pair = (t(other, f"streamlit_labels.{key}"), t(lang, f"streamlit_labels.{key}"))
            if key.endswith("_prefix"):
                prefixes.append(pair)
            else:
                exact[pair[0]] = pair[1]
    buttons = {f"_thumb_{s.id}": t(lang, f"samples.{s.id}") for s in SAMPLE_PHOTOS}
    words = json.dumps({"exact": exact, "prefixes": prefixes, "buttons": buttons})
    words = words.replace("</", "<\\/")
    language = json.dumps(lang)
    return f"<script>document.documentElement.lang = {language};{_LABELS_SCRIPT % words}</script>"


def streamlit_texts_style(lang: str) -> str:
    """The stylesheet that shows Streamlit's own texts in `lang`; empty in English, Streamlit's
    own language. Only catalogue texts go into it, escaped as CSS strings."""
    if lang == "en":
        return ""
    rules = []
    for selector, (key, size) in _STREAMLIT_TEXTS.items():
        text = _css_string(t(lang, f"streamlit_texts.{key}", limit=settings().max_upload_mb))
        rules.append(f"{selector} {{font-size: 0}}")
        rules.append(f"{selector}::after {{content: {text}; font-size: {size}}}")
    return "<style>" + "\n".join(rules) + "</style>"


def page_start(title_key: str) -> str:
    """Set up a page (tab title and its registry icon, wide layout, the sidebar language
    selector); returns the language.

    The language lives under its own key, not the widget's, because Streamlit forgets a widget's
    state on a page that does not draw it; this keeps the choice while moving between pages.
    """
    lang = student_language()
    st.set_page_config(page_title=t(lang, title_key), page_icon=page_icon(title_key), layout="wide")
    st.session_state["lang_choice"] = lang
    st.html(ACCESSIBLE_STYLE + streamlit_texts_style(lang))  # stylesheets: no block on the page
    # The page's language is the student's (`<html lang>`): Streamlit writes "en" on every page,
    # and a screen reader would read the Spanish lesson with an English voice; Streamlit's own
    # controls are named in it too. The script holds only the app's own codes and catalogue texts.
    st.html(page_script(lang), unsafe_allow_javascript=True)
    st.sidebar.selectbox(
        "🌐 Idioma · Language",
        options=list(LANGUAGES),
        format_func=LANGUAGES.get,
        key="lang_choice",
        on_change=_remember_language,
    )
    return lang
