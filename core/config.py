"""Every setting of the app, read from the environment in one place, with its default.

- `VTL_MEMORY_BUDGET_MB` (800): weights the model loader keeps in memory. The six default
  models take 453 MB with the int8 weights `VTL_PRECISION=auto` chose on the development
  machine (all but DETR), 1253 MB in float32. With the app
  itself (840 MB once its libraries are imported, with the PyPI build of torch), the kept
  results (`VTL_CACHE_BUDGET_MB`, 300) and the trainings (`VTL_TRAINING_BUDGET_MB`, 700) the
  budgets add up to Streamlit Community Cloud's 2.7 GB (`VTL_MEMORY_LIMIT_MB`). Where the
  weights stay float32 (a GPU, `VTL_PRECISION=fp32`), give it 1500 on a host with more memory.
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
- `VTL_PRECISION` (auto): `auto`, `fp32`, `bf16` or `int8`. `auto`, after a timed warm-up on
  load: on the CPU, int8 linear weights if they agree with float32 and are faster (a quarter
  of those weights' memory); else bfloat16 on a device with native bfloat16 if faster and
  agreeing; else float32 (see `core/models/precision.py`).
- `VTL_POLICY_CACHE` (`~/.cache/vision-tasks-lab/run-policies.json`): where the precision and
  batching measured for each model on this machine are kept, so the warm-up is timed once;
  empty: measure on every load.
- `VTL_BATCH_MAX` (8): calls of several sessions that may share one forward pass (1: never).
- `VTL_BATCH_WINDOW_MS` (5): how long a call waits for others to share its forward pass.
- `VTL_BATCH_MEMORY_MB` (512): activations a batch may take; bounds its size per model.
- `VTL_SINGLE_FLIGHT` (1): identical requests that arrive together wait for one computation;
  `0` restores one computation per session (only to measure the difference).
- `VTL_CACHE_BUDGET_MB` (300): every cache of computed things (results, decoded uploads,
  Quick, Draw! drawings, figures) together, least recently used dropped first.
- `VTL_TRAINING_BUDGET_MB` (700): memory the trainings of "Train your own" may take together,
  each in its own worker process; a training that would exceed it waits in a queue.
- `VTL_TRAINING_MAX_RUNNING` (2): trainings at once (each uses `VTL_TRAINING_THREADS`, 1, of
  the server's cores, so the models keep answering).
- `VTL_SERVE_URL` (unset): the HTTP address of the Ray Serve application that answers the
  model calls (`http://host:8000/vtl`, see `core/serving/app.py`); unset: this process loads
  and runs the models itself.
- `VTL_SERVE_FALLBACK` (0): `1` lets the app load and run a model itself while Serve cannot be
  reached (a teacher's choice: it brings the models' memory back into this process).
- `VTL_SERVE_MODELS` (the task pages' defaults, Pictionary's sketch model, the dogs-and-cats
  model): comma-separated Hub ids that get a deployment of their own, with request batching;
  other models (typed ids, trained doodle models) are served by one shared deployment.
- `VTL_SERVE_MIN_REPLICAS` (1), `VTL_SERVE_MAX_REPLICAS` (1), `VTL_SERVE_TARGET_ONGOING` (4):
  Serve's autoscaling of each model deployment (raise the maximum on more machines).
- `VTL_SERVE_BATCH_MAX` (8), `VTL_SERVE_BATCH_WAIT_MS` (10): requests one replica gathers into
  one batch (`@serve.batch`), and how long the first waits for the others.
- `VTL_SERVE_CPUS` (auto): CPUs Ray reserves for each model replica (scheduling only); auto
  shares the cluster's CPUs between the model replicas (on a 2-core machine, the 7 of the
  default application reserve 0.28 each), so every one is placed; on a cluster, set it (e.g. 1).
- `VTL_SERVE_THREADS` (0): torch threads of each model replica; 0 leaves Ray's choice (as
  many as the CPUs reserved, at least 1). On a machine given to one replica, set its cores.
- `VTL_TEACHER_TOKEN` (unset): opening a page with `?teacher=<token>` lets the teacher
  rename or delete any student's saved model (students manage only their own). On Streamlit
  Community Cloud, a root-level secret of that name reaches the app as this variable.
- `VTL_MEMORY_LIMIT_MB` (2700): the memory the host gives the app (Streamlit Community
  Cloud stops an app at 2.7 GB); Diagnostics adds the app itself and the budgets above and
  says whether they fit.
- `VTL_GC_GROWTH_MB` (64): a page run that finds the process this much larger than at the
  last full garbage collection starts one (see `core/garbage_collection.py`; Streamlit's own
  collection after every run is off in `.streamlit/config.toml`).
- `VTL_LEAN_MMAP_MB` (4): while a training runs, the server's memory blocks from this size up
  are mapped apart and returned to the system the moment they are freed (glibc; see
  `core/garbage_collection.py`): a detector's forward pass then peaks hundreds of MB lower but
  runs slower, so only then. 0: never.
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
    serve_url: str
    serve_fallback: bool
    serve_models: tuple[str, ...]
    serve_min_replicas: int
    serve_max_replicas: int
    serve_target_ongoing: float
    serve_batch_max: int
    serve_batch_wait_ms: float
    serve_cpus: float | None  # None: share the cluster's CPUs between the deployments
    serve_threads: int
    teacher_token: str
    precision: str
    batch_max: int
    batch_window_ms: float
    batch_memory_mb: int
    single_flight: bool
    cache_budget_mb: int
    training_budget_mb: int
    training_max_running: int
    training_threads: int
    policy_cache: Path | None
    gc_growth_mb: int
    memory_limit_mb: int
    lean_mmap_mb: int


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _path(value: str) -> Path | None:
    return Path(value.strip()).expanduser() if value.strip() else None


def _cpus(value: str) -> float | None:
    value = value.strip().lower()
    return None if value in {"", "auto"} else max(0.0, float(value))


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(name, allowed[0]).strip().lower() or allowed[0]
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def settings() -> Settings:
    """Read the settings now (tests change the environment between calls)."""
    local = os.environ.get("VTL_LOCAL_MODELS", "").strip()
    return Settings(
        memory_budget_mb=int(os.environ.get("VTL_MEMORY_BUDGET_MB", "800")),
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
        serve_url=os.environ.get("VTL_SERVE_URL", "").strip(),
        serve_fallback=_flag(os.environ.get("VTL_SERVE_FALLBACK")),
        serve_models=tuple(
            m.strip() for m in os.environ.get("VTL_SERVE_MODELS", "").split(",") if m.strip()
        ),
        serve_min_replicas=max(0, int(os.environ.get("VTL_SERVE_MIN_REPLICAS", "1"))),
        serve_max_replicas=max(1, int(os.environ.get("VTL_SERVE_MAX_REPLICAS", "1"))),
        serve_target_ongoing=float(os.environ.get("VTL_SERVE_TARGET_ONGOING", "4")),
        serve_batch_max=max(1, int(os.environ.get("VTL_SERVE_BATCH_MAX", "8"))),
        serve_batch_wait_ms=float(os.environ.get("VTL_SERVE_BATCH_WAIT_MS", "10")),
        serve_cpus=_cpus(os.environ.get("VTL_SERVE_CPUS", "auto")),
        serve_threads=max(0, int(os.environ.get("VTL_SERVE_THREADS", "0"))),
        teacher_token=os.environ.get("VTL_TEACHER_TOKEN", "").strip(),
        precision=_choice("VTL_PRECISION", ("auto", "fp32", "bf16", "int8")),
        batch_max=max(1, int(os.environ.get("VTL_BATCH_MAX", "8"))),
        batch_window_ms=float(os.environ.get("VTL_BATCH_WINDOW_MS", "5")),
        batch_memory_mb=int(os.environ.get("VTL_BATCH_MEMORY_MB", "512")),
        single_flight=_flag(os.environ.get("VTL_SINGLE_FLIGHT", "1")),
        cache_budget_mb=int(os.environ.get("VTL_CACHE_BUDGET_MB", "300")),
        training_budget_mb=int(os.environ.get("VTL_TRAINING_BUDGET_MB", "700")),
        training_max_running=max(1, int(os.environ.get("VTL_TRAINING_MAX_RUNNING", "2"))),
        training_threads=max(1, int(os.environ.get("VTL_TRAINING_THREADS", "1"))),
        policy_cache=_path(
            os.environ.get("VTL_POLICY_CACHE", "~/.cache/vision-tasks-lab/run-policies.json")
        ),
        gc_growth_mb=max(1, int(os.environ.get("VTL_GC_GROWTH_MB", "64"))),
        memory_limit_mb=int(os.environ.get("VTL_MEMORY_LIMIT_MB", "2700")),
        lean_mmap_mb=max(0, int(os.environ.get("VTL_LEAN_MMAP_MB", "4"))),
    )
