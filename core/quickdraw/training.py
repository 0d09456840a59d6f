"""Train your own doodle classifier on real Quick, Draw! bitmaps, on the CPU, in about a minute.

The network is a small ResNet from transformers (about 0.3 M parameters), so the saved model is
an ordinary Hugging Face image classifier: `pipeline("image-classification", model=folder)` loads
it with no remote code, and the app's loader serves it like a Hub model. Inputs follow the
dataset's numpy_bitmap convention: 28 × 28, white strokes on black (see `core.quickdraw.formats`).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core.atomic_folder import write_folder

SIZE = 28
MEAN, STD = 0.5, 0.5  # pixels in [0, 1] become [-1, 1], as the saved image processor does
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
# A category, as Quick, Draw! names them ("cat", "The Eiffel Tower", "t-shirt"): the words of a
# saved model are shown to every student who picks it, so nothing else is let in.
CATEGORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 '-]{0,39}$")
PER_CLASS_RANGE = (100, 5000)
CLASSES_RANGE = (2, 20)


@dataclass(frozen=True)
class TrainingConfig:
    words: tuple[str, ...]
    per_class: int = 1000
    epochs: int = 4
    seed: int = 0
    validation_share: float = 0.1
    batch_size: int = 128
    learning_rate: float = 3e-3

    def check(self) -> None:
        """Raise ValueError on choices outside what the page offers."""
        if not all(CATEGORY.match(word) for word in self.words):
            raise ValueError("categories are named with letters, digits, spaces and hyphens")
        if not CLASSES_RANGE[0] <= len(set(self.words)) <= CLASSES_RANGE[1]:
            raise ValueError(f"choose {CLASSES_RANGE[0]} to {CLASSES_RANGE[1]} categories")
        if not PER_CLASS_RANGE[0] <= self.per_class <= PER_CLASS_RANGE[1]:
            raise ValueError(f"drawings per category must be within {PER_CLASS_RANGE}")
        if self.epochs < 1 or not 0 < self.validation_share < 0.5:
            raise ValueError("at least one epoch, and a validation share below one half")


@dataclass(frozen=True)
class EpochStats:
    epoch: int
    train_loss: float
    train_accuracy: float
    validation_loss: float
    validation_accuracy: float
    seconds: float  # since training started


@dataclass
class TrainingResult:
    """What a run leaves: the model, its curves, and its validation answers."""

    config: TrainingConfig
    model: object  # a transformers ResNetForImageClassification
    history: list[EpochStats] = field(default_factory=list)
    validation_images: np.ndarray | None = None  # uint8, n × 28 × 28
    validation_labels: np.ndarray | None = None
    validation_predictions: np.ndarray | None = None
    stopped_early: bool = False

    @property
    def validation_accuracy(self) -> float:
        return self.history[-1].validation_accuracy if self.history else 0.0

    @property
    def nbytes(self) -> int:
        """Memory it holds: the model's weights and the validation drawings and answers."""
        weights = sum(p.numel() * p.element_size() for p in self.model.parameters())
        arrays = (self.validation_images, self.validation_labels, self.validation_predictions)
        return weights + sum(a.nbytes for a in arrays if a is not None)


def split_indices(count: int, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Which drawings train and which are held out for validation, the same for a seed."""
    order = np.random.default_rng(seed).permutation(count)
    cut = max(1, int(count * share))
    return order[cut:], order[:cut]


def _tensor(images: np.ndarray):
    import torch

    pixels = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    return ((pixels - MEAN) / STD).expand(-1, 3, -1, -1)


def build_model(words: tuple[str, ...]):
    """A small ResNet for 28 × 28 doodles, labelled with `words`."""
    # The module itself, not transformers' lazy top level: several threads (the trainings'
    # followers) build models at once, and the lazy attribute lookup is not thread-safe.
    from transformers.models.resnet import ResNetConfig, ResNetForImageClassification

    config = ResNetConfig(
        num_channels=3, embedding_size=32, hidden_sizes=[32, 64, 128], depths=[1, 1, 1],
        layer_type="basic", id2label=dict(enumerate(words)),
        label2id={word: index for index, word in enumerate(words)},
    )  # fmt: skip
    return ResNetForImageClassification(config)


def train(
    config: TrainingConfig,
    images: np.ndarray,
    labels: np.ndarray,
    on_epoch: Callable[[EpochStats], None] | None = None,
    on_step: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    keep: Callable[[TrainingResult], None] | None = None,
) -> TrainingResult:
    """Train with a fixed seed; `on_epoch` sees the curves grow, `keep` gets the model after
    each epoch (so an interrupted run is not lost), `should_stop` ends early."""
    import torch

    config.check()
    torch.manual_seed(config.seed)
    # Training drawings are read through their indices, a batch at a time, never copied whole.
    kept, held = split_indices(len(labels), config.validation_share, config.seed)
    train_y, val_x, val_y = labels[kept], images[held], labels[held]
    model = build_model(config.words)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=1e-4)
    # Bitmaps stay uint8 (a byte a pixel) and become float32 one batch at a time: the whole
    # set in float32 took four times the memory for as long as the training lasted.
    y_train = torch.from_numpy(train_y.astype(np.int64))
    y_val = torch.from_numpy(val_y.astype(np.int64))
    generator = torch.Generator().manual_seed(config.seed)
    steps = -(-len(y_train) // config.batch_size)
    result = TrainingResult(config, model, validation_images=val_x, validation_labels=val_y)
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(len(y_train), generator=generator)
        loss_sum, correct = 0.0, 0
        for step in range(steps):
            batch = order[step * config.batch_size : (step + 1) * config.batch_size]
            pixels = _tensor(images[kept[batch.numpy()]])
            output = model(pixel_values=pixels, labels=y_train[batch])
            optimiser.zero_grad()
            output.loss.backward()
            optimiser.step()
            loss_sum += output.loss.item() * len(batch)
            correct += (output.logits.argmax(1) == y_train[batch]).sum().item()
            if on_step:
                on_step((epoch - 1) * steps + step + 1, config.epochs * steps)
            if should_stop and should_stop():
                result.stopped_early = True
                break
        val_loss, predictions = evaluate(model, val_x, y_val)
        accuracy = float((predictions == val_y).mean())
        seconds = time.perf_counter() - started
        train_accuracy = correct / len(y_train)
        stats = EpochStats(
            epoch, loss_sum / len(y_train), train_accuracy, val_loss, accuracy, seconds
        )
        result.history.append(stats)
        result.validation_predictions = predictions
        if keep:
            keep(result)
        if on_epoch:
            on_epoch(stats)
        if result.stopped_early:
            break
    return result


def evaluate(model, val_x: np.ndarray, y_val, chunk: int = 1024) -> tuple[float, np.ndarray]:
    """Validation loss and predicted class per drawing (uint8 bitmaps, a chunk at a time)."""
    import torch

    model.eval()
    loss_sum, predictions = 0.0, []
    with torch.inference_mode():
        for start in range(0, len(y_val), chunk):
            labels = y_val[start : start + chunk]
            output = model(pixel_values=_tensor(val_x[start : start + chunk]), labels=labels)
            loss_sum += float(output.loss) * len(labels)
            predictions.append(output.logits.argmax(1).numpy())
    return loss_sum / max(len(y_val), 1), np.concatenate(predictions)


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """counts[i, j]: drawings of class i the model called j."""
    counts = np.zeros((classes, classes), dtype=int)
    np.add.at(counts, (truth, predicted), 1)
    return counts


def most_confused(
    counts: np.ndarray, words: tuple[str, ...], top: int = 3
) -> list[tuple[str, str, int]]:
    """The (true, predicted, count) mistakes made most often."""
    pairs = [(words[i], words[j], int(counts[i, j])) for i in range(len(words))
             for j in range(len(words)) if i != j and counts[i, j]]  # fmt: skip
    return sorted(pairs, key=lambda p: -p[2])[:top]


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


def load_bitmaps(
    words: tuple[str, ...],
    per_class: int,
    fetch: Callable[[str, int], np.ndarray],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`per_class` bitmaps of each word from `fetch(word, count)`, and their class numbers."""
    images, labels = [], []
    for index, word in enumerate(words):
        rows = fetch(word, per_class).reshape(-1, SIZE, SIZE)[:per_class]
        images.append(rows)
        labels.append(np.full(len(rows), index))
        if progress:
            progress(index + 1, len(words))
    return np.concatenate(images), np.concatenate(labels)


def local_fetch(folder: Path) -> Callable[[str, int], np.ndarray]:
    """Bitmaps from `<folder>/<word>.npy` files (the offline source)."""

    def fetch(word: str, count: int) -> np.ndarray:
        path = folder / f"{word}.npy"
        if not path.is_file():
            raise FileNotFoundError(f"no {path.name} in {folder}")
        return np.load(path, mmap_mode="r")[:count].copy()

    return fetch
