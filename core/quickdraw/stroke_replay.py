"""Stroke replay: a drawing as it was drawn, frame by frame, with its real timing.

Raw drawings carry the time of every point (ms since the first), pen-up pauses included; a
frame at time t shows every point drawn up to t. Simplified drawings have no times: their points
are given one `UNTIMED_STEP_MS` each, and the page says so.
"""

from __future__ import annotations

from core.quickdraw.formats import Drawing

UNTIMED_STEP_MS = 30.0


def point_times(drawing: Drawing) -> list[list[float]]:
    """The time of each point, stroke by stroke (made up, evenly, for simplified drawings)."""
    if drawing.timed:
        return [list(stroke[2]) for stroke in drawing.strokes]
    times, clock = [], 0.0
    for stroke in drawing.strokes:
        times.append([clock + i * UNTIMED_STEP_MS for i in range(len(stroke[0]))])
        clock = times[-1][-1] + UNTIMED_STEP_MS * 5 if times[-1] else clock  # a pen-up pause
    return times


def replay_frames(
    drawing: Drawing, frame_ms: float
) -> list[tuple[float, list[tuple[list[float], list[float]]]]]:
    """(time, the strokes drawn so far) every `frame_ms` of drawing time, to the last point."""
    if frame_ms <= 0:
        raise ValueError("frame_ms must be positive")
    times = point_times(drawing)
    end = max((t[-1] for t in times if t), default=0.0)
    frames = []
    steps = int(end // frame_ms) + 1
    for step in range(steps + 1):
        now = min(step * frame_ms, end)
        shown = []
        for stroke, stamps in zip(drawing.strokes, times):
            count = sum(1 for t in stamps if t <= now)
            if count:
                shown.append((list(stroke[0][:count]), list(stroke[1][:count])))
        frames.append((now, shown))
        if now >= end:
            break
    return frames
