"""The backend seam without Ray: the local backend is the loader and the task's run function;
the Serve client retries a lost call once, never a slow one, and says when Serve is down."""

from __future__ import annotations

import http.server
import threading

import pytest

from core.models.loader import ModelCache
from core.models.model_ref import ModelError, ModelRef
from core.serving.backend import LocalBackend, ServeBackend, backend_from_settings
from core.serving.codec import encode
from core.tasks.classification import ClassificationResult, Prediction, classify
from core.tasks.image_input import sample_photo
from core.tasks.run_info import RunInfo

VIT = ModelRef("google/vit-base-patch16-224", "image-classification")


class Stub:
    """A Serve gateway that answers as told, counting the requests it gets."""

    def __init__(self, answers: list) -> None:
        self.answers = answers
        self.requests = 0
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                stub.requests += 1
                status, body, delay = stub.answers[min(stub.requests, len(stub.answers)) - 1]
                threading.Event().wait(delay)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/vtl"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_the_local_backend_is_the_loader_and_the_run_function(local_models):
    image = sample_photo("chelsea").image
    backend = LocalBackend(ModelCache(10**9))
    assert (
        backend.run(VIT, image).predictions
        == classify(ModelCache(10**9).get(VIT), image).predictions
    )
    assert len(backend.labels(VIT)) == 1000


def test_a_call_a_failed_replica_lost_is_asked_again_once():
    answer = ClassificationResult((Prediction("cat", 0.9),), RunInfo(VIT.id, 0.1, "cpu"))
    stub = Stub([(500, b"replica died", 0), (200, encode(answer), 0)])
    assert ServeBackend(stub.url, 5).run(VIT, sample_photo("chelsea").image) == answer
    assert stub.requests == 2
    stub = Stub([(500, b"replica died", 0)])
    with pytest.raises(ModelError) as caught:
        ServeBackend(stub.url, 5).run(VIT, sample_photo("chelsea").image)
    assert caught.value.reason == "server_failed" and stub.requests == 2


def test_a_slow_answer_is_not_asked_again_and_waits_no_longer_than_the_timeout():
    import time

    stub = Stub([(200, b"", 3)])
    started = time.perf_counter()
    with pytest.raises(ModelError) as caught:
        ServeBackend(stub.url, 1).run(VIT, sample_photo("chelsea").image)
    assert time.perf_counter() - started < 2.5
    assert caught.value.reason == "server_failed" and stub.requests == 1


def test_the_models_own_failure_comes_back_with_its_reason():
    stub = Stub([(422, b'{"reason": "wrong_task", "detail": "BertModel"}', 0)])
    with pytest.raises(ModelError) as caught:
        ServeBackend(stub.url, 5).run(VIT, sample_photo("chelsea").image)
    assert (caught.value.reason, caught.value.detail) == ("wrong_task", "BertModel")
    assert stub.requests == 1


def test_the_setting_chooses_the_backend(monkeypatch):
    monkeypatch.delenv("VTL_SERVE_URL", raising=False)
    assert backend_from_settings(ModelCache(1)).name == "local"
    monkeypatch.setenv("VTL_SERVE_URL", "http://127.0.0.1:9/vtl")
    backend = backend_from_settings(ModelCache(1))
    assert backend.name == "serve" and backend.fallback is None
    monkeypatch.setenv("VTL_SERVE_FALLBACK", "1")
    assert backend_from_settings(ModelCache(1)).fallback is not None
