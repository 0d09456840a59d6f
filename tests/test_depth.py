"""Depth estimation through the loader (tiny DPT, Depth Anything, ZoeDepth) and on its page."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.models.registry import MODELS, models_for
from core.tasks.code_snippets import depth_snippet, task_code
from core.tasks.depth import (
    DepthResult,
    abs_rel,
    align_scale_shift,
    compare_with_disparity,
    delta_accuracy,
    downsample,
    estimate_depth,
    motorcycle_disparity,
)
from core.tasks.image_input import sample_photo
from core.tasks.run_info import RunInfo

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


RUN = RunInfo("m", 0.0, "cpu")

ALL = np.ones((2, 2), dtype=bool)


def test_scale_and_shift_are_recovered():
    target = np.array([[1.0, 2.0], [3.0, 5.0]])
    prediction = 2 * target + 3
    aligned, scale, shift = align_scale_shift(prediction, target, ALL)
    assert scale == pytest.approx(0.5) and shift == pytest.approx(-1.5)
    assert aligned == pytest.approx(target)


def test_alignment_ignores_masked_pixels():
    target = np.array([[1.0, 2.0], [3.0, 99.0]])
    mask = np.array([[True, True], [True, False]])
    _, scale, shift = align_scale_shift(target * 4, target, mask)
    assert (scale, shift) == pytest.approx((0.25, 0.0), abs=1e-9)


def test_abs_rel_by_hand():
    # |2 − 1| / 1 = 1 and |2 − 4| / 4 = 0.5 → 0.75
    one_row = np.ones((1, 2), dtype=bool)
    assert abs_rel(np.array([[2.0, 2.0]]), np.array([[1.0, 4.0]]), one_row) == 0.75


def test_delta_by_hand():
    # ratios 1, 1.2, 2 (and 1/0.5 = 2 for a guess too small) → 2 of 4 under 1.25
    prediction = np.array([[1.0, 1.2], [2.0, 0.5]])
    assert delta_accuracy(prediction, np.ones((2, 2)), ALL) == 0.5
    assert delta_accuracy(np.array([[-1.0, 1.0], [1.0, 1.0]]), np.ones((2, 2)), ALL) == 0.75


def test_perfect_relative_prediction_scores_perfectly():
    disparity = motorcycle_disparity()
    valid = np.isfinite(disparity)
    relative = np.where(valid, 0.01 * disparity + 7, 0).astype(np.float32)  # unknown scale/shift
    result = DepthResult(relative, metric=False, run=RUN)
    comparison = compare_with_disparity(result, disparity)
    assert comparison.abs_rel == pytest.approx(0, abs=1e-4)
    assert comparison.delta1 == 1.0
    assert comparison.scale == pytest.approx(100, rel=1e-3)


def test_metric_depth_is_compared_as_inverse_depth():
    disparity = motorcycle_disparity()
    valid = np.isfinite(disparity)
    metres = np.where(valid, 400.0 / np.where(valid, disparity, 1), 1).astype(np.float32)
    comparison = compare_with_disparity(DepthResult(metres, True, RUN), disparity)
    assert comparison.abs_rel == pytest.approx(0, abs=1e-3) and comparison.delta1 == 1.0


def test_a_flat_guess_scores_badly():
    disparity = motorcycle_disparity()
    flat = np.full(disparity.shape, 5.0, dtype=np.float32)
    comparison = compare_with_disparity(DepthResult(flat, False, RUN), disparity)
    assert comparison.abs_rel > 0.2 and comparison.delta1 < 0.8


def test_shapes_must_match_and_downsample_bounds_sides():
    with pytest.raises(ValueError):
        compare_with_disparity(DepthResult(np.ones((3, 3)), False, RUN), np.ones((2, 2)))
    assert max(downsample(np.zeros((500, 741)), 100).shape) <= 100


def _tiny_glpn():
    import transformers as T

    config = T.GLPNConfig(
        num_encoder_blocks=4,
        depths=[1, 1, 1, 1],
        sr_ratios=[8, 4, 2, 1],
        hidden_sizes=[8, 16, 24, 32],
        num_attention_heads=[1, 1, 1, 1],
        decoder_hidden_size=16,
        max_depth=10,
    )
    return T.GLPNForDepthEstimation(config), T.GLPNImageProcessor()


def _tiny_depth_anything_metric():
    from tests.support.models import TINY_BUILDERS

    model, processor = TINY_BUILDERS["depth-anything/Depth-Anything-V2-Small-hf"]("")
    model.config.depth_estimation_type = "metric"
    model.config.max_depth = 20
    import transformers as T

    return T.DepthAnythingForDepthEstimation(model.config), processor


@pytest.mark.parametrize(
    ("model_id", "build", "metric"),
    [
        ("vinvino02/glpn-nyu", _tiny_glpn, True),
        (
            "depth-anything/Depth-Anything-V2-Metric-Indoor-Small-hf",
            _tiny_depth_anything_metric,
            True,
        ),
    ],
)
def test_metric_or_relative_is_read_from_the_model_config(
    tmp_path, monkeypatch, model_id, build, metric
):
    """A metric model a student types (not in the registry) is captioned in metres and its 3D
    relief puts small depths (near) high; the registry's relative ones stay relative."""
    import torch

    torch.manual_seed(0)
    model, processor = build()
    folder = tmp_path / model_id.replace("/", "--")
    model.eval().save_pretrained(folder)
    processor.save_pretrained(folder)
    monkeypatch.setenv("VTL_LOCAL_MODELS", str(tmp_path))
    result = estimate_depth(
        ModelCache(10**9).get(ModelRef(model_id, "depth-estimation")), sample_photo("coffee").image
    )
    assert result.metric is metric
    assert np.array_equal(result.nearness(), -result.depth)  # nearer (smaller metres) is higher


def test_the_registry_s_relative_and_metric_models_are_told_apart_by_their_config(local_models):
    from transformers import AutoConfig

    from core.tasks.depth import is_metric_depth

    for spec in models_for("depth-estimation"):
        config = AutoConfig.from_pretrained(local_models / spec.id.replace("/", "--"))
        assert is_metric_depth(config) == spec.metric_depth, spec.id
