"""The "Train your own" quality bars on the six shared categories (3,000 bitmaps each).

    python -m benchmarks.train_doodles [--epochs 6]

- Validation accuracy and training time on 2 CPU cores (targets: ≥ 92 % in ≤ 60 s).
- The same model on drawings rendered from the raw strokes of the same six categories with
  `to_bitmap`, through the loader and `pipeline` (target: within 5 points of validation). The
  first 10 bitmaps of each file are those very drawings, so they are left out of training.
- Additional memory during training (target: < 1 GB), resident set before and at peak.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import QUICKDRAW_DATA, print_report
from core.diagnostics import resident_mb  # noqa: E402

DATA = QUICKDRAW_DATA
WORDS = ("apple", "bicycle", "cat", "diamond", "eye", "fish")
RAW_SAMPLES = 10  # the raw ndjson samples are the first rows of each .npy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()

    import numpy as np
    import torch
    from PIL import Image

    from core.models.loader import ModelCache
    from core.models.model_ref import ModelRef
    from core.quickdraw.formats import read_ndjson, to_bitmap
    from core.quickdraw.saved_models import save_model
    from core.quickdraw.training import TrainingConfig, load_bitmaps, train
    from core.tasks.classification import classify

    def fetch(word: str, count: int) -> np.ndarray:
        rows = np.load(DATA / "numpy_bitmap" / f"{word}.npy")
        return rows[RAW_SAMPLES : RAW_SAMPLES + count]

    per_class = 3000 - RAW_SAMPLES
    images, labels = load_bitmaps(WORDS, per_class, fetch)
    before = resident_mb()
    config = TrainingConfig(WORDS, per_class=per_class, epochs=args.epochs)
    started = time.perf_counter()
    result = train(config, images, labels)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    models = Path(tempfile.mkdtemp(prefix="vtl-train-"))
    os.environ["VTL_MODELS_DIR"] = str(models)
    save_model(result, models, "six-doodles")
    model = ModelCache(10**9).get(ModelRef("trained/six-doodles", "image-classification"))
    correct = total = 0
    for word in WORDS:
        drawings, _ = read_ndjson((DATA / "raw" / f"{word}.ndjson").read_bytes().splitlines())
        for drawing in drawings:
            image = Image.fromarray(to_bitmap(drawing.strokes)).convert("RGB")
            correct += classify(model, image).predictions[0].label == word
            total += 1
    report = {
        "torch_threads": torch.get_num_threads(),
        "training_drawings": int(len(labels) * (1 - config.validation_share)),
        "epochs": args.epochs,
        "validation_accuracy": round(result.validation_accuracy, 4),
        "accuracy_by_epoch": [round(s.validation_accuracy, 4) for s in result.history],
        "training_seconds": round(seconds, 1),
        "raw_strokes_accuracy": round(correct / total, 4),
        "raw_strokes_drawings": total,
        "rss_before_training_mb": round(before),
        "peak_rss_mb": round(peak),
        "additional_memory_mb": round(peak - before),
    }
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
