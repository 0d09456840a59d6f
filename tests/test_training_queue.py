"""Trainings in worker processes: a queue with positions, leaving it, automatic start, a budget
that refuses what could never fit, a killed worker reported, nothing half-saved listed; the
server's allocator lean while one runs."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

import core.garbage_collection as collection
from core.quickdraw.saved_models import save_model
from core.quickdraw.training import TrainingConfig, load_bitmaps, local_fetch
from core.quickdraw.training_queue import TrainingQueue, TrainingRefused
from core.quickdraw.training_worker import estimate_bytes
from tests.support.environment import SHARED, need_shared

WORDS = ("apple", "cat", "fish")


@pytest.fixture(scope="module")
def bitmaps():
    need_shared()
    return load_bitmaps(WORDS, 300, local_fetch(SHARED / "data" / "quickdraw" / "numpy_bitmap"))


def _until(queue: TrainingQueue, job: int, states: set[str], limit: float = 120):
    deadline = time.monotonic() + limit
    while (view := queue.view(job)).state not in states:
        assert time.monotonic() < deadline, f"still {view.state}"
        time.sleep(0.05)
    return view


def test_a_queue_starts_each_training_in_turn(bitmaps, tmp_path):
    images, labels = bitmaps
    queue = TrainingQueue(budget_bytes=2**40, max_running=1)
    first = queue.submit(TrainingConfig(WORDS, 300, 2), images, labels)
    second = queue.submit(TrainingConfig(WORDS, 300, 1, seed=1), images, labels)
    third = queue.submit(TrainingConfig(WORDS, 300, 1, seed=2), images, labels)
    assert queue.view(first).state == "running"
    waiting = queue.view(second), queue.view(third)
    assert [v.state for v in waiting] == ["queued", "queued"]
    assert [v.position for v in waiting] == [1, 2]
    assert 0 < waiting[0].wait_seconds < waiting[1].wait_seconds
    queue.stop(third)  # the student leaves the queue
    assert queue.view(third).state == "left" and queue.view(second).position == 1
    done = _until(queue, first, {"done"})
    assert [s.epoch for s in done.history] == [1, 2] and done.step == done.total_steps
    assert done.result.validation_accuracy > 0.5
    assert _until(queue, second, {"running", "done"}).state in {"running", "done"}  # by itself
    view = _until(queue, second, {"done"})
    assert view.result is not None and queue.view(third).state == "left"
    path = save_model(view.result, tmp_path, "from-a-worker")  # works like a model trained here
    assert (path / "model.safetensors").is_file()


def _long_training(bitmaps, until) -> tuple[TrainingQueue, int]:
    """A ten-epoch training, once `until(view)` says it has got that far."""
    queue = TrainingQueue(budget_bytes=2**40)
    job = queue.submit(TrainingConfig(WORDS, 300, 10), *bitmaps)
    _until(queue, job, {"running"})
    while not until(queue.view(job)):
        time.sleep(0.05)
    return queue, job


def test_stop_keeps_what_finished_epochs_learned(bitmaps):
    queue, job = _long_training(bitmaps, lambda view: view.history)
    queue.stop(job)
    view = _until(queue, job, {"stopped"})
    assert 1 <= len(view.history) < 10 and view.result.stopped_early
    assert view.result.model is not None
    kept = queue.held.hold(view.result)  # what a session keeps, counted until it ends
    assert queue.held.count() == 1 and queue.held.nbytes() >= kept.validation_images.nbytes
    import gc

    del kept, view
    queue.forget(job)
    gc.collect()
    assert queue.held.count() == 0


def test_the_budget_limits_trainings_at_once_and_refuses_what_never_fits(bitmaps):
    images, labels = bitmaps
    config = TrainingConfig(WORDS, 300, 1)
    one = estimate_bytes(config, images)
    queue = TrainingQueue(budget_bytes=int(one * 1.5), max_running=4)
    first = queue.submit(config, images, labels)
    second = queue.submit(config, images, labels)
    assert queue.view(first).state == "running" and queue.view(second).state == "queued"
    assert queue.used_bytes() == one <= queue.budget_bytes
    with pytest.raises(TrainingRefused) as refused:
        TrainingQueue(budget_bytes=one - 1).submit(config, images, labels)
    assert refused.value.needed_mb == one >> 20
    _until(queue, second, {"done"})


def test_a_killed_worker_is_reported_and_nothing_is_saved(bitmaps, tmp_path):
    queue, job = _long_training(bitmaps, lambda view: view.step)
    os.kill(queue._jobs[job].process.pid, signal.SIGKILL)  # what the kernel's OOM killer does
    view = _until(queue, job, {"failed"})
    assert view.error == f"exit code {-signal.SIGKILL}"
    assert not list(tmp_path.iterdir())
    assert queue.running() == 0  # its place is free for the next student


def test_a_session_that_ends_frees_its_training(bitmaps):
    images, labels = bitmaps
    queue = TrainingQueue(budget_bytes=2**40, max_running=1)
    running = queue.submit(TrainingConfig(WORDS, 300, 10), images, labels)
    waiting = queue.submit(TrainingConfig(WORDS, 300, 1), images, labels)
    queue.forget(waiting)
    assert queue.view(waiting) is None and queue.queued() == 0
    queue.forget(running)
    deadline = time.monotonic() + 60
    while queue.view(running) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert queue.view(running) is None and queue.running() == 0


def test_bad_choices_are_refused_before_queueing(bitmaps):
    images, labels = bitmaps
    with pytest.raises(ValueError):
        TrainingQueue(2**40).submit(TrainingConfig(("cat",), 300, 1), images, labels)
    assert estimate_bytes(TrainingConfig(WORDS, 300), np.zeros((900, 28, 28), np.uint8)) > 0


def test_the_same_seed_gives_the_same_model_while_others_train(bitmaps):
    """Each training has its own process: trainings at the same moment do not disturb each
    other's random numbers ("same seed, same result", as the page promises)."""
    images, labels = bitmaps
    queue = TrainingQueue(budget_bytes=2**40, max_running=3)
    config = TrainingConfig(WORDS, 300, 6, seed=7)
    jobs = [queue.submit(config, images, labels) for _ in range(2)]
    other = queue.submit(TrainingConfig(WORDS, 300, 6, seed=8), images, labels)
    together = 0
    while queue.running():
        together = max(together, queue.running())
        time.sleep(0.02)
    assert together >= 2  # they did train at the same time
    first, second = (_until(queue, job, {"done"}) for job in jobs)
    assert [s.validation_accuracy for s in first.history] == [
        s.validation_accuracy for s in second.history
    ]
    assert [s.train_loss for s in first.history] == [s.train_loss for s in second.history]
    _until(queue, other, {"done"})


def test_a_message_the_server_cannot_take_fails_the_training_without_a_hang(bitmaps, monkeypatch):
    from core.quickdraw import training_queue

    def broken(*args):
        raise ImportError("cannot import name 'ResNetConfig'")  # what a lazy-import race gave

    monkeypatch.setattr(training_queue, "_rebuild", broken)
    images, labels = bitmaps
    queue = TrainingQueue(budget_bytes=2**40)
    job = queue.submit(TrainingConfig(WORDS, 300, 3), images, labels)
    view = _until(queue, job, {"failed", "done"}, limit=60)
    assert view.state == "failed" and "ResNetConfig" in view.error
    assert queue.running() == 0


def test_the_allocator_runs_lean_only_while_a_training_runs(bitmaps, monkeypatch):
    told: list[int] = []
    monkeypatch.setattr(collection, "_MALLOPT", lambda _param, value: told.append(value))
    images, labels = bitmaps
    queue = TrainingQueue(budget_bytes=2**40, lean_mmap_bytes=4 * 2**20)
    job = queue.submit(TrainingConfig(WORDS, 300, 1), images, labels)
    assert told == [4 * 2**20]  # from its start
    _until(queue, job, {"done"})
    assert told == [4 * 2**20, collection.ROOMY_MMAP_BYTES]  # and roomy once none runs
