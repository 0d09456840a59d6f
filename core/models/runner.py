"""One thread per model, where the calls of every session queue, gathered into batches.

Pipelines are not thread-safe, so a model answers one call at a time, on its own thread (torch
then runs on one thread per model, and 20 waiting sessions add no per-thread buffers). While it
computes, the next students' calls queue; when it is free, the calls that can share a forward
pass (one image each, the same options) run as one batch of at most `max_batch`, each session
getting its own answer. `window_s` lets a call wait a few milliseconds for company.

Batching pays only where every image becomes a tensor of the same shape (classifiers resize to
a fixed square); detectors and depth models keep each photo's aspect ratio, so their inputs
cannot be stacked (`TaskSpec.batchable`, measured in benchmarks/classroom_load.py).
"""

from __future__ import annotations

import queue
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

Call = tuple[tuple, dict, Future]


@dataclass(frozen=True)
class BatchPolicy:
    """How many calls may share a forward pass, and why (a key under `diagnostics.why.`)."""

    max_batch: int = 1
    reason: str = "off"  # off (the setting), task (inputs of different shapes), memory,
    # not_faster (measured on load), on
    single_ms: float | None = None  # warm-up: one image alone
    batched_ms: float | None = None  # warm-up: per image, in a batch of `TRIAL_BATCH`


TRIAL_BATCH = 4  # the batch timed on load against single images
FASTER_BY = 1.1  # batching is kept only if it makes each image at least this much faster


def measured_policy(policy: BatchPolicy, single_s: float, batched_s: float) -> BatchPolicy:
    """Keep batching only if the warm-up showed each image faster in a batch."""
    single_ms, batched_ms = round(single_s * 1000, 1), round(batched_s * 1000, 1)
    if single_s < batched_s * FASTER_BY:
        return BatchPolicy(1, "not_faster", single_ms, batched_ms)
    return BatchPolicy(policy.max_batch, "on", single_ms, batched_ms)


def batch_policy(
    batchable: bool, per_image_bytes: int, memory_bytes: int, max_batch: int
) -> BatchPolicy:
    """At most `max_batch` images, and no more than `memory_bytes` of activations for them."""
    if max_batch <= 1:
        return BatchPolicy(1, "off")
    if not batchable:
        return BatchPolicy(1, "task")
    fits = memory_bytes // max(per_image_bytes, 1)
    if fits < 2:
        return BatchPolicy(1, "memory")
    return BatchPolicy(int(min(max_batch, fits)), "on")


class ModelWorker:
    """Runs `run_one(*args, **kwargs)` and `run_many(items, kwargs)` on one thread.

    The thread ends by itself once the worker is garbage collected (an evicted model)."""

    def __init__(
        self,
        run_one: Callable[..., Any],
        run_many: Callable[[list, dict], list] | None,
        max_batch: int = 1,
        window_s: float = 0.0,
    ) -> None:
        self._queue: queue.SimpleQueue[Call | None] = queue.SimpleQueue()
        self.batches: list[int] = []  # sizes of the last batches run (diagnostics, tests)
        thread = threading.Thread(
            target=_serve,
            args=(self._queue, run_one, run_many, max_batch, window_s, self.batches),
            name="model",
            daemon=True,
        )
        thread.start()
        weakref.finalize(self, self._queue.put, None)

    def submit(self, args: tuple, kwargs: dict) -> Any:
        """Queue a call and wait for its answer (or its exception)."""
        future: Future = Future()
        self._queue.put((args, kwargs, future))
        return future.result()


def _serve(calls, run_one, run_many, max_batch, window_s, batches) -> None:
    waiting: deque[Call | None] = deque()
    while True:
        call = waiting.popleft() if waiting else calls.get()
        if call is None:
            return
        batch = [call]
        if run_many is not None and max_batch > 1 and _one_image(call):
            deadline = time.monotonic() + window_s
            while len(batch) < max_batch:
                other = _next(calls, waiting, deadline)
                if other is _NOTHING:
                    break
                if other is not None and _one_image(other) and other[1] == call[1]:
                    batch.append(other)
                else:
                    waiting.append(other)  # another kind of call (or the end): its own turn
                    if other is None:
                        break
        del call
        if len(batches) > 100:
            del batches[:50]
        batches.append(len(batch))
        if len(batch) == 1:
            _answer(batch[0], run_one)
        else:
            _answer_batch(batch, run_one, run_many)
        del batch


_NOTHING = object()


def _next(calls, waiting, deadline) -> Any:
    if waiting:  # calls set aside stay in order; do not wait for new ones behind them
        return _NOTHING
    try:
        remaining = deadline - time.monotonic()
        return calls.get(timeout=remaining) if remaining > 0 else calls.get_nowait()
    except queue.Empty:
        return _NOTHING


def _one_image(call: Call) -> bool:
    args, _, _ = call
    return len(args) == 1 and not isinstance(args[0], (list, tuple))


def _answer(call: Call, run_one) -> None:
    args, kwargs, future = call
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(run_one(*args, **kwargs))
    except BaseException as exc:  # noqa: BLE001 - handed to the waiting session
        future.set_exception(exc)


def _answer_batch(batch: list[Call], run_one, run_many) -> None:
    kwargs = batch[0][1]
    try:
        results = run_many([args[0] for args, _, _ in batch], kwargs)
    except Exception:  # one bad image must not fail the others: each runs alone
        for call in batch:
            _answer(call, run_one)
        return
    for (_, _, future), result in zip(batch, results):
        if future.set_running_or_notify_cancel():
            future.set_result(result)
