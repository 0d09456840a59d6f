"""Plotly figures the pages show; plain functions of results, testable without a server."""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from core.i18n import number, percent
from core.result_cache import ResultCache
from core.tasks.classification import Prediction
from core.tasks.colours import ACCENT, label_colour, text_on
from core.tasks.depth import downsample
from core.tasks.detection import Box, Detection

DISPLAY_WIDTH = 800  # images are sent to the browser no wider than this


LABEL_LINE = 18  # characters a line of a bar's name


def short_label(label: str, width: int = LABEL_LINE, lines: int = 2) -> str:
    """A class name on at most `lines` lines of about `width` characters (Plotly's "<br>"),
    cut with "…" past them: "barrow, garden cart,<br>lawn cart, wheelbarrow"."""
    import textwrap

    wrapped = textwrap.wrap(label, width) or [label]
    if len(wrapped) > lines:
        wrapped = [
            *wrapped[: lines - 1],
            textwrap.shorten(" ".join(wrapped[lines - 1 :]), width, placeholder="…"),
        ]
    return "<br>".join(wrapped)


def top_k_bars(predictions: tuple[Prediction, ...], axis_title: str, lang: str = "en") -> go.Figure:
    """Horizontal bars in percent, the most probable class on top (numbers written for `lang`)."""
    labels = [p.label for p in predictions]
    percents = [round(p.score * 100, 2) for p in predictions]
    figure = go.Figure(
        go.Bar(
            x=percents,
            y=labels,
            orientation="h",
            text=[percent(lang, p.score, 1) for p in predictions],
            textposition="auto",
            marker_color=ACCENT,
            hovertemplate="%{y}: %{x:.2f} %<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"title": axis_title, "range": [0, 100], "ticksuffix": " %"},
        # ImageNet's names run long ("great white shark, white shark, man-eater, …"): shown on
        # two short lines, so that a phone keeps room for the bars (the full name on hover)
        yaxis={
            "autorange": "reversed",
            "automargin": True,
            "tickmode": "array",
            "tickvals": labels,
            "ticktext": [short_label(label) for label in labels],
        },
        height=80 + 34 * len(predictions),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
    )
    return figure


# JPEG data URIs by image digest (about 100 KB each), under their own lock and byte bound.
_SOURCES = ResultCache(8 * 2**20)


def image_source(image: Image.Image, key: str | None = None) -> tuple[str, float]:
    """The image as a JPEG data URI at display size, and the scale applied to it.

    With a `key` (the image's digest) the encoding is kept, so a rerun that only moves a
    slider does not encode the photo again."""
    if key is not None and (kept := _SOURCES.get(key)) is not None:
        return kept
    scale = min(1.0, DISPLAY_WIDTH / image.width)
    shown = image.resize((round(image.width * scale), round(image.height * scale)))
    buffer = io.BytesIO()
    shown.convert("RGB").save(buffer, format="JPEG", quality=85)
    encoded = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode(), scale
    if key is not None:
        _SOURCES.put(key, encoded)
    return encoded


def _rectangle(box: Box, scale: float, colour: str, name: str, hover: str) -> dict:
    x0, y0, x1, y1 = (v * scale for v in (box.xmin, box.ymin, box.xmax, box.ymax))
    return {
        "type": "scatter",
        "x": [x0, x1, x1, x0, x0],
        "y": [y0, y0, y1, y1, y0],
        "mode": "lines",
        "line": {"color": colour, "width": 3},
        "fill": "toself",
        "fillcolor": "rgba(0,0,0,0)",
        "name": name,
        "hoveron": "fills+points",
        "hovertemplate": hover + "<extra></extra>",
        "showlegend": False,
    }


def _label(x: float, y: float, text: str, colour: str, filled: bool) -> dict:
    font = {"color": text_on(colour) if filled else colour, "size": 12}
    label = {"x": x, "y": y, "text": text, "showarrow": False, "xanchor": "left",
             "yanchor": "bottom", "font": font}  # fmt: skip
    return {**label, "bgcolor": colour} if filled else label


# Figures are built in one call from plain dicts: adding traces one by one makes plotly
# revalidate the whole figure each time, which dominated a slider rerun.
def detections_figure(
    image: Image.Image, detections: tuple[Detection, ...], key: str | None = None, lang: str = "en"
) -> go.Figure:
    """The image with a box, label and score per detection; hover shows the box."""
    source, scale = image_source(image, key)
    width, height = round(image.width * scale), round(image.height * scale)
    traces: list[dict] = [{"type": "image", "source": source, "hoverinfo": "skip"}]
    labels = []
    for d in detections:
        colour = label_colour(d.label)
        b = d.box
        hover = (
            f"<b>{d.label}</b> {percent(lang, d.score, 1)}<br>"
            f"x {b.xmin:.0f}–{b.xmax:.0f}, y {b.ymin:.0f}–{b.ymax:.0f}"
        )
        traces.append(_rectangle(b, scale, colour, d.label, hover))
        text = f"{d.label} {percent(lang, d.score)}"
        labels.append(_label(b.xmin * scale, b.ymin * scale, text, colour, True))
    layout = {
        "xaxis": {"visible": False, "range": [0, width]},
        "yaxis": {"visible": False, "range": [height, 0], "scaleanchor": "x"},
        "height": min(700, height + 20),
        "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
        "annotations": labels,
    }
    return go.Figure(data=traces, layout=layout)


def boxes_figure(boxes: list[tuple[str, Box, str]], width: float, height: float) -> go.Figure:
    """Labelled boxes on an empty canvas (y down, as in images). Labels sit at the top left of
    every other box and the top right of the others, so two boxes that start at the same corner
    keep readable labels."""
    traces = [_rectangle(box, 1.0, colour, name, name) for name, box, colour in boxes]
    labels = []
    for index, (name, box, colour) in enumerate(boxes):
        label = _label(box.xmin, box.ymin, name, colour, False)
        if index % 2:
            label |= {"x": box.xmax, "xanchor": "right"}
        labels.append(label)
    layout = {
        "xaxis": {"range": [0, width], "constrain": "domain"},
        "yaxis": {"range": [height, 0], "scaleanchor": "x"},
        "height": 320,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "plot_bgcolor": "#f4f4f4",
        "annotations": labels,
    }
    return go.Figure(data=traces, layout=layout)


def pr_curves_figure(
    curves: list, recall_title: str, precision_title: str, lang: str = "en"
) -> go.Figure:
    """Precision against recall per class, with each class's AP in the legend."""
    figure = go.Figure()
    for curve in curves:
        figure.add_trace(
            go.Scatter(
                x=[0.0, *curve.recalls], y=[1.0, *curve.precisions], mode="lines+markers",
                line={"shape": "hv", "color": label_colour(curve.label)},
                name=f"{curve.label} (AP {number(lang, curve.average_precision, 2)})",
            )
        )  # fmt: skip
    figure.update_layout(
        xaxis={"title": recall_title, "range": [0, 1.05]},
        yaxis={"title": precision_title, "range": [0, 1.05]},
        height=340,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
    )
    return figure


# Perceptually uniform: equal steps in value look like equal steps in colour.
DEPTH_COLOUR_MAPS = ("Viridis", "Magma", "Inferno", "Cividis")
HEATMAP_SIDE = 320  # the browser gets at most this many cells a side
SURFACE_SIDE = 90


def depth_heatmap(
    values: np.ndarray,
    colour_map: str,
    colour_bar: str,
    value_range: tuple[float, float] | None = None,
) -> go.Figure:
    """A depth (or disparity) map as an image, with a colour bar; hover shows the value. Maps
    to be compared share a `value_range`: the same colour is the same value in both."""
    shown = downsample(values, HEATMAP_SIDE)
    step = values.shape[0] / shown.shape[0]
    hover = "x %{x:.0f}, y %{y:.0f}: %{z:.3g}<extra></extra>"
    figure = go.Figure(
        go.Heatmap(
            z=shown, colorscale=colour_map, colorbar={"title": {"text": colour_bar}},
            zmin=value_range[0] if value_range else None,
            zmax=value_range[1] if value_range else None,
            x0=0, dx=step, y0=0, dy=step, hovertemplate=hover,
        )
    )  # fmt: skip
    figure.update_layout(
        yaxis={"autorange": "reversed", "scaleanchor": "x", "visible": False},
        xaxis={"visible": False},
        height=min(520, 80 + 420 * values.shape[0] // max(values.shape[1], 1)),
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
    )
    return figure


def depth_surface(nearness: np.ndarray, image: Image.Image, axis: str) -> go.Figure:
    """A 3D relief of the scene, nearer parts higher, coloured with the photo's grey levels."""
    heights = downsample(nearness, SURFACE_SIDE)
    grey = np.asarray(image.convert("L").resize((heights.shape[1], heights.shape[0])), float)
    figure = go.Figure(
        go.Surface(z=heights, surfacecolor=grey, colorscale="Greys", reversescale=True,
                   showscale=False, hovertemplate=f"{axis}: %{{z:.3g}}<extra></extra>")
    )  # fmt: skip
    figure.update_layout(
        scene={"zaxis": {"title": {"text": axis}}, "yaxis": {"autorange": "reversed"},
               "aspectratio": {"x": 1.4, "y": 1.4 * heights.shape[0] / heights.shape[1], "z": 0.6},
               "camera": {"eye": {"x": 0.2, "y": -1.6, "z": 1.4}}},
        height=520, margin={"l": 0, "r": 0, "t": 0, "b": 0},
    )  # fmt: skip
    return figure


def shares_bars(shares: list, axis_title: str, instances_title: str, lang: str = "en") -> go.Figure:
    """The legend: each class in its overlay colour, with its share of the image."""
    figure = go.Figure(
        go.Bar(
            x=[round(s.share * 100, 2) for s in shares],
            y=[s.label for s in shares],
            orientation="h",
            marker_color=[label_colour(s.label) for s in shares],
            text=[percent(lang, s.share, 1) for s in shares],
            customdata=[s.instances for s in shares],
            hovertemplate="%{y}: %{x:.1f} %<br>"
            + instances_title
            + ": %{customdata}<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"title": axis_title, "ticksuffix": " %"},
        yaxis={"autorange": "reversed", "automargin": True},
        height=80 + 28 * len(shares),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
    )
    return figure
