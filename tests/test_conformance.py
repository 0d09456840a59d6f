"""The conformance matrix: for each architecture a student is likely to type, a tiny model saved
as the Hub saves it, loaded through the app's own loader (the `VTL_LOCAL_MODELS` seam), gives
the page's answer equal to transformers' `pipeline` on the same image.

The page's answer is the task's run function from the registry (what every task page and Serve
call) on a model from the app's cache; the reference is `pipeline(task, model=folder)` built
outside the app. Architectures that cannot work show the student's message instead.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.models.loader import ModelCache
from core.models.model_ref import ModelError, ModelRef
from core.models.registry import TASKS
from core.tasks.detection import MIN_SCORE
from core.tasks.image_input import sample_photo
from core.tasks.segmentation import INPUT_SIDE, SUBTASKS, fit_within, subtasks_of
from tests.support.conformance import FAMILIES, SEG, build_family
from tests.support.models import TIMM_TINY, build_timm

# What transformers' pipeline can post-process for each segmentation family (its image
# processor's `post_process_*_segmentation` methods): the semantic heads do one kind only.
SEGMENTATION_KINDS = {
    "conformance/segformer": ("semantic",),
    "conformance/upernet": ("semantic",),
    "conformance/mobilevit_semantic": ("semantic",),
    "conformance/dpt_semantic": ("semantic",),
    "conformance/mask2former": SUBTASKS,
    "conformance/maskformer": SUBTASKS,
    # OneFormer's instance post-processing reads a class-info file (on the Hub, fetched from
    # the dataset shi-labs/oneformer_demo when the processor loads); without one it fails, in
    # the pipeline as in the app, and the student is told so.
    "conformance/oneformer": ("semantic", "panoptic"),
    "conformance/detr_panoptic": SUBTASKS,
}

TIMM = [(model_id, "image-classification") for model_id in TIMM_TINY]
CASES = [(f.id, f.task) for f in FAMILIES] + TIMM


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """Every family's tiny model under one seam folder (about 10 s to build)."""
    root = tmp_path_factory.mktemp("conformance")
    for family in FAMILIES:
        build_family(family, root)
    for model_id, labels in TIMM_TINY.items():
        build_timm(model_id, root, labels)
    return root


@pytest.fixture
def seam(matrix, monkeypatch):
    monkeypatch.setenv("VTL_LOCAL_MODELS", str(matrix))
    return matrix


def _reference(folder, task):
    import transformers

    transformers.logging.set_verbosity_error()
    return transformers.pipeline(task, model=str(folder))


def _image():
    return sample_photo("coffee").image


@pytest.mark.parametrize(("model_id", "task"), CASES, ids=[c[0].split("/")[1] for c in CASES])
def test_the_page_answers_as_the_pipeline(seam, model_id, task):
    folder = seam / model_id.replace("/", "--")
    reference = _reference(folder, task)
    model = ModelCache(10**9).get(ModelRef(model_id, task))
    run = TASKS[task].run
    image = _image()
    if task == "image-classification":
        page = run(model, image)
        expected = reference(image, top_k=5)
        assert [p.label for p in page.top(5)] == [e["label"] for e in expected]
        scores = [p.score for p in page.top(5)]
        assert np.allclose(scores, [e["score"] for e in expected], atol=1e-5)
        assert not any(p.label.startswith("LABEL_") for p in page.predictions)
        assert page.steps is not None  # the step by step: what the model sees, its logits
    elif task == "object-detection":
        page = run(model, image)
        expected = sorted(reference(image, threshold=MIN_SCORE), key=lambda d: -d["score"])
        assert len(page.detections) == len(expected) > 0
        for shown, wanted in zip(page.detections, expected):
            assert shown.label == wanted["label"] and abs(shown.score - wanted["score"]) < 1e-5
            box = wanted["box"]
            assert (shown.box.xmin, shown.box.ymax) == (box["xmin"], box["ymax"])
    elif task == "depth-estimation":
        page = run(model, image)
        expected = reference(image)["predicted_depth"].squeeze().numpy()
        assert page.depth.shape == expected.shape == (image.height, image.width)
        assert np.allclose(page.depth, expected, rtol=1e-4, atol=1e-5)
    elif task == "zero-shot-image-classification":
        classes, template = ("a cup", "a rocket", "a cat"), "a photo of {}."
        page = run(model, image, classes, template)
        expected = reference(image, candidate_labels=list(classes), hypothesis_template=template)
        assert [p.label for p in page.predictions] == [e["label"] for e in expected]
        scores = [p.score for p in page.predictions]
        assert np.allclose(scores, [e["score"] for e in expected], atol=1e-6)
        assert page.steps is not None  # the step by step: the similarities, the scale
    else:
        kinds = SEGMENTATION_KINDS[model_id]
        assert set(kinds) <= set(subtasks_of(model.pipe))
        fitted = fit_within(image, INPUT_SIDE)  # what the page hands the model
        for subtask in kinds:
            page = run(model, image, subtask)
            expected = [
                e for e in reference(fitted, subtask=subtask) if np.asarray(e["mask"]).any()
            ]
            assert [s.label for s in page.segments] == [e["label"] for e in expected], subtask
            for shown, wanted in zip(page.segments, expected):
                assert np.array_equal(shown.mask, np.asarray(wanted["mask"]) > 127)
        for subtask in set(SUBTASKS) - set(kinds):  # the student's message, not a traceback
            with pytest.raises(ModelError) as caught:
                run(model, image, subtask)
            offered = subtask in subtasks_of(model.pipe)
            assert caught.value.reason == ("failed" if offered else "no_subtask")


def test_every_task_of_the_registry_has_its_families_in_the_matrix():
    tasks = {f.task for f in FAMILIES}
    assert tasks == set(TASKS)
    assert {f.id for f in FAMILIES if f.task == SEG} == set(SEGMENTATION_KINDS)


def test_metric_and_relative_depth_are_told_apart(seam):
    from core.tasks.depth import estimate_depth

    metric = {  # GLPN's checkpoints (NYU, KITTI) are trained to metres too
        "conformance/depth_anything_metric",
        "conformance/zoedepth",
        "conformance/depth_pro",
        "conformance/glpn",
    }
    for family in FAMILIES:
        if family.task == "depth-estimation":
            model = ModelCache(10**9).get(ModelRef(family.id, family.task))
            assert estimate_depth(model, _image()).metric == (family.id in metric), family.id


def test_a_timm_config_from_newer_timm_is_refused_as_the_pipeline_refuses_it(seam, tmp_path):
    """timm ≥ 1.0.2x also saves the factory's `model_args` (`num_classes` among them); this
    transformers cannot build such a model, in the pipeline as in the app: the student is told
    the model could not be loaded, never shown a traceback."""
    import shutil

    source = seam / "timm--test_vit.r160_in1k"
    folder = shutil.copytree(source, tmp_path / "timm--test_vit.newer")
    config = json.loads((folder / "config.json").read_text())
    config["model_args"] = {"num_classes": config["num_classes"]}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="multiple values for keyword argument 'num_classes'"):
        _reference(folder, "image-classification")
    shutil.copytree(folder, seam / "timm--test_vit.newer")
    try:
        with pytest.raises(ModelError) as caught:
            ModelCache(10**9).get(ModelRef("timm/test_vit.newer", "image-classification"))
        assert caught.value.reason == "failed"
    finally:
        shutil.rmtree(seam / "timm--test_vit.newer")


def test_pickle_only_timm_weights_are_refused_with_the_existing_message(seam, tmp_path):
    """A timm repo with only `pytorch_model.bin` holding code: refused (`no_weights`)."""
    import pickle
    import shutil

    folder = shutil.copytree(seam / "timm--test_resnet.r160_in1k", seam / "timm--pickled")
    try:
        (folder / "model.safetensors").unlink()
        marker = tmp_path / "ran"

        class Payload:
            def __reduce__(self):
                return (open, (str(marker), "w"))

        with open(folder / "pytorch_model.bin", "wb") as file:
            pickle.dump({"weight": Payload()}, file)
        with pytest.raises(ModelError) as caught:
            ModelCache(10**9).get(ModelRef("timm/pickled", "image-classification"))
        assert caught.value.reason == "no_weights" and not marker.exists()
    finally:
        shutil.rmtree(folder)
