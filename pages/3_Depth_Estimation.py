"""Depth estimation: a depth map beside the image, a 3D view, and a check against ground truth."""

import streamlit as st

from core.i18n import t
from core.models.model_ref import ModelRef
from core.tasks.charts import DEPTH_COLOUR_MAPS, depth_heatmap, depth_surface
from core.tasks.code_snippets import depth_code
from core.tasks.depth import compare_with_disparity, estimate_depth, motorcycle_disparity
from core.tasks.image_input import sample_photo
from core.ui.widgets import image_picker, model_picker, models_table, page_start, run_cached

TASK = "depth-estimation"
lang = page_start("tasks.depth-estimation.name", "🌄")

st.title(t(lang, "depth.title"))
st.markdown(t(lang, "depth.definition"))

left, right = st.columns([2, 3])
with left:
    st.subheader(t(lang, "input.title"))
    image = image_picker(lang, "dep", TASK)
    st.subheader(t(lang, "models.title"))
    refs = model_picker(lang, TASK, "dep")
    colour_map = st.radio(t(lang, "depth.colour_map"), DEPTH_COLOUR_MAPS, horizontal=True,
                          key="dep_colours")  # fmt: skip
    show_3d = st.toggle(t(lang, "depth.show_3d"), key="dep_3d")

result = None
if image is not None and refs:
    ref = refs[0]
    with right:
        st.markdown(f"**[{ref.id}](https://huggingface.co/{ref.id})**")
        result = run_cached(lang, ref, image, estimate_depth)
        if result is not None:
            unit = t(lang, "depth.metres" if result.metric else "depth.relative")
            st.plotly_chart(depth_heatmap(result.depth, colour_map, unit), key="dep_map")
            st.caption(
                t(lang, "depth.kind_metric" if result.metric else "depth.kind_relative")
                + " · "
                + t(lang, "classification.seconds", seconds=result.seconds, device=result.device)
            )
    if result is not None:
        if show_3d:
            axis = t(lang, "depth.nearness")
            st.plotly_chart(depth_surface(result.nearness(), image.image, axis), key="dep_3d_view")
        with st.expander(t(lang, "classification.code_title")):
            st.code(depth_code(ref, image), language="python")

st.header(t(lang, "depth.relative_title"))
st.markdown(t(lang, "depth.relative_text"))
lesson_model = ModelRef("Intel/zoedepth-nyu-kitti", TASK)
st.code(depth_code(lesson_model, image or sample_photo("motorcycle")), language="python")

st.header(t(lang, "depth.truth_title"))
st.markdown(t(lang, "depth.truth_text"))
compare = st.toggle(t(lang, "depth.truth_run"), key="dep_truth")
if compare and refs:
    motorcycle = sample_photo("motorcycle")
    truth_result = run_cached(lang, refs[0], motorcycle, estimate_depth)
    if truth_result is not None:
        comparison = compare_with_disparity(truth_result, motorcycle_disparity())
        columns = st.columns(4)
        columns[0].metric("AbsRel", f"{comparison.abs_rel:.3f}")
        columns[1].metric("δ < 1.25", f"{comparison.delta1:.1%}")
        columns[2].metric(t(lang, "depth.scale"), f"{comparison.scale:.3g}")
        columns[3].metric(t(lang, "depth.shift"), f"{comparison.shift:.3g}")
        truth, prediction = st.columns(2)
        disparity = t(lang, "depth.disparity")
        with truth:
            st.markdown(f"**{t(lang, 'depth.ground_truth')}**")
            st.plotly_chart(depth_heatmap(comparison.target, colour_map, disparity), key="dep_gt")
        with prediction:
            st.markdown(f"**{t(lang, 'depth.aligned')}**")
            st.plotly_chart(depth_heatmap(comparison.aligned, colour_map, disparity), key="dep_al")

st.header(t(lang, "classification.applications_title"))
st.markdown(t(lang, "depth.applications"))
st.header(t(lang, "models.table_title"))
st.dataframe(models_table(lang, TASK), hide_index=True)
