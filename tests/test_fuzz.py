"""Bad input, generated: the only outcomes are a valid result or the project's own clear error."""

from __future__ import annotations

import io
import json
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from core.models.model_ref import ModelError, validate_model_id
from core.quickdraw.canvas_strokes import canvas_to_strokes
from core.quickdraw.formats import (
    FormatError,
    parse_ndjson_line,
    read_binary,
    read_ndjson,
    to_bitmap,
)
from core.quickdraw.source import npy_header, read_npy_bitmaps
from core.tasks.image_input import ImageInputError, read_image

# 300 cases per test in every run; `VTL_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py`
# for a longer hunt.
EXAMPLES = int(os.environ.get("VTL_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return buffer.getvalue()


VALID_PNG = _png(40, 30)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_as_an_image(data):
    try:
        result = read_image(data)
    except ImageInputError as err:
        assert err.reason
    else:
        assert result.image.mode == "RGB"


@FUZZ
@given(st.integers(0, len(VALID_PNG) - 1), st.binary(min_size=1, max_size=8))
def test_corrupted_png(position, junk):
    data = VALID_PNG[:position] + junk + VALID_PNG[position + len(junk) :]
    try:
        assert read_image(data).image.mode == "RGB"
    except ImageInputError as err:
        assert err.reason in {"corrupt", "not_an_image", "too_large", "too_small", "empty"}


drawing_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@FUZZ
@given(drawing_json)
def test_ndjson_lines(value):
    record = {"word": "cat", "key_id": "1", "drawing": value}
    try:
        drawing = parse_ndjson_line(json.dumps(record))
    except FormatError:
        return
    bitmap = to_bitmap(drawing.strokes)
    assert bitmap.shape == (28, 28) and bitmap.dtype == np.uint8


@FUZZ
@given(st.lists(st.binary(max_size=60), max_size=8))
def test_ndjson_files(lines):
    drawings, skipped = read_ndjson(lines)
    assert len(drawings) + skipped <= len(lines)


@FUZZ
@given(st.binary(max_size=400))
def test_binary_files(data):
    drawings, skipped = read_binary(data)
    assert skipped in (0, 1)
    for drawing in drawings:
        assert to_bitmap(drawing.strokes).shape == (28, 28)


@FUZZ
@given(st.binary(max_size=200))
def test_npy_headers(data):
    try:
        start, rows = npy_header(b"\x93NUMPY" + data)
    except FormatError:
        return
    assert start > 0 and rows >= 0


npy_headers = st.fixed_dictionaries(
    {"descr": st.sampled_from(["|u1", "<f8", "|O", "<u1"]), "fortran_order": st.booleans(),
     "shape": st.tuples(st.integers(-3, 10), st.sampled_from([784, 28, 0]))}
) | drawing_json  # fmt: skip


@FUZZ
@given(npy_headers, st.binary(max_size=3000), st.integers(0, 20))
def test_npy_files(header, body, count):
    """A `.npy` a student opens: a real header with odd values, or junk, and any body."""
    text = repr(header).encode("latin1", "replace")
    data = b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + body
    try:
        bitmaps = read_npy_bitmaps(data, count)
    except FormatError:
        return
    assert bitmaps.dtype == np.uint8 and bitmaps.shape[1:] == (28, 28)
    assert 0 < len(bitmaps) <= count


@FUZZ
@given(drawing_json)
def test_canvas_json(value):
    strokes = canvas_to_strokes({"objects": value} if not isinstance(value, dict) else value)
    assert to_bitmap(strokes).shape == (28, 28)


@FUZZ
@given(st.text(max_size=120))
def test_model_ids(text):
    try:
        model_id = validate_model_id(text)
    except ModelError as err:
        assert err.reason == "bad_id"
    else:
        assert "/" not in model_id or model_id.count("/") == 1
        assert ".." not in model_id and " " not in model_id and "<" not in model_id
