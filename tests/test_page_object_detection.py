"""The detection page as a student sees it: boxes drawn and counted, the threshold, and the
metrics lesson."""

from __future__ import annotations

import math

from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.tasks.detection import detect
from core.tasks.image_input import sample_photo
from tests.support.app import open_page
from tests.support.plotly import plotly_specs

PAGE = "Object_Detection"
DETR = ModelRef("facebook/detr-resnet-50", "object-detection", "no_timm")


def boxes_drawn(at: AppTest) -> list[str]:
    spec = plotly_specs(at)[0]
    return [trace["name"] for trace in spec["data"] if trace["type"] == "scatter"]


def test_page_draws_boxes_and_counts_them(local_models):
    at = open_page(PAGE, run=False)
    at.context = {"locale": "en-US"}
    at.run()
    assert not at.exception and not at.error
    result = detect(ModelCache(10**9).get(DETR), sample_photo("chelsea").image)
    kept = result.above(0.5)
    assert boxes_drawn(at) == [d.label for d in kept] and kept
    tables = [frame.value for frame in at.dataframe]
    counts = next(table for table in tables if "Objects" in table.columns)
    assert dict(zip(counts["Class"], counts["Objects"])) == result.counts(0.5)
    # The chart's data as text, for a keyboard or a screen reader: what hovering each box shows
    boxes = next(table for table in tables if "Confidence" in table.columns)
    assert list(boxes["Class"]) == [d.label for d in kept]
    first = kept[0].box
    assert boxes.iloc[0, 3] == ", ".join(
        str(round(v)) for v in (first.xmin, first.ymin, first.xmax, first.ymax)
    )
    assert at.caption[0].value.startswith(f"{len(kept)} objects at threshold 0.50")


def test_threshold_filters_without_running_the_model_again(local_models):
    from core.ui.shared import shared_models

    at = open_page(PAGE, run=False)
    at.context = {"locale": "es-ES"}
    at.run()
    top = max(
        d.score
        for d in detect(ModelCache(10**9).get(DETR), sample_photo("chelsea").image).detections
    )
    above = min(1.0, math.floor(top / 0.05) * 0.05 + 0.05)  # the first step above the best score
    at.select_slider(key="det_threshold").set_value(round(above, 2)).run()
    assert boxes_drawn(at) == []
    assert at.caption[0].value.startswith("0 objetos")
    assert [entry.calls for entry in shared_models().loaded()] == [1]


def test_metrics_lesson_matches_hand_worked_values(local_models):
    at = open_page(PAGE, run=False)
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
    assert list(table["mAP"]) == ["0.833", "0.417"]  # written as the student writes numbers
    assert t("en", "detection.metrics_title") in [h.value for h in at.header]


def test_definition_is_detection_not_depth(local_models):
    at = open_page(PAGE, run=False)
    at.context = {"locale": "es-ES"}
    at.run()
    definition = at.markdown[0].value
    assert "caja delimitadora" in definition and "profundidad" not in definition
