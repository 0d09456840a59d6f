"""What the zero-shot page's step by step costs: `classify_zero_shot` with and without it, on a
full-size random-weight CLIP ViT-B/32 (transformers' `CLIPConfig` defaults are that model's
sizes; no replica of its configuration is in ../shared/hub-replicas), loaded through the app's
loader with its precision chosen as the app chooses it; interleaved, medians.

    python -m benchmarks.zero_shot_steps [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import print_report

MODEL = "openai/clip-vit-base-patch32"
CLASSES = ("dog", "cat", "rocket", "coffee cup")
TEMPLATE = "a photo of a {}."


def build_clip(root: Path) -> Path:
    """A random-weight CLIP ViT-B/32 with the tiny models' CLIP tokenizer (the text encoder's
    size does not depend on the vocabulary's contents, only its 49,408 entries' embeddings)."""
    import torch
    import transformers as T

    from tests.support.models import _clip_tokenizer

    torch.manual_seed(0)
    tokenizer, _ = _clip_tokenizer()
    folder = root / MODEL.replace("/", "--")
    T.CLIPModel(T.CLIPConfig()).eval().save_pretrained(folder)
    T.CLIPProcessor(image_processor=T.CLIPImageProcessor(), tokenizer=tokenizer).save_pretrained(
        folder
    )
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        os.environ["VTL_LOCAL_MODELS"] = str(build_clip(Path(work)))
        os.environ["VTL_POLICY_CACHE"] = ""
        from core.models.loader import ModelCache
        from core.models.model_ref import ModelRef
        from core.tasks.image_input import sample_photo
        from core.tasks.zero_shot import classify_zero_shot

        model = ModelCache(4 * 10**9).get(ModelRef(MODEL, "zero-shot-image-classification"))
        image = sample_photo("rocket").image
        for _ in range(2):  # one-off costs, untimed
            classify_zero_shot(model, image, CLASSES, TEMPLATE)
        seconds: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.rounds):
            for steps in (False, True):
                started = time.perf_counter()
                classify_zero_shot(model, image, CLASSES, TEMPLATE, steps=steps)
                seconds[steps].append(time.perf_counter() - started)
        print_report(
            {
                "precision": model.policy.precision.precision,
                "precision_reason": model.policy.precision.reason,
                "pipeline_only_ms": round(statistics.median(seconds[False]) * 1000),
                "with_steps_ms": round(statistics.median(seconds[True]) * 1000),
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
