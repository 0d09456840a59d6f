"""30 students, one after another, each upload their own 49-megapixel photo to classification,
detection and depth: does the server's memory stay bounded, and come back?

    python -m benchmarks.classroom_uploads [--sessions 30] [--megapixels 49]

Each upload is a different 7000 × 7000 PNG (a smooth picture with the session's own mark, so
each has its own content and cache key, about 147 MB decoded). Each goes the app's way:
`read_image` (decoded once per content, in the shared byte-bounded cache, reduced to what the
task's models need), then the page's computation through the shared result cache and the
full-size default models. Resident memory is sampled every 0.1 s throughout; reported: before
the first upload, the peak, and at the end, with what the shared cache holds.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.harness import MemoryPeak, build_replicas, memory_mb, print_report, use_mode


def upload(session: int, side: int) -> bytes:
    """A smooth side × side PNG with the session's own mark (compresses to a few MB)."""
    ramp = np.linspace(0, 255, side, dtype=np.float32)
    pixels = np.empty((side, side, 3), np.uint8)
    pixels[..., 0] = ramp[None, :]
    pixels[..., 1] = ramp[:, None]
    pixels[..., 2] = (session * 37) % 256
    pixels[session * 50 : session * 50 + 400, 1000:1400] = 255
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--megapixels", type=float, default=49)
    args = parser.parse_args()

    from core.config import settings
    from core.garbage_collection import give_back_freed_memory
    from core.models.loader import ModelCache
    from core.models.model_ref import ModelRef
    from core.models.registry import DEFAULT_MODELS, MODELS, TASKS
    from core.result_cache import ResultCache
    from core.tasks.classification import classify
    from core.tasks.depth import estimate_depth
    from core.tasks.detection import detect
    from core.tasks.image_input import image_digest, read_image

    pages = {"image-classification": classify, "object-detection": detect,
             "depth-estimation": estimate_depth}  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="vtl-uploads-"))
    build_replicas([DEFAULT_MODELS[task] for task in pages], work)
    os.environ["VTL_LOCAL_MODELS"] = str(work)
    use_mode("now")
    config = settings()
    models = ModelCache(config.memory_budget_mb * 2**20)
    refs = {}
    for task in pages:
        spec = MODELS[DEFAULT_MODELS[task]]
        refs[task] = ModelRef(spec.id, task, spec.revision)
        models.get(refs[task])
    shared = ResultCache(config.cache_budget_mb * 2**20)
    side = int((args.megapixels * 1e6) ** 0.5)
    os.environ["VTL_MAX_IMAGE_PIXELS"] = str(side * side + 1)
    files = [upload(session, side) for session in range(args.sessions)]
    gc.collect()
    give_back_freed_memory()
    before = memory_mb()
    with MemoryPeak() as peak:
        for session, data in enumerate(files):
            for task in pages:
                draft = TASKS[task].input_side
                key = ("image", image_digest(data), "upload", f"{session}.png", draft)
                image = shared.get_or_compute(
                    key, lambda d=data, s=draft: read_image(d, name="photo.png", draft_side=s)
                )
                result_key = ("result", refs[task], image.digest, task)
                shared.get_or_compute(
                    result_key, lambda t=task, i=image: pages[t](models.get(refs[t]), i.image)
                )
    files.clear()
    gc.collect()
    give_back_freed_memory()
    report = {
        "sessions": args.sessions,
        "upload_pixels": side * side,
        "upload_mb": round(len(upload(0, side)) / 2**20, 1),
        "memory_before": before,
        "memory_peak": peak.peak,
        "memory_after": memory_mb(),
        "shared_cache_mb": round(shared.used_bytes / 2**20, 1),
        "cache_budget_mb": config.cache_budget_mb,
    }
    print_report(report)
    os._exit(0)  # torch's threads can abort the interpreter's shutdown; the report is out


if __name__ == "__main__":
    sys.exit(main())
