"""A soak: 300 reruns cycling through every page with the default models; does memory grow?

    python -m benchmarks.soak [--reruns 300] [--warmup 90]

Every page has its own AppTest session (a student who keeps the tab open) and each rerun
changes what a student would: the sample photo on the task pages, the drawing on the canvas in
Pictionary, the drawing picked in the explorer. The models are the pages' defaults at full size
(random weights from ../shared/hub-replicas, same memory and compute as the real ones), read
through the production loader within `VTL_MEMORY_BUDGET_MB`; the Quick, Draw! files come from
the shared samples served like Google's bucket. Reports resident memory after the warm-up (every
page has run every input twice) and at the end, the growth between them, the peak, and what the
models use against the budget.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import ROOT, build_replicas, print_report
from core.diagnostics import resident_mb  # noqa: E402

PICTIONARY_MODELS = (
    "kmewhort/beit-sketch-classifier",
    "omarques/autotrain-dogs-and-cats-1527055142",
)
WORDS = ("cat", "bicycle", "fish", "The Eiffel Tower", "apple")


def prepare(work: Path) -> None:
    """Full-size default models, the bucket, and the app's folders, as settings."""
    from core.models.registry import DEFAULT_MODELS
    from tests.support.environment import SHARED
    from tests.support.range_server import RangeServer, bucket_from

    build_replicas([*DEFAULT_MODELS.values(), *PICTIONARY_MODELS], work / "models")
    bucket = bucket_from(SHARED / "data" / "quickdraw", work / "bucket", ("raw", "simplified"))
    server = RangeServer(bucket).__enter__()  # serves until the process ends
    os.environ.update(
        VTL_LOCAL_MODELS=str(work / "models"),
        VTL_QUICKDRAW_URL=server.url,
        VTL_QUICKDRAW_CACHE=str(work / "quickdraw-cache"),
        VTL_MODELS_DIR=str(work / "trained"),
    )


def drawings() -> list[dict]:
    """Real drawings as the canvas returns them."""
    from core.quickdraw.formats import read_ndjson
    from tests.support.drawings import as_canvas
    from tests.support.environment import SHARED

    found = []
    for word in WORDS:
        path = SHARED / "data" / "quickdraw" / "raw" / f"{word}.ndjson"
        found += [as_canvas(d) for d in read_ndjson(path.read_bytes().splitlines())[0]]
    return found


def change_input(at, page: str, turn: int, canvases: list[dict]) -> None:
    """What a student changes before this rerun (`turn`: how many times the page ran)."""
    from core.tasks.image_input import SAMPLE_PHOTOS

    prefix = {"1_": "cls", "2_": "det", "3_": "dep", "4_": "seg"}.get(page[:2])
    if prefix and turn:
        sample = SAMPLE_PHOTOS[turn % len(SAMPLE_PHOTOS)].id
        at.radio(key=f"{prefix}_sample").set_value(sample)
    elif page.startswith("5_") and turn:
        at.number_input(key="qd_pick").set_value(1 + turn % 10)
    elif page.startswith("7_"):
        canvas = canvases[turn % len(canvases)]
        at.session_state["pic_canvas"] = {"drawing": {"raw": canvas, "data": None}}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reruns", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=90)
    args = parser.parse_args()

    from benchmarks.harness import app_page
    from core.ui.shared import shared_models

    canvases = drawings()  # first: importing the tests' helpers resets the model seam
    prepare(Path(tempfile.mkdtemp(prefix="vtl-soak-")))
    pages = ["Home.py", *sorted(p.name for p in (ROOT / "app_pages").glob("*.py"))]
    sessions = {}
    for page in pages:
        sessions[page] = app_page(page if page == "Home.py" else f"app_pages/{page}", 600)
    turns = dict.fromkeys(pages, 0)
    errors: list[str] = []
    samples: list[tuple[int, float]] = []
    started = time.perf_counter()
    for rerun in range(args.reruns):
        page = pages[rerun % len(pages)]
        at = sessions[page]
        change_input(at, page, turns[page], canvases)
        at.run()
        turns[page] += 1
        errors += [f"{page}: {e.value}" for e in [*at.exception, *at.error]]
        samples.append((rerun, resident_mb()))
    seconds = time.perf_counter() - started
    from core.garbage_collection import give_back_freed_memory

    trim = time.perf_counter()
    for _ in range(20):
        give_back_freed_memory()
    trim_ms = (time.perf_counter() - trim) / 20 * 1000
    after_warmup = samples[args.warmup - 1][1]
    models = shared_models()
    report = {
        "reruns": args.reruns,
        "app_pages": len(pages),
        "seconds": round(seconds, 1),
        "exceptions": errors[:5],
        "rss_after_warmup_mb": round(after_warmup),
        "rss_end_mb": round(samples[-1][1]),
        "growth_after_warmup_mb": round(samples[-1][1] - after_warmup, 1),
        "rss_peak_mb": round(max(mb for _, mb in samples)),
        "models_in_memory": [entry.ref.id for entry in models.loaded()],
        "models_mb": round(models.used_bytes / 2**20),
        "budget_mb": round(models.budget_bytes / 2**20),
        "give_back_ms": round(trim_ms, 2),
        "rss_every_30": [round(mb) for rerun, mb in samples if rerun % 30 == 29],
    }
    print_report(report)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
