"""bfloat16 where it is faster, and only where a student would see the same answer.

Agreement is checked on a model with real weights (a doodle classifier trained here) and on
tiny random models of each task; full-size replicas are compared in
benchmarks/classroom_load.py."""

from __future__ import annotations

import pytest
from PIL import Image

from core.models import precision
from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.tasks.classification import classify
from core.tasks.depth import estimate_depth
from core.tasks.detection import detect
from core.tasks.image_input import sample_photo
from core.tasks.result_agreement import (
    classification_agreement,
    depth_agreement,
    detection_agreement,
    segmentation_agreement,
)
from core.tasks.segmentation import segment
from tests.support.environment import SHARED, need_shared

WORDS = ("apple", "cat", "fish")


def _both(ref: ModelRef, monkeypatch):
    models = {}
    for setting in ("fp32", "bf16"):
        monkeypatch.setenv("VTL_PRECISION", setting)
        models[setting] = ModelCache(10**9).get(ref)
        assert models[setting].policy.precision.precision == setting
    return models["fp32"], models["bf16"]


@pytest.fixture(scope="module")
def doodle_models(tmp_path_factory):
    """A doodle classifier with real weights, trained on real drawings in a few seconds."""
    need_shared()
    from core.quickdraw.saved_models import save_model
    from core.quickdraw.training import TrainingConfig, load_bitmaps, local_fetch, train

    folder = tmp_path_factory.mktemp("models")
    bitmaps = SHARED / "data" / "quickdraw" / "numpy_bitmap"
    images, labels = load_bitmaps(WORDS, 300, local_fetch(bitmaps))
    save_model(train(TrainingConfig(WORDS, 300, 2), images, labels), folder, "real")
    return folder


def test_a_trained_classifier_says_the_same_in_bfloat16(doodle_models, monkeypatch):
    from core.quickdraw.formats import read_ndjson, to_bitmap

    monkeypatch.setenv("VTL_MODELS_DIR", str(doodle_models))
    fp32, bf16 = _both(ModelRef("trained/real", "image-classification"), monkeypatch)
    compared = 0
    for word in WORDS:
        lines = (SHARED / f"data/quickdraw/raw/{word}.ndjson").read_bytes().splitlines()
        for drawing in read_ndjson(lines)[0]:
            image = Image.fromarray(to_bitmap(drawing.strokes)).convert("RGB")
            agreement = classification_agreement(classify(fp32, image), classify(bf16, image))
            assert agreement["same_top1"] and agreement["max_score_gap"] <= 0.02
            compared += 1
    assert compared >= 30


def test_tiny_models_of_each_task_agree(local_models, monkeypatch):
    photo = sample_photo("astronaut").image
    fp32, bf16 = _both(ModelRef("depth-anything/Depth-Anything-V2-Small-hf",
                                "depth-estimation"), monkeypatch)  # fmt: skip
    assert (
        depth_agreement(estimate_depth(fp32, photo), estimate_depth(bf16, photo))["correlation"]
        >= 0.99
    )
    fp32, bf16 = _both(ModelRef("facebook/detr-resnet-50", "object-detection", "no_timm"),
                       monkeypatch)  # fmt: skip
    a, b = detect(fp32, photo), detect(bf16, photo)
    assert a.above(0.5), "the tiny detector must find something, or this checks nothing"
    agreement = detection_agreement(a, b, 0.5)
    assert agreement["same_count"] and agreement["min_iou"] >= 0.9
    fp32, bf16 = _both(ModelRef("nvidia/segformer-b0-finetuned-ade-512-512",
                                "image-segmentation"), monkeypatch)  # fmt: skip
    a, b = segment(fp32, photo, "semantic"), segment(bf16, photo, "semantic")
    assert a.segments
    assert segmentation_agreement(a, b)["pixel_agreement"] >= 0.98


def _decide(monkeypatch, fp32_s: float, bf16_s: float, agreement: float, native: bool = True):
    class Pipe:
        device = type("Device", (), {"type": "cpu"})()

        def _forward(self, inputs):
            return inputs

    monkeypatch.setattr(precision, "native_bf16", lambda device: native)
    monkeypatch.setattr(precision, "_time_both", lambda pipe, s, r: (fp32_s, bf16_s, agreement))
    pipe = Pipe()
    choice = precision.choose_precision(pipe, "auto", sample=None)
    wrapped = pipe._forward.__name__ == "forward_bf16"
    assert wrapped == (choice.precision == "bf16")
    return choice


def test_auto_keeps_bfloat16_only_when_faster_and_agreeing(monkeypatch):
    assert _decide(monkeypatch, 0.163, 0.061, 0.999) == precision.PrecisionChoice(
        "bf16", "faster", 163.0, 61.0
    )
    assert _decide(monkeypatch, 1.36, 1.36, 0.999).reason == "not_faster"
    assert _decide(monkeypatch, 0.163, 0.061, 0.9).reason == "disagrees"
    assert _decide(monkeypatch, 0.163, 0.061, 0.999, native=False).reason == "no_native_bf16"


def test_auto_on_a_real_pipeline_records_its_choice(local_models, monkeypatch):
    monkeypatch.setenv("VTL_PRECISION", "auto")
    model = ModelCache(10**9).get(ModelRef("google/vit-base-patch16-224", "image-classification"))
    choice = model.policy.precision
    if precision.native_bf16("cpu"):
        assert choice.reason in {"faster", "not_faster", "disagrees"}
        assert choice.fp32_ms > 0 and choice.bf16_ms > 0
    else:
        assert choice == precision.PrecisionChoice("fp32", "no_native_bf16")
    assert classify(model, sample_photo("chelsea").image).predictions


def test_a_bad_setting_is_named():
    import os

    from core.config import settings

    os.environ["VTL_PRECISION"] = "fp16"
    try:
        with pytest.raises(ValueError, match="VTL_PRECISION"):
            settings()
    finally:
        os.environ["VTL_PRECISION"] = "fp32"
