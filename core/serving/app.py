"""The models of the app served by Ray Serve, for a class larger than one machine can hold.

    python -m core.serving.app [--address auto] [--host 0.0.0.0] [--port 8000]

then start the app with `VTL_SERVE_URL=http://<host>:8000/vtl`. Ray Serve (`pip install
"ray[serve]"`) runs on a laptop, a VM or Kubernetes (KubeRay); this module is the only one of
the app that imports Ray.

The application is built from the same registry and loader as the local path:
- one `ModelServer` deployment per model of `VTL_SERVE_MODELS` (by default each task page's
  default model, Pictionary's sketch model and the dogs-and-cats model): each replica loads its
  model once with `ModelCache` (no remote code, safetensors first, its memory budget
  `VTL_MEMORY_BUDGET_MB`), gathers concurrent requests with `@serve.batch` and answers each
  with the task's run function, so a class shares forward passes; autoscaling between
  `VTL_SERVE_MIN_REPLICAS` and `VTL_SERVE_MAX_REPLICAS` replicas;
- one `AnyModel` deployment for everything else: a model id a student typed, or a doodle
  classifier a student trained (`trained/<name>`, read from `VTL_MODELS_DIR`: on more than one
  machine, that folder must be a volume every replica mounts, e.g. NFS or a Kubernetes
  ReadWriteMany volume, at the same path);
- a `Gateway` at `/vtl`: the HTTP route the app calls (`/vtl/run`, `/vtl/labels`,
  `/vtl/status`), with requests and results as `.npz` archives (`core/serving/codec.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from ray import serve
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from core.config import settings
from core.models.loader import LoadedModel, ModelCache
from core.models.model_ref import ModelError, ModelRef
from core.models.registry import DEFAULT_MODELS, DOGS_AND_CATS, MODELS, TASKS
from core.quickdraw import saved_models  # noqa: F401  (the loader finds trained/ models through it)
from core.serving.codec import decode, encode

ROOT = Path(__file__).resolve().parents[2]
APP_NAME = "vision-tasks-lab"
ROUTE = "/vtl"
STARTUP_S = 150  # how long the command waits to report deployments that did not start
# Settings the replicas need, passed on to every worker process Ray starts for them.
FORWARDED = (
    "VTL_LOCAL_MODELS",
    "VTL_MODELS_DIR",
    "VTL_MEMORY_BUDGET_MB",
    "VTL_DEVICE",
    "VTL_PRECISION",
    "VTL_BATCH_MAX",
    "VTL_BATCH_WINDOW_MS",
    "VTL_BATCH_MEMORY_MB",
    "VTL_POLICY_CACHE",
    "VTL_NETWORK_TIMEOUT",
    "VTL_SERVE_THREADS",
    "HF_HOME",
    "HF_HUB_OFFLINE",
)


def served_models() -> tuple[str, ...]:
    """The models with a deployment of their own (`VTL_SERVE_MODELS`, or the defaults)."""
    chosen = settings().serve_models
    if chosen:
        return chosen
    doodle = [m.id for m in MODELS.values() if m.doodle_ink]
    return (*DEFAULT_MODELS.values(), *doodle, DOGS_AND_CATS)


def _answer(model: LoadedModel, task: str, image: np.ndarray, options: tuple) -> Any:
    """The task's typed result, or the reason it failed (one request's failure stays its own)."""
    try:
        return TASKS[task].run(model, Image.fromarray(image), *options)
    except ModelError as err:
        return err


def _use_threads(threads: int) -> None:
    """Ray starts a replica with as many torch threads as CPUs it reserved (one when it
    reserved less): `VTL_SERVE_THREADS` sets them where a replica has a machine to itself."""
    if threads:
        import torch

        torch.set_num_threads(threads)


def _labels(model: LoadedModel) -> list[str]:
    return [str(label) for label in model.pipe.model.config.id2label.values()]


@serve.deployment(ray_actor_options={"num_cpus": 0.5}, max_ongoing_requests=32)
class ModelServer:
    """One model of the registry: loaded once per replica, requests answered in batches."""

    def __init__(self, model_id: str, revision: str, batch_max: int, wait_s: float) -> None:
        spec = MODELS[model_id]
        self.ref = ModelRef(model_id, spec.task, revision)
        config = settings()
        _use_threads(config.serve_threads)
        self.model = ModelCache(config.memory_budget_mb * 2**20).get(self.ref)
        self.run.set_max_batch_size(batch_max)
        self.run.set_batch_wait_timeout_s(wait_s)

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.01)
    async def run(self, requests: list[tuple[np.ndarray, tuple]]) -> list[Any]:
        """Each request on its own thread, together: the loader's model thread gathers calls
        that arrive at once into one forward pass where the model's policy allows."""
        answers = [
            asyncio.to_thread(_answer, self.model, self.ref.task, image, options)
            for image, options in requests
        ]
        return list(await asyncio.gather(*answers))

    def labels(self) -> list[str]:
        return _labels(self.model)


@serve.deployment(ray_actor_options={"num_cpus": 0.5}, max_ongoing_requests=32)
class AnyModel:
    """Models without a deployment of their own: typed ids and trained doodle models, loaded
    on first use by the same loader, within the replica's memory budget."""

    def __init__(self) -> None:
        _use_threads(settings().serve_threads)
        self.models = ModelCache(settings().memory_budget_mb * 2**20)

    def _model(self, model_id: str, task: str, revision: str) -> LoadedModel:
        return self.models.get(ModelRef(model_id, task, revision))

    async def run(self, about: dict, image: np.ndarray, options: tuple) -> Any:
        def answer() -> Any:
            try:
                model = self._model(about["model"], about["task"], about["revision"])
            except ModelError as err:
                return err
            return _answer(model, about["task"], image, options)

        return await asyncio.to_thread(answer)

    async def labels(self, about: dict) -> list[str] | ModelError:
        def answer() -> list[str] | ModelError:
            try:
                return _labels(self._model(about["model"], about["task"], about["revision"]))
            except ModelError as err:
                return err

        return await asyncio.to_thread(answer)


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=256)
class Gateway:
    """The HTTP route of the app: decodes a request, sends it to its model's deployment."""

    def __init__(self, servers: dict[str, Any], any_model: Any, scale_from_zero: bool) -> None:
        self.servers = servers
        self.any_model = any_model
        self.ongoing: Counter[str] = Counter()
        # With no replica kept (min_replicas 0), none running is normal: a request starts one.
        self.scale_from_zero = scale_from_zero
        self._overview: tuple[float, dict] = (0.0, {})

    async def __call__(self, request: Request) -> Response:
        action = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        if action == "status":
            return JSONResponse(self._status())
        if action not in {"run", "labels"}:
            return JSONResponse({"reason": "failed", "detail": "no such route"}, 404)
        try:
            about = decode(await request.body())
        except ValueError as exc:
            return JSONResponse({"reason": "failed", "detail": str(exc)}, 400)
        name = about["model"] if about["model"] in self.servers else "any-model"
        deployment = _deployment_name(name) if name in self.servers else "AnyModel"
        if not self._running(deployment, scales=name in self.servers):
            # Its replicas were never placed (no CPU left) or have not started: said as such
            # at once, not after the app's timeout as a lost request.
            detail = {"reason": "not_running", "detail": deployment}
            return JSONResponse(detail, 422)
        self.ongoing[name] += 1
        try:
            answer = await self._ask(action, about)
        finally:
            self.ongoing[name] -= 1
        if isinstance(answer, ModelError):
            detail = {"reason": str(answer.reason), "detail": answer.detail}
            return JSONResponse(detail, 422)
        if action == "labels":
            return Response(json.dumps(answer).encode("utf-8"), media_type="application/json")
        return Response(encode(answer), media_type="application/octet-stream")

    async def _ask(self, action: str, about: dict) -> Any:
        server = self.servers.get(about["model"])
        if action == "labels":
            if server is not None:
                return await server.labels.remote()
            return await self.any_model.labels.remote(about)
        options = tuple(about["options"])
        if server is not None:
            return await server.run.remote((about["image"], options))
        return await self.any_model.run.remote(about, about["image"], options)

    def _deployments(self, most_age_s: float = 2.0) -> dict:
        """Serve's view of the application's deployments, asked at most every `most_age_s`
        (a class's requests do not each ask the controller)."""
        asked, overview = self._overview
        if time.monotonic() - asked > most_age_s:
            try:
                status = serve.status().applications.get(APP_NAME)
                overview = dict(status.deployments) if status else {}
            except Exception:  # the controller is restarting: report what the gateway knows
                overview = {}
            self._overview = (time.monotonic(), overview)
        return overview

    def _running(self, deployment: str, scales: bool) -> bool:
        """Whether `deployment` has a replica running (or may start one on demand)."""
        found = self._deployments().get(deployment)
        if found is None or (scales and self.scale_from_zero):
            return True  # unknown to the controller just now: let Serve answer
        return int(found.replica_states.get("RUNNING", 0)) > 0

    def _status(self) -> dict:
        deployments = []
        for name, deployment in self._deployments(most_age_s=0.0).items():
            deployments.append(
                {
                    "name": name,
                    "status": str(getattr(deployment.status, "value", deployment.status)),
                    "replicas": int(deployment.replica_states.get("RUNNING", 0)),
                    "ongoing": self._ongoing_of(name),
                }
            )
        return {"deployments": deployments}

    def _ongoing_of(self, deployment: str) -> int:
        if deployment == "AnyModel":
            return self.ongoing["any-model"]
        for model_id in self.servers:
            if deployment == _deployment_name(model_id):
                return self.ongoing[model_id]
        return 0


def _deployment_name(model_id: str) -> str:
    return "model-" + model_id.replace("/", "--")


def replica_cpus(setting: float | None, deployments: int, cpus: float) -> float:
    """CPUs Ray reserves for each model replica: `VTL_SERVE_CPUS` when set, otherwise the
    cluster's CPUs shared between the deployments (at most 1 each, in hundredths, rounded
    down so that their sum fits): on one 2-core machine, 0.5 each left 3 of 8 deployments
    never placed ("total resources available: {}")."""
    if setting is not None:
        return setting
    share = math.floor(100 * cpus / max(deployments, 1)) / 100
    return min(1.0, max(0.01, share))


def cluster_cpus() -> float:
    """The CPUs of the Ray cluster this process is connected to (this machine's otherwise)."""
    import ray

    if ray.is_initialized():
        return float(ray.cluster_resources().get("CPU", os.cpu_count() or 1))
    return float(os.cpu_count() or 1)


def worker_env() -> dict[str, str]:
    """The settings the replicas need, and this checkout on their import path (on a cluster,
    every machine runs the same image, so the path is the same there)."""
    env = {name: os.environ[name] for name in FORWARDED if name in os.environ}
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def build_app(args: dict | None = None) -> Any:
    """The Serve application for the current settings; also a Serve application builder, for
    `serve run core.serving.app:build_app` or a KubeRay `serveConfigV2` (`args` unused: the
    settings come from the environment, as everywhere in the app)."""
    config = settings()
    env = worker_env()
    models = [model_id for model_id in served_models() if model_id in MODELS]
    replicas = len(models) * max(1, config.serve_min_replicas) + 1  # and AnyModel's one
    cpus = replica_cpus(config.serve_cpus, replicas, cluster_cpus())
    actor = {"num_cpus": cpus, "runtime_env": {"env_vars": env}}
    scaling = {
        "min_replicas": config.serve_min_replicas,
        "initial_replicas": max(1, config.serve_min_replicas),
        "max_replicas": max(config.serve_max_replicas, config.serve_min_replicas, 1),
        "target_ongoing_requests": config.serve_target_ongoing,
    }
    wait_s = config.serve_batch_wait_ms / 1000
    servers = {
        model_id: ModelServer.options(
            name=_deployment_name(model_id), ray_actor_options=actor, autoscaling_config=scaling
        ).bind(model_id, MODELS[model_id].revision, config.serve_batch_max, wait_s)
        for model_id in models
    }
    any_model = AnyModel.options(ray_actor_options=actor).bind()
    gateway = Gateway.options(ray_actor_options={"num_cpus": 0, "runtime_env": {"env_vars": env}})
    return gateway.bind(servers, any_model, config.serve_min_replicas == 0)


def deploy(host: str = "127.0.0.1", port: int = 8000, wait_s: float = 0.0) -> str:
    """Start Serve's HTTP proxy on `host:port` and deploy the app; returns its URL.

    Returns once the gateway answers, without waiting for the models' deployments (`serve.run`
    would wait for ever for one that cannot be placed); with `wait_s`, waits up to that long
    for all of them to be running."""
    serve.start(http_options={"host": host, "port": port})
    target = serve.RunTarget(build_app(), name=APP_NAME, route_prefix=ROUTE)
    serve.run_many([target], wait_for_applications_running=False)
    deadline = time.monotonic() + wait_s
    while not_running() and time.monotonic() < deadline:
        time.sleep(1)
    return f"http://{host}:{port}{ROUTE}"


def not_running() -> dict[str, str]:
    """The application's deployments with no replica running, with Serve's word on why."""
    try:
        status = serve.status().applications.get(APP_NAME)
    except Exception:  # the controller is starting
        return {"(controller)": "starting"}
    if status is None:
        return {"(application)": "not deployed yet"}
    return {
        name: deployment.message or str(deployment.status)
        for name, deployment in status.deployments.items()
        if int(deployment.replica_states.get("RUNNING", 0)) == 0
    }


def main(argv: list[str] | None = None) -> int:
    import ray

    parser = argparse.ArgumentParser(description="Serve the app's models with Ray Serve.")
    parser.add_argument("--address", default=None, help="a Ray cluster (auto, ray://…)")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    ray.init(
        address=args.address,
        include_dashboard=False,
        runtime_env={"env_vars": worker_env()},
    )
    url = deploy(args.host, args.port)
    print(f"Serving at {url}: start the app with VTL_SERVE_URL={url}", flush=True)
    deadline = time.monotonic() + STARTUP_S
    while (waiting := not_running()) and time.monotonic() < deadline:
        time.sleep(5)
    if waiting:
        print(f"Not running after {STARTUP_S} s (students asking for them are told so):",
              flush=True)  # fmt: skip
        for name, why in waiting.items():
            print(f"  {name}: {why}", flush=True)
    else:
        print("Every deployment is running.", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
