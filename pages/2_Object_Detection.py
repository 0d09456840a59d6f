"""Object detection: boxes, classes and scores over the image; counts; how detection is measured."""

import streamlit as st

from core.i18n import t
from core.tasks.charts import detections_figure
from core.tasks.code_snippets import detection_code
from core.tasks.detection import MIN_SCORE, detect
from core.ui.detection_views import counts_table, iou_playground, metrics_playground
from core.ui.widgets import image_picker, model_picker, models_table, page_start, run_cached

TASK = "object-detection"
lang = page_start("tasks.object-detection.name", "📦")

st.title(t(lang, "detection.title"))
st.markdown(t(lang, "detection.definition"))

left, right = st.columns([2, 3])
with left:
    st.subheader(t(lang, "input.title"))
    image = image_picker(lang, "det", TASK)
    st.subheader(t(lang, "models.title"))
    refs = model_picker(lang, TASK, "det")
    threshold = st.slider(t(lang, "detection.threshold"), MIN_SCORE, 1.0, 0.5, 0.05,
                          key="det_threshold")  # fmt: skip
with right:
    if image is not None and refs:
        ref = refs[0]
        st.markdown(f"**[{ref.id}](https://huggingface.co/{ref.id})**")
        result = run_cached(lang, ref, image, detect)
        if result is not None:
            kept = result.above(threshold)
            figure = detections_figure(image.image, kept, image.digest)
            st.plotly_chart(figure, key="det_chart")
            st.caption(
                t(lang, "detection.found", count=len(kept), threshold=threshold)
                + " · "
                + t(lang, "classification.seconds", seconds=result.seconds, device=result.device)
            )
            if kept:
                st.dataframe(counts_table(lang, result.counts(threshold)), hide_index=True,
                             key="det_counts")  # fmt: skip
            with st.expander(t(lang, "classification.code_title")):
                st.code(detection_code(ref, image, threshold), language="python")

st.header(t(lang, "classification.applications_title"))
st.markdown(t(lang, "detection.applications"))
st.header(t(lang, "detection.metrics_title"))
iou_playground(lang)
metrics_playground(lang)
st.header(t(lang, "models.table_title"))
st.dataframe(models_table(lang, TASK), hide_index=True)
