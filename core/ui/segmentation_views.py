"""The segmentation page's legend (each class's colour, share of the image and instances) and
its interactive lesson on mask IoU and mIoU."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.i18n import number, percent, t
from core.tasks import chart_text
from core.tasks.charts import shares_bars
from core.tasks.segmentation import SegmentationResult
from core.tasks.segmentation_metrics import (
    CLASSES,
    EXAMPLE_PREDICTION,
    TRUTH_CHOICE,
    WIDTH,
    SceneChoice,
    scene,
    scores,
)
from core.ui.widgets import show_chart


def legend_and_table(lang: str, result: SegmentationResult) -> None:
    """A bar per class in its overlay colour, and the same figures as a table."""
    if not result.segments:
        st.info(t(lang, "segmentation.empty"))
        return
    shares = result.shares()
    legend, table = st.columns([3, 2])
    instances = t(lang, "segmentation.col_instances")
    share = t(lang, "segmentation.share")
    said = chart_text.shares(lang, [(s.label, s.share) for s in shares])
    show_chart(
        lang, legend, shares_bars(shares, share, instances, lang), key="seg_legend", alt=said
    )  # the table beside it has the same figures
    rows = [
        {
            t(lang, "detection.col_class"): s.label,
            instances: s.instances,
            share: percent(lang, s.share, 1),
        }
        for s in shares
    ]
    table.dataframe(pd.DataFrame(rows), hide_index=True, key="seg_table")


SCENE_COLOURS = {"sky": (135, 206, 235), "building": (150, 150, 150), "road": (70, 70, 70),
                 "car": (230, 25, 75)}  # fmt: skip
CELL = 12  # screen pixels per scene pixel


def _picture(grid: np.ndarray) -> np.ndarray:
    colours = np.array([SCENE_COLOURS[name] for name in CLASSES], dtype=np.uint8)
    return np.repeat(np.repeat(colours[grid], CELL, axis=0), CELL, axis=1)


def metrics_playground(lang: str) -> None:
    """Mask IoU per class, mIoU and pixel accuracy on a small street scene; the student moves
    the prediction's boundaries and its car, and every value is computed again."""
    st.header(t(lang, "segmentation.metrics_title"))
    st.markdown(t(lang, "segmentation.metrics_text"))
    left, middle, right = st.columns(3)
    choice = SceneChoice(
        left.slider(t(lang, "segmentation.sky_ends"), 3, 9, EXAMPLE_PREDICTION.sky_ends,
                    key="seg_m_sky"),
        middle.slider(t(lang, "segmentation.road_starts"), 9, 14, EXAMPLE_PREDICTION.road_starts,
                      key="seg_m_road"),
        right.slider(t(lang, "segmentation.car_starts"), 0, WIDTH - 8,
                     EXAMPLE_PREDICTION.car_starts, key="seg_m_car"),
    )  # fmt: skip
    truth, predicted = scene(TRUTH_CHOICE), scene(choice)
    names = ", ".join(
        f"{t(lang, f'segmentation.scene_label.{name}')} ({t(lang, f'segmentation.colour.{name}')})"
        for name in CLASSES
    )
    pictures = st.columns(2)
    for where, grid, key in (
        (pictures[0], truth, "scene_truth"),
        (pictures[1], predicted, "scene_prediction"),
    ):
        told = t(lang, f"segmentation.{key}")
        where.image(_picture(grid), caption=told, alt=f"{told}: {names}")
    st.caption(names)
    found = scores(predicted, truth)
    rows = [
        {t(lang, "detection.col_class"): t(lang, f"segmentation.scene_label.{name}"),
         "IoU": number(lang, value, 3)}
        for name, value in found.ious.items()
    ]  # fmt: skip
    table, values = st.columns([2, 1])
    table.dataframe(pd.DataFrame(rows), hide_index=True, key="seg_m_table")
    values.metric("mIoU", number(lang, found.mean_iou, 3))
    values.metric(t(lang, "segmentation.pixel_accuracy"), percent(lang, found.pixel_accuracy, 1))
    st.markdown(t(lang, "segmentation.instance_ap"))
