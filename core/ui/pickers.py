"""The choices every task page offers: the image (sample, upload, camera) and the models."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.config import settings
from core.i18n import t
from core.models.model_ref import ModelError, ModelRef, validate_model_id
from core.models.registry import MODELS, TASKS, models_for
from core.tasks.image_input import (
    SAMPLE_PHOTOS,
    UPLOAD_EXTENSIONS,
    ImageInputError,
    InputImage,
    image_digest,
    read_image,
    sample_photo,
    shown_jpeg,
)
from core.ui.error_messages import show_model_error, upload
from core.ui.shared import shared_results


def image_picker(lang: str, prefix: str, task: str) -> InputImage | None:
    """Sample photo, upload or camera; shows errors in the student's language.

    Large JPEGs are decoded only as large as the task's models need (`TaskSpec.input_side`)."""
    sources = ["sample", "upload", "camera"]
    source = st.radio(
        t(lang, "input.source"),
        sources,
        format_func=lambda s: t(lang, f"input.{s}"),
        horizontal=True,
        key=f"{prefix}_source",
    )
    if source == "sample":
        return sample_gallery(lang, prefix)
    if source == "upload":
        label = t(lang, "input.upload_label", limit=settings().max_upload_mb)
        file = upload(lang, label, UPLOAD_EXTENSIONS, key=f"{prefix}_upload")
        hint = "input.upload_hint"
    else:
        file = st.camera_input(t(lang, "input.camera_label"), key=f"{prefix}_camera")
        hint = "input.camera_hint"
    if file is None:
        st.info(t(lang, hint))
        return None
    data = file.getvalue()
    name = file.name or f"{source}.jpg"
    # Decoding a 12-megapixel JPEG costs more than the rest of a rerun: decode once per content.
    side = TASKS[task].input_side
    key = ("image", image_digest(data), source, name, side)
    try:
        return shared_results().get_or_compute(
            key, lambda: read_image(data, source=source, name=name, draft_side=side)
        )
    except ImageInputError as err:
        limits = settings()
        limit = limits.max_upload_mb if err.reason == "too_big_file" else None
        limit = limit or round(limits.max_image_pixels / 1e6)
        st.error(t(lang, err.message_key, detail=err.detail, limit=limit))
        return None


def _pick_sample(key: str, sample_id: str) -> None:
    st.session_state[key] = sample_id


THUMBNAIL_WIDTH = 56  # px: the five in one row, in a laptop's input column and on a phone


def sample_gallery(lang: str, prefix: str) -> InputImage:
    """Thumbnails of the sample photos, each with a button that picks it, and the same choice
    as a list with the photos' names (for the keyboard and screen readers)."""
    # A row that wraps (not columns, which a phone stacks one under another: five screens of
    # thumbnails before the result); each thumbnail a fixed width, as many per row as fit.
    row = st.container(
        horizontal=True, gap="xsmall", vertical_alignment="bottom", key=f"{prefix}_gallery"
    )  # the buttons in line, photos of any shape
    picked = st.session_state.get(f"{prefix}_sample", SAMPLE_PHOTOS[0].id)
    for sample in SAMPLE_PHOTOS:
        column = row.container(width=THUMBNAIL_WIDTH, gap=None)
        name = t(lang, f"samples.{sample.id}")
        column.image(shown_image(sample_photo(sample.id), THUMBNAIL_WIDTH), alt=name)
        column.button(
            sample.icon,
            type="primary" if sample.id == picked else "secondary",  # the tap shows, in sight
            key=f"{prefix}_thumb_{sample.id}",
            help=t(lang, f"samples.{sample.id}"),
            on_click=_pick_sample,
            args=(f"{prefix}_sample", sample.id),
            width="stretch",
        )
    chosen = st.radio(
        t(lang, "input.sample_pick"),
        [sample.id for sample in SAMPLE_PHOTOS],
        format_func=lambda s: t(lang, f"samples.{s}"),
        horizontal=True,
        label_visibility="collapsed",  # under the photos it names, it needs no title on screen
        key=f"{prefix}_sample",
    )
    return sample_photo(chosen)


# Streamlit's widest image (px): a picture drawn as wide as its column is sent at most this wide.
WIDEST_SHOWN = 1460


def shown_image(image: InputImage, width: int) -> bytes:
    """`image` encoded for the browser at most `width` px wide, once per content for the whole
    class: re-encoding on every run was a seventh of a busy server's CPU (a class opening a
    page whose answer was computed)."""
    key = ("shown", image.digest, width)
    return shared_results().get_or_compute(key, lambda: shown_jpeg(image.image, width))


def show_input(lang: str, image: InputImage, shown_width: int | None = None) -> None:
    """The image as the model receives it, with its size (drawn `shown_width` px wide, or as
    wide as its column)."""
    width, height = image.image.size
    label = t(lang, f"samples.{image.name}") if image.source == "sample" else image.name
    caption = t(lang, "input.caption", name=label, width=width, height=height)
    picture = shown_image(image, shown_width or WIDEST_SHOWN)
    st.image(picture, caption=caption, width=shown_width or "stretch", alt=caption)
    if image.drafted:
        original_width, original_height = image.original_size
        st.caption(
            t(
                lang,
                "input.drafted",
                width=width,
                height=height,
                original_width=original_width,
                original_height=original_height,
            )
        )


@dataclass(frozen=True)
class ChosenModels:
    """The models a student chose and confirmed, and whether every one chosen still waits for
    their confirmation (big models only): the page then says why the result's place is empty."""

    refs: list[ModelRef]
    waiting: bool = False


def model_box_key(prefix: str, model_id: str) -> str:
    """The key of a model's box when several can be compared ("cls_model_google--vit-…")."""
    return f"{prefix}_model_{model_id.replace('/', '--')}"


def model_picker(lang: str, task: str, prefix: str, multiple: bool = False) -> ChosenModels:
    """Registry models (several at once when `multiple`, to compare) or a custom Hub id.

    Models over a gigabyte are only returned once the student has read the warning and ticked
    the box (a download of minutes and seconds per image on a laptop CPU)."""
    specs = models_for(task, lang=lang)
    ids = [spec.id for spec in specs]

    def label(model_id: str) -> str:
        return t(lang, "models.option", model=model_id, size=MODELS[model_id].download_mb)

    if multiple:
        # A box per model, not a multiselect (whose box showed one of five chosen models, cut)
        # nor pills (one row that scrolls sideways): every model in sight, chosen or not.
        boxes = st.container(gap="xsmall")  # close together, as one list
        boxes.markdown(t(lang, "models.pick_many"))
        chosen = [model_id for index, model_id in enumerate(ids)
                  if boxes.checkbox(label(model_id), value=index == 0,
                                    key=model_box_key(prefix, model_id))]  # fmt: skip
    else:
        chosen = [st.selectbox(t(lang, "models.pick_one"), ids, format_func=label,
                               key=f"{prefix}_model")]  # fmt: skip
    refs = [ModelRef(m, task, MODELS[m].revision) for m in chosen]
    typed = st.text_input(
        t(lang, "models.custom", task=t(lang, f"tasks.{task}.name").lower()),
        placeholder=t(lang, f"models.custom_placeholder.{task}"),
        help=t(lang, "models.custom_help"),
        key=f"{prefix}_custom",
    )
    if typed.strip():
        try:
            custom = ModelRef(validate_model_id(typed), task)
            refs = [*refs, custom] if multiple and custom not in refs else [custom]
        except ModelError as err:
            show_model_error(lang, err, task)
    confirmed = []
    for ref in refs:
        spec = MODELS.get(ref.id)
        if spec is not None and spec.heavy:
            st.warning(t(lang, "models.heavy", model=ref.id, size=spec.download_mb))
            if not st.checkbox(t(lang, "models.heavy_ok"), key=f"{prefix}_heavy_{ref.id}"):
                continue
        confirmed.append(ref)
    if not refs:
        st.info(t(lang, "models.none"))
    return ChosenModels(confirmed, waiting=bool(refs) and not confirmed)
