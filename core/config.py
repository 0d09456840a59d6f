"""Every setting of the app, read from the environment in one place, with its default.

- `VTL_MEMORY_BUDGET_MB` (1500): weights the model loader keeps in memory. With torch and
  Streamlit themselves (about 700 MB with the CPU build of torch) the app stays under
  Streamlit Community Cloud's 2.7 GB.
- `VTL_LOCAL_MODELS` (unset): a folder where a Hub id `org/name` is first looked up as
  `org--name@revision` or `org--name`; the seam that lets tests and offline classrooms use
  the production code path from disk.
- `VTL_DEVICE` (auto): `cuda`, `mps` or `cpu`; auto picks CUDA, then Apple MPS, then the CPU.
- `VTL_MAX_IMAGE_PIXELS` (50,000,000): larger images are refused (decompression bombs).
- `VTL_MAX_UPLOAD_MB` (25): larger files are refused (mirrors `server.maxUploadSize`).
- `VTL_QUICKDRAW_URL` (Google's public bucket): where the Quick, Draw! files are read from
  (`full/raw/<word>.ndjson`…); the tests point it at a local server.
- `VTL_QUICKDRAW_CACHE` (`~/.cache/vision-tasks-lab/quickdraw`): the start of each file read.
- `VTL_MODELS_DIR` (`~/.local/share/vision-tasks-lab/models`): the doodle classifiers students
  train; each loads as the model id `trained/<name>`.
- `VTL_ROUND_SECONDS` (20): a Pictionary round, as in Quick, Draw! (tests shorten it).
- `VTL_NETWORK_TIMEOUT` (10): seconds a download waits for the server to answer before it is
  retried, then reported as too slow (Quick, Draw! files and model files).
- `HF_HUB_OFFLINE` (unset): huggingface_hub's own switch; `1` fails at once instead of
  waiting for the network.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    memory_budget_mb: int
    local_models: Path | None
    device: str
    max_image_pixels: int
    max_upload_mb: int
    hub_offline: bool
    quickdraw_url: str
    quickdraw_cache: Path
    models_dir: Path
    round_seconds: float
    network_timeout: float


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def settings() -> Settings:
    """Read the settings now (tests change the environment between calls)."""
    local = os.environ.get("VTL_LOCAL_MODELS", "").strip()
    return Settings(
        memory_budget_mb=int(os.environ.get("VTL_MEMORY_BUDGET_MB", "1500")),
        local_models=Path(local).expanduser() if local else None,
        device=os.environ.get("VTL_DEVICE", "auto").strip().lower() or "auto",
        max_image_pixels=int(os.environ.get("VTL_MAX_IMAGE_PIXELS", "50000000")),
        max_upload_mb=int(os.environ.get("VTL_MAX_UPLOAD_MB", "25")),
        hub_offline=_flag(os.environ.get("HF_HUB_OFFLINE")),
        quickdraw_url=os.environ.get(
            "VTL_QUICKDRAW_URL", "https://storage.googleapis.com/quickdraw_dataset"
        ),
        quickdraw_cache=Path(
            os.environ.get("VTL_QUICKDRAW_CACHE", "~/.cache/vision-tasks-lab/quickdraw")
        ).expanduser(),
        models_dir=Path(
            os.environ.get("VTL_MODELS_DIR", "~/.local/share/vision-tasks-lab/models")
        ).expanduser(),
        round_seconds=float(os.environ.get("VTL_ROUND_SECONDS", "20")),
        network_timeout=float(os.environ.get("VTL_NETWORK_TIMEOUT", "10")),
    )
