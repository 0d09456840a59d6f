"""The inference backend seam: every model call of the app goes through `Backend.run`.

- `LocalBackend` (the default): the model is loaded in this process by the one loader and run
  by the task's run function, as the registry declares it.
- `ServeBackend` (`VTL_SERVE_URL` set): the call is sent over HTTP to the Ray Serve application
  (`core/serving/app.py`), which runs the same run function on the same loader in its
  replicas; this process loads no weights at all. Requests and results travel as `.npz`
  archives (`core/serving/codec.py`), never as pickles.

Either way a caller gets the task's typed result, or a `ModelError` whose reason the pages
turn into a message in the student's language.
"""

from __future__ import annotations

import errno
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from PIL import Image

from core.config import settings
from core.models.hub_download import Progress
from core.models.loader import ModelCache
from core.models.model_ref import ModelError, ModelRef
from core.models.registry import MODELS, TASKS
from core.serving.codec import decode, encode

RETRY_PAUSE_S = 0.5  # before the one retry of a call a failing replica lost


@dataclass(frozen=True)
class DeploymentInfo:
    """One deployment of the Serve application, as Diagnostics shows it."""

    name: str
    status: str  # Serve's word: HEALTHY, UPDATING, UNHEALTHY…
    replicas: int  # running
    ongoing: int  # requests the gateway has sent it and not yet had answered


@dataclass(frozen=True)
class BackendStatus:
    """Which backend answers, whether it is reachable, and its deployments."""

    name: str  # "local" or "serve"
    reachable: bool
    detail: str = ""  # the address, or why it cannot be reached
    deployments: tuple[DeploymentInfo, ...] = field(default_factory=tuple)


class Backend(Protocol):
    """Where a model call is answered."""

    name: str

    def run(
        self,
        ref: ModelRef,
        image: Image.Image,
        options: tuple = (),
        progress: Progress | None = None,
    ) -> Any:
        """The task's typed result for `image` (`TASKS[ref.task].run`); raises ModelError."""
        ...

    def labels(self, ref: ModelRef, progress: Progress | None = None) -> tuple[str, ...]:
        """The classes a classifier knows, in its own order; raises ModelError."""
        ...

    def status(self) -> BackendStatus:
        """For Diagnostics: which backend, reachable or not, and its deployments."""
        ...


class LocalBackend:
    """Models loaded and run in this process by the one loader."""

    name = "local"

    def __init__(self, models: ModelCache) -> None:
        self.models = models

    def _model(self, ref: ModelRef, progress: Progress):
        spec = MODELS.get(ref.id)
        expected = spec.download_mb * 2**20 if spec else 0
        return self.models.get(ref, progress, expected_bytes=expected)

    def run(
        self,
        ref: ModelRef,
        image: Image.Image,
        options: tuple = (),
        progress: Progress | None = None,
    ) -> Any:
        return TASKS[ref.task].run(self._model(ref, progress), image, *options)

    def labels(self, ref: ModelRef, progress: Progress | None = None) -> tuple[str, ...]:
        config = self._model(ref, progress).pipe.model.config
        return tuple(str(label) for label in config.id2label.values())

    def status(self) -> BackendStatus:
        return BackendStatus("local", True, "this process")


class ServeBackend:
    """Calls answered by the Ray Serve application at `url` (its HTTP proxy and route)."""

    name = "serve"

    def __init__(self, url: str, timeout: float, fallback: LocalBackend | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.fallback = fallback  # the teacher allowed the local backend when Serve is down

    def run(
        self,
        ref: ModelRef,
        image: Image.Image,
        options: tuple = (),
        progress: Progress | None = None,
    ) -> Any:
        request = {**_about(ref), "options": list(options), "image": np.asarray(image)}
        try:
            return decode(self._post("run", encode(request), ref))
        except _Unreachable as err:
            if self.fallback is None:
                raise ModelError(ref.id, "server_unreachable", str(err)) from None
            return self.fallback.run(ref, image, options, progress)

    def labels(self, ref: ModelRef, progress: Progress | None = None) -> tuple[str, ...]:
        try:
            return tuple(json.loads(self._post("labels", encode(_about(ref)), ref)))
        except _Unreachable as err:
            if self.fallback is None:
                raise ModelError(ref.id, "server_unreachable", str(err)) from None
            return self.fallback.labels(ref, progress)

    def status(self) -> BackendStatus:
        try:
            with urllib.request.urlopen(f"{self.url}/status", timeout=self.timeout) as answer:
                found = json.loads(answer.read())
        except (OSError, ValueError) as exc:
            return BackendStatus("serve", False, f"{self.url}: {_why(exc)}")
        deployments = tuple(DeploymentInfo(**d) for d in found.get("deployments", []))
        return BackendStatus("serve", True, self.url, deployments)

    def _post(self, path: str, body: bytes, ref: ModelRef) -> bytes:
        """The answer's body; one retry after a lost connection or a failed replica (Serve
        starts another), none after a timeout (the call is still being answered); ModelError
        for what the model itself refused."""
        for attempt in (1, 2):
            request = urllib.request.Request(
                f"{self.url}/{path}",
                data=body,
                headers={"Content-Type": "application/octet-stream"},
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    return answer.read()
            except urllib.error.HTTPError as exc:
                if exc.code == 422:  # the model failed as it would locally: its own reason
                    error = json.loads(exc.read() or b"{}")
                    reason, detail = error.get("reason", "failed"), error.get("detail", "")
                    raise ModelError(ref.id, reason, detail) from None
                failure: Exception = exc
            except TimeoutError as exc:  # Serve has the call and is slow: asking again adds load
                raise ModelError(ref.id, "server_failed", _why(exc)) from None
            except (OSError, ValueError) as exc:  # refused, reset
                if isinstance(getattr(exc, "reason", None), TimeoutError):  # while connecting
                    raise ModelError(ref.id, "server_failed", _why(exc)) from None
                failure = exc
                if _never_reached(exc) and attempt == 2:
                    raise _Unreachable(f"{self.url}: {_why(exc)}") from None
            if attempt == 1:
                time.sleep(RETRY_PAUSE_S)
        if _never_reached(failure):
            raise _Unreachable(f"{self.url}: {_why(failure)}")
        raise ModelError(ref.id, "server_failed", _why(failure))


class _Unreachable(Exception):
    """Nothing listens at the Serve address (or the network to it is down)."""


def _about(ref: ModelRef) -> dict:
    return {"model": ref.id, "task": ref.task, "revision": ref.revision}


def _never_reached(exc: BaseException) -> bool:
    """The request never got to Serve (nothing listens, no route, no such host), as opposed to
    Serve failing or taking too long while answering it."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, ConnectionRefusedError | socket.gaierror):
        return True
    return isinstance(reason, OSError) and reason.errno in {errno.ENETUNREACH, errno.EHOSTUNREACH}


def _why(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    reason = getattr(exc, "reason", exc)
    return type(reason).__name__ if not str(reason) else str(reason)[:160]


def backend_from_settings(local_models: ModelCache | None) -> Backend:
    """`ServeBackend` when `VTL_SERVE_URL` is set (with the local backend as a fallback if
    `VTL_SERVE_FALLBACK=1`), otherwise `LocalBackend`."""
    config = settings()
    if not config.serve_url:
        if local_models is None:
            local_models = ModelCache(config.memory_budget_mb * 2**20)
        return LocalBackend(local_models)
    fallback = None
    if config.serve_fallback and local_models is not None:
        fallback = LocalBackend(local_models)
    return ServeBackend(config.serve_url, config.network_timeout, fallback)
