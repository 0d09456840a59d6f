"""Diagnostics for teachers: versions, device, where the models run, memory and models, caches,
network."""

import time

import pandas as pd
import streamlit as st

from core.config import settings
from core.diagnostics import (
    batch_note,
    cache_mb,
    caches,
    memory_plan,
    network,
    precision_note,
    reach_note,
    resident_mb,
    versions,
)
from core.i18n import number, t
from core.models.loader import pick_device
from core.ui.lesson_views import check_understanding
from core.ui.page import page_start
from core.ui.shared import shared_backend, shared_models, shared_results, shared_trainings

# What the shared cache holds, by the first element of its keys: each kind a row of its own,
# the pictures drawn for pages together, anything else as "other" (nothing left out).
KINDS = {
    **{kind: kind for kind in ("result", "image", "quickdraw", "bitmaps", "chart")},
    "countries": "chart",  # the explorer's map, counted once for the class
    "shown": "picture",
    "model_input": "picture",
}

lang = page_start("diagnostics.name")
st.title(t(lang, "diagnostics.title"))
st.markdown(t(lang, "diagnostics.intro"))

facts = [*versions().items(), (t(lang, "diagnostics.device"), pick_device(settings().device))]
cells = [*st.columns(3), *st.columns(3)]  # two rows: "2.14.1+cu130" needs the room
for cell, (name, value) in zip(cells, facts):
    cell.metric(name, value)

st.header(t(lang, "diagnostics.backend_title"))
backend = shared_backend().status()
if backend.name == "local":
    st.markdown(t(lang, "diagnostics.backend_local"))
elif not backend.reachable:
    st.error(t(lang, "diagnostics.backend_unreachable", detail=backend.detail))
    if settings().serve_fallback:
        st.info(t(lang, "diagnostics.backend_fallback"))
else:
    st.success(t(lang, "diagnostics.backend_serve", url=backend.detail))
    st.dataframe(pd.DataFrame([{t(lang, "diagnostics.col_deployment"): d.name,
                                t(lang, "diagnostics.col_state"): d.status,
                                t(lang, "diagnostics.col_replicas"): d.replicas,
                                t(lang, "diagnostics.col_ongoing"): d.ongoing}
                               for d in backend.deployments]),
                 hide_index=True, key="diag_deployments")  # fmt: skip
    if stopped := [d.name for d in backend.deployments if d.replicas == 0]:
        st.warning(t(lang, "diagnostics.not_running", names=", ".join(stopped)))

st.header(t(lang, "diagnostics.memory_title"))
models = shared_models()
budget = models.budget_bytes / 2**20
used = models.used_bytes / 2**20
left, middle, right = st.columns(3)
left.metric(t(lang, "diagnostics.budget"), f"{number(lang, budget, 0)} MB")
middle.metric(t(lang, "diagnostics.used"), f"{number(lang, used, 0)} MB")
right.metric(t(lang, "diagnostics.resident"), f"{number(lang, resident_mb(), 0)} MB")
st.progress(min(used / budget, 1.0) if budget else 0.0)
loaded = models.loaded()
if loaded:
    now = time.time()
    rows = [
        {
            t(lang, "models.col_model"): entry.ref.id,
            t(lang, "diagnostics.col_task"): t(lang, f"tasks.{entry.ref.task}.name"),
            "MB": number(lang, entry.nbytes / 2**20, 0),
            t(lang, "diagnostics.col_calls"): entry.calls,
            t(lang, "diagnostics.col_last_use"): f"{number(lang, now - entry.last_used, 0)} s",
            t(lang, "diagnostics.col_precision"): precision_note(lang, entry.policy.precision),
            t(lang, "diagnostics.col_batch"): batch_note(lang, entry.policy.batch),
        }
        for entry in reversed(loaded)
    ]
    st.table(pd.DataFrame(rows).set_index(t(lang, "models.col_model")))  # its sentences wrap
else:
    st.info(t(lang, "diagnostics.no_models"))
if st.button(t(lang, "diagnostics.free"), key="diag_free", disabled=not loaded):
    models.clear()
    st.rerun()

st.header(t(lang, "diagnostics.classroom_title"))
results, trainings = shared_results(), shared_trainings()
left, middle, right = st.columns(3)
kept_mb, training_mb = results.used_bytes >> 20, trainings.used_bytes() >> 20
kept_help = t(lang, "diagnostics.computed_help", budget=results.budget_bytes >> 20)
left.metric(t(lang, "diagnostics.computed"), f"{kept_mb} MB", help=kept_help)
middle.metric(t(lang, "diagnostics.trainings"), f"{trainings.running()} + {trainings.queued()}",
              help=t(lang, "diagnostics.trainings_help", most=trainings.max_running))  # fmt: skip
right.metric(t(lang, "diagnostics.training_memory"), f"{training_mb} MB",
             help=t(lang, "diagnostics.training_memory_help",
                    budget=trainings.budget_bytes >> 20))  # fmt: skip
st.caption(t(lang, "diagnostics.held", count=trainings.held.count(),
             mb=round(trainings.held.nbytes() / 2**20)))  # fmt: skip
usage: dict[str, int] = {}
for kind, size in results.usage_by_kind().items():
    usage[KINDS.get(kind, "other")] = usage.get(KINDS.get(kind, "other"), 0) + size
if usage:
    rows = [
        {
            t(lang, "diagnostics.col_kind"): t(lang, f"diagnostics.kind_{kind}"),
            "MB": number(lang, size / 2**20, 1),
        }
        for kind, size in usage.items()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="diag_computed")  # fmt: skip

plan = memory_plan(resident_mb(), used, kept_mb)
st.subheader(t(lang, "diagnostics.plan_title"))
parts = {"plan_app": plan.app_mb, "plan_weights": plan.weights_mb,
         "plan_computed": plan.computed_mb, "plan_trainings": plan.trainings_mb,
         "plan_total": plan.total_mb}  # fmt: skip
st.dataframe(pd.DataFrame([{t(lang, "diagnostics.col_part"): t(lang, f"diagnostics.{key}"),
                            "MB": number(lang, mb, 0)} for key, mb in parts.items()]),
             hide_index=True, key="diag_plan")  # fmt: skip
verdict = "plan_fits" if plan.fits else "plan_over"
(st.info if plan.fits else st.warning)(
    t(lang, f"diagnostics.{verdict}", total=number(lang, plan.total_mb, 0),
      limit=number(lang, plan.limit_mb, 0))
)  # fmt: skip

st.header(t(lang, "diagnostics.caches_title"))
st.dataframe(
    pd.DataFrame(
        [{t(lang, "diagnostics.col_cache"): t(lang, f"diagnostics.cache_{name}"),
          t(lang, "diagnostics.col_path"): str(path), "MB": number(lang, cache_mb(name, path), 1)}
         for name, path in caches().items()]
    ),
    hide_index=True, key="diag_caches",
)  # fmt: skip

st.header(t(lang, "diagnostics.network_title"))
if st.button(t(lang, "diagnostics.check"), key="diag_check"):
    for result in network():
        offline = result.kind == "offline_mode"  # the teacher's choice, not a fault
        (st.success if result.ok else st.info if offline else st.error)(reach_note(lang, result))

check_understanding(lang, "diagnostics")
