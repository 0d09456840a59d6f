"""Image segmentation: a coloured overlay per class or object, its legend, and the subtasks."""

import pandas as pd
import streamlit as st

from core.i18n import t
from core.models.registry import MODELS
from core.tasks.charts import shares_bars
from core.tasks.code_snippets import segmentation_code
from core.tasks.segmentation import SUBTASKS, overlay, segment
from core.ui.widgets import image_picker, model_picker, models_table, page_start, run_cached

TASK = "image-segmentation"
lang = page_start("tasks.image-segmentation.name", "🧩")

st.title(t(lang, "segmentation.title"))
st.markdown(t(lang, "segmentation.definition"))

left, right = st.columns([2, 3])
with left:
    st.subheader(t(lang, "input.title"))
    image = image_picker(lang, "seg", TASK)
    st.subheader(t(lang, "models.title"))
    refs = model_picker(lang, TASK, "seg")
    spec = MODELS.get(refs[0].id) if refs else None
    subtasks = spec.subtasks if spec else SUBTASKS
    subtask = st.radio(
        t(lang, "segmentation.subtask"),
        subtasks,
        horizontal=True,
        format_func=lambda name: t(lang, f"segmentation.{name}"),
        key="seg_subtask",
    )
    opacity = st.slider(t(lang, "segmentation.opacity"), 0.0, 1.0, 0.6, 0.05, key="seg_opacity")

if image is not None and refs:
    ref = refs[0]
    result = run_cached(lang, ref, image, segment, subtask)
    with right:
        st.markdown(f"**[{ref.id}](https://huggingface.co/{ref.id})**")
        if result is not None:
            shares = result.shares()
            labels = [s.label for s in shares]
            hidden = st.multiselect(t(lang, "segmentation.hide"), labels, key="seg_hidden")
            shown = overlay(image.image, result.segments, set(hidden), opacity)
            st.image(shown, output_format="JPEG")
            st.caption(
                t(lang, "segmentation.found", segments=len(result.segments), classes=len(labels))
                + " · "
                + t(lang, "classification.seconds", seconds=result.seconds, device=result.device)
            )
    if result is not None:
        if not result.segments:
            st.info(t(lang, "segmentation.empty"))
        else:
            legend, table = st.columns([3, 2])
            instances = t(lang, "segmentation.col_instances")
            figure = shares_bars(shares, t(lang, "segmentation.share"), instances)
            legend.plotly_chart(figure, key="seg_legend")
            rows = [{t(lang, "detection.col_class"): s.label, instances: s.instances,
                     t(lang, "segmentation.share"): f"{s.share:.1%}"} for s in shares]  # fmt: skip
            table.dataframe(pd.DataFrame(rows), hide_index=True, key="seg_table")
        with st.expander(t(lang, "classification.code_title")):
            st.code(segmentation_code(ref, image, subtask), language="python")

st.header(t(lang, "segmentation.subtasks_title"))
st.markdown(t(lang, "segmentation.subtasks_text"))
st.header(t(lang, "classification.applications_title"))
st.markdown(t(lang, "segmentation.applications"))
st.header(t(lang, "models.table_title"))
st.dataframe(models_table(lang, TASK), hide_index=True)
