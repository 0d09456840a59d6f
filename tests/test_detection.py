"""Object detection through the loader (tiny DETR, YOLOS, RT-DETR) and on its page."""

from __future__ import annotations

import contextlib
import io

import pytest

from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.models.registry import MODELS, models_for
from core.tasks.code_snippets import detection_snippet, task_code
from core.tasks.detection import MIN_SCORE, detect
from core.tasks.image_input import sample_photo

DETR = ModelRef("facebook/detr-resnet-50", "object-detection", "no_timm")


@pytest.mark.parametrize("model_id", [m.id for m in models_for("object-detection")])
def test_every_detector_runs_through_the_loader(local_models, model_id):
    ref = ModelRef(model_id, "object-detection", MODELS[model_id].revision)
    result = detect(ModelCache(10**9).get(ref), sample_photo("coffee").image)
    assert result.detections, "the tiny model favours a class: it must find something"
    assert all(d.score >= MIN_SCORE for d in result.detections)
    scores = [d.score for d in result.detections]
    assert scores == sorted(scores, reverse=True)
    for d in result.detections:
        assert 0 <= d.box.xmin <= d.box.xmax <= 600 and 0 <= d.box.ymin <= d.box.ymax <= 400


def test_snippet_prints_the_detections_shown(local_models):
    image = sample_photo("chelsea")
    result = detect(ModelCache(10**9).get(DETR), image.image)
    code = task_code(DETR, image, detection_snippet(0.5))
    assert (
        'pipeline("object-detection", model="facebook/detr-resnet-50", revision="no_timm")' in code
    )
    runnable = code.replace(
        'model="facebook/detr-resnet-50", revision="no_timm"',
        f"model={str(local_models / 'facebook--detr-resnet-50')!r}",
    )
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(runnable, "snippet", "exec"), {})
    printed = output.getvalue().splitlines()
    kept = result.above(0.5)
    assert len(printed) == len(kept) > 0
    assert [line.split()[0] for line in printed] == [d.label for d in kept]
