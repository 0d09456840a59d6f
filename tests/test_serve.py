"""The Ray Serve backend with a real local Ray (one instance for the module): the same answers
as the local backend on every task page and Pictionary, no weights in the app's process, a
replica killed in the middle of a burst, Ray unreachable."""

from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from core.i18n import t
from core.models.loader import ModelCache
from core.models.model_ref import ModelError, ModelRef
from core.models.registry import DEFAULT_MODELS, MODELS
from core.serving.backend import LocalBackend, ServeBackend
from core.tasks.image_input import sample_photo
from core.tasks.result_agreement import (
    classification_agreement,
    depth_agreement,
    detection_agreement,
    segmentation_agreement,
)
from tests.support.app import open_page
from tests.support.models import expected_bars
from tests.support.plotly import plotly_specs

ray = pytest.importorskip("ray", reason="ray[serve] is a dev requirement")

VIT = ModelRef("google/vit-base-patch16-224", "image-classification")
OPTIONS = {
    "image-segmentation": ("semantic",),
    "zero-shot-image-classification": (("a cup", "a rocket", "a cat"), "a photo of {}."),
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def serve_url(tiny_models_dir, tmp_path_factory):
    """A local Ray bound to 127.0.0.1 with the app deployed on the tiny models: ViT with a
    deployment of its own (batched), every other model through the shared one."""
    from ray import serve

    settings = {
        "VTL_LOCAL_MODELS": str(tiny_models_dir),
        "VTL_MODELS_DIR": str(tmp_path_factory.mktemp("trained")),
        "VTL_SERVE_MODELS": VIT.id,
        "VTL_SERVE_CPUS": "0",
        "VTL_DEVICE": "cpu",
        "VTL_PRECISION": "fp32",
        "VTL_POLICY_CACHE": "",
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    before = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    from core.serving.app import deploy, worker_env

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        runtime_env={"env_vars": worker_env()},
        log_to_driver=False,
    )
    try:
        yield deploy("127.0.0.1", _free_port(), wait_s=300)
    finally:
        serve.shutdown()
        ray.shutdown()
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _agreement(task: str, local, remote) -> bool:
    if task in ("image-classification", "zero-shot-image-classification"):
        found = classification_agreement(local, remote)
        return found["same_top1"] and found["max_score_gap"] < 1e-4
    if task == "object-detection":
        found = detection_agreement(local, remote, 0.5)
        return found["same_count"] and found["min_iou"] > 0.999
    if task == "depth-estimation":
        return depth_agreement(local, remote)["correlation"] > 0.9999
    if task == "image-segmentation":
        return segmentation_agreement(local, remote)["pixel_agreement"] > 0.999
    raise ValueError(f"no agreement for {task}")  # a new task says how its answers compare


@pytest.mark.parametrize("task", list(DEFAULT_MODELS))
def test_serve_answers_as_the_local_backend(serve_url, local_models, task):
    ref = ModelRef(DEFAULT_MODELS[task], task, MODELS[DEFAULT_MODELS[task]].revision)
    image = sample_photo("coffee").image
    options = OPTIONS.get(task, ())
    local = LocalBackend(ModelCache(10**9)).run(ref, image, options)
    remote = ServeBackend(serve_url, 60).run(ref, image, options)
    assert type(remote) is type(local)
    assert remote.run.model_id == ref.id and remote.run.device == "cpu"
    assert _agreement(task, local, remote)
    if task == "zero-shot-image-classification":  # the step by step crosses too
        assert remote.steps.similarities == pytest.approx(local.steps.similarities, abs=1e-6)
        assert remote.steps.model_input.tobytes() == local.steps.model_input.tobytes()


def test_a_timm_classifier_typed_as_a_hub_id_answers_through_serve(serve_url, local_models):
    ref = ModelRef("timm/test_vit.r160_in1k", "image-classification")  # the shared deployment
    image = sample_photo("chelsea").image
    local = LocalBackend(ModelCache(10**9)).run(ref, image, ())
    remote = ServeBackend(serve_url, 60).run(ref, image, ())
    assert remote.run.auto_class == "AutoModelForImageClassification"
    assert _agreement("image-classification", local, remote)
    assert not remote.predictions[0].label.startswith("LABEL_")


def test_pages_through_serve_load_no_weights_in_the_app(serve_url, local_models, monkeypatch):
    from core.ui.shared import shared_models

    monkeypatch.setenv("VTL_SERVE_URL", serve_url)
    at = open_page("Image_Classification", "es-ES")
    assert not at.exception and not at.error
    shown = [list(zip(c["data"][0]["y"], c["data"][0]["x"])) for c in plotly_specs(at)]
    assert shown == [expected_bars(VIT.id, "chelsea", 5)]
    for page in ("Object_Detection", "Depth_Estimation", "Image_Segmentation"):
        at = open_page(page, "en-US")
        assert not at.exception and not at.error, page
        assert plotly_specs(at) or at.get("imgs"), page
    assert shared_models().loaded() == []  # every answer came from Serve


def test_pictionary_and_a_students_trained_model_through_serve(
    serve_url, local_models, monkeypatch
):
    from core.quickdraw.pictionary import DoodleStyle, guess
    from core.quickdraw.saved_models import save_model
    from core.quickdraw.training import TrainingConfig, load_bitmaps, local_fetch, train
    from tests.support.drawings import raw_drawings
    from tests.support.environment import SHARED

    words = ("apple", "fish")
    images, labels = load_bitmaps(words, 100, local_fetch(SHARED / "data/quickdraw/numpy_bitmap"))
    save_model(train(TrainingConfig(words, 100, 1), images, labels), _trained_folder(), "mine")
    ref = ModelRef("trained/mine", "image-classification")
    serve = ServeBackend(serve_url, 60)
    assert serve.labels(ref) == words
    fish = raw_drawings("fish")[0].strokes
    local = guess(ModelCache(10**9).get(ref), fish, DoodleStyle("white", 28))
    from core.quickdraw.pictionary import model_sees

    remote = serve.run(ref, model_sees(fish, DoodleStyle("white", 28)))
    assert [p.label for p in remote.predictions] == [p.label for p in local.predictions]
    assert np.allclose([p.score for p in remote.predictions], [p.score for p in local.predictions])


def _trained_folder():
    from pathlib import Path

    return Path(os.environ["VTL_MODELS_DIR"])


def test_a_replica_killed_during_a_burst_loses_no_request(serve_url, local_models):
    """20 students at once; the ViT replica is killed while they wait. Each gets its answer
    or the "try again" message; none waits past the timeout; the next request works."""
    serve = ServeBackend(serve_url, 30)
    photos = [sample_photo(s).image.rotate(angle) for s in ("chelsea", "coffee") for angle in
              range(0, 360, 36)]  # fmt: skip
    start = threading.Barrier(21)

    def student(index: int):
        start.wait()
        began = time.perf_counter()
        try:
            return serve.run(VIT, photos[index]), time.perf_counter() - began
        except ModelError as err:
            return err, time.perf_counter() - began

    with ThreadPoolExecutor(20) as pool:
        asked = [pool.submit(student, index) for index in range(20)]
        start.wait()
        time.sleep(0.05)
        killed = _kill_replica_of("model-google--vit-base-patch16-224")
        answers = [future.result(timeout=120) for future in asked]
    assert killed not in _replicas_of("model-google--vit-base-patch16-224")  # a new one answers
    told = sum(isinstance(answer, ModelError) for answer, _ in answers)
    print(f"killed mid-burst: {20 - told} answered, {told} told to try again", flush=True)
    for answer, seconds in answers:
        assert seconds < 2 * 30 + 5  # the timeout, once retried
        if isinstance(answer, ModelError):
            assert answer.reason in {"server_failed", "server_unreachable"}
            assert t("es", answer.message_key, model=VIT.id, detail=answer.detail)
        else:
            assert answer.predictions and answer.run.model_id == VIT.id
    local = LocalBackend(ModelCache(10**9)).run(VIT, photos[0])
    again = serve.run(VIT, photos[0])  # Serve has started another replica
    assert again.predictions[0].label == local.predictions[0].label


def _replicas_of(deployment: str) -> list[dict]:
    return [
        actor
        for actor in ray.util.list_named_actors(all_namespaces=True)
        if actor["name"].startswith("SERVE_REPLICA::") and f"#{deployment}#" in actor["name"]
    ]


def _kill_replica_of(deployment: str) -> dict:
    """Kill the deployment's replica actor, as a crashed process or a lost machine would."""
    (replica,) = _replicas_of(deployment)
    ray.kill(ray.get_actor(replica["name"], namespace=replica["namespace"]), no_restart=True)
    return replica


def test_serve_unreachable_is_said_on_the_page_and_on_diagnostics(local_models, monkeypatch):
    closed = f"http://127.0.0.1:{_free_port()}/vtl"
    monkeypatch.setenv("VTL_SERVE_URL", closed)
    with pytest.raises(ModelError) as caught:
        ServeBackend(closed, 5).run(VIT, sample_photo("coffee").image)
    assert caught.value.reason == "server_unreachable"
    at = open_page("Image_Classification", "es-ES")
    assert not at.exception
    assert [e.value for e in at.error][0].startswith("No se puede contactar con el servidor")
    at = open_page("Diagnostics", "es-ES")
    assert not at.exception
    assert any("No se puede contactar con Ray Serve" in e.value for e in at.error)


def test_the_teacher_may_allow_the_local_backend_while_serve_is_down(local_models, monkeypatch):
    monkeypatch.setenv("VTL_SERVE_URL", f"http://127.0.0.1:{_free_port()}/vtl")
    monkeypatch.setenv("VTL_SERVE_FALLBACK", "1")
    at = open_page("Image_Classification", "en-US")
    assert not at.exception and not at.error
    shown = [list(zip(c["data"][0]["y"], c["data"][0]["x"])) for c in plotly_specs(at)]
    assert shown == [expected_bars(VIT.id, "chelsea", 5)]


def test_diagnostics_shows_the_deployments(serve_url, local_models, monkeypatch):
    monkeypatch.setenv("VTL_SERVE_URL", serve_url)
    at = open_page("Diagnostics", "en-US")
    assert not at.exception
    assert any(serve_url in s.value for s in at.success)
    table = at.dataframe[0].value  # the first table: where the models run
    names = set(table[t("en", "diagnostics.col_deployment")])
    assert {"model-google--vit-base-patch16-224", "AnyModel", "Gateway"} <= names
    assert set(table[t("en", "diagnostics.col_replicas")]) == {1}


def test_pictionary_page_guesses_through_serve_as_locally(serve_url, local_models, monkeypatch):
    from tests.support.drawings import as_canvas, raw_drawings

    drawing = as_canvas(raw_drawings("bicycle")[3])

    def guesses() -> list:
        at = open_page("Pictionary", "en-US")
        at.session_state["pic_canvas"] = {"drawing": {"raw": drawing, "data": None}}
        at.run()
        assert not at.exception and not at.error
        chart = plotly_specs(at)[0]["data"][0]
        return list(zip(chart["y"], chart["x"]))

    local = guesses()
    monkeypatch.setenv("VTL_SERVE_URL", serve_url)
    from streamlit import cache_resource

    cache_resource.clear()  # a fresh app: its backend and caches follow the new setting
    assert guesses() == local
