"""Tables a student reads, with column names in their language."""

from __future__ import annotations

import pandas as pd

from core.i18n import number, percent, t
from core.models.registry import models_for
from core.tasks.classification import ClassificationResult


def models_table(lang: str, task: str) -> pd.DataFrame:
    """The registry's facts on a task's models, with column names in the student's language."""
    rows = [
        {
            t(lang, "models.col_model"): spec.id,
            t(lang, "models.col_card"): spec.card_url,
            t(lang, "models.col_architecture"): t(lang, f"model_facts.{spec.id}.architecture"),
            t(lang, "models.col_training"): t(lang, f"model_facts.{spec.id}.training_data"),
            t(lang, "models.col_params"): number(lang, spec.params_millions),
            t(lang, "models.col_download"): number(lang, spec.download_mb),
            t(lang, "models.col_licence"): t(lang, f"model_facts.{spec.id}.licence"),
            t(lang, "models.col_note"): t(lang, f"model_note.{spec.id}"),
        }
        for spec in models_for(task)
    ]
    return pd.DataFrame(rows)


def answers_table(lang: str, predictions) -> pd.DataFrame:
    """A classifier's answers as its bar chart shows them: rank, class and probability."""
    return pd.DataFrame([
        {"#": rank, t(lang, "detection.col_class"): p.label,
         t(lang, "classification.chart_axis"): percent(lang, p.score, 1)}
        for rank, p in enumerate(predictions, start=1)
    ])  # fmt: skip


def comparison_table(lang: str, results: list[ClassificationResult]) -> pd.DataFrame:
    """One row per model: its top class, that class's probability and the time it took."""
    return pd.DataFrame(
        [
            {
                t(lang, "models.col_model"): result.run.model_id,
                t(lang, "classification.col_top"): result.predictions[0].label,
                t(lang, "classification.col_score"): percent(lang, result.predictions[0].score, 1),
                t(lang, "classification.col_seconds"): number(lang, result.run.seconds, 3),
            }
            for result in results
        ]
    )
