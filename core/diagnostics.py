"""What a teacher checks before class: versions, device, memory, models loaded, caches, network."""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from core.config import settings
from core.i18n import t
from core.models.precision import PrecisionChoice
from core.models.runner import BatchPolicy


def versions() -> dict[str, str]:
    """Python and the libraries that must match (torch's own string says which build: "+cu130",
    "+cpu"; Streamlit's is read from its package, without importing it here)."""
    from importlib.metadata import version

    import torch
    import transformers

    return {
        "Python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "streamlit": version("streamlit"),
    }


def resident_mb() -> float:
    """This process's resident memory now (Linux), else its peak."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class MemoryPlan:
    """What the app may hold at most, part by part, against the host's limit (MB)."""

    app_mb: float  # the process apart from models and kept results, measured now
    weights_mb: int  # VTL_MEMORY_BUDGET_MB
    computed_mb: int  # VTL_CACHE_BUDGET_MB
    trainings_mb: int  # VTL_TRAINING_BUDGET_MB
    limit_mb: int  # VTL_MEMORY_LIMIT_MB

    @property
    def total_mb(self) -> float:
        return self.app_mb + self.weights_mb + self.computed_mb + self.trainings_mb

    @property
    def fits(self) -> bool:
        return self.total_mb <= self.limit_mb


def memory_plan(resident: float, weights_used: float, computed_used: float) -> MemoryPlan:
    """The budgets of the settings, and the app itself: what is resident now less what the
    models and the kept results hold (both counted in their budgets)."""
    config = settings()
    app = max(0.0, resident - weights_used - computed_used)
    return MemoryPlan(round(app), config.memory_budget_mb, config.cache_budget_mb,
                      config.training_budget_mb, config.memory_limit_mb)  # fmt: skip


def folder_mb(folder: Path) -> float:
    """Megabytes of the files under `folder` (0 if it does not exist)."""
    if not folder.is_dir():
        return 0.0
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):  # a file removed while we count
                total += (Path(root) / name).stat().st_size
    return total / 2**20


def cache_mb(name: str, folder: Path) -> float:
    """Megabytes a cache holds; the Hub's as huggingface_hub counts it (each file once, however
    many revisions link to it), the others by walking the folder."""
    if name == "hub":
        from huggingface_hub import scan_cache_dir
        from huggingface_hub.errors import CacheNotFound, CorruptedCacheException

        try:
            return scan_cache_dir(folder).size_on_disk / 2**20
        except CacheNotFound:
            return 0.0
        except CorruptedCacheException:
            pass  # a folder that is not (only) a Hub cache: count its files
    return folder_mb(folder)


def caches() -> dict[str, Path]:
    """Where the app keeps what it downloads or makes."""
    from huggingface_hub import constants

    config = settings()
    return {
        "hub": Path(constants.HF_HUB_CACHE),
        "quickdraw": config.quickdraw_cache,
        "trained": config.models_dir,
    }


@dataclass(frozen=True)
class Reachability:
    name: str
    url: str
    ok: bool
    detail: str  # HTTP status, error, or "offline mode"
    seconds: float
    kind: str = "ok"  # ok, offline_mode, http_error, timeout, unreachable: what a teacher reads


def reach(name: str, url: str, timeout: float | None = None) -> Reachability:
    """One small request to `url`: does it answer, and how fast (waiting at most
    `VTL_NETWORK_TIMEOUT`, as every download does)."""
    timeout = settings().network_timeout if timeout is None else timeout
    started = time.perf_counter()
    try:
        request = urllib.request.Request(url, headers={"Range": "bytes=0-0"})  # one byte
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reachability(
                name, url, True, str(response.status), time.perf_counter() - started
            )
    except urllib.error.HTTPError as exc:  # it answered
        seconds = time.perf_counter() - started
        kind = "ok" if exc.code < 500 else "http_error"
        return Reachability(name, url, exc.code < 500, str(exc.code), seconds, kind)
    except (OSError, ValueError) as exc:
        seconds = time.perf_counter() - started
        cause = getattr(exc, "reason", exc)
        kind = "timeout" if isinstance(cause, TimeoutError) else "unreachable"
        return Reachability(name, url, False, type(cause).__name__, seconds, kind)


def network() -> list[Reachability]:
    """The Hugging Face Hub and the Quick, Draw! bucket."""
    from huggingface_hub import constants

    config = settings()
    hub = (
        Reachability("hub", constants.ENDPOINT, False, "HF_HUB_OFFLINE=1", 0.0, "offline_mode")
        if config.hub_offline
        else reach("hub", f"{constants.ENDPOINT}/api/models?limit=1")
    )
    bucket = reach("quickdraw", f"{config.quickdraw_url.rstrip('/')}/full/simplified/cat.ndjson")
    return [hub, bucket]


def reach_note(lang: str, result: Reachability) -> str:
    """Reachable or not, and why, in the teacher's language (the raw cause in brackets)."""
    state = t(lang, f"diagnostics.reach_{result.kind}", seconds=result.seconds,
              detail=result.detail)  # fmt: skip
    return t(lang, f"diagnostics.net_{result.name}", url=result.url, state=state)


PRECISION_NAMES = {"fp32": "float32", "bf16": "bfloat16", "int8": "int8"}


def precision_note(lang: str, choice: PrecisionChoice) -> str:
    """The precision a loaded model runs in, and why, in the teacher's language."""
    return t(
        lang,
        f"diagnostics.precision_{choice.reason}",
        precision=PRECISION_NAMES[choice.precision],
        fp32=round(choice.fp32_ms or 0),
        bf16=round(choice.bf16_ms or 0),
        int8=round(choice.int8_ms or 0),
    )


def batch_note(lang: str, policy: BatchPolicy) -> str:
    """How many students' calls may share one forward pass of a model, and why."""
    return t(
        lang,
        f"diagnostics.batch_{policy.reason}",
        size=policy.max_batch,
        single=round(policy.single_ms or 0),
        batched=round(policy.batched_ms or 0),
    )
