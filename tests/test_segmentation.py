"""Image segmentation: shares and overlay on hand-made masks, every model through the loader
(tiny SegFormer, Mask2Former, DETR-panoptic), and the page."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.models.registry import MODELS, models_for
from core.tasks.colours import label_colour, rgb
from core.tasks.image_input import sample_photo
from core.tasks.run_info import RunInfo
from core.tasks.segmentation import (
    INPUT_SIDE,
    Segment,
    SegmentationResult,
    fit_within,
    overlay,
    segment,
)

RUN = RunInfo("m", 0.0, "cpu")
PANOPTIC = ModelRef("facebook/detr-resnet-50-panoptic", "image-segmentation")


def mask(rows: slice, cols: slice, shape=(4, 10)) -> np.ndarray:
    m = np.zeros(shape, dtype=bool)
    m[rows, cols] = True
    return m


SEGMENTS = (
    Segment("sky", None, mask(slice(0, 2), slice(0, 10))),  # 20 of 40 pixels
    Segment("person", 0.9, mask(slice(2, 4), slice(0, 2))),  # 4
    Segment("person", 0.8, mask(slice(2, 4), slice(5, 8))),  # 6
)


def test_shares_and_instances_by_hand():
    shares = SegmentationResult("panoptic", SEGMENTS, RUN).shares()
    assert [(s.label, s.share, s.instances) for s in shares] == [
        ("sky", 0.5, 1), ("person", 0.25, 2),
    ]  # fmt: skip
    assert SegmentationResult("semantic", (), RUN).shares() == []


def test_overlay_tints_visible_classes_only():
    image = Image.new("RGB", (10, 4), (0, 0, 0))
    full = np.asarray(overlay(image, SEGMENTS, set(), 1.0))
    assert tuple(full[0, 0]) == rgb(label_colour("sky"))
    assert tuple(full[2, 0]) == rgb(label_colour("person"))
    assert tuple(full[2, 5]) != tuple(full[2, 0])  # a second person, another shade
    assert tuple(full[2, 3]) == (0, 0, 0)  # unsegmented pixels stay
    hidden = np.asarray(overlay(image, SEGMENTS, {"sky"}, 1.0))
    assert tuple(hidden[0, 0]) == (0, 0, 0)
    half = np.asarray(overlay(image, SEGMENTS, set(), 0.5))
    assert tuple(half[0, 0]) == tuple(int(c * 0.5) for c in rgb(label_colour("sky")))
    with pytest.raises(ValueError):
        overlay(image, SEGMENTS, set(), 1.5)


@pytest.mark.parametrize("model_id", [m.id for m in models_for("image-segmentation")])
def test_every_segmenter_runs_its_subtasks(local_models, model_id):
    image = sample_photo("coffee").image
    model = ModelCache(10**9).get(ModelRef(model_id, "image-segmentation"))
    for subtask in MODELS[model_id].subtasks:
        result = segment(model, image, subtask)
        fitted = fit_within(image, INPUT_SIDE)  # 600 × 400 → 384 × 256
        assert fitted.size == (384, 256)
        assert result.segments, subtask  # the tiny models are built to find something
        for s in result.segments:
            assert s.mask.shape == (256, 384) and s.mask.dtype == bool
            assert s.mask.any() and s.label
    with pytest.raises(ValueError):
        segment(model, image, "amodal")


def test_panoptic_gives_scored_instances(local_models):
    result = segment(ModelCache(10**9).get(PANOPTIC), sample_photo("chelsea").image, "panoptic")
    assert len(result.segments) >= 2 and all(s.score is not None for s in result.segments)
    assert result.shares()[0].instances == len(result.segments)


def test_snippet_lists_the_segments_shown(local_models):
    import contextlib
    import io

    from core.tasks.code_snippets import segmentation_snippet, task_code

    image = sample_photo("astronaut")
    result = segment(ModelCache(10**9).get(PANOPTIC), image.image, "panoptic")
    code = task_code(PANOPTIC, image, segmentation_snippet("panoptic"))
    runnable = code.replace(
        f'"{PANOPTIC.id}"', repr(str(local_models / "facebook--detr-resnet-50-panoptic"))
    )
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(runnable, "snippet", "exec"), {})
    lines = output.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == [s.label for s in result.segments]
    assert all(line.endswith(str(result.segments[0].mask.shape[::-1])) for line in lines)


def test_an_instance_painted_over_by_later_ones_is_not_a_segment():
    from PIL import Image

    from core.tasks.run_info import RunInfo

    class Covered:
        """A stand-in pipeline: two instances, the first entirely under the second."""

        pipe = None

        def run(self, image, subtask):
            full = Image.new("L", image.size, 255)
            empty = Image.new("L", image.size, 0)
            return [
                {"label": "cat", "score": 0.95, "mask": empty},
                {"label": "dog", "score": 0.97, "mask": full},
            ], RunInfo("m", 0.0, "cpu")

    result = segment(Covered(), sample_photo("coffee").image, "instance")
    assert [(s.label, s.score) for s in result.segments] == [("dog", 0.97)]
