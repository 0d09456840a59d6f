"""Shared fixtures. No test touches the network: the Hub is switched off before anything imports
huggingface_hub, and models come from tiny random-weight folders through the loader's seam."""

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

from tests.model_factory import REPLICAS, SHARED, TINY_BUILDERS, build_tiny  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need_shared() -> None:
    """Skip (or fail in CI) when ../shared is not beside the project."""
    if not REPLICAS.is_dir():
        if IN_CI:
            pytest.fail(f"{SHARED} is missing: CI must run with ../shared beside the project")
        pytest.skip(f"{SHARED} is not beside the project (a clone elsewhere)")


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of tiny models named after every registry Hub id (about 5 s to build)."""
    need_shared()
    root = tmp_path_factory.mktemp("tiny-models")
    for model_id in TINY_BUILDERS:
        build_tiny(model_id, root)
    return root


@pytest.fixture
def local_models(tiny_models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the loader's seam at the tiny models, with fresh shared caches."""
    import streamlit as st

    monkeypatch.setenv("VTL_LOCAL_MODELS", str(tiny_models_dir))
    st.cache_resource.clear()
    yield tiny_models_dir
    st.cache_resource.clear()
