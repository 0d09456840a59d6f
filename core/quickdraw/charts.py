"""Figures of the Quick, Draw! explorer: the thumbnail grid, stroke replay, strokes with their
points, the world map and the distributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.i18n import number
from core.quickdraw.formats import Drawing, to_bitmap
from core.quickdraw.stroke_replay import replay_frames
from core.tasks.colours import ACCENT

GRID_CELL = 64  # pixels per thumbnail


def thumbnail_grid(drawings: list[Drawing], columns: int = 10) -> np.ndarray:
    """Every drawing through `to_bitmap`, black on white, in a numbered grid."""
    rows = max(1, -(-len(drawings) // columns))
    gap = 2
    size = GRID_CELL + gap
    grid = np.full((rows * size + gap, columns * size + gap), 200, dtype=np.uint8)
    for index, drawing in enumerate(drawings):
        row, column = divmod(index, columns)
        top, left = gap + row * size, gap + column * size
        grid[top : top + GRID_CELL, left : left + GRID_CELL] = 255 - to_bitmap(
            drawing.strokes, GRID_CELL
        )
    return grid


def grid_picture(drawings: list[Drawing], columns: int = 10) -> tuple[str, tuple[int, int]]:
    """The thumbnail grid as a PNG the browser can show (a data URI), and its shape."""
    import base64
    import io

    from PIL import Image

    grid = thumbnail_grid(drawings, columns)
    buffer = io.BytesIO()
    Image.fromarray(grid).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(), grid.shape


def grid_figure(
    drawings: list[Drawing],
    hover: list[str],
    columns: int = 10,
    picked: int | None = None,
    picture: tuple[str, tuple[int, int]] | None = None,
) -> go.Figure:
    """The thumbnail grid as a figure whose cells can be clicked (one invisible point each),
    the `picked` one (numbered from 1) framed in orange: what a click chose, where it was."""
    source, (height, width) = picture or grid_picture(drawings, columns)
    size = GRID_CELL + 2
    centres = [divmod(index, columns) for index in range(len(drawings))]
    frames = []
    if picked is not None and 1 <= picked <= len(drawings):
        row, column = centres[picked - 1]
        left, top = 1 + column * size, 1 + row * size
        frames.append({"type": "rect", "x0": left, "x1": left + size, "y0": top,
                       "y1": top + size, "line": {"color": ACCENT, "width": 3}})  # fmt: skip
    figure = go.Figure(
        data=[
            {"type": "image", "source": source, "hoverinfo": "skip"},
            {
                "type": "scatter",
                "x": [2 + column * size + GRID_CELL / 2 for _, column in centres],
                "y": [2 + row * size + GRID_CELL / 2 for row, _ in centres],
                "customdata": list(range(1, len(drawings) + 1)),
                "text": hover,
                "mode": "markers",
                "marker": {"size": 44, "symbol": "square", "opacity": 0.01, "color": ACCENT},
                "hovertemplate": "%{text}<extra></extra>",
            },
        ],
        layout={
            "xaxis": {"visible": False, "range": [0, width]},
            "yaxis": {"visible": False, "range": [height, 0], "scaleanchor": "x"},
            "height": 40 + height,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "dragmode": False,
            "shapes": frames,
        },
    )
    return figure


def _path(strokes: list[tuple[list[float], list[float]]]) -> tuple[list, list]:
    """All strokes as one line, pen lifts as gaps (None), to a tenth of a pixel: the raw
    format's float32 coordinates written whole ("414.48199462890625") made the replay's
    frames three times as long to send."""
    xs: list = []
    ys: list = []
    for stroke_x, stroke_y in strokes:
        xs += [*(round(float(x), 1) for x in stroke_x), None]
        ys += [*(round(float(y), 1) for y in stroke_y), None]
    return xs, ys


def _extent(drawing: Drawing) -> tuple[list[float], list[float]]:
    xs = [x for s in drawing.strokes for x in s[0]]
    ys = [y for s in drawing.strokes for y in s[1]]
    pad = 0.05 * max(max(xs) - min(xs), max(ys) - min(ys), 1)
    return [min(xs) - pad, max(xs) + pad], [max(ys) + pad, min(ys) - pad]  # y grows downwards


def replay_figure(
    drawings: list[Drawing],
    titles: list[str],
    frame_ms: float,
    speed: float,
    play: str,
    pause: str,
    clock: str = "t",
    lang: str = "en",
) -> go.Figure:
    """Several drawings replayed side by side on one clock, with play and pause. Before ▶ each
    drawing shows whole in light grey (the replay draws over it in black), and a slider under
    them reads the clock (`clock`, in seconds of the drawings' own time) and moves it."""
    frames_each = [replay_frames(d, frame_ms) for d in drawings]
    steps = max(len(f) for f in frames_each)
    figure = make_subplots(rows=1, cols=len(drawings), subplot_titles=titles)
    for column, drawing in enumerate(drawings, start=1):
        ghost_x, ghost_y = _path([(list(s[0]), list(s[1])) for s in drawing.strokes])
        figure.add_trace(
            go.Scatter(x=ghost_x, y=ghost_y, mode="lines", line={"color": "#d0d0d0", "width": 2},
                       showlegend=False, hoverinfo="skip"),
            row=1, col=column,
        )  # fmt: skip
        xs, ys = _path(frames_each[column - 1][0][1])
        figure.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines", line={"color": "black", "width": 3},
                       showlegend=False, hoverinfo="skip"),
            row=1, col=column,
        )  # fmt: skip
        x_range, y_range = _extent(drawing)
        figure.update_xaxes(range=x_range, visible=False, row=1, col=column)
        figure.update_yaxes(
            range=y_range,
            visible=False,
            scaleanchor=f"x{column if column > 1 else ''}",
            row=1,
            col=column,
        )
    frames = []
    for step in range(steps):
        data = []
        for each in frames_each:
            xs, ys = _path(each[min(step, len(each) - 1)][1])
            data.append(go.Scatter(x=xs, y=ys))
        # each subplot holds its ghost, then its replay (drawn over it): traces 1, 3, 5…
        traces = [2 * index + 1 for index in range(len(drawings))]
        frames.append(go.Frame(data=data, name=str(step), traces=traces))
    figure.frames = frames
    duration = frame_ms / speed
    figure.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        sliders=[{
            "active": 0, "x": 0.12, "len": 0.88, "y": 0, "pad": {"t": 10},
            "currentvalue": {"prefix": f"{clock} = ", "suffix": " s", "visible": True},
            "font": {"color": "rgba(0,0,0,0)"}, "tickcolor": "rgba(0,0,0,0)",
            "steps": [
                {"label": number(lang, step * frame_ms / 1000, 1), "method": "animate",
                 "args": [[str(step)], {"mode": "immediate", "frame": {"duration": 0,
                                        "redraw": False}, "transition": {"duration": 0}}]}
                for step in range(steps)
            ],
        }],
        updatemenus=[{
            "type": "buttons", "direction": "left", "x": 0, "y": -0.02, "xanchor": "left",
            "buttons": [
                {"label": play, "method": "animate",
                 "args": [None, {"frame": {"duration": duration, "redraw": False},
                                 "transition": {"duration": 0}, "fromcurrent": True}]},
                {"label": pause, "method": "animate",
                 "args": [[None], {"frame": {"duration": 0, "redraw": False},
                                   "mode": "immediate", "transition": {"duration": 0}}]},
            ],
        }],
    )  # fmt: skip
    return figure


def strokes_figure(strokes, title: str) -> go.Figure:
    """Strokes with each recorded point marked: how much detail a format keeps."""
    xs, ys = _path([(list(s[0]), list(s[1])) for s in strokes])
    figure = go.Figure(
        go.Scatter(x=xs, y=ys, mode="lines+markers", line={"color": "black", "width": 2},
                   marker={"size": 4, "color": ACCENT}, hoverinfo="skip")
    )  # fmt: skip
    figure.update_layout(
        title={"text": title, "font": {"size": 14}},
        xaxis={"visible": False},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x"},
        height=300,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return figure


# Where the browser finds `world_110m.json` (`static/`, served by Streamlit as `app/static/`),
# relative to the page, so it holds under a base URL path too. plotly's own default is its CDN.
WORLD_SHAPES_URL = "app/static/"


def world_map(counts: pd.DataFrame, label: str) -> go.Figure:
    """Drawings per country on a world map."""
    figure = px.choropleth(
        counts, locations="iso3", color="drawings", hover_name="name",
        color_continuous_scale="Viridis", labels={"drawings": label}, hover_data={"iso3": False},
    )  # fmt: skip
    # Only the countries: the app serves their shapes itself (`WORLD_SHAPES_URL`), with no
    # coastlines, land or lakes, so no layer sends the browser to plotly's CDN for more.
    figure.update_geos(
        showcountries=True, countrycolor="#b0b0b0", showcoastlines=False, showland=False,
        showocean=False, showlakes=False, showrivers=False, showsubunits=False,
        # Greenwich in the middle, no Antarctica (no one draws there): plotly would otherwise
        # centre the map on the countries' shapes, the Pacific, and cut Asia at its edge.
        center={"lon": 0, "lat": 0}, projection_rotation_lon=0, lonaxis_range=[-180, 180],
        lataxis_range=[-60, 85],
    )  # fmt: skip
    figure.update_layout(height=380, margin={"l": 0, "r": 0, "t": 10, "b": 0})
    return figure


def distribution(table: pd.DataFrame, column: str, label: str, count_label: str) -> go.Figure:
    """How a number (strokes, points, seconds) spreads over the drawings, per category."""
    figure = px.histogram(table, x=column, color="word", barmode="overlay", nbins=30,
                          labels={column: label, "word": ""})  # fmt: skip
    figure.update_traces(hovertemplate=f"{label}: %{{x}}<br>{count_label}: %{{y}}")
    figure.update_layout(height=280, margin={"l": 10, "r": 10, "t": 10, "b": 40},
                         yaxis_title=count_label)  # fmt: skip
    return figure
