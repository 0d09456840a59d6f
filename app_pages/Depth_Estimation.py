"""Depth estimation: a depth map beside the image, a 3D view, and a check against ground truth."""

import streamlit as st

from core.i18n import t
from core.models.model_ref import ModelRef
from core.tasks import chart_text
from core.tasks.charts import DEPTH_COLOUR_MAPS, depth_heatmap, depth_surface
from core.tasks.code_snippets import depth_snippet, task_code
from core.tasks.image_input import sample_photo
from core.ui import task_page
from core.ui.depth_views import ground_truth_check
from core.ui.steps_views import depth_steps
from core.ui.widgets import show_chart

task, lang = task_page.start("depth-estimation")

left, right = st.columns([2, 3])
with left:
    image, chosen = task_page.choose_input_and_models(lang, task, "dep")
    refs = chosen.refs
    colour_map = st.radio(t(lang, "depth.colour_map"), DEPTH_COLOUR_MAPS, horizontal=True,
                          key="dep_colours")  # fmt: skip
    show_3d = st.toggle(t(lang, "depth.show_3d"), key="dep_3d")

task_page.waiting_for_a_model(lang, chosen, image, right)
if image is not None and refs:
    with right:
        result = task_page.run_model(lang, task, refs[0], image)
        if result is not None:
            unit = t(lang, "depth.metres" if result.metric else "depth.relative")
            photo, depth_map = st.columns([2, 3])
            photo.image(image.image, caption=t(lang, "depth.photo"), alt=t(lang, "depth.photo"))
            figure = depth_heatmap(result.depth, colour_map, unit)
            what = t(lang, "charts.depth_metric" if result.metric else "charts.depth_relative")
            said = chart_text.depth_map(lang, result.nearness(), what)
            show_chart(lang, depth_map, figure, key="dep_map", alt=said)
            kind = t(lang, "depth.kind_metric" if result.metric else "depth.kind_relative")
            task_page.run_caption(lang, result, kind)
    if result is not None:
        if show_3d:
            axis = t(lang, "depth.nearness")
            figure = depth_surface(result.nearness(), image.image, axis)
            show_chart(lang, st, figure, key="dep_3d_view", alt=said)
        depth_steps(lang, result)
        task_page.code_expander(lang, task, refs[0], image, result=result)

task_page.lesson_section(lang, "depth.relative_title", "depth.relative_text")
lesson_model = ModelRef("Intel/zoedepth-nyu-kitti", task.id)
lesson_image = image or sample_photo("motorcycle")
st.code(
    task_code(lesson_model, lesson_image, depth_snippet(), lang), language="python", wrap_lines=True
)

task_page.lesson_section(lang, "depth.truth_title", "depth.truth_text")
if st.toggle(t(lang, "depth.truth_run"), key="dep_truth") and refs:
    ground_truth_check(lang, task, refs[0], colour_map)

task_page.applications(lang, task)
task_page.lesson_end(lang, task)
