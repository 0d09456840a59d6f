"""The drawing canvas (streamlit-drawable-canvas) back to strokes in the dataset's own form.

Each free-drawn stroke is a fabric.js `Path` object whose `path` is `[["M", x, y],
["Q", cx, cy, x, y], …, ["L", x, y]]` in canvas pixels: the pencil smooths the pointer's
positions into quadratic curves. Sampling each curve turns it back into a polyline, which then
goes through the one rasterizer, `core.quickdraw.formats.to_bitmap`, like the dataset's drawings.
"""

from __future__ import annotations

from core.quickdraw.formats import Stroke

CURVE_SAMPLES = (0.5, 1.0)  # points taken along each quadratic piece


def path_to_stroke(path: list) -> Stroke:
    """One fabric.js path → (xs, ys); raises ValueError on anything else."""
    xs: list[float] = []
    ys: list[float] = []
    for command in path:
        if not isinstance(command, (list, tuple)) or not command:
            raise ValueError("a path command is a list like ['M', x, y]")
        kind, *values = command
        numbers = [float(v) for v in values]
        if kind in ("M", "L") and len(numbers) == 2:
            xs.append(numbers[0])
            ys.append(numbers[1])
        elif kind == "Q" and len(numbers) == 4 and xs:
            (cx, cy, x, y), (x0, y0) = numbers, (xs[-1], ys[-1])
            for t in CURVE_SAMPLES:
                xs.append((1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t * t * x)
                ys.append((1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t * t * y)
        else:
            raise ValueError(f"unexpected path command {command!r}")
    if not xs:
        raise ValueError("an empty path")
    return tuple(xs), tuple(ys)


def canvas_to_strokes(json_data: dict | None) -> tuple[Stroke, ...]:
    """Every free-drawn stroke on the canvas; other objects and malformed paths are ignored."""
    strokes = []
    objects = json_data.get("objects") if isinstance(json_data, dict) else None
    for item in objects if isinstance(objects, list) else []:
        if isinstance(item, dict) and str(item.get("type", "path")).lower() == "path":
            try:
                strokes.append(path_to_stroke(item.get("path") or []))
            except (ValueError, TypeError):
                continue
    return tuple(strokes)


def stroke_to_path(xs: list[float], ys: list[float]) -> list:
    """Strokes as the canvas's pencil would record them (for tests and replays): the points
    become the curves' control points, their midpoints the curves' ends."""
    path: list = [["M", xs[0], ys[0]]]
    for (x0, y0), (x1, y1) in zip(zip(xs, ys), zip(xs[1:], ys[1:])):
        path.append(["Q", x0, y0, (x0 + x1) / 2, (y0 + y1) / 2])
    path.append(["L", xs[-1], ys[-1]])
    return path
