"""Ray Serve on one 2-core machine, as the README's one-machine command starts it: every
deployment of the default application is placed and healthy; a deployment that cannot be placed
is said as such (to the student and on Diagnostics) at once, not as a request lost after a
timeout."""

from __future__ import annotations

import time

import pytest

from core.i18n import t
from core.models.model_ref import ModelError, ModelRef
from core.models.registry import MODELS
from core.serving.backend import ServeBackend
from core.tasks.image_input import sample_photo
from tests.support.app import open_page
from tests.support.streamlit_server import free_port

ray = pytest.importorskip("ray", reason="ray[serve] is a dev requirement")


@pytest.fixture(scope="module")
def two_cpus(tiny_models_dir, tmp_path_factory):
    """A local Ray of 2 CPUs (the machine of the issue), the app's settings as a teacher
    leaves them (no `VTL_SERVE_CPUS`, no `VTL_SERVE_MODELS`), the tiny models."""
    from ray import serve

    from core.serving.app import worker_env

    with pytest.MonkeyPatch.context() as settings:
        for name in ("VTL_SERVE_CPUS", "VTL_SERVE_MODELS"):
            settings.delenv(name, raising=False)
        settings.setenv("VTL_LOCAL_MODELS", str(tiny_models_dir))
        settings.setenv("VTL_PRECISION", "fp32")
        settings.setenv("VTL_MODELS_DIR", str(tmp_path_factory.mktemp("trained")))
        ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
                 runtime_env={"env_vars": worker_env()}, log_to_driver=False)  # fmt: skip
        try:
            yield
        finally:
            serve.shutdown()
            ray.shutdown()


def _deploy(monkeypatch, cpus: str | None) -> str:
    from ray import serve

    from core.serving.app import deploy

    serve.shutdown()  # a fresh application, not a rolling update of the last one
    if cpus is None:
        monkeypatch.delenv("VTL_SERVE_CPUS", raising=False)
    else:
        monkeypatch.setenv("VTL_SERVE_CPUS", cpus)
    return deploy("127.0.0.1", free_port())


def _deployments(url: str, until, within: float) -> dict:
    """The deployments by name, as the app reads them, once `until(them)` or after `within`."""
    deadline, found = time.monotonic() + within, {}
    while time.monotonic() < deadline:
        status = ServeBackend(url, 10).status()
        found = {d.name: d for d in status.deployments}
        if status.reachable and found and until(found):
            break
        time.sleep(2)
    return found


def test_every_deployment_of_the_default_application_is_placed(two_cpus, monkeypatch):
    from core.serving.app import served_models

    started = time.monotonic()
    url = _deploy(monkeypatch, None)
    healthy = _deployments(url, lambda d: all(x.status == "HEALTHY" for x in d.values()), 150)
    expected = {"model-" + m.replace("/", "--") for m in served_models()} | {"AnyModel", "Gateway"}
    assert set(healthy) == expected and len(expected) == len(served_models()) + 2 == 9
    assert all(d.status == "HEALTHY" and d.replicas == 1 for d in healthy.values()), healthy
    assert time.monotonic() - started < 150


def test_a_deployment_that_cannot_be_placed_is_said_not_running(two_cpus, monkeypatch):
    # One whole CPU for each of eight replicas on a machine of two: most are never placed.
    url = _deploy(monkeypatch, "1")
    models = {n: d for n, d in _deployments(url, lambda d: len(d) == 9, 60).items()
              if n.startswith("model-")}  # fmt: skip
    placed = _deployments(url, lambda d: sum(x.replicas for x in d.values()) >= 3, 90)
    stopped = [name for name in models if placed[name].replicas == 0]
    assert stopped, placed
    model_id = next(m for m in MODELS if "model-" + m.replace("/", "--") == stopped[0])
    ref = ModelRef(model_id, MODELS[model_id].task, MODELS[model_id].revision)
    asked = time.monotonic()
    with pytest.raises(ModelError) as caught:
        ServeBackend(url, 60).run(ref, sample_photo("coffee").image)
    assert caught.value.reason == "not_running"
    assert time.monotonic() - asked < 10  # said at once, not after the request's timeout
    message = t("en", f"models.error.{caught.value.reason}", model=ref.id, detail="")
    assert "not running on the model server" in message

    monkeypatch.setenv("VTL_SERVE_URL", url)
    import streamlit as st

    st.cache_resource.clear()  # a fresh app: its backend follows the setting
    at = open_page("Diagnostics", "en-US")
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any(stopped[0] in w and "Not running on the model server" in w for w in warnings)
