"""Six students press "Train" at the page's maximum at once, with the default models loaded.

    python -m benchmarks.classroom_trainings [--trainings 6] [--per-class 5000] [--epochs 1]

Runs each mode in its own process, one after the other (memory is a per-process figure, and
the old way leaves memory behind that would pollute the other): `now`, the trainings queue
(`core.quickdraw.training_queue`: worker processes within `VTL_TRAINING_BUDGET_MB`, at most
`VTL_TRAINING_MAX_RUNNING` at once); `today`, every training in a thread of the server, as
before. Each process loads the four default task models at full size (random weights), measures
a classification's time idle, starts the trainings together, keeps classifying every 0.3 s while
they run, and samples the memory of the server and all its child processes every 0.1 s.

The data: 20 categories of 5,000 bitmaps made from the six shared categories' 2,990 real
drawings each (flipped and shifted copies), so the sizes and the work are the page's maximum.
Reports: peak resident memory (RSS) and proportional memory (PSS, shared pages split between
processes) of the server with its workers, classification p50/p95 idle and meanwhile, how long
until every training finished, whether each saved model answers through the loader (as on
Pictionary), and the server's memory before and after.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks.harness import (
    ROOT,
    MemoryPeak,
    build_replicas,
    memory_mb,
    p50,
    p95,
    print_report,
    use_mode,
)


def bitmaps(categories: int, per_class: int) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """`categories` × `per_class` 28 × 28 bitmaps built from the shared real drawings."""
    from tests.support.environment import SHARED

    folder = SHARED / "data" / "quickdraw" / "numpy_bitmap"
    real = {path.stem: np.load(path).reshape(-1, 28, 28) for path in sorted(folder.glob("*.npy"))}
    words, images, labels = [], [], []
    for index in range(categories):
        base = list(real)[index % len(real)]
        rows = real[base]
        variant = np.roll(rows[:, :, ::-1] if index // len(real) % 2 else rows, index // 2, 2)
        take = np.resize(np.arange(len(variant)), per_class)
        words.append(f"{base}-{index}")
        images.append(variant[take])
        labels.append(np.full(per_class, index))
    return tuple(words), np.concatenate(images), np.concatenate(labels)


def classify_now(cache, ref, photos, index: int) -> float:
    from core.tasks.classification import classify

    started = time.perf_counter()
    classify(cache.get(ref), photos[index % len(photos)])
    return time.perf_counter() - started


def child(mode: str, trainings: int, per_class: int, epochs: int, folder: Path) -> dict:
    from core.config import settings
    from core.garbage_collection import give_back_freed_memory
    from core.models.loader import ModelCache
    from core.models.model_ref import ModelRef
    from core.models.registry import DEFAULT_MODELS, MODELS
    from core.quickdraw.formats import read_ndjson
    from core.quickdraw.pictionary import DATASET_STYLE, guess
    from core.quickdraw.saved_models import save_model
    from core.quickdraw.training import TrainingConfig, train
    from core.quickdraw.training_queue import TrainingQueue
    from core.tasks.image_input import SAMPLE_PHOTOS, sample_photo
    from tests.support.environment import SHARED

    use_mode("now")
    cache = ModelCache(settings().memory_budget_mb * 2**20)
    for model_id in DEFAULT_MODELS.values():
        spec = MODELS[model_id]
        cache.get(ModelRef(model_id, spec.task, spec.revision))
    vit = ModelRef(DEFAULT_MODELS["image-classification"], "image-classification")
    photos = [sample_photo(s.id).image.rotate(r) for s in SAMPLE_PHOTOS for r in (0, 90)]
    idle = [classify_now(cache, vit, photos, i) for i in range(12)]
    words, images, labels = bitmaps(20, per_class)
    config = TrainingConfig(words, per_class, epochs)
    gc.collect()
    give_back_freed_memory()
    before = memory_mb()
    meanwhile: list[float] = []
    done = threading.Event()

    def keep_classifying() -> None:
        index = 0
        while not done.is_set():
            meanwhile.append(classify_now(cache, vit, photos, index))
            index += 1
            done.wait(0.3)

    results = []
    started = time.perf_counter()
    with MemoryPeak() as peak:
        watcher = threading.Thread(target=keep_classifying)
        watcher.start()
        if mode == "now":
            queue = TrainingQueue(
                settings().training_budget_mb * 2**20, settings().training_max_running
            )
            jobs = [
                queue.submit(TrainingConfig(words, per_class, epochs, seed=i), images, labels)
                for i in range(trainings)
            ]
            waited = []
            while any(queue.view(j).state in ("queued", "running") for j in jobs):
                waited.append(queue.queued())
                time.sleep(0.2)
            views = [queue.view(j) for j in jobs]
            results = [v.result for v in views if v.state == "done"]
            failures = [v.error for v in views if v.state != "done"]
        else:
            threads = [
                threading.Thread(
                    target=lambda i=i: results.append(train(config, images, labels)), daemon=True
                )
                for i in range(trainings)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            failures, waited = [], [0]
        seconds = time.perf_counter() - started
        done.set()
        watcher.join()
    answering = 0
    models_dir = Path(os.environ["VTL_MODELS_DIR"])
    drawing = read_ndjson((SHARED / "data/quickdraw/raw/cat.ndjson").read_bytes().splitlines())
    for number, result in enumerate(results):
        save_model(result, models_dir, f"{mode}-{number}")
        ref = ModelRef(f"trained/{mode}-{number}", "image-classification")
        answering += bool(guess(cache.get(ref), drawing[0][0].strokes, DATASET_STYLE).predictions)
    results.clear()
    gc.collect()
    give_back_freed_memory()
    time.sleep(2)
    return {
        "mode": mode,
        "trainings": trainings,
        "finished": trainings - len(failures),
        "failures": failures,
        "most_waiting": max(waited),
        "seconds_until_all_done": round(seconds, 1),
        "saved_models_answering": answering,
        "classification_idle": {"p50_s": p50(idle), "p95_s": p95(idle)},
        "classification_meanwhile": {"p50_s": p50(meanwhile), "p95_s": p95(meanwhile)},
        "p95_meanwhile_over_idle": round(p95(meanwhile) / p95(idle), 2),
        "memory_before": before,
        "memory_peak": peak.peak,
        "memory_after": memory_mb(),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainings", type=int, default=6)
    parser.add_argument("--per-class", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--modes", nargs="*", default=["now", "today"])
    parser.add_argument("--child", default="")
    args = parser.parse_args()
    if args.child:
        report = child(args.child, args.trainings, args.per_class, args.epochs, Path("."))
        print(json.dumps(report), flush=True)
        # torch's own threads (autograd, the models') can abort the interpreter's shutdown
        # ("terminate called without an active exception"): the report is out, leave now.
        os._exit(0)
    from core.models.registry import DEFAULT_MODELS

    work = Path(tempfile.mkdtemp(prefix="vtl-trainings-"))
    build_replicas(DEFAULT_MODELS.values(), work / "models")
    env = {**os.environ, "VTL_LOCAL_MODELS": str(work / "models")}
    reports = []
    for mode in args.modes:
        env["VTL_MODELS_DIR"] = str(work / f"trained-{mode}")
        command = [sys.executable, "-m", "benchmarks.classroom_trainings", "--child", mode,
                   "--trainings", str(args.trainings), "--per-class", str(args.per_class),
                   "--epochs", str(args.epochs)]  # fmt: skip
        output = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if output.returncode != 0:
            reports.append({"mode": mode, "error": output.stderr[-2000:]})
        else:
            reports.append(json.loads(output.stdout.strip().splitlines()[-1]))
        print(json.dumps(reports[-1]), file=sys.stderr, flush=True)
    print_report(reports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
