"""Image segmentation: a coloured overlay per class or object, its legend, and the subtasks."""

import streamlit as st

from core.i18n import percent, t, tn
from core.models.registry import MODELS
from core.tasks.segmentation import SUBTASKS, overlay
from core.ui import task_page
from core.ui.segmentation_views import legend_and_table, metrics_playground
from core.ui.steps_views import segmentation_steps
from core.ui.widgets import decimal_slider, pick_many

task, lang = task_page.start("image-segmentation")

left, right = st.columns([2, 3])
with left:
    image, chosen = task_page.choose_input_and_models(lang, task, "seg")
    refs = chosen.refs
    spec = MODELS.get(refs[0].id) if refs else None
    subtask = st.radio(t(lang, "segmentation.subtask"), spec.subtasks if spec else SUBTASKS,
                       horizontal=True, format_func=lambda name: t(lang, f"segmentation.{name}"),
                       key="seg_subtask")  # fmt: skip

task_page.waiting_for_a_model(lang, chosen, image, right)
with right:  # the opacity beside the overlay it changes
    opacity = decimal_slider(lang, t(lang, "segmentation.opacity"), (0.0, 1.0), 0.6, 0.05,
                             key="seg_opacity")  # fmt: skip

if image is not None and refs:
    with right:
        result = task_page.run_model(lang, task, refs[0], image, subtask)
        if result is not None:
            labels = [share.label for share in result.shares()]
            hidden = pick_many(lang, t(lang, "segmentation.hide"), labels, key="seg_hidden")
            shares = ", ".join(f"{share.label} {percent(lang, share.share)}"
                               for share in result.shares()[:5])  # fmt: skip
            st.image(overlay(image.image, result.segments, set(hidden), opacity),
                     output_format="JPEG", alt=t(lang, "segmentation.overlay_alt",
                                                 shares=shares or "—"))  # fmt: skip
            segments = tn(lang, "segmentation.segments", len(result.segments))
            classes = tn(lang, "segmentation.classes", len(labels))
            found = t(lang, "segmentation.found", segments=segments, classes=classes)
            task_page.run_caption(lang, result, found)
    if result is not None:
        legend_and_table(lang, result)
        segmentation_steps(lang, result, image)
        task_page.code_expander(lang, task, refs[0], image, subtask, result=result)

task_page.lesson_section(lang, "segmentation.subtasks_title", "segmentation.subtasks_text")
metrics_playground(lang)
task_page.applications(lang, task)
task_page.lesson_end(lang, task)
