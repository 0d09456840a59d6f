"""Train your own doodle classifier on real Quick, Draw! bitmaps, on the CPU, in about a minute.

The network is a small ResNet from transformers (about 0.3 M parameters), so the saved model is
an ordinary Hugging Face image classifier: `pipeline("image-classification", model=folder)` loads
it with no remote code, and the app's loader serves it like a Hub model. Inputs follow the
dataset's numpy_bitmap convention: 28 × 28, white strokes on black (see `core.quickdraw.formats`).
Saving it, and the list of saved models, live in `core.quickdraw.saved_models`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SIZE = 28
MEAN, STD = 0.5, 0.5  # pixels in [0, 1] become [-1, 1], as the saved image processor does
# A category, as Quick, Draw! names them ("cat", "The Eiffel Tower", "t-shirt"): the words of a
# saved model are shown to every student who picks it, so nothing else is let in.
CATEGORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 '-]{0,39}$")
PER_CLASS_RANGE = (100, 5000)
CLASSES_RANGE = (2, 20)


@dataclass(frozen=True)
class TrainingConfig:
    words: tuple[str, ...]
    per_class: int = 1000
    epochs: int = 6
    seed: int = 0
    validation_share: float = 0.1
    batch_size: int = 128
    learning_rate: float = 3e-3  # the peak of the one-cycle schedule
    # Each training drawing slightly turned, scaled and moved each time it is seen: a student's
    # drawing is never placed or sized as the dataset's are (see `_augmented`).
    augment: bool = True

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


# How far `_augmented` turns (radians), scales and moves (share of the side) a drawing.
TURN, SCALE, SHIFT = 0.2, 0.12, 0.08


def _augmented(images: np.ndarray, generator):
    """The batch as `_tensor` makes it, each drawing turned by up to ±11°, scaled by up to
    ±12 % and moved by up to 8 % of the side at random (one affine warp per drawing,
    `torch.nn.functional.affine_grid`). Measured on the six shared classes: drawings rendered
    from their raw strokes went from 93 % to 100 % recognised (README, Train your own)."""
    import torch
    from torch.nn import functional

    pixels = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    count = len(pixels)

    def uniform(*shape: int):
        return torch.rand(*shape, generator=generator) * 2 - 1

    angle, scale = uniform(count) * TURN, 1 + uniform(count) * SCALE
    shift = uniform(count, 2) * SHIFT
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )
    grid = functional.affine_grid(theta, list(pixels.shape), align_corners=False)
    pixels = functional.grid_sample(pixels, grid, align_corners=False)
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
    # One cycle: the learning rate climbs to its peak, then falls to almost nothing by the end.
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=config.learning_rate, total_steps=config.epochs * steps
    )
    result = TrainingResult(config, model, validation_images=val_x, validation_labels=val_y)
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(len(y_train), generator=generator)
        loss_sum, correct = 0.0, 0
        for step in range(steps):
            batch = order[step * config.batch_size : (step + 1) * config.batch_size]
            drawings = images[kept[batch.numpy()]]
            pixels = _augmented(drawings, generator) if config.augment else _tensor(drawings)
            output = model(pixel_values=pixels, labels=y_train[batch])
            optimiser.zero_grad()
            output.loss.backward()
            optimiser.step()
            schedule.step()
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
