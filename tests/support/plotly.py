"""Plotly figures as the browser receives them: their JSON specs and the arrays inside."""

from __future__ import annotations

import base64
import json

import numpy as np
from streamlit.testing.v1 import AppTest


def plotly_specs(at: AppTest) -> list[dict]:
    """The JSON spec of every Plotly chart on the page, in order."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def plotly_array(value) -> np.ndarray:
    """Plotly sends numpy arrays as base64 typed arrays ({"dtype", "bdata", "shape"})."""
    if isinstance(value, dict):
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        return data.reshape([int(n) for n in str(shape).split(",")]) if shape else data
    return np.array(value)
