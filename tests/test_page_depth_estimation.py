"""The depth page as a student sees it: the map, the 3D view, the check against ground truth,
and big models announced before they load."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.tasks.depth import (
    compare_with_disparity,
    downsample,
    estimate_depth,
    motorcycle_disparity,
)
from core.tasks.image_input import sample_photo
from tests.support.app import open_page
from tests.support.plotly import plotly_array, plotly_specs

PAGE = "Depth_Estimation"
DEFAULT = ModelRef("depth-anything/Depth-Anything-V2-Small-hf", "depth-estimation")
ZOE = ModelRef("Intel/zoedepth-nyu-kitti", "depth-estimation")


def heatmap_shapes(at: AppTest) -> list[tuple[int, int]]:
    specs = plotly_specs(at)
    return [
        plotly_array(s["data"][0]["z"]).shape for s in specs if s["data"][0]["type"] == "heatmap"
    ]


def test_page_shows_depth_map_3d_and_ground_truth(local_models):
    at = open_page(PAGE, run=False)
    at.context = {"locale": "en-US"}
    at.run()
    assert not at.exception and not at.error
    shown = plotly_array(plotly_specs(at)[0]["data"][0]["z"])
    predicted = estimate_depth(ModelCache(10**9).get(DEFAULT), sample_photo("chelsea").image)
    assert shown.shape == (150, 226)  # the 451 × 300 cat, every 2nd pixel (≤ 320 a side)
    assert shown == pytest.approx(downsample(predicted.depth, 320))
    assert at.caption[0].value.startswith("Relative inverse depth")
    at.toggle(key="dep_3d").set_value(True).run()
    types = [spec["data"][0]["type"] for spec in plotly_specs(at)]
    assert types == ["heatmap", "surface"]
    at.toggle(key="dep_truth").set_value(True).run()
    model = ModelCache(10**9).get(DEFAULT)
    expected = compare_with_disparity(
        estimate_depth(model, sample_photo("motorcycle").image), motorcycle_disparity()
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["AbsRel (on disparity)"] == f"{expected.abs_rel:.3f}"
    assert metrics["δ < 1.25"] == f"{expected.delta1:.1%}"
    assert len(heatmap_shapes(at)) == 3  # prediction, ground truth, aligned prediction
    truth, aligned = [s["data"][0] for s in plotly_specs(at) if s["data"][0]["type"] == "heatmap"][
        1:
    ]
    known = expected.target[np.isfinite(expected.target)]
    assert (truth["zmin"], truth["zmax"]) == (aligned["zmin"], aligned["zmax"])  # one scale
    assert truth["zmin"] == pytest.approx(float(known.min()))


def test_big_models_are_announced_before_loading(local_models):
    from core.ui.shared import shared_models

    at = open_page(PAGE, run=False)
    at.context = {"locale": "es-ES"}
    at.run()
    at.selectbox(key="dep_model").set_value(ZOE.id).run()
    assert "1380 MB" in at.warning[0].value
    assert heatmap_shapes(at) == []
    assert t("es", "models.waiting") in [info.value for info in at.info]  # not an empty column
    assert ZOE not in [entry.ref for entry in shared_models().loaded()]
    at.checkbox(key=f"dep_heavy_{ZOE.id}").check().run()
    assert not at.exception and len(heatmap_shapes(at)) == 1
    assert any(c.value.startswith("Profundidad métrica") for c in at.caption)


def test_a_strip_too_thin_for_the_depth_model_is_refused_in_spanish(local_models):
    import io

    from PIL import Image

    from core.i18n import t

    buffer = io.BytesIO()
    Image.new("RGB", (16, 2000), "gray").save(buffer, format="PNG")
    at = open_page(PAGE, "es-ES")
    at.radio(key="dep_source").set_value("upload").run()
    at.file_uploader(key="dep_upload").set_value(("tira.png", buffer.getvalue(), "image/png"))
    at.run()
    assert not at.exception
    expected = t("es", "input.error.too_small", detail="16 × 2000", limit=50)
    assert [e.value for e in at.error] == [expected]
