"""End-to-end image classification on a 12-megapixel JPEG, against the model's bare forward pass.

    python -m benchmarks.classification_e2e [--repeats 10]

Builds a full-size ViT-Base (google/vit-base-patch16-224's configuration from
../shared/hub-replicas, random weights: the same compute as the trained model) and times, in the
same run and on the same image:

- forward: `model(pixel_values)` alone, on inputs prepared beforehand;
- core: what the app does with uploaded bytes, `read_image` then `classify`, with the model
  loaded as today's defaults load it (`now`: its thread may batch calls, precision measured) and
  as before (`today`: `VTL_BATCH_MAX=1 VTL_PRECISION=fp32`);
- naive: `pipeline(Image.open(path))`.

All interleaved in one loop (forward, now, today, naive, decode, forward…), medians reported.

Then it opens the classification page in AppTest with that model, uploads the JPEG, reruns the
page with unchanged inputs and with a display-only change (top-k), and counts model calls.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import (
    build_replicas,
    interleaved_medians,
    print_report,
    twelve_megapixel_jpeg,
    use_mode,
)

MODEL_ID = "google/vit-base-patch16-224"


def count_calls_on_rerun(jpeg: bytes) -> dict[str, int]:
    from benchmarks.harness import app_page
    from core.ui.shared import shared_models

    def calls() -> int:
        return sum(entry.calls for entry in shared_models().loaded())

    at = app_page("app_pages/Image_Classification.py", 300)
    at.run()
    at.radio(key="cls_source").set_value("upload").run()
    before = calls()
    at.file_uploader(key="cls_upload").set_value(("photo.jpg", jpeg, "image/jpeg"))
    at.run()
    first = calls() - before
    at.run()
    at.run()
    at.slider(key="cls_top_k").set_value(3).run()  # display only
    assert not at.exception, at.exception
    return {
        "model_calls_for_the_upload": first,
        "model_calls_on_3_reruns": calls() - before - first,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    import torch
    from PIL import Image

    from core.models.loader import ModelCache
    from core.models.model_ref import ModelRef
    from core.models.registry import TASKS
    from core.tasks.classification import classify
    from core.tasks.image_input import read_image

    work = Path(tempfile.mkdtemp(prefix="vtl-bench-"))
    build_replicas([MODEL_ID], work / "models")
    os.environ["VTL_LOCAL_MODELS"] = str(work / "models")
    jpeg_path = work / "photo.jpg"
    jpeg = twelve_megapixel_jpeg(jpeg_path)

    ref = ModelRef(MODEL_ID, "image-classification")
    use_mode("today")
    today = ModelCache(10**10).get(ref)
    use_mode("now")
    model = ModelCache(10**10).get(ref)
    pipe = model.pipe
    side = TASKS["image-classification"].input_side  # as the page decodes an upload

    def decode():
        return read_image(jpeg, draft_side=side)

    inputs = pipe.image_processor(decode().image, return_tensors="pt")

    def forward():
        with torch.inference_mode():
            pipe.model(**inputs)

    medians = interleaved_medians(
        {
            "forward": forward,
            "now": lambda: classify(model, decode().image),
            "today": lambda: classify(today, decode().image),
            "naive": lambda: pipe(Image.open(jpeg_path)),
            "decode": decode,
        },
        args.repeats,
    )
    forward_s, core_s, naive_s = medians["forward"], medians["now"], medians["naive"]
    decode_s = medians["decode"]
    calls = count_calls_on_rerun(jpeg)

    report = {
        "image": "4000x3000 JPEG, %.1f MB" % (len(jpeg) / 2**20),
        "torch_threads": torch.get_num_threads(),
        "forward_s": round(forward_s, 4),
        "core_read_image_s": round(decode_s, 4),
        "core_end_to_end_s": round(core_s, 4),
        "naive_pipeline_s": round(naive_s, 4),
        "core_over_forward": round(core_s / forward_s, 3),
        "core_today_over_forward": round(medians["today"] / forward_s, 3),
        "policy_now": {
            "precision": model.policy.precision.reason,
            "batch": model.policy.batch.reason,
        },  # fmt: skip
        "naive_over_forward": round(naive_s / forward_s, 3),
        **calls,
    }
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
