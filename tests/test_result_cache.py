"""The shared cache of computed things: one computation per identical request, however many
sessions ask at once; bounded in bytes; failures never kept."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from core.result_cache import ResultCache, nbytes_of
from core.tasks.run_info import RunInfo


def _at_once(sessions: int, ask):
    barrier = threading.Barrier(sessions)

    def session(index: int):
        barrier.wait()
        return ask(index)

    with ThreadPoolExecutor(sessions) as pool:
        return list(pool.map(session, range(sessions)))


def test_twenty_identical_requests_compute_once_and_all_get_the_answer():
    cache = ResultCache(2**20)
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.2)  # a forward pass: the others arrive while it runs
        return {"label": "cat", "score": 0.9}

    answers = _at_once(20, lambda _: cache.get_or_compute(("result", "photo"), compute))
    assert len(calls) == 1 and cache.computations == 1
    assert all(answer is answers[0] for answer in answers)
    assert answers[0] == {"label": "cat", "score": 0.9}


def test_different_requests_each_compute():
    cache = ResultCache(2**20)
    answers = _at_once(5, lambda i: cache.get_or_compute(("result", i), lambda i=i: i * 10))
    assert answers == [0, 10, 20, 30, 40] and cache.computations == 5


def test_without_single_flight_every_session_computes():
    cache = ResultCache(2**20, single_flight=False)

    def compute():
        time.sleep(0.1)
        return 1

    _at_once(6, lambda _: cache.get_or_compute("same", compute))
    assert cache.computations == 6


def test_a_failure_reaches_every_waiting_session_and_is_not_kept():
    cache = ResultCache(2**20)

    def fail():
        time.sleep(0.2)
        raise ValueError("no network")

    def ask(_):
        try:
            return cache.get_or_compute("key", fail)
        except ValueError as err:
            return str(err)

    assert _at_once(8, ask) == ["no network"] * 8
    assert cache.computations == 1 and len(cache) == 0
    assert cache.get_or_compute("key", lambda: "back") == "back"  # the next try computes


def test_an_interrupted_computation_is_taken_over_by_a_waiting_session():
    class Rerun(BaseException):  # what Streamlit raises in a session's script on a rerun
        pass

    cache = ResultCache(2**20)
    started = threading.Event()

    def interrupted():
        started.set()
        time.sleep(0.2)
        raise Rerun

    def first():
        with pytest.raises(Rerun):
            cache.get_or_compute("key", interrupted)

    thread = threading.Thread(target=first)
    thread.start()
    started.wait()
    assert cache.get_or_compute("key", lambda: "computed here") == "computed here"
    thread.join()


def test_bounded_in_bytes_least_recently_used_first():
    cache = ResultCache(3 * 1000 + 500, measure=lambda value: value.nbytes)
    for name in "abc":
        cache.put(name, np.zeros(1000, np.uint8))
    cache.get("a")  # a is now the most recent
    cache.put("d", np.zeros(1000, np.uint8))
    assert cache.get("b") is None and cache.get("a") is not None
    assert cache.used_bytes == 3000 <= cache.budget_bytes
    cache.put("huge", np.zeros(10_000, np.uint8))  # larger than the whole budget: not kept
    assert cache.get("huge") is None and cache.used_bytes == 3000
    cache.clear()
    assert cache.used_bytes == 0 and len(cache) == 0


def test_sizes_count_arrays_images_and_what_holds_them():
    from core.tasks.depth import DepthResult

    depth = DepthResult(np.zeros((480, 640), np.float32), False, RunInfo("m/m", 0.1, "cpu"))
    assert 480 * 640 * 4 <= nbytes_of(depth) < 480 * 640 * 4 + 4096
    photo = Image.new("RGB", (1000, 500))
    assert 1_500_000 <= nbytes_of((photo, [photo])) < 3_100_000
    cache = ResultCache(10 * 2**20)
    cache.put(("image", 1), photo)
    cache.put(("result", 2), depth)
    usage = cache.usage_by_kind()
    assert set(usage) == {"image", "result"} and usage["image"] >= 1_500_000
