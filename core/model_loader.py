"""The one model loader: every pipeline of the app is built here.

Hub ids are fetched with huggingface_hub (safetensors preferred; a `.bin` checkpoint is only
read by transformers' `torch.load(weights_only=True)`, never unpickled freely), then handed to
`transformers.pipeline` as a local folder, never with `trust_remote_code`. The seam for tests and
offline classrooms: with `VTL_LOCAL_MODELS` set, `org/name` is first looked up there as
`org--name@revision` or `org--name`.

`ModelCache` keeps built pipelines within a memory budget, evicting the least recently used;
the app shares one instance across sessions (see `core/app_cache.py`).
"""

from __future__ import annotations

import gc
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config import settings

# (bytes done, bytes in all, file name): what a progress bar needs while a model downloads.
Progress = Callable[[int, int, str], None]

# The Hub's rules for a repo id: optional owner, name; letters, digits, "-", "_", "."; 96 at most.
_ID_PART = r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9])?"
_MODEL_ID = re.compile(rf"^(?:{_ID_PART}/)?{_ID_PART}$")

# What a pipeline needs from a repo: configs, vocab/label files, weights. Never code files.
_CONFIG_SUFFIXES = (".json", ".txt")
_SAFE_WEIGHTS = ".safetensors"
_PICKLE_WEIGHTS = re.compile(r"^pytorch_model(-\d+-of-\d+)?\.bin$")

REASONS = (
    "bad_id",
    "offline",
    "not_found",
    "gated",
    "wrong_task",
    "missing_package",
    "no_weights",
    "out_of_memory",
    "failed",
)


class ModelError(Exception):
    """A model could not be fetched, built or run; `reason` is one of `REASONS`."""

    def __init__(self, model_id: str, reason: str, detail: str = "") -> None:
        super().__init__(f"{model_id}: {reason}{': ' + detail if detail else ''}")
        self.model_id = model_id
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ModelRef:
    """Which model, for which task, at which revision: the key of the model cache."""

    id: str
    task: str
    revision: str = "main"


def validate_model_id(text: str) -> str:
    """Return the cleaned id typed by a user, or raise `ModelError(reason="bad_id")`."""
    model_id = (text or "").strip()
    if not _MODEL_ID.match(model_id) or ".." in model_id or "--" in model_id:
        raise ModelError(model_id or "—", "bad_id")
    return model_id


def pick_device(preference: str = "auto") -> str:
    """CUDA when present, then Apple's MPS, else the CPU; `preference` overrides."""
    import torch

    if preference in {"cuda", "mps", "cpu"}:
        return preference
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def local_folder(ref: ModelRef, root: Path | None) -> Path | None:
    """The seam: a folder under `root` standing for a Hub id, if there is one."""
    if root is None:
        return None
    base = ref.id.replace("/", "--")
    for name in (f"{base}@{ref.revision}", base):
        folder = root / name
        if (folder / "config.json").is_file():
            return folder
    return None


def _reason_for(exc: BaseException) -> str:
    """Map the many ways a download or a build fails to the few a student can act on.

    huggingface_hub wraps the real cause (no network, no such repo) in a generic error, so the
    chain of causes is searched for the first specific one.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        reason = _reason_of_one(current)
        if reason != "failed":
            return reason
        current = current.__cause__ or current.__context__
    return "offline" if settings().hub_offline else "failed"


def _reason_of_one(exc: BaseException) -> str:
    from huggingface_hub import errors as hub

    if isinstance(exc, ModelError):
        return exc.reason
    if isinstance(exc, hub.HFValidationError):
        return "bad_id"
    if isinstance(exc, hub.GatedRepoError):
        return "gated"
    if isinstance(exc, (hub.RepositoryNotFoundError, hub.RevisionNotFoundError)):
        return "not_found"
    if isinstance(exc, hub.RemoteEntryNotFoundError):
        return "no_weights"
    if isinstance(exc, (hub.OfflineModeIsEnabled, hub.LocalEntryNotFoundError)):
        return "offline"
    if isinstance(exc, (ImportError, ModuleNotFoundError)):
        return "missing_package"
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return "out_of_memory"
    module = type(exc).__module__ or ""
    if isinstance(exc, (ConnectionError, TimeoutError)) or module.startswith(
        ("httpx", "httpcore", "requests", "urllib3")  # httpx2 too
    ):
        return "offline"
    return "failed"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _complete(folder: Path) -> bool:
    """A snapshot is usable when it has a config and weights (an interrupted fetch has not)."""
    names = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    return "config.json" in names and any(
        n.endswith(_SAFE_WEIGHTS) or _PICKLE_WEIGHTS.match(n) for n in names
    )


def _select_files(filenames: list[str]) -> list[str]:
    """Configs plus one kind of weights: safetensors when published, else the PyTorch bin."""
    top = [n for n in filenames if "/" not in n]
    configs = [n for n in top if n.endswith(_CONFIG_SUFFIXES)]
    safe = [n for n in top if n.endswith(_SAFE_WEIGHTS)]
    weights = safe or [n for n in top if _PICKLE_WEIGHTS.match(n)]
    if "config.json" not in configs or not weights:
        raise ModelError("", "no_weights")
    return configs + weights


def _bar_class(report: Progress, done_before: int, total: int, filename: str) -> type:
    """A tqdm class that forwards byte counts to `report` instead of printing."""
    from tqdm.auto import tqdm

    class _ReportingBar(tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self.bytes_done = 0

        def update(self, n: float | None = 1) -> bool | None:
            self.bytes_done += int(n or 0)
            report(min(done_before + self.bytes_done, total), total, filename)
            return super().update(n)

    return _ReportingBar


def fetch_model(ref: ModelRef, progress: Progress | None = None) -> Path:
    """A local folder holding the model: the seam folder, the Hub cache, or a fresh download.

    Raises `ModelError` naming the model and the reason.
    """
    try:
        return _fetch(ref, progress)
    except ModelError as err:
        raise ModelError(ref.id, err.reason, err.detail) from None
    except Exception as exc:
        raise ModelError(ref.id, _reason_for(exc), _first_line(exc)) from exc


def _fetch(ref: ModelRef, progress: Progress | None) -> Path:
    from huggingface_hub import hf_hub_download, snapshot_download

    found = local_folder(ref, settings().local_models)
    if found is not None:
        return found
    patterns = ["*.json", "*.txt", "*.safetensors", "pytorch_model*.bin"]
    try:
        cached = Path(
            snapshot_download(
                ref.id, revision=ref.revision, allow_patterns=patterns, local_files_only=True
            )
        )
        if _complete(cached):
            return cached
    except Exception:  # not in the cache (or only partly): download below
        pass
    plan = snapshot_download(ref.id, revision=ref.revision, allow_patterns=patterns, dry_run=True)
    by_name = {info.filename: info for info in plan}
    wanted = _select_files(list(by_name))
    total = sum(by_name[n].file_size or 0 for n in wanted) or 1
    done = 0
    folder = None
    for name in wanted:
        bar = _bar_class(progress, done, total, name) if progress else None
        path = hf_hub_download(ref.id, name, revision=ref.revision, tqdm_class=bar)
        folder = Path(path).parent
        done += by_name[name].file_size or 0
        if progress:
            progress(min(done, total), total, name)
    return folder


def check_task(folder: Path, task: str, model_id: str) -> None:
    """Refuse a model whose architecture does not solve `task` (e.g. a text model)."""
    import json

    from transformers.models.auto import modeling_auto as auto

    mappings = {
        "image-classification": [auto.MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING_NAMES],
        "object-detection": [auto.MODEL_FOR_OBJECT_DETECTION_MAPPING_NAMES],
        "depth-estimation": [auto.MODEL_FOR_DEPTH_ESTIMATION_MAPPING_NAMES],
        "image-segmentation": [
            auto.MODEL_FOR_IMAGE_SEGMENTATION_MAPPING_NAMES,
            auto.MODEL_FOR_SEMANTIC_SEGMENTATION_MAPPING_NAMES,
            auto.MODEL_FOR_INSTANCE_SEGMENTATION_MAPPING_NAMES,
            auto.MODEL_FOR_UNIVERSAL_SEGMENTATION_MAPPING_NAMES,
        ],
    }[task]
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    classes = {name for mapping in mappings for name in mapping.values()}
    types = {key for mapping in mappings for key in mapping}
    architectures = config.get("architectures") or []
    fits = any(a in classes for a in architectures) if architectures else False
    if not fits and not (not architectures and config.get("model_type") in types):
        shown = ", ".join(architectures) or str(config.get("model_type"))
        raise ModelError(model_id, "wrong_task", shown)


def model_nbytes(pipe: Any) -> int:
    """Bytes held by a pipeline's weights and buffers."""
    model = pipe.model
    tensors = list(model.parameters()) + list(model.buffers())
    return sum(t.numel() * t.element_size() for t in tensors)


def build_pipeline(ref: ModelRef, progress: Progress | None = None) -> Any:
    """Fetch and build `transformers.pipeline(task, model)`; every failure is a `ModelError`."""
    try:
        folder = fetch_model(ref, progress)
        check_task(folder, ref.task, ref.id)
        from transformers import pipeline

        return pipeline(
            ref.task,
            model=str(folder),
            device=pick_device(settings().device),
            trust_remote_code=False,
        )
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(ref.id, _reason_for(exc), _first_line(exc)) from exc


@dataclass
class LoadedModel:
    """A built pipeline in the cache, with what the diagnostics need to know about it."""

    ref: ModelRef
    pipe: Any
    nbytes: int
    load_seconds: float
    calls: int = 0
    last_used: float = field(default_factory=time.time)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the pipeline; pipelines are not thread-safe, so one call at a time per model."""
        with self.lock:
            self.calls += 1
            self.last_used = time.time()
            try:
                return self.pipe(*args, **kwargs)
            except Exception as exc:
                raise ModelError(self.ref.id, _reason_for(exc), _first_line(exc)) from exc


class ModelCache:
    """Built pipelines kept within `budget_bytes`, least recently used evicted first."""

    def __init__(
        self,
        budget_bytes: int,
        build: Callable[[ModelRef, Progress | None], Any] = build_pipeline,
        measure: Callable[[Any], int] = model_nbytes,
    ) -> None:
        self.budget_bytes = budget_bytes
        self._build = build
        self._measure = measure
        self._entries: OrderedDict[ModelRef, LoadedModel] = OrderedDict()
        # One load at a time: two sessions asking for the same model build it once.
        self._lock = threading.RLock()

    @property
    def used_bytes(self) -> int:
        return sum(entry.nbytes for entry in self._entries.values())

    def loaded(self) -> list[LoadedModel]:
        """The models in memory, least recently used first."""
        with self._lock:
            return list(self._entries.values())

    def get(
        self, ref: ModelRef, progress: Progress | None = None, expected_bytes: int = 0
    ) -> LoadedModel:
        """The model for `ref`, built on first use; raises `ModelError`."""
        with self._lock:
            entry = self._entries.get(ref)
            if entry is None:
                self._make_room(expected_bytes)
                started = time.perf_counter()
                pipe = self._build(ref, progress)
                entry = LoadedModel(ref, pipe, self._measure(pipe), time.perf_counter() - started)
                self._make_room(entry.nbytes)
                self._entries[ref] = entry
            self._entries.move_to_end(ref)
            entry.last_used = time.time()
            return entry

    def _make_room(self, incoming: int) -> None:
        while self._entries and self.used_bytes + incoming > self.budget_bytes:
            _, oldest = self._entries.popitem(last=False)
            self._free(oldest)

    def clear(self) -> None:
        """Free every model (the diagnostics' button, and tests)."""
        with self._lock:
            while self._entries:
                self._free(self._entries.popitem()[1])

    @staticmethod
    def _free(entry: LoadedModel) -> None:
        with entry.lock:  # wait for a call in progress on it
            entry.pipe = None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass
