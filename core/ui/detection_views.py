"""The detection page's interactive lesson on metrics (Streamlit widgets over
`core.tasks.detection_metrics`): IoU between two boxes, precision and recall, PR curves, AP, mAP."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pandas as pd
import streamlit as st

from core.i18n import number, percent, t
from core.tasks import chart_text
from core.tasks.charts import boxes_figure, pr_curves_figure
from core.tasks.detection import Box, Detection
from core.tasks.detection_metrics import (
    EXAMPLE_DETECTIONS,
    EXAMPLE_TRUTHS,
    iou,
    match_detections,
    mean_average_precision,
    pr_curve,
    precision_recall,
)
from core.ui.widgets import decimal_slider, show_chart


def iou_playground(lang: str) -> float:
    """Two boxes the student moves with sliders; returns and shows their IoU."""
    st.subheader(t(lang, "detection.iou_title"))
    st.markdown(t(lang, "detection.iou_text"))
    left, right = st.columns(2)
    boxes = []
    for column, name, start in ((left, "A", (10, 50, 10, 40)), (right, "B", (30, 70, 20, 50))):
        with column:
            x = st.slider(f"{name} · x", 0, 100, start[:2], key=f"det_iou_{name}_x")
            y = st.slider(f"{name} · y", 0, 60, start[2:], key=f"det_iou_{name}_y")
            boxes.append(Box(x[0], y[0], x[1], y[1]))
    value = iou(*boxes)
    st.metric("IoU", number(lang, value, 3))
    colours = ("#4363d8", "#e6194b")
    figure = boxes_figure([(n, b, c) for n, b, c in zip("AB", boxes, colours)], 100, 60)
    coordinates = chart_text.box_list(lang, [(n, (b.xmin, b.ymin, b.xmax, b.ymax))
                                             for n, b in zip("AB", boxes)])  # fmt: skip
    said = t(lang, "charts.iou", boxes=coordinates, iou=number(lang, value, 3))
    show_chart(lang, st, figure, key="det_iou_chart", alt=said)
    return value


def metrics_playground(lang: str) -> None:
    """Precision, recall, PR curves, AP and mAP on a small hand-annotated example."""
    st.subheader(t(lang, "detection.pr_title"))
    st.markdown(t(lang, "detection.pr_text"))
    score = decimal_slider(lang, t(lang, "detection.score_threshold"), (0.0, 1.0), 0.5, 0.05,
                           key="det_pr_score")  # fmt: skip
    iou_threshold = st.radio(t(lang, "detection.iou_threshold"), [0.5, 0.75], horizontal=True,
                             format_func=lambda v: number(lang, v), key="det_pr_iou")  # fmt: skip
    kept = tuple(d for d in EXAMPLE_DETECTIONS if d.score >= score)
    matches = match_detections(kept, EXAMPLE_TRUTHS, iou_threshold)
    scene_name = partial(scene_label, lang)
    # Boxes overlap in a street scene: the drawing numbers the detections (the ground truth in
    # green is unlabelled) and the table beside it says what each number is.
    scene = [("", g.box, "#3cb44b") for g in EXAMPLE_TRUTHS]
    scene += [(str(n), m.detection.box, "#4363d8" if m.true_positive else "#e6194b")
              for n, m in enumerate(matches, start=1)]  # fmt: skip
    drawing, legend = st.columns([3, 2])
    show_chart(lang, drawing, boxes_figure(scene, 100, 60), key="det_pr_scene",
               alt=t(lang, "charts.scene", count=len(matches)))  # fmt: skip
    truths = ", ".join(sorted({scene_name(g.label) for g in EXAMPLE_TRUTHS}))
    legend.caption(t(lang, "detection.scene_legend", classes=truths))
    legend.dataframe(pd.DataFrame([
        {"#": n, t(lang, "detection.col_class"): scene_name(m.detection.label),
         t(lang, "detection.col_confidence"): number(lang, m.detection.score, 2),
         t(lang, "detection.col_match"): "TP" if m.true_positive else "FP"}
        for n, m in enumerate(matches, start=1)
    ]), hide_index=True, key="det_pr_table")  # fmt: skip
    precision, recall, tp, fp, fn = precision_recall(
        EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, score, iou_threshold
    )
    columns = st.columns(5)
    columns[0].metric(
        t(lang, "detection.precision"), "—" if precision is None else number(lang, precision, 2)
    )
    columns[1].metric(t(lang, "detection.recall"), number(lang, recall, 2))
    for column, name, value in zip(columns[2:], ("TP", "FP", "FN"), (tp, fp, fn)):
        column.metric(name, value)

    labels = sorted({g.label for g in EXAMPLE_TRUTHS})
    curves = [
        replace(curve, label=scene_name(curve.label))
        for curve in (
            pr_curve(EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, label, iou_threshold) for label in labels
        )
    ]
    show_chart(
        lang,
        st,
        pr_curves_figure(curves, t(lang, "detection.recall"), t(lang, "detection.precision"), lang),
        key="det_pr_curves",
        alt=t(lang, "charts.pr_curves", classes=", ".join(c.label for c in curves)),
        table=curves_table(lang, curves),
    )
    rows = []
    for threshold in (0.5, 0.75):
        mean, per_class = mean_average_precision(EXAMPLE_DETECTIONS, EXAMPLE_TRUTHS, threshold)
        rows.append({"IoU": number(lang, threshold),
                     **{f"AP {scene_name(k)}": number(lang, v, 3) for k, v in per_class.items()},
                     "mAP": number(lang, mean, 3)})  # fmt: skip
    st.markdown(t(lang, "detection.map_text"))
    st.dataframe(pd.DataFrame(rows).rename(columns={"IoU": t(lang, "detection.iou_threshold")}),
                 hide_index=True, key="det_map_table")  # fmt: skip


def curves_table(lang: str, curves: list) -> pd.DataFrame:
    """The points of each class's precision–recall curve, one row per point."""
    return pd.DataFrame([
        {t(lang, "detection.col_class"): c.label, t(lang, "detection.recall"): number(lang, r, 2),
         t(lang, "detection.precision"): number(lang, p, 2)}
        for c in curves for r, p in zip(c.recalls, c.precisions)
    ])  # fmt: skip


def scene_label(lang: str, label: str) -> str:
    """A class of the practice scene in the student's language (the scene is ours, not a
    model's: its classes are translated, where a model's own labels are not)."""
    return t(lang, f"detection.scene_label.{label}")


def boxes_table(lang: str, detections: tuple[Detection, ...]) -> pd.DataFrame:
    """One row per box, numbered as drawn, with what hovering over it shows: the box's data for
    a keyboard or a screen reader."""
    return pd.DataFrame([
        {"#": n, t(lang, "detection.col_class"): d.label,
         t(lang, "detection.col_confidence"): percent(lang, d.score, 1),
         t(lang, "detection.col_box"): ", ".join(
             number(lang, round(v)) for v in (d.box.xmin, d.box.ymin, d.box.xmax, d.box.ymax))}
        for n, d in enumerate(detections, start=1)
    ])  # fmt: skip


def counts_table(lang: str, counts: dict[str, int]) -> pd.DataFrame:
    """Objects per class (the lesson's "counting objects" application)."""
    return pd.DataFrame(
        [{t(lang, "detection.col_class"): k, t(lang, "detection.col_count"): v}
         for k, v in counts.items()]
    )  # fmt: skip
