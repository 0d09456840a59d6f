"""How a pipeline gets its answer, shown with the numbers of the image on screen: the image
processor's output, the model's raw output, and the post-processing (softmax, threshold,
upsampling) — the lesson's "pipeline" opened up, one short section per task page."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from core.i18n import number, percent, t
from core.tasks import zero_shot
from core.tasks.classification import ClassificationResult
from core.tasks.depth import DepthResult
from core.tasks.detection import MIN_SCORE, DetectionResult
from core.tasks.image_input import InputImage, shown_png
from core.tasks.segmentation import INPUT_SIDE, SegmentationResult, fit_within
from core.tasks.zero_shot import ZeroShotResult
from core.ui.shared import shared_results


def _numbers(lang: str, values: tuple[float, ...], decimals: int) -> str:
    return " · ".join(number(lang, v, decimals) for v in values)


def _what_the_model_sees(lang: str, result, image: InputImage):
    """Step 1, shared by the classifiers: the picture the image processor hands the model (on
    the left, encoded once for the class) and its numbers (on the right); returns the right
    column for what follows."""
    steps = result.steps
    height, width = steps.model_input.shape[:2]
    left, right = st.columns([1, 2])
    key = ("model_input", result.run.model_id, image.digest)  # encoded once for the class
    picture = shared_results().get_or_compute(key, lambda: shown_png(steps.model_input))
    sees = t(lang, "steps.model_sees", width=width, height=height)
    left.image(picture, caption=sees, alt=sees)
    right.markdown(
        t(
            lang,
            "steps.processor_text",
            photo_width=image.image.width,
            photo_height=image.image.height,
            width=width,
            height=height,
            mean=_numbers(lang, steps.mean, 3),
            std=_numbers(lang, steps.std, 3),
        )
    )
    return right


def classification_steps(
    lang: str, result: ClassificationResult, image: InputImage, top_k: int
) -> None:
    """The image processor's picture, the logits, the softmax with this image's values, top-k."""
    steps = result.steps
    if steps is None:
        return
    st.header(t(lang, "steps.title"))
    st.markdown(t(lang, "steps.intro"))
    right = _what_the_model_sees(lang, result, image)
    right.markdown(t(lang, "steps.logits_text", classes=steps.classes))
    shown = min(top_k, len(steps.logits))
    rows = [
        {
            t(lang, "steps.col_class"): p.label,
            t(lang, "steps.col_logit"): number(lang, z, 2),
            t(lang, "steps.col_probability"): percent(lang, p.score, 1),
        }
        for p, z in zip(result.predictions[:shown], steps.logits[:shown])
    ]
    right.dataframe(pd.DataFrame(rows), hide_index=True, key="cls_steps_table")
    best, logit = result.predictions[0], steps.logits[0]
    if steps.activation == "softmax" and math.isfinite(steps.log_sum):
        st.markdown(
            t(
                lang,
                "steps.softmax_text",
                classes=steps.classes,
                label=best.label,
                logit=number(lang, logit, 2),
                log_sum=number(lang, steps.log_sum, 2),
                difference=number(lang, logit - steps.log_sum, 2),
                probability=percent(lang, best.score, 1),
            )
        )
    else:
        st.markdown(t(lang, "steps.sigmoid_text", logit=number(lang, logit, 2)))
    st.markdown(t(lang, "steps.top_k_text", top_k=shown))


def detection_steps(lang: str, result: DetectionResult, threshold: float, kept: int) -> None:
    """The raw queries, the floor the page keeps, and the student's threshold."""
    with st.expander(t(lang, "steps.title"), expanded=False):
        st.markdown(
            t(
                lang,
                "steps.detection_text",
                proposals=result.proposals,
                floor=len(result.detections),
                minimum=MIN_SCORE,
                threshold=number(lang, threshold, 2),
                kept=kept,
            )
        )


def depth_steps(lang: str, result: DepthResult) -> None:
    """The size the model sees, its map's range before normalisation, and the resize."""
    height, width = result.input_shape
    if not height:
        return
    with st.expander(t(lang, "steps.title"), expanded=False):
        st.markdown(
            t(
                lang,
                "steps.depth_text",
                width=width,
                height=height,
                low=number(lang, float(result.depth.min()), 3),
                high=number(lang, float(result.depth.max()), 3),
                photo_width=result.depth.shape[1],
                photo_height=result.depth.shape[0],
            )
        )


def segmentation_steps(lang: str, result: SegmentationResult, image: InputImage) -> None:
    """The size the model sees, and the masks enlarged back to the photo."""
    height, width = result.input_shape
    if not height:
        return
    with st.expander(t(lang, "steps.title"), expanded=False):
        fitted = fit_within(image.image, INPUT_SIDE)  # the photo the pipeline was given
        mask_width, mask_height = fitted.size
        st.markdown(
            t(
                lang,
                "steps.segmentation_text",
                width=width,
                height=height,
                mask_width=mask_width,
                mask_height=mask_height,
            )
        )


def zero_shot_steps(lang: str, result: ZeroShotResult, image: InputImage) -> None:
    """The image's embedding, each prompt's, their cosine similarity, the logit scale (and
    SigLIP's bias), then the softmax over the classes or a sigmoid for each."""
    steps = result.steps
    if steps is None:
        return
    st.header(t(lang, "steps.title"))
    st.markdown(t(lang, "steps.zs_intro"))
    right = _what_the_model_sees(lang, result, image)
    right.markdown(
        t(lang, "steps.zs_encoders_text", prompts=len(steps.prompts), size=steps.embedding_size)
    )
    probabilities = zero_shot.probabilities(steps.logits, steps.activation)
    rows = [
        {
            t(lang, "steps.zs_col_class"): name,
            t(lang, "steps.zs_col_prompt"): prompt,
            t(lang, "steps.zs_col_tokens"): tokens,
            t(lang, "steps.zs_col_similarity"): number(lang, similarity, 3),
            t(lang, "steps.col_logit"): number(lang, logit, 2),
            t(lang, "steps.col_probability"): percent(lang, probability, 1),
        }
        for name, prompt, tokens, similarity, logit, probability in zip(
            result.classes,
            steps.prompts,
            steps.tokens,
            steps.similarities,
            steps.logits,
            probabilities,
        )
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="zs_steps_table")
    best = max(range(len(result.classes)), key=lambda index: steps.logits[index])
    sigmoid = steps.activation == "sigmoid"
    st.markdown(
        t(
            lang,
            "steps.zs_sigmoid_logit" if sigmoid else "steps.zs_softmax_logit",
            label=result.classes[best],
            scale=number(lang, steps.logit_scale, 2),
            similarity=number(lang, steps.similarities[best], 3),
            bias=number(lang, steps.logit_bias, 2),
            logit=number(lang, steps.logits[best], 2),
        )
    )
    st.markdown(
        t(
            lang,
            "steps.zs_sigmoid_text" if sigmoid else "steps.zs_softmax_text",
            label=result.classes[best],
            probability=percent(lang, probabilities[best], 1),
            total=percent(lang, sum(probabilities), 1),
        )
    )
