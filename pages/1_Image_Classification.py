"""Image classification: pick an image and one or more models, see and compare their top-k."""

import streamlit as st

from core.i18n import t
from core.tasks.charts import top_k_bars
from core.tasks.classification import TOP_K_MAX, classify
from core.tasks.code_snippets import classification_code
from core.ui.widgets import (
    comparison_table,
    image_picker,
    model_picker,
    models_table,
    page_start,
    run_cached,
    show_input,
)

TASK = "image-classification"
lang = page_start("tasks.image-classification.name", "🏷️")

st.title(t(lang, "classification.title"))
st.markdown(t(lang, "classification.definition"))

left, right = st.columns([3, 2])
with left:
    st.subheader(t(lang, "input.title"))
    image = image_picker(lang, "cls", TASK)
    st.subheader(t(lang, "models.title"))
    refs = model_picker(lang, TASK, "cls", multiple=True)
    top_k = st.slider(t(lang, "classification.top_k"), 1, TOP_K_MAX, 5, key="cls_top_k")
with right:
    if image is not None:
        show_input(lang, image)

if image is not None and refs:
    st.header(t(lang, "classification.results_title"))
    results = []
    for index, (column, ref) in enumerate(zip(st.columns(len(refs)), refs)):
        with column:
            st.markdown(f"**[{ref.id}](https://huggingface.co/{ref.id})**")
            result = run_cached(lang, ref, image, classify)
            if result is None:
                continue
            results.append(result)
            figure = top_k_bars(result.top(top_k), t(lang, "classification.chart_axis"))
            st.plotly_chart(figure, key=f"cls_chart_{index}")
            st.caption(
                t(lang, "classification.seconds", seconds=result.seconds, device=result.device)
            )
            with st.expander(t(lang, "classification.code_title"), expanded=len(refs) == 1):
                st.code(classification_code(ref, image, top_k), language="python")
    if len(results) > 1:
        st.subheader(t(lang, "classification.compare_title"))
        st.dataframe(comparison_table(lang, results), hide_index=True)

st.header(t(lang, "classification.applications_title"))
st.markdown(t(lang, "classification.applications"))
st.header(t(lang, "classification.metrics_title"))
st.markdown(t(lang, "classification.metrics"))
st.header(t(lang, "models.table_title"))
st.dataframe(models_table(lang, TASK), hide_index=True)
