"""The doodle classifiers students saved: each written whole or not at all, with its card
(`training.json`: words, accuracy, a version, the session that saved it), listed, renamed and
deleted by identity (name and version), never by a position a stale page remembers."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from dataclasses import asdict
from pathlib import Path

from core.atomic_folder import write_folder
from core.config import settings
from core.models.hub_download import register_local_models
from core.models.model_ref import ModelError, ModelRef
from core.quickdraw.training import MEAN, SIZE, STD, TrainingResult

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
TRAINED = "trained/"  # model ids of the classifiers saved here, as pages and the loader know them


def save_model(
    result: TrainingResult, folder: Path, name: str, replace: bool = False, owner: str = ""
) -> Path:
    """The model in Hugging Face format (config, safetensors, image processor, labels, card),
    written whole or not at all (`core.atomic_folder`); raises `FileExistsError` rather than
    replace a model already saved under `name`, unless `replace`. `owner` (a session's token)
    is kept in the card: only that session, or the teacher, may rename or delete it."""
    if not NAME.match(name):
        raise ValueError(
            "names use letters, digits, - and _ (40 at most), starting with a letter or digit"
        )
    target = model_path(folder, name)
    return write_folder(target, lambda partial: _write_model(result, partial, owner), replace)


def _write_model(result: TrainingResult, target: Path, owner: str = "") -> None:
    from transformers.models.vit import ViTImageProcessor

    result.model.save_pretrained(target, safe_serialization=True)
    ViTImageProcessor(
        size={"height": SIZE, "width": SIZE}, image_mean=[MEAN] * 3, image_std=[STD] * 3,
        resample=2,
    ).save_pretrained(target)  # fmt: skip
    card = {
        # Who this model is, beyond its name: a new save under the same name is another model,
        # and a page that saw the old one must not act on (or guess with) the new one unawares.
        "version": uuid.uuid4().hex[:12],
        "owner": owner,
        "words": list(result.config.words),
        "config": asdict(result.config),
        "validation_accuracy": result.validation_accuracy,
        "input": "28 × 28, white strokes on black (Quick, Draw! numpy_bitmap)",
        "data": "Quick, Draw! dataset, Google, CC BY 4.0",
    }
    (target / "training.json").write_text(json.dumps(card, indent=2), encoding="utf-8")


def model_path(folder: Path, name: str) -> Path:
    """`folder/name`, refusing any name that would step outside `folder`."""
    if not NAME.match(name):
        raise ValueError(f"not a valid model name: {name!r}")
    root = folder.resolve()
    path = (root / name).resolve()
    if path.parent != root:
        raise ValueError(f"not a valid model name: {name!r}")
    return path


class ModelChanged(LookupError):
    """The saved model a page named (name and version) was replaced, renamed or deleted since
    the page showed it: nothing is done to whatever now has that name."""


def _card(path: Path) -> dict | None:
    """What `training.json` says of a saved model, with its version; None if unreadable (a
    damaged or half-written card is skipped, never shown as a traceback)."""
    try:
        data = (path / "training.json").read_bytes()
        info = json.loads(data)
        if not isinstance(info, dict) or not isinstance(info.get("words"), list):
            return None
    except (OSError, ValueError):
        return None
    # models saved before versions existed: their card's content stands for their identity
    info.setdefault("version", hashlib.sha256(data).hexdigest()[:12])
    return info


def saved_models(folder: Path) -> list[dict]:
    """The models saved in `folder`, newest first, with what `training.json` says of them
    (`name`, `version`, `words`, `validation_accuracy`…)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if path.is_dir() and NAME.match(path.name) and (info := _card(path)) is not None:
            found.append({**info, "name": path.name, "modified": path.stat().st_mtime})
    return sorted(found, key=lambda m: -m["modified"])


def model_version(folder: Path, name: str) -> str | None:
    """The version of the model saved as `name`, None if there is none (or it is damaged)."""
    path = model_path(folder, name)
    info = _card(path) if path.is_dir() else None
    return info["version"] if info else None


def _check(folder: Path, name: str, version: str | None) -> None:
    if version is not None and model_version(folder, name) != version:
        raise ModelChanged(name)


def rename_model(folder: Path, old: str, new: str, version: str | None = None) -> Path:
    """Rename `old` (only if it is still `version`, when given) to a name not taken."""
    target = model_path(folder, new)
    if target.exists():
        raise ValueError(f"a model called {new!r} already exists")
    _check(folder, old, version)
    return model_path(folder, old).rename(target)


def delete_model(folder: Path, name: str, version: str | None = None) -> None:
    """Delete `name` (only if it is still `version`, when given)."""
    _check(folder, name, version)
    shutil.rmtree(model_path(folder, name))


def trained_model_folder(ref: ModelRef) -> Path:
    """The folder of a saved classifier (`trained/<name>`), as the loader asks for it; raises
    `ModelError` when it is gone, or when `ref.revision` (the version the page saw) is no longer
    the one saved under that name: another save under the same name is another model, and the
    student is told rather than answered by it unawares."""
    name = ref.id.removeprefix(TRAINED)
    folder = model_path(settings().models_dir, name)
    if not (folder / "config.json").is_file():
        raise ModelError(ref.id, "not_found")
    if ref.revision != "main" and model_version(settings().models_dir, name) != ref.revision:
        raise ModelError(ref.id, "model_changed")
    return folder


register_local_models(TRAINED, trained_model_folder)
