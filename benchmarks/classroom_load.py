"""A class at once on every task page: 20 sessions on the same photo, and 20 on their own photos,
today's behaviour against now's, interleaved in one process.

    python -m benchmarks.classroom_load [--sessions 20] [--rounds 2] [--tasks ...]

Full-size random-weight replicas (../shared/hub-replicas) of each page's default model and
Pictionary's BEiT, loaded twice through the app's `ModelCache`: once as before this work
(`today`: float32, one image per forward pass, one computation per session) and once with
today's defaults (`now`: `VTL_PRECISION=auto`, batching, single-flight). Each session goes the
app's way: the shared `ResultCache` keyed by (model, image, options), then the model's thread.
For every task and mode: p50/p95 seconds, how many model calls the class cost, and one session
alone; rounds alternate today, now, today, now… and the medians are reported. Then how far the
`now` answers are from float32's on the same photos (random weights: classification scores are
near-uniform, so a flipped top class there says little; real weights are tested in
tests/test_precision.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import (
    at_once,
    build_replicas,
    median,
    memory_mb,
    p50,
    p95,
    print_report,
    use_mode,
)

BEIT = "kmewhort/beit-sketch-classifier"


def tasks() -> dict[str, dict]:
    """Per task: the model, the computation a page runs, and its options."""
    from core.models.registry import DEFAULT_MODELS
    from core.tasks.classification import classify
    from core.tasks.depth import estimate_depth
    from core.tasks.detection import detect
    from core.tasks.segmentation import segment

    return {
        "classification": {"model": DEFAULT_MODELS["image-classification"], "run": classify},
        "detection": {"model": DEFAULT_MODELS["object-detection"], "run": detect},
        "depth": {"model": DEFAULT_MODELS["depth-estimation"], "run": estimate_depth},
        "segmentation": {
            "model": DEFAULT_MODELS["image-segmentation"],
            "run": lambda model, image: segment(model, image, "semantic"),
        },
        "pictionary": {"model": BEIT, "run": classify},
    }


def inputs(task: str, sessions: int) -> list:
    """`sessions` different inputs: photos (the samples, turned and cropped) or drawings."""
    from core.quickdraw.formats import read_ndjson
    from core.quickdraw.pictionary import DoodleStyle, model_sees
    from core.tasks.image_input import SAMPLE_PHOTOS, sample_photo
    from tests.support.environment import SHARED

    if task == "pictionary":
        drawings = [
            drawing
            for path in sorted((SHARED / "data/quickdraw/raw").glob("*.ndjson"))
            for drawing in read_ndjson(path.read_bytes().splitlines())[0]
        ]
        style = DoodleStyle("black", 224)
        return [model_sees(drawings[i % len(drawings)].strokes, style) for i in range(sessions)]
    photos = [sample_photo(s.id).image for s in SAMPLE_PHOTOS]
    own = []
    for index in range(sessions):
        photo = photos[index % len(photos)]
        cut = index // len(photos) * 8
        own.append(photo.crop((cut, cut, photo.width - cut, photo.height - cut)))
    return own


def class_at_once(cache, results_cls, spec, images, single_flight: bool) -> dict:
    """Every session asks at once; returns times and the model calls the class cost."""
    from core.models.model_ref import ModelRef
    from core.tasks.image_input import image_digest

    ref = ModelRef(spec["model"], spec["task"], spec["revision"])
    model = cache.get(ref)
    results = results_cls(300 * 2**20, single_flight=single_flight)
    digests = [image_digest(image.tobytes()) for image in images]
    before = model.calls

    def ask(index: int):
        key = ("result", ref, digests[index], "bench")
        return results.get_or_compute(key, lambda: spec["run"](cache.get(ref), images[index]))

    times = at_once(len(images), ask)
    return {"p50_s": p50(times), "p95_s": p95(times), "calls": model.calls - before}


def agreement(task: str, reference, lower) -> dict:
    from core.tasks import result_agreement as agree

    if task in {"classification", "pictionary"}:
        return agree.classification_agreement(reference, lower)
    if task == "detection":
        return agree.detection_agreement(reference, lower, 0.5)
    if task == "depth":
        return agree.depth_agreement(reference, lower)
    return agree.segmentation_agreement(reference, lower)


def lower_agreement(chosen: dict, count: int, lower: str) -> int:
    """A lower precision (`bf16` or `int8`) forced against float32 on each model, on `count`
    inputs: what a student would see differ (worst case over the inputs)."""
    from core.models.loader import ModelCache
    from core.models.model_ref import ModelRef

    report = {}
    for name, spec in chosen.items():
        ref = ModelRef(spec["model"], spec["task"], spec["revision"])
        loaded = {}
        for precision in ("fp32", lower):
            os.environ["VTL_PRECISION"] = precision
            loaded[precision] = ModelCache(10**11).get(ref)
        worst: dict = {}
        for image in inputs(name, count):
            compared = agreement(
                name, spec["run"](loaded["fp32"], image), spec["run"](loaded[lower], image)
            )
            for key, value in compared.items():
                worse = max if key == "max_score_gap" else min
                worst[key] = worse(worst.get(key, value), value)
        report[name] = worst
        print(json.dumps({name: worst}), file=sys.stderr, flush=True)
    print_report({f"{lower}_against_fp32_worst": report})
    os._exit(0)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tasks", nargs="*", default=list(tasks()))
    parser.add_argument(
        "--agreement-only",
        nargs="?",
        const="bf16",
        choices=("bf16", "int8"),
        help="only compare bfloat16 (or int8 weights) with float32 on each model (no timing)",
    )
    args = parser.parse_args()

    from core.models.loader import ModelCache
    from core.models.model_ref import ModelRef
    from core.models.registry import MODELS
    from core.result_cache import ResultCache

    chosen = {name: spec for name, spec in tasks().items() if name in args.tasks}
    work = Path(tempfile.mkdtemp(prefix="vtl-classroom-"))
    build_replicas({spec["model"] for spec in chosen.values()}, work)
    os.environ["VTL_LOCAL_MODELS"] = str(work)
    for spec in chosen.values():
        spec["task"], spec["revision"] = MODELS[spec["model"]].task, MODELS[spec["model"]].revision
    if args.agreement_only:
        return lower_agreement(chosen, args.sessions, args.agreement_only)
    caches = {mode: ModelCache(10**11) for mode in ("today", "now")}
    report: dict = {"memory_after_loading": None, "tasks": {}}
    for name, spec in chosen.items():
        ref = ModelRef(spec["model"], spec["task"], spec["revision"])
        loaded = {}
        for mode in caches:  # precision and batching are chosen on load, from the settings
            use_mode(mode)
            loaded[mode] = caches[mode].get(ref)
        own = inputs(name, args.sessions)
        same = [own[0]] * args.sessions
        runs: dict[str, list[dict]] = {}
        for _ in range(args.rounds):  # interleaved: today, now, today, now…
            for mode in ("today", "now"):
                single_flight = mode == "now"
                for scenario, images in (("alone", own[:1]), ("same", same), ("own", own)):
                    runs.setdefault(f"{mode}/{scenario}", []).append(
                        class_at_once(caches[mode], ResultCache, spec, images, single_flight)
                    )
        figures = {
            key: {
                "p50_s": round(median(r["p50_s"] for r in rounds), 3),
                "p95_s": round(median(r["p95_s"] for r in rounds), 3),
                "calls": max(r["calls"] for r in rounds),
            }
            for key, rounds in runs.items()
        }
        now_model = loaded["now"]
        figures["policy_now"] = {
            "precision": now_model.policy.precision.precision,
            "why": now_model.policy.precision.reason,
            "fp32_ms": now_model.policy.precision.fp32_ms,
            "bf16_ms": now_model.policy.precision.bf16_ms,
            "max_batch": now_model.policy.batch.max_batch,
            "batches_seen": sorted(set(now_model.batches)),
        }
        for scenario in ("same", "own"):
            today_p95 = figures[f"today/{scenario}"]["p95_s"]
            figures[f"{scenario}_p95_now_over_today"] = round(
                figures[f"now/{scenario}"]["p95_s"] / today_p95, 3
            )
        figures["same_p95_now_over_alone"] = round(
            figures["now/same"]["p95_s"] / figures["now/alone"]["p95_s"], 3
        )
        worst: dict = {}
        for image in own[:5]:
            compared = agreement(
                name, spec["run"](loaded["today"], image), spec["run"](loaded["now"], image)
            )
            for key, value in compared.items():
                worse = min if isinstance(value, bool) or key != "max_score_gap" else max
                worst[key] = worse(worst.get(key, value), value)
        figures["now_against_fp32_worst_of_5"] = worst
        report["tasks"][name] = figures
        print(json.dumps({name: figures}), file=sys.stderr, flush=True)
    report["memory_after_loading"] = memory_mb()
    print_report(report)
    os._exit(0)  # torch's threads can abort the interpreter's shutdown; the report is out


if __name__ == "__main__":
    sys.exit(main())
