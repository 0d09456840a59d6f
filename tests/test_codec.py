"""Requests and results on the wire to Ray Serve: every typed result comes back equal, and
nothing but the app's own payloads is accepted (never a pickle)."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

from core.serving.codec import decode, encode
from core.tasks.classification import ClassificationResult, Prediction
from core.tasks.depth import DepthResult
from core.tasks.detection import Box, Detection, DetectionResult
from core.tasks.run_info import RunInfo
from core.tasks.segmentation import Segment, SegmentationResult

RUN = RunInfo("org/model", 0.25, "cpu")


def test_every_typed_result_comes_back_equal():
    mask = np.zeros((4, 6), bool)
    mask[1:3, 2:5] = True
    results = [
        ClassificationResult((Prediction("tabby", 0.8), Prediction("tiger cat", 0.1)), RUN),
        DetectionResult((Detection("cat", 0.9, Box(1.0, 2.0, 30.5, 40.0)),), RUN),
        SegmentationResult(
            "panoptic", (Segment("cat", 0.97, mask), Segment("sky", None, ~mask)), RUN
        ),
    ]
    for result in results:
        back = decode(encode(result))
        assert _same(back, result) if isinstance(result, SegmentationResult) else back == result
    depth = DepthResult(np.random.default_rng(0).random((5, 7), dtype=np.float32), True, RUN)
    back = decode(encode(depth))
    assert back.metric and back.run == RUN and np.array_equal(back.depth, depth.depth)
    assert back.depth.dtype == np.float32


def _same(a: SegmentationResult, b: SegmentationResult) -> bool:
    return (a.subtask, a.run) == (b.subtask, b.run) and all(
        (x.label, x.score) == (y.label, y.score) and np.array_equal(x.mask, y.mask)
        for x, y in zip(a.segments, b.segments, strict=True)
    )


def test_a_request_keeps_its_image_and_options():
    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    back = decode(encode({"model": "a/b", "options": ["semantic"], "image": image}))
    assert back["model"] == "a/b" and back["options"] == ["semantic"]
    assert np.array_equal(back["image"], image) and back["image"].dtype == np.uint8


def test_nothing_else_is_accepted():
    with pytest.raises(ValueError):
        decode(pickle.dumps({"model": "a/b"}))  # a pickle is never loaded
    buffer = io.BytesIO()
    np.savez(buffer, __meta__=np.frombuffer(b'{"type": "Popen", "fields": {}}', np.uint8))
    with pytest.raises(ValueError):
        decode(buffer.getvalue())  # only the app's own result types are rebuilt
    buffer = io.BytesIO()
    np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        decode(buffer.getvalue())
    with pytest.raises(TypeError):
        encode({"callback": print})
