"""The depth page's check against ground truth (Streamlit widgets over `core.tasks.depth`)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.i18n import number, percent, significant, t
from core.models.model_ref import ModelRef
from core.models.registry import TaskSpec
from core.tasks import chart_text
from core.tasks.charts import depth_heatmap
from core.tasks.depth import compare_with_disparity, motorcycle_disparity
from core.tasks.image_input import sample_photo
from core.ui.runs import run_cached
from core.ui.widgets import show_chart


def ground_truth_check(lang: str, task: TaskSpec, ref: ModelRef, colour_map: str) -> None:
    """The model on the Middlebury motorcycle, aligned to its measured disparity: the scores
    and both maps side by side."""
    motorcycle = sample_photo("motorcycle")
    result = run_cached(lang, ref, motorcycle)
    if result is None:
        return
    comparison = compare_with_disparity(result, motorcycle_disparity())
    columns = st.columns(4)
    columns[0].metric(t(lang, "depth.abs_rel"), number(lang, comparison.abs_rel, 3))
    columns[1].metric(t(lang, "depth.delta1"), percent(lang, comparison.delta1, 1))
    columns[2].metric(t(lang, "depth.scale"), significant(lang, comparison.scale))
    columns[3].metric(t(lang, "depth.shift"), significant(lang, comparison.shift))
    truth, prediction = st.columns(2)
    disparity = t(lang, "depth.disparity")
    known = comparison.target[np.isfinite(comparison.target)]
    shared = (float(known.min()), float(known.max()))  # one colour scale for both maps
    with truth:
        st.markdown(f"**{t(lang, 'depth.ground_truth')}**")
        figure = depth_heatmap(comparison.target, colour_map, disparity, shared)
        said = chart_text.depth_map(lang, comparison.target, disparity)
        show_chart(lang, st, figure, key="dep_gt", alt=f"{t(lang, 'depth.ground_truth')}. {said}")
    with prediction:
        st.markdown(f"**{t(lang, 'depth.aligned')}**")
        figure = depth_heatmap(comparison.aligned, colour_map, disparity, shared)
        said = chart_text.depth_map(lang, comparison.aligned, disparity)
        show_chart(lang, st, figure, key="dep_al", alt=f"{t(lang, 'depth.aligned')}. {said}")
    st.caption(t(lang, "depth.shared_scale"))
