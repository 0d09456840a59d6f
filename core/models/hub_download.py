"""Fetching a model's files from the Hugging Face Hub, or from the local seam.

Only configs and weights are fetched, never code: safetensors when the repo publishes them,
otherwise the PyTorch checkpoint, which transformers reads with `torch.load(weights_only=True)`.
The seam for tests and offline classrooms: with `VTL_LOCAL_MODELS` set, `org/name` is first
looked up there as `org--name@revision` or `org--name`. huggingface_hub's own `HF_ENDPOINT`
points the download at another server (the tests' fake Hub).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.config import settings
from core.errors import first_line
from core.models.model_ref import ModelError, ModelRef, reason_for

# (bytes done, bytes in all, file name): what a progress bar needs while a model downloads.
Progress = Callable[[int, int, str], None]

# What a pipeline needs from a repo: configs, vocab/label files, a text model's SentencePiece
# vocabulary (read by the tokenizer, never run), weights. Never code files.
_CONFIG_SUFFIXES = (".json", ".txt")
_VOCABULARIES = ("spiece.model", "tokenizer.model")
_SAFE_WEIGHTS = ".safetensors"
_PICKLE_WEIGHTS = re.compile(r"^pytorch_model(-\d+-of-\d+)?\.bin$")


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


def _complete(folder: Path) -> bool:
    """A snapshot is usable when it has a config and weights (an interrupted fetch has not)."""
    names = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    return "config.json" in names and any(
        n.endswith(_SAFE_WEIGHTS) or _PICKLE_WEIGHTS.match(n) for n in names
    )


def _select_files(filenames: list[str]) -> list[str]:
    """Configs plus one kind of weights: safetensors when published, else the PyTorch bin."""
    top = [n for n in filenames if "/" not in n]
    configs = [n for n in top if n.endswith(_CONFIG_SUFFIXES) or n in _VOCABULARIES]
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
        raise ModelError(ref.id, reason_for(exc), first_line(exc)) from exc


# Model ids the Hub does not hold, by prefix, each resolved to a folder on this machine by the
# feature that makes them ("trained/": the classifiers of the "Train your own" page, registered
# by core.quickdraw.saved_models). The loader knows no feature: it asks the resolver.
_LOCAL_RESOLVERS: dict[str, Callable[[ModelRef], Path]] = {}


def register_local_models(prefix: str, resolve: Callable[[ModelRef], Path]) -> None:
    """Ids starting with `prefix` are found by `resolve` (which raises `ModelError`), not on
    the Hub."""
    _LOCAL_RESOLVERS[prefix] = resolve


def _bound_waits(request: Any) -> None:
    """Every request to the Hub waits at most `VTL_NETWORK_TIMEOUT` for each answer.

    huggingface_hub asks some questions (repo info, file list) with no timeout at all, so a
    stalled school network would hang the page; the limit is set on each request instead."""
    seconds = settings().network_timeout
    request.extensions["timeout"] = dict.fromkeys(("connect", "read", "write", "pool"), seconds)


def _with_bounded_waits() -> None:
    from huggingface_hub import get_session

    session = get_session()  # shared by huggingface_hub, and remade after some errors
    hooks = session.event_hooks
    if _bound_waits not in hooks["request"]:
        session.event_hooks = {**hooks, "request": [*hooks["request"], _bound_waits]}


def _fetch(ref: ModelRef, progress: Progress | None) -> Path:
    from huggingface_hub import hf_hub_download, snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    for prefix, resolve in _LOCAL_RESOLVERS.items():
        if ref.id.startswith(prefix):
            return resolve(ref)
    found = local_folder(ref, settings().local_models)
    if found is not None:
        return found
    patterns = ["*.json", "*.txt", *_VOCABULARIES, "*.safetensors", "pytorch_model*.bin"]
    try:
        cached = Path(
            snapshot_download(
                ref.id, revision=ref.revision, allow_patterns=patterns, local_files_only=True
            )
        )
        if _complete(cached):
            return cached
    except LocalEntryNotFoundError:  # not in the cache (or only partly): download below
        pass
    _with_bounded_waits()
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
