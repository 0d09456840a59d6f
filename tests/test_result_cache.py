"""The shared cache of computed things: one computation per identical request, however many
sessions ask at once; bounded in bytes; failures never kept."""

from __future__ import annotations

import threading
from collections.abc import Callable
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


def _all_waiting(others: int) -> tuple[threading.Semaphore, Callable[[], None]]:
    """A semaphore each waiting session releases (`on_wait`), and a wait for all `others`: a
    computation that waits for it runs while every other session waits, however slowly the
    threads start (no sleep that a slow machine could outlast)."""
    waiting = threading.Semaphore(0)

    def until_all_wait() -> None:
        for _ in range(others):
            assert waiting.acquire(timeout=30)

    return waiting, until_all_wait


def test_twenty_identical_requests_compute_once_and_all_get_the_answer():
    cache = ResultCache(2**20)
    calls = []
    waiting, until_all_wait = _all_waiting(19)

    def compute():
        calls.append(1)
        until_all_wait()  # a forward pass: the others arrive while it runs
        return {"label": "cat", "score": 0.9}

    answers = _at_once(
        20, lambda _: cache.get_or_compute(("result", "photo"), compute, waiting.release)
    )
    assert len(calls) == 1 and cache.computations == 1
    assert all(answer is answers[0] for answer in answers)
    assert answers[0] == {"label": "cat", "score": 0.9}


def test_different_requests_each_compute():
    cache = ResultCache(2**20)
    answers = _at_once(5, lambda i: cache.get_or_compute(("result", i), lambda i=i: i * 10))
    assert answers == [0, 10, 20, 30, 40] and cache.computations == 5


def test_without_single_flight_every_session_computes():
    cache = ResultCache(2**20, single_flight=False)

    together = threading.Barrier(6, timeout=30)  # all six computing at once: none waits

    def compute():
        together.wait()
        return 1

    _at_once(6, lambda _: cache.get_or_compute("same", compute))
    assert cache.computations == 6


def test_a_failure_reaches_every_waiting_session_and_is_not_kept():
    cache = ResultCache(2**20)
    waiting, until_all_wait = _all_waiting(7)

    def fail():
        until_all_wait()
        raise ValueError("no network")

    def ask(_):
        try:
            return cache.get_or_compute("key", fail, waiting.release)
        except ValueError as err:
            return str(err)

    assert _at_once(8, ask) == ["no network"] * 8
    assert cache.computations == 1 and len(cache) == 0
    assert cache.get_or_compute("key", lambda: "back") == "back"  # the next try computes


def test_an_interrupted_computation_is_taken_over_by_a_waiting_session():
    class Rerun(BaseException):  # what Streamlit raises in a session's script on a rerun
        pass

    cache = ResultCache(2**20)
    started, waiting = threading.Event(), threading.Event()

    def interrupted():
        started.set()
        assert waiting.wait(timeout=30)  # the other session waits on this computation
        raise Rerun

    def first():
        with pytest.raises(Rerun):
            cache.get_or_compute("key", interrupted)

    thread = threading.Thread(target=first)
    thread.start()
    started.wait()
    answer = cache.get_or_compute("key", lambda: "computed here", waiting.set)
    assert answer == "computed here" and waiting.is_set()  # it waited, then took over
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
