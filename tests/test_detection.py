"""Object detection through the loader (tiny DETR, YOLOS, RT-DETR) and on its page."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.models.registry import MODELS, models_for
from core.tasks.code_snippets import detection_snippet, task_code
from core.tasks.detection import MIN_SCORE, detect
from core.tasks.image_input import sample_photo
from tests.conftest import ROOT

PAGE = str(ROOT / "pages" / "2_Object_Detection.py")
DETR = ModelRef("facebook/detr-resnet-50", "object-detection", "no_timm")


@pytest.mark.parametrize("model_id", [m.id for m in models_for("object-detection")])
def test_every_detector_runs_through_the_loader(local_models, model_id):
    ref = ModelRef(model_id, "object-detection", MODELS[model_id].revision)
    result = detect(ModelCache(10**9).get(ref), sample_photo("coffee").image)
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


def boxes_drawn(at: AppTest) -> list[str]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return [trace["name"] for trace in spec["data"] if trace["type"] == "scatter"]


def test_page_draws_boxes_and_counts_them(local_models):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.context = {"locale": "en-US"}
    at.run()
    assert not at.exception and not at.error
    result = detect(ModelCache(10**9).get(DETR), sample_photo("chelsea").image)
    kept = result.above(0.5)
    assert boxes_drawn(at) == [d.label for d in kept] and kept
    counts = at.dataframe[0].value
    assert dict(zip(counts["Class"], counts["Objects"])) == result.counts(0.5)
    assert at.caption[0].value.startswith(f"{len(kept)} objects at threshold 0.50")


def test_threshold_filters_without_running_the_model_again(local_models):
    from core.ui.shared import shared_models

    at = AppTest.from_file(PAGE, default_timeout=60)
    at.context = {"locale": "es-ES"}
    at.run()
    top = max(
        d.score
        for d in detect(ModelCache(10**9).get(DETR), sample_photo("chelsea").image).detections
    )
    at.slider(key="det_threshold").set_value(round(min(1.0, top + 0.05), 2)).run()
    assert boxes_drawn(at) == []
    assert at.caption[0].value.startswith("0 objetos")
    assert [entry.calls for entry in shared_models().loaded()] == [1]


def test_metrics_lesson_matches_hand_worked_values(local_models):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.context = {"locale": "en-US"}
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["IoU"] == "0.200"  # A 40 × 30, B 40 × 30, overlap 20 × 20: 400 / 2000
    shown = [metrics[name] for name in ("Precision", "Recall", "TP", "FP", "FN")]
    assert shown == ["0.80", "0.80", "4", "1", "1"]
    at.slider(key="det_iou_B_x").set_value((10, 50)).run()
    at.slider(key="det_iou_B_y").set_value((10, 40)).run()
    assert {m.label: m.value for m in at.metric}["IoU"] == "1.000"
    at.radio(key="det_pr_iou").set_value(0.75).run()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Precision"], metrics["Recall"]) == ("0.40", "0.40")
    table = at.dataframe[-2].value  # AP50 vs AP75, before the models table
    assert list(table["mAP"]) == [0.833, 0.417]
    assert t("en", "detection.metrics_title") in [h.value for h in at.header]


def test_definition_is_detection_not_depth(local_models):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.context = {"locale": "es-ES"}
    at.run()
    definition = at.markdown[0].value
    assert "caja delimitadora" in definition and "profundidad" not in definition
