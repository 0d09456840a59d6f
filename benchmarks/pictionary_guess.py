"""Server time of one Pictionary guess: canvas JSON → strokes → the model's picture → top-5.

    python -m benchmarks.pictionary_guess [--repeats 60]

For the default BEiT sketch classifier (full-size random-weight copy built from
../shared/hub-replicas; target p95 ≤ 300 ms) and for a small CNN trained here on the six shared
categories (target p95 ≤ 30 ms), on real drawings replayed as canvas paths, 2 CPU cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import QUICKDRAW_DATA, build_replicas, p50, p95, print_report

RAW = QUICKDRAW_DATA / "raw"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60)
    args = parser.parse_args()

    from core.models.loader import ModelCache
    from core.models.model_ref import ModelRef
    from core.quickdraw.canvas_strokes import canvas_to_strokes
    from core.quickdraw.formats import read_ndjson
    from core.quickdraw.pictionary import DATASET_STYLE, DoodleStyle, guess
    from core.quickdraw.saved_models import save_model
    from core.quickdraw.training import TrainingConfig, load_bitmaps, local_fetch, train
    from tests.support.drawings import as_canvas

    work = Path(tempfile.mkdtemp(prefix="vtl-pic-"))
    build_replicas(["kmewhort/beit-sketch-classifier"], work / "hub")
    os.environ["VTL_LOCAL_MODELS"] = str(work / "hub")
    os.environ["VTL_MODELS_DIR"] = str(work / "trained")
    words = ("apple", "bicycle", "cat", "diamond", "eye", "fish")
    images, labels = load_bitmaps(words, 1000, local_fetch(QUICKDRAW_DATA / "numpy_bitmap"))
    save_model(train(TrainingConfig(words, 1000, 1), images, labels), work / "trained", "cnn")

    canvases = [
        as_canvas(d)
        for word in words
        for d in read_ndjson((QUICKDRAW_DATA / "raw" / f"{word}.ndjson").read_bytes().splitlines())[
            0
        ]
    ]
    cache = ModelCache(10**10)
    report = {}
    for name, ref, style in (
        ("beit_sketch", ModelRef("kmewhort/beit-sketch-classifier", "image-classification"),
         DoodleStyle("black", 224)),
        ("small_cnn", ModelRef("trained/cnn", "image-classification"), DATASET_STYLE),
    ):  # fmt: skip
        model = cache.get(ref)
        guess(model, canvas_to_strokes(canvases[0]), style)  # warm-up
        times = []
        for index in range(args.repeats):
            started = time.perf_counter()
            guess(model, canvas_to_strokes(canvases[index % len(canvases)]), style).top(5)
            times.append(time.perf_counter() - started)
        times.sort()
        report[name] = {
            "p50_ms": round(p50(times) * 1000, 1),
            "p95_ms": round(p95(times) * 1000, 1),
        }
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
