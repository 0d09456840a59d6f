"""How a loaded model runs on this machine: its precision and how many calls share a forward.

Both are decided by measuring (`core.models.warmup`) when a model is first loaded, and the
decision is kept on disk (`VTL_POLICY_CACHE`) for that model, machine and library versions:
the timed warm-up costs several forward passes (about 9 s for DETR on two cores), which the
first student of every class would otherwise wait for again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.atomic_folder import write_file
from core.config import settings
from core.models.model_ref import ModelRef
from core.models.precision import PrecisionChoice, choose_precision, use_bf16, use_int8
from core.models.runner import TRIAL_BATCH, BatchPolicy, batch_policy, measured_policy
from core.models.warmup import Warmup

# The choices `auto` weighs, and how: a decision kept by a version that weighed otherwise
# (before int8, or int8 kept when merely no slower) is measured again.
DECISIONS = "fp32,bf16,int8-if-faster"


@dataclass(frozen=True)
class RunPolicy:
    """How a loaded model runs: its precision and how many calls may share a forward pass."""

    precision: PrecisionChoice = PrecisionChoice("fp32", "setting")
    batch: BatchPolicy = BatchPolicy()


def choose_policy(ref: ModelRef, pipe: Any) -> RunPolicy:
    """Precision (`VTL_PRECISION`, timed warm-up) and batching (`VTL_BATCH_MAX`, the task's
    `batchable`, `VTL_BATCH_MEMORY_MB`, timed warm-up) for a freshly built pipeline; applies
    the precision to `pipe`."""
    if not hasattr(pipe, "model"):  # not a transformers pipeline (tests' stand-ins)
        return RunPolicy()
    key = _key(ref, pipe)
    known = _STORE.get(key)
    if known is not None:
        if known.precision.precision == "bf16":
            use_bf16(pipe)
        elif known.precision.precision == "int8":
            with _ONE_AT_A_TIME:
                use_int8(pipe)
        return known
    with _ONE_AT_A_TIME:
        return _measure_policy(ref, pipe, key)


# One warm-up or int8 conversion at a time: a class opening every page loads the six default
# models at once. Each conversion reads the model's float32 weights (mapped from its file) and
# each warm-up holds an int8 copy beside them; one after another, only one model's float32
# weights are in memory at a time, and the timings are truer without the others.
_ONE_AT_A_TIME = threading.Lock()


def _measure_policy(ref: ModelRef, pipe: Any, key: str) -> RunPolicy:
    from core.models.registry import TASKS
    from core.tasks.image_input import SAMPLE_PHOTOS, sample_photo

    config = settings()
    sample = sample_photo(SAMPLE_PHOTOS[0].id).image
    precision = choose_precision(pipe, config.precision, sample)
    spec = TASKS.get(ref.task)
    side = getattr(pipe.model.config, "image_size", 224)
    side = side if isinstance(side, int) else max(side)
    # Activations of one image: about 1 KB per input pixel (256 float32 channels at the
    # input's resolution) is an upper bound for the classifiers offered here.
    per_image = side * side * 1024
    batch = batch_policy(
        bool(spec and spec.batchable), per_image, config.batch_memory_mb * 2**20, config.batch_max
    )
    if batch.reason == "on":
        batch = measured_policy(batch, *time_batching(pipe, sample, precision.precision))
    policy = RunPolicy(precision, batch)
    _STORE.put(key, policy)
    return policy


def time_batching(pipe: Any, sample: Any, precision: str) -> tuple[float, float]:
    """Seconds per image alone and in a batch of `TRIAL_BATCH`, measured on load."""
    bf16 = precision == "bf16"
    return Warmup(pipe, sample).compare({"bf16": bf16}, {"bf16": bf16, "batch": TRIAL_BATCH})


def _key(ref: ModelRef, pipe: Any) -> str:
    """What a decision depends on: the model (its config), the device, the CPU, the library
    versions and the settings that shape the decision."""
    import torch
    import transformers

    config = settings()
    model = hashlib.sha256(pipe.model.config.to_json_string().encode()).hexdigest()[:16]
    parts = (ref.id, ref.revision, ref.task, model, str(pipe.device), _cpu(), torch.__version__,
             transformers.__version__, config.precision, config.batch_max,
             config.batch_memory_mb, DECISIONS)  # fmt: skip
    return "|".join(map(str, parts))


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class _PolicyStore:
    """Decisions by key in one JSON file; none kept when `VTL_POLICY_CACHE` is empty."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def get(self, key: str) -> RunPolicy | None:
        with self._lock:
            entry = self._read().get(key)
        if entry is None:
            return None
        try:
            return RunPolicy(PrecisionChoice(**entry["precision"]), BatchPolicy(**entry["batch"]))
        except (KeyError, TypeError):  # written by another version: measure again
            return None

    def put(self, key: str, policy: RunPolicy) -> None:
        path = settings().policy_cache
        if path is None:
            return
        with self._lock:
            entries = self._read()
            entries[key] = dataclasses.asdict(policy)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_file(path, json.dumps(entries, indent=1).encode("utf-8"))
            except OSError:  # a read-only or full disk: the decision is just not kept
                pass

    @staticmethod
    def _read() -> dict:
        path = settings().policy_cache
        if path is None or not path.is_file():
            return {}
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}


_STORE = _PolicyStore()
