"""Plotly figures the pages show; plain functions of results, testable without a server."""

from __future__ import annotations

import plotly.graph_objects as go

from core.classification import Prediction


def top_k_bars(predictions: tuple[Prediction, ...], axis_title: str) -> go.Figure:
    """Horizontal bars in percent, the most probable class on top."""
    labels = [p.label for p in predictions]
    percents = [round(p.score * 100, 2) for p in predictions]
    figure = go.Figure(
        go.Bar(
            x=percents,
            y=labels,
            orientation="h",
            text=[f"{value:.1f} %" for value in percents],
            textposition="auto",
            marker_color="#ff9d00",
            hovertemplate="%{y}: %{x:.2f} %<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"title": axis_title, "range": [0, 100], "ticksuffix": " %"},
        yaxis={"autorange": "reversed", "automargin": True},
        height=80 + 34 * len(predictions),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
    )
    return figure
