"""Depth estimation through the loader (tiny DPT, Depth Anything, ZoeDepth) and on its page."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.models.registry import MODELS, models_for
from core.tasks.code_snippets import depth_snippet, task_code
from core.tasks.depth import (
    compare_with_disparity,
    downsample,
    estimate_depth,
    motorcycle_disparity,
)
from core.tasks.image_input import sample_photo
from tests.conftest import ROOT
from tests.plotly_data import plotly_array

PAGE = str(ROOT / "pages" / "3_Depth_Estimation.py")
DEFAULT = ModelRef("depth-anything/Depth-Anything-V2-Small-hf", "depth-estimation")
ZOE = ModelRef("Intel/zoedepth-nyu-kitti", "depth-estimation")


@pytest.mark.parametrize("model_id", [m.id for m in models_for("depth-estimation")])
def test_every_depth_model_gives_a_map_at_image_size(local_models, model_id):
    image = sample_photo("coffee").image
    result = estimate_depth(ModelCache(10**9).get(ModelRef(model_id, "depth-estimation")), image)
    assert result.depth.shape == (image.height, image.width)
    assert np.isfinite(result.depth).all()
    assert result.metric == MODELS[model_id].metric_depth


def test_lesson_snippet_runs(local_models):
    image = sample_photo("rocket")
    code = task_code(ZOE, image, depth_snippet())
    assert 'pipeline("depth-estimation", model="Intel/zoedepth-nyu-kitti")' in code
    runnable = code.replace(
        '"Intel/zoedepth-nyu-kitti"', repr(str(local_models / "Intel--zoedepth-nyu-kitti"))
    )
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.chdir(local_models):
        exec(compile(runnable, "snippet", "exec"), {})
    height, width = image.image.height, image.image.width
    assert output.getvalue().startswith(f"torch.Size([{height}, {width}])")


def heatmap_shapes(at: AppTest) -> list[tuple[int, int]]:
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return [
        plotly_array(s["data"][0]["z"]).shape for s in specs if s["data"][0]["type"] == "heatmap"
    ]


def test_page_shows_depth_map_3d_and_ground_truth(local_models):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.context = {"locale": "en-US"}
    at.run()
    assert not at.exception and not at.error
    shown = plotly_array(json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["z"])
    predicted = estimate_depth(ModelCache(10**9).get(DEFAULT), sample_photo("chelsea").image)
    assert shown.shape == (150, 226)  # the 451 × 300 cat, every 2nd pixel (≤ 320 a side)
    assert shown == pytest.approx(downsample(predicted.depth, 320))
    assert at.caption[0].value.startswith("Relative inverse depth")
    at.toggle(key="dep_3d").set_value(True).run()
    types = [json.loads(c.proto.spec)["data"][0]["type"] for c in at.get("plotly_chart")]
    assert types == ["heatmap", "surface"]
    at.toggle(key="dep_truth").set_value(True).run()
    model = ModelCache(10**9).get(DEFAULT)
    expected = compare_with_disparity(
        estimate_depth(model, sample_photo("motorcycle").image), motorcycle_disparity()
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["AbsRel"] == f"{expected.abs_rel:.3f}"
    assert metrics["δ < 1.25"] == f"{expected.delta1:.1%}"
    assert len(heatmap_shapes(at)) == 3  # prediction, ground truth, aligned prediction


def test_big_models_are_announced_before_loading(local_models):
    from core.ui.shared import shared_models

    at = AppTest.from_file(PAGE, default_timeout=60)
    at.context = {"locale": "es-ES"}
    at.run()
    at.selectbox(key="dep_model").set_value(ZOE.id).run()
    assert "1380 MB" in at.warning[0].value
    assert heatmap_shapes(at) == []
    assert ZOE not in [entry.ref for entry in shared_models().loaded()]
    at.checkbox(key=f"dep_heavy_{ZOE.id}").check().run()
    assert not at.exception and len(heatmap_shapes(at)) == 1
    assert at.caption[0].value.startswith("Profundidad métrica")
