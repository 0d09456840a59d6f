"""Object detection: boxes, classes and scores over the image; counts; how detection is measured."""

import streamlit as st

from core.i18n import t, tn
from core.tasks import chart_text
from core.tasks.charts import detections_figure
from core.tasks.detection import MIN_SCORE
from core.ui import task_page
from core.ui.detection_views import boxes_table, counts_table, iou_playground, metrics_playground
from core.ui.steps_views import detection_steps
from core.ui.widgets import decimal_slider, show_chart

task, lang = task_page.start("object-detection")

left, right = st.columns([2, 3])
with left:
    image, chosen = task_page.choose_input_and_models(lang, task, "det")
    refs = chosen.refs
task_page.waiting_for_a_model(lang, chosen, image, right)
with right:  # the threshold beside the boxes it filters
    threshold = decimal_slider(lang, t(lang, "detection.threshold"), (MIN_SCORE, 1.0), 0.5, 0.05,
                               key="det_threshold")  # fmt: skip
    if image is not None and refs:
        result = task_page.run_model(lang, task, refs[0], image)
        if result is not None:
            kept = result.above(threshold)
            figure = detections_figure(image.image, kept, image.digest, lang)
            said = chart_text.boxes(lang, [(d.label, d.score) for d in kept])
            table = boxes_table(lang, kept) if kept else None  # what hovering a box shows
            show_chart(lang, st, figure, key="det_chart", alt=said, table=table)
            found = tn(lang, "detection.found", len(kept), threshold=threshold)
            task_page.run_caption(lang, result, found)
            if kept:
                st.dataframe(counts_table(lang, result.counts(threshold)), hide_index=True,
                             key="det_counts")  # fmt: skip
            detection_steps(lang, result, threshold, len(kept))
            task_page.code_expander(lang, task, refs[0], image, threshold, result=result)

task_page.applications(lang, task)
st.header(t(lang, "detection.metrics_title"))
iou_playground(lang)
metrics_playground(lang)
task_page.lesson_end(lang, task)
