"""Where the project and the shared data are, and whether this is CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
REPLICAS = SHARED / "hub-replicas"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need_shared() -> None:
    """Skip (or fail in CI) when ../shared is not beside the project."""
    if not REPLICAS.is_dir():
        if IN_CI:
            pytest.fail(f"{SHARED} is missing: CI must run with ../shared beside the project")
        pytest.skip(f"{SHARED} is not beside the project (a clone elsewhere)")
