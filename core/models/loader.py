"""The one model loader: every pipeline of the app is built here.

`build_pipeline` fetches a model (`core.models.hub_download`), checks that its architecture
solves the task, and builds `transformers.pipeline` from the local folder, never with
`trust_remote_code`.
`ModelCache` keeps built pipelines within a memory budget, evicting the least recently used;
the app shares one instance across sessions (see `core/ui/shared.py`).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config import settings
from core.errors import exception_chain, first_line
from core.garbage_collection import collect_and_freeze, give_back_freed_memory
from core.models.hub_download import Progress, fetch_model
from core.models.model_ref import ModelError, ModelRef, reason_for
from core.models.registry import TASKS
from core.models.run_policy import RunPolicy, choose_policy
from core.models.runner import ModelWorker
from core.tasks.run_info import RunInfo


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


def check_task(folder: Path, task: str, model_id: str) -> None:
    """Refuse a model that does not solve `task`, decided as transformers decides.

    `AutoConfig` reads the configuration (timm's own format included: transformers takes a
    config with `architecture` and `pretrained_cfg` for `timm_wrapper`); the model fits when its
    type is a key of one of the task's auto mappings (`TASKS[task].architectures`), which is how
    the task's `AutoModelFor…` picks a class, or when a class its config names is one of them.
    Refused besides, each with its own message: a model that needs code of its own
    (`auto_map` naming classes transformers lacks: the app never runs it), and one whose weights
    are a base model without the task's head (`ViTModel` on classification: the pipeline would
    add a random head, and its answers would mean nothing)."""
    import json

    from transformers import AutoConfig
    from transformers.models.auto import modeling_auto

    mappings = [getattr(modeling_auto, name) for name in TASKS[task].architectures]
    classes = {name for mapping in mappings for name in _class_names(mapping)}
    types = {key for mapping in mappings for key in mapping}
    raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    architectures = [str(a) for a in raw.get("architectures") or []]
    if any(a in classes for a in architectures):
        return
    if raw.get("auto_map") and not any(_transformers_has(a) for a in architectures):
        raise ModelError(model_id, "remote_code", ", ".join(architectures))
    try:
        model_type = AutoConfig.from_pretrained(folder, trust_remote_code=False).model_type
    except ValueError:  # a type this transformers does not know
        model_type = str(raw.get("model_type"))
    if model_type not in types:
        raise ModelError(model_id, "wrong_task", ", ".join(architectures) or model_type)
    if architectures:  # the task's kind of model, but saved without the task's head
        raise ModelError(model_id, "no_head", ", ".join(architectures))


def _class_names(mapping: dict) -> set[str]:
    """The model classes of a transformers auto mapping; a value may be a tuple of them
    (deit → DeiTForImageClassification, DeiTForImageClassificationWithTeacher)."""
    return {
        name
        for value in mapping.values()
        for name in (value if isinstance(value, tuple) else (value,))
    }


def _transformers_has(name: str) -> bool:
    import transformers

    try:
        return getattr(transformers, name, None) is not None
    except Exception:  # the lazy module fails on a name it half knows
        return False


def auto_class(task: str, model: Any) -> str:
    """The auto class that builds `model` for `task` ("AutoModelForSemanticSegmentation"),
    read from the task's transformers mappings (`MODEL_FOR_SEMANTIC_SEGMENTATION_MAPPING_NAMES`
    → `AutoModelForSemanticSegmentation`); empty if none holds the model's class."""
    from transformers.models.auto import modeling_auto

    name = type(model).__name__
    for mapping in TASKS[task].architectures:
        if name in _class_names(getattr(modeling_auto, mapping)):
            words = mapping.removeprefix("MODEL_FOR_").removesuffix("_MAPPING_NAMES").split("_")
            return "AutoModelFor" + "".join(word.capitalize() for word in words)
    return ""


def model_nbytes(pipe: Any) -> int:
    """Bytes held by a pipeline's weights and buffers, int8 linear layers' packed weights
    (`core.models.precision.use_int8`) included."""
    model = pipe.model
    tensors = list(model.parameters()) + list(model.buffers())
    for module in model.modules():
        packed = getattr(module, "_weight_bias", None)  # a quantized layer's packed weights
        if callable(packed) and next(module.children(), None) is None:  # once, not its owner's
            tensors += [t for t in packed() if t is not None]
    return sum(t.numel() * t.element_size() for t in tensors)


def build_pipeline(ref: ModelRef, progress: Progress | None = None) -> Any:
    """Fetch and build `transformers.pipeline(task, model)`; every failure is a `ModelError`."""
    try:
        folder = fetch_model(ref, progress)
        check_task(folder, ref.task, ref.id)
        from transformers.pipelines import (
            pipeline,  # the module: the lazy top level is not thread-safe
        )

        return pipeline(
            ref.task,
            model=str(folder),
            device=pick_device(settings().device),
            trust_remote_code=False,
        )
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(ref.id, reason_for(exc), first_line(exc)) from exc


@dataclass
class LoadedModel:
    """A built pipeline in the cache, with what the diagnostics need to know about it."""

    ref: ModelRef
    pipe: Any
    nbytes: int
    load_seconds: float
    policy: RunPolicy = field(default_factory=RunPolicy)
    calls: int = 0
    last_used: float = field(default_factory=time.time)
    _worker: ModelWorker | None = field(default=None, repr=False)
    _count: threading.Lock = field(default_factory=threading.Lock, repr=False)
    auto_class: str = ""

    def __post_init__(self) -> None:
        if not self.auto_class and hasattr(self.pipe, "model"):
            self.auto_class = auto_class(self.ref.task, self.pipe.model)
        batching = self.policy.batch.max_batch > 1
        self._worker = ModelWorker(
            _run_one(self.ref, self.pipe),
            _run_many(self.ref, self.pipe) if batching else None,
            self.policy.batch.max_batch,
            settings().batch_window_ms / 1000,
        )

    @property
    def batches(self) -> list[int]:
        """Sizes of the model's last forward passes (1 when a call ran alone)."""
        return list(self._worker.batches)

    def run(self, *args: Any, **kwargs: Any) -> tuple[Any, RunInfo]:
        """Call the pipeline on the model's own thread, where the calls of every session queue
        and share a forward pass where the policy allows (see `core.models.runner`); returns
        its output and how the run went."""
        with self._count:
            self.calls += 1
            self.last_used = time.time()
        started = time.perf_counter()
        output = self._worker.submit(args, kwargs)
        seconds = time.perf_counter() - started
        device = str(getattr(self.pipe, "device", "cpu"))
        return output, RunInfo(self.ref.id, seconds, device, self.auto_class)


def _run_one(ref: ModelRef, pipe: Any) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return pipe(*args, **kwargs)
        except Exception as exc:
            _forget(exc)  # the activations of a run that ran out of memory, say
            raise ModelError(ref.id, reason_for(exc), first_line(exc)) from exc
        finally:
            give_back_freed_memory()

    return run


def _run_many(ref: ModelRef, pipe: Any) -> Callable[[list, dict], list]:
    def run(images: list, kwargs: dict) -> list:
        try:
            return list(pipe(images, batch_size=len(images), **kwargs))
        finally:
            give_back_freed_memory()

    return run


class ModelCache:
    """Built pipelines kept within `budget_bytes`, least recently used evicted first."""

    def __init__(
        self,
        budget_bytes: int,
        build: Callable[[ModelRef, Progress | None], Any] = build_pipeline,
        measure: Callable[[Any], int] = model_nbytes,
        tune: Callable[[ModelRef, Any], RunPolicy] = choose_policy,
    ) -> None:
        self.budget_bytes = budget_bytes
        self._build = build
        self._measure = measure
        self._tune = tune
        self._entries: OrderedDict[ModelRef, LoadedModel] = OrderedDict()
        self._building: dict[ModelRef, threading.Lock] = {}  # one build per model at a time
        self._lock = threading.RLock()  # guards the two dicts; never held while building

    @property
    def used_bytes(self) -> int:
        with self._lock:
            return sum(entry.nbytes for entry in self._entries.values())

    def loaded(self) -> list[LoadedModel]:
        """The models in memory, least recently used first."""
        with self._lock:
            return list(self._entries.values())

    def get(
        self, ref: ModelRef, progress: Progress | None = None, expected_bytes: int = 0
    ) -> LoadedModel:
        """The model for `ref`, built on first use; raises `ModelError`.

        Sessions asking for the same model while it builds wait for that one build; sessions
        using other models are not held up by it.
        """
        with self._lock:
            entry = self._touch(ref)
            if entry is not None:
                return entry
            building = self._building.setdefault(ref, threading.Lock())
        with building:
            with self._lock:
                entry = self._touch(ref)
                if entry is not None:
                    return entry
                evicted = self._make_room(expected_bytes)
            if evicted:  # outside the lock: sessions whose model is loaded do not wait
                _release_memory()
            try:
                started = time.perf_counter()
                pipe = self._build(ref, progress)
                policy = self._tune(ref, pipe)
                seconds = time.perf_counter() - started
                entry = LoadedModel(ref, pipe, self._measure(pipe), seconds, policy)
                # Its weights' objects last: later collections skip them; and what the warm-up
                # let go (a float32 model replaced by its int8 copy) goes back to the system.
                _release_memory()
            except BaseException as exc:  # out of memory, a missing package…: give it all back
                _forget(exc)
                raise
            finally:
                with self._lock:
                    self._building.pop(ref, None)
            with self._lock:
                # Another version of the same model (a student's model saved again under its
                # name) is never asked for again: its memory goes now, not when evicted.
                stale = [r for r in self._entries if r.id == ref.id and r != ref]
                for old in stale:
                    del self._entries[old]
                evicted = self._make_room(entry.nbytes) or bool(stale)
                self._entries[ref] = entry
            if evicted:
                _release_memory()
            return entry

    def _touch(self, ref: ModelRef) -> LoadedModel | None:
        entry = self._entries.get(ref)
        if entry is not None:
            self._entries.move_to_end(ref)
            entry.last_used = time.time()
        return entry

    def _make_room(self, incoming: int) -> bool:
        """Forget the least recently used models until `incoming` bytes fit (called with the
        lock held); whether any was forgotten, so that the caller releases their memory once
        it has let the lock go."""
        evicted = False
        while self._entries and self.used_bytes + incoming > self.budget_bytes:
            self._entries.popitem(last=False)  # its thread ends once no session holds it
            evicted = True
        return evicted

    def clear(self) -> None:
        """Free every model (the diagnostics' button, and tests)."""
        with self._lock:
            self._entries.clear()
        _release_memory()


def _forget(exc: BaseException) -> None:
    """Free what a failed build or run held: the frames of its traceback (and of the errors
    it wraps) keep their local variables, a half-built model among them, for as long as the
    error is kept, e.g. shown on a page or held by a test. Those frames are cleared."""
    for link in exception_chain(exc):
        traceback.clear_frames(link.__traceback__)
    _release_memory()


def _release_memory() -> None:
    """Return a forgotten model's memory (once no call still runs on it); frozen objects
    included, since a loaded model was frozen (see `core.garbage_collection`)."""
    collect_and_freeze()
    give_back_freed_memory()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass
