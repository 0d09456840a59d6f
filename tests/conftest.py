"""Shared fixtures. No test touches the network: the Hub is switched off before anything imports
huggingface_hub, and models come from tiny random-weight folders through the loader's seam.
Helpers live in `tests/support/`; no test module imports this file.

Naming: `test_<module>.py` tests one module of core/ (`test_quickdraw.py` the Quick, Draw!
formats and source together), `test_page_<page>.py` one page through AppTest, and the rest a
behaviour across the app (`test_classroom`, `test_browser`, `test_fuzz`, `test_security`,
`test_no_network`, `test_architecture`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="vtl-hf-home-"))
os.environ.pop("VTL_LOCAL_MODELS", None)
# Pages are checked against the same pipeline run outside the app, in float32; the bfloat16
# path has its own agreement tests (tests/test_precision.py).
os.environ.setdefault("VTL_PRECISION", "fp32")
# Each test measures its models' run policy afresh (tests/test_run_policy.py checks the store).
os.environ["VTL_POLICY_CACHE"] = ""

from tests.support.environment import need_shared  # noqa: E402
from tests.support.models import TIMM_TINY, TINY_BUILDERS, build_timm, build_tiny  # noqa: E402


@pytest.fixture(autouse=True)
def on_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs its models on the CPU, even where a GPU is present: the expected values
    are computed on the CPU, and a GPU run would differ from them in float noise."""
    monkeypatch.setenv("VTL_DEVICE", "cpu")


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of tiny models named after every registry Hub id (about 5 s to build)."""
    need_shared()
    root = tmp_path_factory.mktemp("tiny-models")
    for model_id in TINY_BUILDERS:
        build_tiny(model_id, root)
    for model_id, labels in TIMM_TINY.items():
        build_timm(model_id, root, labels)
    return root


@pytest.fixture
def local_models(tiny_models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the loader's seam at the tiny models, with fresh shared caches."""
    import streamlit as st

    monkeypatch.setenv("VTL_LOCAL_MODELS", str(tiny_models_dir))
    st.cache_resource.clear()
    yield tiny_models_dir
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def bucket_server(tmp_path_factory: pytest.TempPathFactory):
    """The shared Quick, Draw! samples (raw and simplified) served like Google's bucket."""
    from tests.support.environment import SHARED
    from tests.support.range_server import RangeServer, bucket_from

    need_shared()
    data = SHARED / "data" / "quickdraw"
    root = bucket_from(data, tmp_path_factory.mktemp("bucket"), ("raw", "simplified"))
    with RangeServer(root) as server:
        yield server
