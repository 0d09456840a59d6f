"""Figures of the "Train your own" page: learning curves, confusion matrix, data vs accuracy."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.quickdraw.training import EpochStats
from core.tasks.colours import ACCENT


def learning_curves(
    history: list[EpochStats], titles: tuple[str, str], names: tuple[str, str], epoch: str
) -> go.Figure:
    """Loss and accuracy per epoch, training against validation."""
    epochs = [s.epoch for s in history]
    figure = make_subplots(rows=1, cols=2, subplot_titles=titles)
    for column, (train_values, val_values) in enumerate(
        (([s.train_loss for s in history], [s.validation_loss for s in history]),
         ([s.train_accuracy for s in history], [s.validation_accuracy for s in history])),
        start=1,
    ):  # fmt: skip
        for values, name, colour in ((train_values, names[0], "#4363d8"),
                                     (val_values, names[1], ACCENT)):  # fmt: skip
            figure.add_trace(
                go.Scatter(x=epochs, y=values, mode="lines+markers", name=name,
                           line={"color": colour}, showlegend=column == 1),
                row=1, col=column,
            )  # fmt: skip
    figure.update_xaxes(title_text=epoch, dtick=1)
    figure.update_yaxes(tickformat=".0%", row=1, col=2)
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 40, "b": 40})
    return figure


def confusion_heatmap(
    counts: np.ndarray, words: tuple[str, ...], axes: tuple[str, str]
) -> go.Figure:
    """Rows: the true class; columns: what the model said."""
    figure = go.Figure(
        go.Heatmap(z=counts, x=list(words), y=list(words), colorscale="Blues", text=counts,
                   texttemplate="%{text}", hovertemplate="%{y} → %{x}: %{z}<extra></extra>")
    )  # fmt: skip
    figure.update_layout(
        xaxis={"title": axes[1], "side": "top"},
        yaxis={"title": axes[0], "autorange": "reversed"},
        height=120 + 32 * len(words),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
    )
    return figure


def accuracy_by_data(runs: list[dict], x_title: str, y_title: str) -> go.Figure:
    """Validation accuracy of each run against its drawings per category."""
    figure = go.Figure(
        go.Scatter(x=[r["per_class"] for r in runs], y=[r["accuracy"] for r in runs],
                   mode="markers+text", text=[f"{r['classes']} cl." for r in runs],
                   textposition="top center", marker={"size": 12, "color": ACCENT})
    )  # fmt: skip
    figure.update_layout(
        xaxis={"title": x_title, "type": "log"},
        yaxis={"title": y_title, "tickformat": ".0%"},
        height=300,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
    )
    return figure
