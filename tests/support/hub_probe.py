"""Run by test_hub_download.py in a fresh process (huggingface_hub reads HF_ENDPOINT and
HF_HUB_OFFLINE when imported): load each model id given through the production loader and
print one JSON line per attempt."""

from __future__ import annotations

import json
import sys
import time

from core.models.loader import build_pipeline
from core.models.model_ref import ModelError, ModelRef


def attempt(model_id: str) -> dict:
    events: list[tuple[int, int, str]] = []

    def report(done: int, total: int, name: str) -> None:
        events.append((done, total, name))

    started = time.perf_counter()
    try:
        pipe = build_pipeline(ModelRef(model_id, "image-classification"), report)
    except ModelError as err:
        seconds = round(time.perf_counter() - started, 1)
        return {"model": model_id, "ok": False, "reason": err.reason, "events": events,
                "seconds": seconds}  # fmt: skip
    from PIL import Image

    labels = [p["label"] for p in pipe(Image.new("RGB", (40, 40), "orange"), top_k=2)]
    return {"model": model_id, "ok": True, "labels": labels, "events": events}


if __name__ == "__main__":
    for model_id in sys.argv[1:]:
        print(json.dumps(attempt(model_id)), flush=True)
