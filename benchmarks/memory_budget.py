"""Memory of the classification page with every registry model, and the loader's budget.

    python -m benchmarks.memory_budget [--budget-mb 1500]

Builds full-size random-weight copies of the five classification models (configurations from
../shared/hub-replicas), opens the page in AppTest, compares all five on one photo, and reports
the process's resident memory and what the shared model cache holds against its budget.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import build_replicas, print_report
from core.diagnostics import resident_mb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-mb", type=int, default=1500)
    args = parser.parse_args()
    os.environ["VTL_MEMORY_BUDGET_MB"] = str(args.budget_mb)

    from core.models.registry import models_for

    models = [spec.id for spec in models_for("image-classification")]
    work = Path(tempfile.mkdtemp(prefix="vtl-mem-"))
    build_replicas(models, work / "models")
    os.environ["VTL_LOCAL_MODELS"] = str(work / "models")

    import transformers  # noqa: F401  (what the app imports before any model is loaded)
    from transformers import pipeline  # noqa: F401

    from benchmarks.harness import app_page
    from core.ui.pickers import model_box_key
    from core.ui.shared import shared_models

    before_models = resident_mb()
    at = app_page("app_pages/Image_Classification.py", 600)
    for model_id in models:  # all five from the first run
        at.session_state[model_box_key("cls", model_id)] = True
    at.run()
    assert not at.exception, at.exception
    cache = shared_models()
    report = {
        "budget_mb": args.budget_mb,
        "models_asked": len(models),
        "charts_shown": len(at.get("plotly_chart")),
        "models_in_memory": [entry.ref.id for entry in cache.loaded()],
        "weights_in_memory_mb": round(cache.used_bytes / 2**20),
        "rss_before_any_model_mb": round(before_models),
        "rss_after_all_models_mb": round(resident_mb()),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
