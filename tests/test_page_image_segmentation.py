"""The segmentation page as a student sees it: the overlay, its legend, the subtasks, in both
languages."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.tasks.image_input import sample_photo
from core.tasks.segmentation import (
    segment,
)
from tests.support.app import open_page
from tests.support.plotly import plotly_specs

PAGE = "Image_Segmentation"
SEGFORMER = ModelRef("nvidia/segformer-b0-finetuned-ade-512-512", "image-segmentation")
PANOPTIC = ModelRef("facebook/detr-resnet-50-panoptic", "image-segmentation")


def legend(at: AppTest) -> dict[str, float]:
    spec = plotly_specs(at)[0]["data"][0]
    return dict(zip(spec["y"], spec["x"]))


def test_page_overlay_legend_and_display_only_settings(local_models):
    from core.ui.shared import shared_models

    at = open_page(PAGE, run=False)
    at.context = {"locale": "en-US"}
    at.run()
    assert not at.exception and not at.error
    expected = segment(ModelCache(10**9).get(SEGFORMER), sample_photo("chelsea").image, "semantic")
    shares = expected.shares()
    assert legend(at) == {s.label: round(s.share * 100, 2) for s in shares}
    table = at.dataframe[0].value
    assert list(table["Class"]) == [s.label for s in shares]
    assert at.radio(key="seg_subtask").options == ["Semantic"]
    at.multiselect(key="seg_hidden").set_value([shares[0].label]).run()
    at.select_slider(key="seg_opacity").set_value(0.2).run()
    assert not at.exception
    assert [entry.calls for entry in shared_models().loaded()] == [1]


def test_page_panoptic_counts_instances_in_spanish(local_models):
    at = open_page(PAGE, run=False)
    at.context = {"locale": "es-ES"}
    at.run()
    at.selectbox(key="seg_model").set_value(PANOPTIC.id).run()
    assert not at.exception and not at.error
    assert at.radio(key="seg_subtask").options == ["Panóptica"]
    expected = segment(ModelCache(10**9).get(PANOPTIC), sample_photo("chelsea").image, "panoptic")
    table = at.dataframe[0].value
    assert dict(zip(table["Clase"], table["Segmentos"])) == {
        s.label: s.instances for s in expected.shares()
    }
    assert at.caption[0].value.startswith(f"{len(expected.segments)} segmentos")


def ious(at: AppTest):
    return next(d.value for d in at.dataframe if "IoU" in d.value.columns).set_index("Clase")


def test_the_metrics_lesson_recomputes_the_ious_when_the_student_moves_the_car(local_models):
    at = open_page(PAGE, "es-ES")
    values = {m.label: m.value for m in at.metric}
    assert values["mIoU"] == "0,730"  # (120/144 + 100/148 + 86/106 + 24/40) / 4, by hand
    table = ious(at)
    assert table.loc["coche", "IoU"] == "0,600"
    at.slider(key="seg_m_car").set_value(6).run()  # the car where the truth has it
    assert ious(at).loc["coche", "IoU"] == "1,000"
