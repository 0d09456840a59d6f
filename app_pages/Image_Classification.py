"""Image classification: pick an image and one or more models, see and compare their top-k."""

from functools import partial

import streamlit as st

from core.i18n import t
from core.tasks import chart_text
from core.tasks.charts import top_k_bars
from core.tasks.classification import TOP_K_MAX
from core.ui import task_page
from core.ui.lesson_views import closed_set, drawing_pages
from core.ui.pickers import show_input
from core.ui.shared import shared_chart
from core.ui.steps_views import classification_steps
from core.ui.tables import answers_table, comparison_table
from core.ui.widgets import show_chart

task, lang = task_page.start("image-classification")

# The photos on the left, the photo chosen and the answers on the right, the models under the
# photos: on a 1280 × 800 laptop the result is in the first screen, and on a phone (where
# columns stack) the photo and the answers come right after the photos tapped, the models
# after them (they came between, and a tap showed no change in sight).
left, right = st.columns([2, 3])
models, _ = st.columns([2, 3])
with left:
    image = task_page.choose_input(lang, task, "cls")
with models:
    chosen = task_page.choose_models(lang, task, "cls", True, "classification.models_title")
    refs = chosen.refs
task_page.waiting_for_a_model(lang, chosen, image, right)
results = []
with right:
    if image is not None:
        show_input(lang, image, shown_width=280)
    top_k = st.slider(t(lang, "classification.top_k"), 1, TOP_K_MAX, 5, key="cls_top_k")
    if image is not None and refs:
        st.subheader(t(lang, "classification.results_title"))
        # One model under another: side by side, five models left each chart too narrow for
        # its class names.
        for index, ref in enumerate(refs):
            with st.container(key=f"cls_result_{index}"):
                result = task_page.run_model(lang, task, ref, image)
                if result is None:
                    continue
                results.append((ref, result))
                axis = t(lang, "classification.chart_axis")
                bars = partial(top_k_bars, result.top(top_k), axis, lang)  # once for the class
                chart = shared_chart(("top_k", ref, image.digest, top_k, lang), bars)
                answers = result.top(top_k)
                said = chart_text.top_answers(lang, [(p.label, p.score) for p in answers])
                show_chart(lang, st, chart, key=f"cls_chart_{index}", alt=f"{ref.id}. {said}",
                           table=answers_table(lang, answers))  # fmt: skip
                task_page.run_caption(lang, result)

for ref, result in results:
    task_page.code_expander(lang, task, ref, image, top_k, expanded=len(refs) == 1, result=result)
answers = [result for _, result in results]
if len(answers) > 1:
    st.subheader(t(lang, "classification.compare_title"))
    st.dataframe(comparison_table(lang, answers), hide_index=True)
if answers:
    classification_steps(lang, answers[0], image, top_k)

task_page.applications(lang, task)
task_page.lesson_section(lang, "classification.metrics_title", "classification.metrics")
closed_set(lang)
drawing_pages(lang)
task_page.lesson_end(lang, task)
