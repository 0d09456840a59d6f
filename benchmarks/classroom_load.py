"""Time to answer when 1, 5 or 20 sessions ask the shared ViT-Base at the same moment.

    python -m benchmarks.classroom_load

Full-size random-weight ViT-Base (../shared/hub-replicas) in the app's shared `ModelCache`;
each session classifies a different photo (no cached results), all starting together. Reports
p50/p95 seconds per concurrency, p95 at 20 against 20× one session alone (no worse than
queuing), how many copies of the model were built, resident memory after each round, and the
process's peak.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.diagnostics import resident_mb  # noqa: E402

MODEL = "google/vit-base-patch16-224"


def main() -> int:
    from core.classification import classify
    from core.image_input import sample_photo
    from core.model_loader import ModelCache
    from core.model_ref import ModelRef
    from core.registry import SAMPLE_PHOTOS
    from tests.model_factory import build_replica

    work = Path(tempfile.mkdtemp(prefix="vtl-load-"))
    build_replica(MODEL, work)
    os.environ["VTL_LOCAL_MODELS"] = str(work)
    cache = ModelCache(10**10)
    ref = ModelRef(MODEL, "image-classification")
    photos = [sample_photo(s.id).image for s in SAMPLE_PHOTOS]
    classify(cache.get(ref), photos[0])  # loaded and warm, as after the first student

    report: dict = {}
    for sessions in (1, 5, 20):
        barrier = threading.Barrier(sessions)

        def session(index: int, barrier=barrier) -> float:
            barrier.wait()
            started = time.perf_counter()
            classify(cache.get(ref), photos[index % len(photos)])
            return time.perf_counter() - started

        with ThreadPoolExecutor(max_workers=sessions) as pool:
            times = sorted(pool.map(session, range(sessions)))
        report[f"{sessions}_sessions"] = {
            "p50_s": round(statistics.median(times), 3),
            "p95_s": round(times[int(0.95 * (len(times) - 1))], 3),
            "rss_mb": round(resident_mb()),
        }
    single = report["1_sessions"]["p95_s"]
    report["p95_20_over_20x_single"] = round(report["20_sessions"]["p95_s"] / (20 * single), 3)
    report["model_copies"] = len(cache.loaded())
    report["process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
