"""The segmentation page's legend: each class's colour, share of the image and instances."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.i18n import percent, t
from core.tasks.charts import shares_bars
from core.tasks.segmentation import SegmentationResult
from core.ui.page import show_chart


def legend_and_table(lang: str, result: SegmentationResult) -> None:
    """A bar per class in its overlay colour, and the same figures as a table."""
    if not result.segments:
        st.info(t(lang, "segmentation.empty"))
        return
    shares = result.shares()
    legend, table = st.columns([3, 2])
    instances = t(lang, "segmentation.col_instances")
    share = t(lang, "segmentation.share")
    show_chart(lang, legend, shares_bars(shares, share, instances, lang), key="seg_legend")
    rows = [
        {
            t(lang, "detection.col_class"): s.label,
            instances: s.instances,
            share: percent(lang, s.share, 1),
        }
        for s in shares
    ]
    table.dataframe(pd.DataFrame(rows), hide_index=True, key="seg_table")
