"""int8 weights and bfloat16 where they pay, and only where a student would see the same answer.

Agreement is checked on a model with real weights (a doodle classifier trained here) and on
tiny random models of each task; full-size replicas are compared in
benchmarks/classroom_load.py and measured as a class in benchmarks/class_server.py."""

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


LOWER = ("bf16", "int8")


def _both(ref: ModelRef, monkeypatch, lower: str = "bf16"):
    models = {}
    for setting in ("fp32", lower):
        monkeypatch.setenv("VTL_PRECISION", setting)
        models[setting] = ModelCache(10**9).get(ref)
        assert models[setting].policy.precision.precision == setting
    return models["fp32"], models[lower]


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


@pytest.mark.parametrize("lower", LOWER)
def test_a_trained_classifier_says_the_same_in_a_lower_precision(doodle_models, monkeypatch, lower):
    from core.quickdraw.formats import read_ndjson, to_bitmap

    monkeypatch.setenv("VTL_MODELS_DIR", str(doodle_models))
    fp32, bf16 = _both(ModelRef("trained/real", "image-classification"), monkeypatch, lower)
    compared = 0
    for word in WORDS:
        lines = (SHARED / f"data/quickdraw/raw/{word}.ndjson").read_bytes().splitlines()
        for drawing in read_ndjson(lines)[0]:
            image = Image.fromarray(to_bitmap(drawing.strokes)).convert("RGB")
            agreement = classification_agreement(classify(fp32, image), classify(bf16, image))
            assert agreement["same_top1"] and agreement["max_score_gap"] <= 0.02
            compared += 1
    assert compared >= 30


@pytest.mark.parametrize("lower", LOWER)
def test_tiny_models_of_each_task_agree(local_models, monkeypatch, lower):
    photo = sample_photo("astronaut").image
    fp32, bf16 = _both(ModelRef("depth-anything/Depth-Anything-V2-Small-hf",
                                "depth-estimation"), monkeypatch, lower)  # fmt: skip
    assert (
        depth_agreement(estimate_depth(fp32, photo), estimate_depth(bf16, photo))["correlation"]
        >= 0.99
    )
    fp32, bf16 = _both(ModelRef("facebook/detr-resnet-50", "object-detection", "no_timm"),
                       monkeypatch, lower)  # fmt: skip
    a, b = detect(fp32, photo), detect(bf16, photo)
    assert a.above(0.5), "the tiny detector must find something, or this checks nothing"
    agreement = detection_agreement(a, b, 0.5)
    assert agreement["same_count"] and agreement["min_iou"] >= 0.9
    fp32, bf16 = _both(ModelRef("nvidia/segformer-b0-finetuned-ade-512-512",
                                "image-segmentation"), monkeypatch, lower)  # fmt: skip
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


def _decide_int8(monkeypatch, fp32_s: float, int8_s: float, agreement: float):
    import torch

    class Pipe:
        device = torch.device("cpu")
        model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU())

    monkeypatch.setattr(precision, "native_bf16", lambda device: False)
    monkeypatch.setattr(precision, "_time_int8", lambda p, q, s, r: (fp32_s, int8_s, agreement))
    pipe = Pipe()
    choice = precision.choose_precision(pipe, "auto", sample=None)
    quantized = not isinstance(pipe.model[0], torch.nn.Linear)
    assert quantized == (choice.precision == "int8")
    return choice


def test_auto_keeps_int8_weights_when_they_agree_and_are_faster(monkeypatch):
    assert _decide_int8(monkeypatch, 0.277, 0.084, 0.998) == precision.PrecisionChoice(
        "int8", "int8_kept", 277.0, int8_ms=84.0
    )
    assert _decide_int8(monkeypatch, 0.277, 0.084, 0.9).reason == "int8_disagrees"
    assert _decide_int8(monkeypatch, 2.11, 2.16, 0.999).reason == "int8_not_faster"  # DETR here
    assert _decide_int8(monkeypatch, 2.11, 2.05, 0.999).reason == "int8_not_faster"  # within noise


def test_int8_weights_take_a_quarter_of_the_linear_layers_memory(local_models, monkeypatch):
    import torch

    vit = ModelRef("google/vit-base-patch16-224", "image-classification")
    fp32, int8 = _both(vit, monkeypatch, "int8")
    linear = [m for m in fp32.pipe.model.modules() if isinstance(m, torch.nn.Linear)]
    assert linear and not any(isinstance(m, torch.nn.Linear) for m in int8.pipe.model.modules())
    linear_bytes = sum(m.weight.numel() * 4 for m in linear)
    saved = fp32.nbytes - int8.nbytes  # what the budget counts: 3 of every 4 bytes of weights
    assert saved == pytest.approx(0.75 * linear_bytes, rel=0.01)
    agreement = classification_agreement(
        classify(fp32, sample_photo("chelsea").image), classify(int8, sample_photo("chelsea").image)
    )
    assert agreement["same_top1"]


def test_auto_on_a_real_pipeline_records_its_choice(local_models, monkeypatch):
    monkeypatch.setenv("VTL_PRECISION", "auto")
    model = ModelCache(10**9).get(ModelRef("google/vit-base-patch16-224", "image-classification"))
    choice = model.policy.precision
    assert choice.fp32_ms > 0 and choice.int8_ms > 0  # int8 is tried first on the CPU
    if choice.precision != "int8" and precision.native_bf16("cpu"):
        assert choice.reason in {"faster", "not_faster", "disagrees"}
        assert choice.bf16_ms > 0
    else:
        assert choice.reason in {"int8_kept", "int8_not_faster", "int8_disagrees"}
    quantized = any(hasattr(m, "_packed_params") for m in model.pipe.model.modules())
    assert quantized == (choice.precision == "int8")
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


def test_int8_lets_go_of_the_float32_weights_file(local_models, tmp_path, monkeypatch):
    """The float32 weights are mapped from model.safetensors; once int8 replaces them, nothing
    may keep that file mapped (a linear layer's bias kept it once: 330 MB for ViT-Base)."""
    import gc
    import shutil
    from pathlib import Path

    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("reads Linux's /proc")
    name = "google--vit-base-patch16-224"
    shutil.copytree(local_models / name, tmp_path / name)  # a file no other test maps
    monkeypatch.setenv("VTL_LOCAL_MODELS", str(tmp_path))
    weights = str(tmp_path / name / "model.safetensors")
    for setting, mapped in (("int8", False), ("fp32", True)):  # the float32 one maps it
        monkeypatch.setenv("VTL_PRECISION", setting)
        model = ModelCache(10**9).get(ModelRef("google/vit-base-patch16-224",
                                               "image-classification"))  # fmt: skip
        assert classify(model, sample_photo("chelsea").image).predictions
        gc.collect()
        assert (weights in maps.read_text()) == mapped, setting
        del model
        gc.collect()


def _resident_kb(path: str) -> int:
    """Kilobytes of `path` mapped into this process and resident (Linux's smaps)."""
    from pathlib import Path

    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if "-" in line.split(" ", 1)[0] and not line.startswith(("Rss", "Pss")):
            inside = line.endswith(path)
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


def test_int8_in_place_holds_one_float32_layer_at_a_time(tmp_path, monkeypatch):
    """Converting ViT-Base once held all of its 330 MB of float32 weights until the last layer;
    each layer's pages now leave as soon as it is converted."""
    from pathlib import Path

    from transformers import ViTConfig, ViTForImageClassification

    if not Path("/proc/self/smaps").exists() or precision._MADVISE is None:
        pytest.skip("reads Linux's /proc, drops pages with glibc's madvise")
    config = ViTConfig(
        hidden_size=512, intermediate_size=2048, num_hidden_layers=2, num_attention_heads=8,
        image_size=32, patch_size=16, num_labels=3,
    )  # fmt: skip
    ViTForImageClassification(config).save_pretrained(tmp_path)
    model = ViTForImageClassification.from_pretrained(tmp_path)
    weights = str(tmp_path / "model.safetensors")
    resident, real = [], precision._drop_file_pages

    def drop(tensor, mapped):
        real(tensor, mapped)
        resident.append(_resident_kb(weights))

    monkeypatch.setattr(precision, "_drop_file_pages", drop)
    precision.int8_model(model, copy=False)
    largest_kb = 512 * 2048 * 4 // 1024  # one feed-forward layer: 4 MB of the file's 24 MB
    assert len(resident) == 2 * 6 + 1  # q, k, v, output, two feed-forward; the classifier
    assert max(resident) < largest_kb
