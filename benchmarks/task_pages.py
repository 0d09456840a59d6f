"""Each task page's default model, full size: end-to-end time through `core` against the bare
forward pass on a 12-megapixel JPEG (interleaved: forward, core, forward, core…), the time of
a rerun that only moves a slider, and memory.

    python -m benchmarks.task_pages [--repeats 5]

Models are built from ../shared/hub-replicas with random weights (same compute as the real
ones). "forward" is `model(**inputs)` on inputs prepared beforehand; "core" is what a page does
with uploaded bytes: `read_image` then the task's function (`classify`, `detect`,
`estimate_depth`, `segment`). The slider reruns are AppTest runs of each page after a
display-only change, with the model's call count checked.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import (
    build_replicas,
    interleaved_medians,
    p50,
    print_report,
    twelve_megapixel_jpeg,
)
from core.diagnostics import resident_mb

# Per task: the run function's options, and a display-only widget of its page to move.
PAGE_CHANGES = {
    "image-classification": ((), ("cls_top_k", 3)),
    "object-detection": ((), ("det_threshold", 0.7)),
    "depth-estimation": ((), ("dep_colours", "Magma")),
    "image-segmentation": (("semantic",), ("seg_opacity", 0.3)),
}


def slider_rerun_ms(page: str, widget: tuple[str, object], jpeg: bytes) -> tuple[float, int]:
    """Median time of a page rerun after a display-only change, and model calls it made."""
    from benchmarks.harness import app_page
    from core.ui.shared import shared_models

    at = app_page(page, 600)
    at.run()
    at.radio(key=at.radio[0].key).set_value("upload").run()
    at.file_uploader[0].set_value(("photo.jpg", jpeg, "image/jpeg"))
    at.run()
    key, value = widget
    calls_before = sum(e.calls for e in shared_models().loaded())
    times = []
    for index in range(6):
        element = at.get_by_key(key) if hasattr(at, "get_by_key") else None
        target = element if element is not None else at.slider(key=key)
        target.set_value(value if index % 2 == 0 else target.value)
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    assert not at.exception, at.exception
    calls = sum(e.calls for e in shared_models().loaded()) - calls_before
    return p50(times) * 1000, calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import torch

    from core.models.loader import ModelCache
    from core.models.model_ref import ModelRef
    from core.models.registry import DEFAULT_MODELS, MODELS, TASKS
    from core.tasks.image_input import read_image

    work = Path(tempfile.mkdtemp(prefix="vtl-bench-"))
    os.environ["VTL_LOCAL_MODELS"] = str(work / "models")
    jpeg_path = work / "photo.jpg"
    jpeg = twelve_megapixel_jpeg(jpeg_path)
    cache = ModelCache(10**11)
    report = {"image": "4000x3000 JPEG", "torch_threads": torch.get_num_threads(), "tasks": {}}
    rss_start = resident_mb()
    for task, (options, widget) in PAGE_CHANGES.items():
        spec, compute, page = MODELS[DEFAULT_MODELS[task]], TASKS[task].run, TASKS[task].page
        build_replicas([spec.id], work / "models")
        model = cache.get(ModelRef(spec.id, task, spec.revision))
        side = TASKS[task].input_side  # as the page decodes an upload
        inputs = model.pipe.image_processor(
            read_image(jpeg, draft_side=side).image, return_tensors="pt"
        )

        def forward(model=model, inputs=inputs):
            with torch.inference_mode():
                model.pipe.model(**inputs)

        medians = interleaved_medians(
            {
                "forward": forward,
                "core": lambda model=model, compute=compute, options=options, side=side: compute(
                    model, read_image(jpeg, draft_side=side).image, *options
                ),
            },
            args.repeats,
        )
        forward_s, core_s = medians["forward"], medians["core"]
        rerun_ms, calls = slider_rerun_ms(page, widget, jpeg)
        report["tasks"][task] = {
            "model": spec.id,
            "forward_s": round(forward_s, 3),
            "core_end_to_end_s": round(core_s, 3),
            "core_over_forward": round(core_s / forward_s, 3),
            "slider_rerun_ms": round(rerun_ms, 1),
            "model_calls_on_slider_reruns": calls,
        }
    report["rss_before_models_mb"] = round(rss_start)
    report["rss_with_all_four_defaults_mb"] = round(resident_mb())
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    report["budget_mb"] = 2700
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
