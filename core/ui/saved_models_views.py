"""Saving a trained model, and the list of saved models: each belongs to the session that
saved it (or the teacher), is named by its identity, and is deleted only after a confirmation.
"""

from __future__ import annotations

import uuid

import streamlit as st

from core.config import settings
from core.i18n import percent, t
from core.quickdraw.formats import word_in
from core.quickdraw.saved_models import (
    ModelChanged,
    delete_model,
    model_version,
    rename_model,
    save_model,
    saved_models,
)
from core.quickdraw.training import TrainingResult
from core.ui.shared import models_folder
from core.ui.training_views import RESULT
from core.ui.widgets import escape_markdown

OWNER = "tr_owner"  # this session's token, written into the models it saves
CONFIRM = "tr_confirm_delete"  # the model (name@version) whose deletion waits for a yes


def session_owner() -> str:
    """This session's token: the models it saves are its own."""
    return st.session_state.setdefault(OWNER, uuid.uuid4().hex)


def is_teacher() -> bool:
    """The page was opened with `?teacher=<VTL_TEACHER_TOKEN>`."""
    token = settings().teacher_token
    return bool(token) and st.query_params.get("teacher") == token


def save_section(lang: str) -> None:
    """Save the last model under a name not taken; replacing one's own model is offered."""
    folder = models_folder()
    result: TrainingResult | None = st.session_state.get(RESULT)
    if result is None:
        return
    left, right = st.columns([3, 1])
    default = t(lang, "train.default_name")
    name = left.text_input(t(lang, "train.name_model"), default, key="tr_name").strip()
    owner = session_owner()
    offered = st.session_state.get("tr_replace_offer") == name
    if offered:  # after a save refused because the name is one's own model's: say why
        st.info(t(lang, "train.replace_offer", name=escape_markdown(name)))
    replace = offered and st.button(t(lang, "train.replace_mine", name=name), key="tr_replace")
    if right.button(t(lang, "train.save"), key="tr_save") or replace:
        try:
            save_model(result, folder, name, replace=bool(replace), owner=owner)
            st.session_state.pop("tr_replace_offer", None)
            st.success(t(lang, "train.saved", name=name))
        except FileExistsError:
            mine = any(m["name"] == name and m.get("owner") == owner for m in saved_models(folder))
            st.error(t(lang, "train.name_taken", name=escape_markdown(name)))
            if mine:  # the student's own model: offer to replace it, on purpose
                st.session_state["tr_replace_offer"] = name
                st.rerun()
        except ValueError:
            st.error(t(lang, "train.bad_name"))
        except OSError as err:  # a full or read-only disk: nothing half-saved is listed
            st.error(t(lang, "train.save_failed", detail=escape_markdown(str(err))))


def manage_section(lang: str) -> None:
    """The saved models; the session that saved one (or the teacher) renames or deletes it."""
    folder = models_folder()
    models = saved_models(folder)
    if not models:
        return
    st.subheader(t(lang, "train.saved_title"))
    st.dataframe(
        [{t(lang, "train.col_name"): m["name"], t(lang, "train.col_words"):
              ", ".join(word_in(lang, word) for word in m["words"]),
          t(lang, "train.validation_accuracy"): percent(lang, m["validation_accuracy"], 1)}
         for m in models],
        hide_index=True, key="tr_saved_table",
    )  # fmt: skip
    # Each model is named by its identity (name@version), never by its place in a list that
    # another student's save, rename or delete may change under this page. Streamlit quietly
    # moves a selectbox whose option vanished to the first one: what the student last saw is
    # read before the widget is drawn, and that is what a button acts on.
    owners = {f"{m['name']}@{m['version']}": m.get("owner", "") for m in models}
    seen = st.session_state.get("tr_manage")
    left, middle, right = st.columns([2, 2, 1])
    chosen = left.selectbox(t(lang, "train.col_name"), list(owners), key="tr_manage",
                            format_func=lambda identity: identity.rsplit("@", 1)[0])  # fmt: skip
    identity = seen if isinstance(seen, str) and "@" in seen else chosen
    name, version = identity.rsplit("@", 1)
    allowed = is_teacher() or owners.get(identity, session_owner()) == session_owner()
    if not allowed:
        st.caption(t(lang, "train.not_yours"))
    new_name = middle.text_input(t(lang, "train.new_name"), key="tr_new_name", disabled=not allowed)
    try:
        rename = right.button(t(lang, "train.rename"), key="tr_rename", disabled=not allowed)
        if rename and new_name.strip():
            rename_model(folder, name, new_name.strip(), version)
            st.rerun()
        if right.button(t(lang, "train.delete"), key="tr_delete", disabled=not allowed):
            if model_version(folder, name) != version:  # gone or replaced since shown
                raise ModelChanged(name)
            st.session_state[CONFIRM] = identity
        if st.session_state.get(CONFIRM) == identity and allowed:
            st.warning(t(lang, "train.confirm_delete", name=escape_markdown(name)))
            yes, no = st.columns(2)
            if yes.button(t(lang, "train.delete_yes"), key="tr_delete_yes", type="primary"):
                st.session_state.pop(CONFIRM, None)
                delete_model(folder, name, version)
                st.rerun()
            if no.button(t(lang, "train.delete_no"), key="tr_delete_no"):
                st.session_state.pop(CONFIRM, None)
                st.rerun()
    except ModelChanged:
        st.session_state.pop(CONFIRM, None)
        st.warning(t(lang, "train.model_changed", name=escape_markdown(name)))
    except ValueError:  # a name not allowed, or taken
        st.error(t(lang, "train.bad_name"))
    except OSError as err:  # a full or read-only disk: not the student's name
        st.error(t(lang, "train.change_failed", detail=escape_markdown(str(err))))
