"""Micro-batching: calls of several sessions that arrive together share a forward pass where
the task allows it, and each session gets exactly the answer it would get alone."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.models.runner import REPORT_EVERY_S, ModelWorker, batch_policy, reporting_place
from core.tasks.classification import classify
from core.tasks.image_input import SAMPLE_PHOTOS, sample_photo

VIT = ModelRef("google/vit-base-patch16-224", "image-classification")
DETR = ModelRef("facebook/detr-resnet-50", "object-detection", "no_timm")


def _photos(count: int):
    photos = [sample_photo(s.id).image for s in SAMPLE_PHOTOS]
    return [photos[i % len(photos)].rotate(7 * i) for i in range(count)]


def test_concurrent_classifications_are_batched_and_equal_one_at_a_time(local_models, monkeypatch):
    monkeypatch.setenv("VTL_BATCH_WINDOW_MS", "100")
    model = ModelCache(10**9).get(VIT)
    assert model.policy.batch.reason == "on" and model.policy.batch.max_batch == 8
    photos = _photos(8)
    alone = [classify(model, photo) for photo in photos]
    barrier = threading.Barrier(len(photos))

    def session(photo):
        barrier.wait()
        return classify(model, photo)

    with ThreadPoolExecutor(len(photos)) as pool:
        together = list(pool.map(session, photos))
    assert max(model.batches) > 1  # some calls shared a forward pass
    for one, other in zip(alone, together):
        assert [p.label for p in one.predictions] == [p.label for p in other.predictions]
        assert [p.score for p in one.predictions] == pytest.approx(
            [p.score for p in other.predictions], abs=1e-5
        )


def test_detection_is_never_batched(local_models):
    model = ModelCache(10**9).get(DETR)
    assert model.policy.batch.max_batch == 1 and model.policy.batch.reason == "task"


def test_batching_off_restores_one_call_at_a_time(local_models, monkeypatch):
    monkeypatch.setenv("VTL_BATCH_MAX", "1")
    model = ModelCache(10**9).get(VIT)
    assert model.policy.batch.reason == "off"
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda photo: classify(model, photo), _photos(4)))
    assert model.batches == [1] * 4


def test_batching_is_kept_only_where_the_warm_up_shows_it_faster(local_models):
    from core.models.runner import BatchPolicy, measured_policy

    assert measured_policy(BatchPolicy(8, "on"), 0.160, 0.120) == BatchPolicy(8, "on", 160, 120)
    assert measured_policy(BatchPolicy(8, "on"), 0.160, 0.150).reason == "not_faster"
    model = ModelCache(10**9).get(VIT)  # measured for real on the tiny model: either is right
    assert model.policy.batch.reason in {"on", "not_faster"}
    assert model.policy.batch.single_ms > 0 and model.policy.batch.batched_ms > 0


def test_policy_bounded_by_memory():
    assert batch_policy(True, 50 * 2**20, 512 * 2**20, 8).max_batch == 8
    assert batch_policy(True, 100 * 2**20, 512 * 2**20, 8).max_batch == 5
    assert batch_policy(True, 300 * 2**20, 512 * 2**20, 8).reason == "memory"
    assert batch_policy(False, 1, 512 * 2**20, 8).reason == "task"


def _slow_worker(window: float = 0.05):
    seen: list[list] = []

    def one(value, **options):
        time.sleep(0.05)
        if value == "bad":
            raise ValueError("bad image")
        return (value, options)

    def many(values, options):
        seen.append(list(values))
        if "bad" in values:
            raise ValueError("bad image in the batch")
        return [(value, options) for value in values]

    return ModelWorker(one, many, max_batch=8, window_s=window), seen


def test_only_calls_with_the_same_options_share_a_batch():
    worker, seen = _slow_worker()
    calls = [("a", {"k": 1}), ("b", {"k": 2}), ("c", {"k": 1}), ("d", {"k": 2})]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda c: worker.submit((c[0],), c[1]), calls))
    assert answers == [(value, options) for value, options in calls]
    for batch in seen:
        assert len({dict(calls)[value]["k"] for value in batch}) == 1


def test_one_bad_image_does_not_fail_the_others_in_its_batch():
    worker, _ = _slow_worker(window=0.1)

    def ask(value):
        try:
            return worker.submit((value,), {})
        except ValueError as err:
            return str(err)

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(ask, ["a", "bad", "c"]))
    assert answers == [("a", {}), "bad image", ("c", {})]


def test_a_workers_thread_ends_with_it():
    import gc

    before = set(threading.enumerate())
    worker, _ = _slow_worker()
    assert worker.submit(("a",), {}) == ("a", {})
    (thread,) = set(threading.enumerate()) - before  # the worker's own (other tests' may end)
    assert thread.name == "model"
    del worker
    gc.collect()
    thread.join(timeout=5)
    assert not thread.is_alive()


def _held_worker(release: threading.Event, ran: list):
    def run_one(value):
        release.wait(10)  # the first call holds the model until released
        ran.append(value)
        return value * 2

    return ModelWorker(run_one, None)


def test_a_waiting_call_is_told_its_place_and_an_estimate():
    release, ran, places = threading.Event(), [], []
    worker = _held_worker(release, ran)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(worker.submit, (1,), {})
        while worker.waiting() < 1:
            time.sleep(0.01)

        def second():
            with reporting_place(lambda place, seconds: places.append((place, seconds))):
                return worker.submit((2,), {})

        waiting = pool.submit(second)
        time.sleep(3 * REPORT_EVERY_S)
        release.set()
        assert first.result() == 2 and waiting.result() == 4
    assert places and places[0][0] == 2  # one call ahead of it
    assert all(seconds > 0 for _, seconds in places)
    assert worker.waiting() == 0


def test_a_student_who_leaves_gives_their_place_up():
    """The page's reporter raises when Streamlit stops the script (the student left or asked
    something else): that call is never run, and the calls behind it move up."""
    release, ran = threading.Event(), []
    worker = _held_worker(release, ran)

    class Left(Exception):
        pass

    def leave(place, seconds):
        raise Left

    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(worker.submit, (1,), {})
        while worker.waiting() < 1:
            time.sleep(0.01)

        def leaving():
            with reporting_place(leave):
                return worker.submit((2,), {})

        gone = pool.submit(leaving)
        with pytest.raises(Left):
            gone.result(timeout=5)
        third = pool.submit(worker.submit, (3,), {})
        while worker.waiting() < 2:
            time.sleep(0.01)
        assert worker.place(worker._line[-1])[0] == 2  # right behind the call being answered
        release.set()
        assert first.result() == 2 and third.result() == 6
    assert ran == [1, 3]
