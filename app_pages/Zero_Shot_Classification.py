"""Zero-shot image classification: write the classes, and a model that joins images and texts
scores the photo against each."""

from functools import partial

import streamlit as st

from core.i18n import t
from core.tasks import chart_text
from core.tasks.charts import top_k_bars
from core.ui import task_page
from core.ui.pickers import show_input
from core.ui.shared import shared_chart
from core.ui.steps_views import zero_shot_steps
from core.ui.tables import answers_table
from core.ui.widgets import show_chart
from core.ui.zero_shot_views import write_classes

task, lang = task_page.start("zero-shot-image-classification")

left, right = st.columns([2, 3])
models, _ = st.columns([2, 3])
with left:
    image = task_page.choose_input(lang, task, "zs")
with models:
    chosen = task_page.choose_models(lang, task, "zs")
    refs = chosen.refs
task_page.waiting_for_a_model(lang, chosen, image, right)
result = None
with right:
    if image is not None:
        show_input(lang, image, shown_width=280)
    classes, template = write_classes(lang)
    if image is not None and refs and classes:
        st.subheader(t(lang, "zero_shot.results_title"))
        ref = refs[0]
        result = task_page.run_model(lang, task, ref, image, classes, template)
        if result is not None:
            axis = t(lang, "classification.chart_axis")
            bars = partial(top_k_bars, result.predictions, axis, lang)  # once for the class
            chart = shared_chart(("zero_shot", ref, image.digest, classes, template, lang), bars)
            said = chart_text.top_answers(lang, [(p.label, p.score) for p in result.predictions])
            show_chart(lang, st, chart, key="zs_chart", alt=f"{ref.id}. {said}",
                       table=answers_table(lang, result.predictions))  # fmt: skip
            sigmoid = result.steps is not None and result.steps.activation == "sigmoid"
            st.caption(t(lang, "zero_shot.sigmoid_note" if sigmoid else "zero_shot.softmax_note"))
            task_page.run_caption(lang, result)

if result is not None:
    task_page.code_expander(lang, task, refs[0], image, classes, template, expanded=True,
                            result=result)  # fmt: skip
    zero_shot_steps(lang, result, image)

task_page.lesson_section(lang, "zero_shot.prompts_title", "zero_shot.prompts")
task_page.applications(lang, task)
task_page.lesson_end(lang, task)
