"""Security: a model id a student types never runs code from the Hub and never unpickles an
object; nothing a user typed is rendered as HTML; uploads are capped by Streamlit itself.
(Saved-model names that try to leave the models folder: test_doodle_training.py.)"""

from __future__ import annotations

import ast
import json
import pickle
import shutil
import tomllib
from pathlib import Path

import pytest

from core.config import settings
from core.models.loader import build_pipeline
from core.models.model_ref import ModelError, ModelRef
from tests.support.environment import ROOT

CLS = "image-classification"


class Payload:
    """Unpickling this runs `Path(marker).touch()`: what a malicious checkpoint does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.fixture
def evil_models(tiny_models_dir, tmp_path, monkeypatch):
    """Two repos that try to run code when loaded, in the loader's local seam."""
    vit = tiny_models_dir / "google--vit-base-patch16-224"
    marker = tmp_path / "code-ran"
    pickled = shutil.copytree(vit, tmp_path / "models" / "acme--evil-pickle")
    (pickled / "model.safetensors").unlink()
    with open(pickled / "pytorch_model.bin", "wb") as file:
        pickle.dump({"weight": Payload(marker)}, file)
    remote = shutil.copytree(vit, tmp_path / "models" / "acme--remote-code")
    config = json.loads((remote / "config.json").read_text())
    config["auto_map"] = {"AutoModelForImageClassification": "modeling_evil.EvilModel"}
    config["architectures"] = ["EvilModel"]
    (remote / "config.json").write_text(json.dumps(config))
    (remote / "modeling_evil.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).touch()\n"
    )
    monkeypatch.setenv("VTL_LOCAL_MODELS", str(tmp_path / "models"))
    return marker


@pytest.mark.parametrize(("model_id", "reason"), [("acme/evil-pickle", "no_weights"),
                                                  ("acme/remote-code", "remote_code")])  # fmt: skip
def test_a_model_that_would_run_code_is_refused_and_nothing_runs(evil_models, model_id, reason):
    with pytest.raises(ModelError) as caught:
        build_pipeline(ModelRef(model_id, CLS))
    assert caught.value.reason == reason
    assert not evil_models.exists()


def test_uploads_are_capped_by_streamlit_as_by_the_app():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == settings().max_upload_mb == 25


def _calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            yield node


def test_no_page_renders_html():
    """Markdown in Streamlit escapes HTML unless told otherwise: nothing tells it otherwise."""
    sources = [ROOT / "Home.py", *ROOT.glob("app_pages/*.py"), *ROOT.glob("core/**/*.py")]
    assert len(sources) > 40  # every module of core/, its packages included
    found = []
    for path in sources:
        for call in _calls(path):
            name = ast.unparse(call.func)
            html_flag = any(k.arg == "unsafe_allow_html" for k in call.keywords)
            if html_flag or name.endswith(("st.html", "components.html", "v1.html")):
                found.append(f"{path.parent.name}/{path.name} {name}({ast.unparse(call.args[0])})")
    # The exceptions: the stylesheets (Streamlit's own English texts redrawn, contrast, focus)
    # and the script that sets the page's language to one of the app's own codes.
    assert found == [
        "ui/page.py st.html(ACCESSIBLE_STYLE + streamlit_texts_style(lang))",
        "ui/page.py st.html(page_script(lang))",
    ]


def test_the_one_stylesheet_holds_only_catalogue_texts_escaped():
    from core.ui.page import streamlit_texts_style

    assert streamlit_texts_style("en") == ""
    style = streamlit_texts_style("es")
    body = style.removeprefix("<style>").removesuffix("</style>")
    assert style.startswith("<style>") and "<" not in body and ">" not in body.replace("] ", "")
    assert '"Subir"' in body and "Hasta 25 MB por archivo" in body


def test_a_long_text_is_cut_before_it_is_escaped_and_says_so():
    """A cut never leaves half an escape (a lone backslash would escape what the catalogue
    writes next), and the reader sees that the text goes on."""
    from core.ui.widgets import escape_markdown

    shown = escape_markdown("*" * 200)
    assert shown == "\\*" * 119 + "…"
    assert escape_markdown("a_b", limit=3) == "a\\_b"  # short enough: whole
    assert escape_markdown("abcd", limit=3) == "ab…"
