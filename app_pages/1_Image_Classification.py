"""Image classification: pick an image and one or more models, see and compare their top-k."""

import streamlit as st

from core.i18n import t
from core.tasks.charts import top_k_bars
from core.tasks.classification import TOP_K_MAX
from core.ui import task_page
from core.ui.lesson_views import closed_set, drawing_pages
from core.ui.page import show_chart
from core.ui.pickers import show_input
from core.ui.steps_views import classification_steps
from core.ui.tables import comparison_table

task, lang = task_page.start("image-classification")

left, right = st.columns([3, 2])
with left:
    image, refs = task_page.choose_input_and_models(lang, task, "cls", multiple=True)
    top_k = st.slider(t(lang, "classification.top_k"), 1, TOP_K_MAX, 5, key="cls_top_k")
with right:
    if image is not None:
        show_input(lang, image)

if image is not None and refs:
    st.header(t(lang, "classification.results_title"))
    results = []
    for index, (column, ref) in enumerate(zip(st.columns(len(refs)), refs)):
        with column:
            result = task_page.run_model(lang, task, ref, image)
            if result is None:
                continue
            results.append(result)
            figure = top_k_bars(result.top(top_k), t(lang, "classification.chart_axis"), lang)
            show_chart(lang, st, figure, key=f"cls_chart_{index}")
            task_page.run_caption(lang, result)
            task_page.code_expander(
                lang, task, ref, image, top_k, expanded=len(refs) == 1, result=result
            )
    if len(results) > 1:
        st.subheader(t(lang, "classification.compare_title"))
        st.dataframe(comparison_table(lang, results), hide_index=True)
    if results:
        classification_steps(lang, results[0], image, top_k)

task_page.applications(lang, task)
task_page.lesson_section(lang, "classification.metrics_title", "classification.metrics")
closed_set(lang)
drawing_pages(lang)
task_page.lesson_end(lang, task)
