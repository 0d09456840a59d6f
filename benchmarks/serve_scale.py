"""40 students asking a classifier at once: the local backend against Ray Serve, side by side.

    python -m benchmarks.serve_scale [--sessions 40] [--rounds 3]

A full-size ViT-Base (random weights, ../shared/hub-replicas) answers 40 different photos sent
together, in four set-ups measured in turns within one run (local, serve-1, serve-1-batched,
serve-2, local, …; medians of the rounds):
- local: `LocalBackend` in this process (the loader's own micro-batching as measured on load);
- serve-1: one Serve replica, no batching (`VTL_SERVE_BATCH_MAX=1 VTL_BATCH_MAX=1`);
- serve-1-batched: one replica, `@serve.batch` of up to 8 and the loader's batching;
- serve-2: two replicas, batched.
Then the resident memory of a Streamlit process (AppTest, the classification page, every
session uploading its own photo) with `VTL_SERVE_URL` set and without, and the bytes one
request and one answer take on the wire.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.harness import (
    ROOT,
    at_once,
    build_replicas,
    median,
    memory_mb,
    p50,
    p95,
    print_report,
)

VIT = "google/vit-base-patch16-224"
SETUPS = {
    # one replica has the machine's two cores, as the local backend does; two share them
    "serve-1": {"VTL_SERVE_BATCH_MAX": "1", "VTL_BATCH_MAX": "1", "VTL_SERVE_THREADS": "2"},
    "serve-1-batched": {"VTL_SERVE_BATCH_MAX": "8", "VTL_BATCH_MAX": "8", "VTL_SERVE_THREADS": "2"},
    "serve-2": {"VTL_SERVE_BATCH_MAX": "8", "VTL_BATCH_MAX": "8", "VTL_SERVE_MIN_REPLICAS": "2",
                "VTL_SERVE_MAX_REPLICAS": "2", "VTL_SERVE_THREADS": "1"},
}  # fmt: skip


def photos(count: int) -> list:
    """Different photos at the size the page hands a classifier (decoded to 300 px)."""
    from core.tasks.image_input import SAMPLE_PHOTOS, sample_photo

    images = []
    for index in range(count):
        photo = sample_photo(SAMPLE_PHOTOS[index % len(SAMPLE_PHOTOS)].id).image
        photo = photo.rotate(index * 7, expand=False)
        photo.thumbnail((300, 300))
        images.append(photo)
    return images


def deploy_setups(port: int) -> dict[str, str]:
    """One Serve application per set-up, side by side, each at its own route."""
    from ray import serve

    from core.serving.app import build_app

    serve.start(http_options={"host": "127.0.0.1", "port": port})
    urls = {}
    base = dict(os.environ)
    for name, settings in SETUPS.items():
        os.environ.update(settings)
        serve.run(build_app(), name=name, route_prefix=f"/{name}", blocking=False)
        os.environ.clear()
        os.environ.update(base)
        urls[name] = f"http://127.0.0.1:{port}/{name}"
    return urls


def wait_ready(urls: dict[str, str], ref, image) -> None:
    from core.serving.backend import ServeBackend

    for url in urls.values():
        deadline = time.time() + 600
        while True:
            try:
                ServeBackend(url, 120).run(ref, image)
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(2)


def streamlit_memory(serve_url: str, sessions: int, folder: Path) -> dict:
    """A fresh process: `sessions` AppTest sessions of the classification page, each
    uploading its own photo; its memory at the end (what a Streamlit replica would hold)."""
    # the figure asked for is memory: every session waits for its answer, however long
    env = {**os.environ, "VTL_LOCAL_MODELS": str(folder), "VTL_NETWORK_TIMEOUT": "300"}
    env.pop("VTL_SERVE_URL", None)
    if serve_url:
        env["VTL_SERVE_URL"] = serve_url
    code = (
        "import sys, json; from benchmarks.serve_scale import app_sessions; "
        "print(json.dumps(app_sessions(int(sys.argv[1]))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(sessions)], cwd=ROOT, env=env, capture_output=True,
        text=True,
    )  # fmt: skip
    if done.returncode != 0:
        return {"failed": done.stderr.strip().splitlines()[-3:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def app_sessions(sessions: int) -> dict:
    """Run in the child process of `streamlit_memory`."""
    from benchmarks.harness import app_page
    from core.ui.shared import shared_models
    from tests.support.app import sessions_at_once

    images = photos(sessions)

    def student(index: int) -> None:
        buffer = io.BytesIO()
        images[index].save(buffer, format="PNG")
        at = app_page("app_pages/Image_Classification.py", 600)
        at.run()
        at.radio(key="cls_source").set_value("upload").run()
        at.file_uploader(key="cls_upload").set_value((f"{index}.png", buffer.getvalue(),
                                                      "image/png"))  # fmt: skip
        at.run()
        if at.exception or at.error or not at.get("plotly_chart"):
            failed.append(index)

    failed: list[int] = []
    with sessions_at_once():
        seconds = at_once(sessions, student)
    return {
        "sessions_without_an_answer": len(failed),
        **memory_mb(),
        "models_loaded_here": len(shared_models().loaded()),
        "torch_imported": "torch" in sys.modules,
        "p50_s": p50(seconds),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import ray

    from core.models.loader import ModelCache
    from core.models.model_ref import ModelRef
    from core.serving.app import worker_env
    from core.serving.backend import LocalBackend, ServeBackend
    from core.serving.codec import encode

    work = Path(tempfile.mkdtemp(prefix="vtl-serve-"))
    build_replicas([VIT], work / "models")
    os.environ.update(
        VTL_LOCAL_MODELS=str(work / "models"),
        VTL_SERVE_MODELS=VIT,
        VTL_SERVE_CPUS="0",
        RAY_USAGE_STATS_ENABLED="0",
    )
    ray.init(include_dashboard=False, _node_ip_address="127.0.0.1",
             runtime_env={"env_vars": worker_env()}, log_to_driver=False)  # fmt: skip
    port = 8011
    urls = deploy_setups(port)
    ref = ModelRef(VIT, "image-classification")
    images = photos(args.sessions)
    wait_ready(urls, ref, images[0])
    print("deployed", urls, file=sys.stderr, flush=True)

    backends = {"local": LocalBackend(ModelCache(10**10))}
    backends |= {name: ServeBackend(url, 120) for name, url in urls.items()}
    for backend in backends.values():  # warm: models loaded, policies measured
        backend.run(ref, images[0])
    rounds: dict[str, list[dict]] = {name: [] for name in backends}
    for turn in range(args.rounds):
        for name, backend in backends.items():
            started = time.perf_counter()
            seconds = at_once(args.sessions, lambda i, b=backend: b.run(ref, images[i]))
            wall = time.perf_counter() - started
            rounds[name].append({"p50": p50(seconds), "p95": p95(seconds),
                                 "per_s": args.sessions / wall})  # fmt: skip
            print(turn, name, rounds[name][-1], file=sys.stderr, flush=True)
    report = {
        "sessions": args.sessions,
        "rounds": args.rounds,
        "model": VIT,
        "setups": {
            name: {
                "p50_s": round(median(r["p50"] for r in found), 3),
                "p95_s": round(median(r["p95"] for r in found), 3),
                "answers_per_s": round(median(r["per_s"] for r in found), 2),
            }
            for name, found in rounds.items()
        },
    }
    local_rate = report["setups"]["local"]["answers_per_s"]
    for figures in report["setups"].values():
        figures["throughput_vs_local"] = round(figures["answers_per_s"] / local_rate, 2)
    request = encode({"model": VIT, "task": ref.task, "revision": "main", "options": [],
                      "image": np.asarray(images[0])})  # fmt: skip
    answer = encode(backends["local"].run(ref, images[0]))
    report["bytes"] = {"request": len(request), "answer": len(answer),
                       "image_side_px": max(images[0].size)}  # fmt: skip
    print(report, file=sys.stderr, flush=True)  # the throughput, before the memory runs
    report["streamlit_process"] = {
        "serve": streamlit_memory(urls["serve-1-batched"], args.sessions, work / "models"),
        "local": streamlit_memory("", args.sessions, work / "models"),
    }
    print_report(report)
    os._exit(0)  # Ray's and torch's threads can abort an orderly interpreter shutdown


if __name__ == "__main__":
    sys.exit(main())
