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

import contextlib
import contextvars
import queue
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from core.models.warmup import FASTER_BY  # batching is kept only if each image is this much faster

Call = tuple[tuple, dict, Future]

# Who is told their place while a call waits: (place in line, 1 = being answered; estimated
# seconds until the answer). Set by the page that asks (`reporting_place`), per thread.
Reporter = Callable[[int, float], None]
_REPORTER: contextvars.ContextVar[Reporter | None] = contextvars.ContextVar(
    "place_reporter", default=None
)
REPORT_EVERY_S = 0.5  # a call answered sooner is never reported: no flash of a queue


@contextlib.contextmanager
def reporting_place(report: Reporter) -> Iterator[None]:
    """Within the block, a model call of this thread that waits calls `report(place,
    seconds)` every `REPORT_EVERY_S`. If `report` raises (the student left or asked something
    else: Streamlit stops the script there), the call gives its place up."""
    token = _REPORTER.set(report)
    try:
        yield
    finally:
        _REPORTER.reset(token)


@dataclass(frozen=True)
class BatchPolicy:
    """How many calls may share a forward pass, and why (a key under `diagnostics.why.`)."""

    max_batch: int = 1
    reason: str = "off"  # off (the setting), task (inputs of different shapes), memory,
    # not_faster (measured on load), on
    single_ms: float | None = None  # warm-up: one image alone
    batched_ms: float | None = None  # warm-up: per image, in a batch of `TRIAL_BATCH`


TRIAL_BATCH = 4  # the batch timed on load against single images


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
        self.timing = _Timing()
        self._line: list[Future] = []  # calls queued or running, in order of arrival
        self._line_lock = threading.Lock()
        thread = threading.Thread(
            target=_serve,
            args=(self._queue, run_one, run_many, max_batch, window_s, self.batches, self.timing),
            name="model",
            daemon=True,
        )
        thread.start()
        weakref.finalize(self, self._queue.put, None)

    def submit(self, args: tuple, kwargs: dict) -> Any:
        """Queue a call and wait for its answer (or its exception), telling this thread's
        reporter (`reporting_place`) its place while it waits."""
        future: Future = Future()
        with self._line_lock:
            self._line.append(future)
        future.add_done_callback(self._leave)
        self._queue.put((args, kwargs, future))
        report = _REPORTER.get()
        if report is None:
            return future.result()
        try:
            while True:
                try:
                    return future.result(timeout=REPORT_EVERY_S)
                except TimeoutError:
                    report(*self.place(future))
        except BaseException:
            future.cancel()  # not yet running: the worker skips it, the next one moves up
            raise

    def place(self, future: Future) -> tuple[int, float]:
        """(place in line, 1 when being answered; seconds until its answer, estimated from
        the calls answered so far): every call ahead, then this one."""
        with self._line_lock:
            ahead = next((i for i, other in enumerate(self._line) if other is future), 0)
        return ahead + 1, (ahead + 1) * self.timing.per_call_s

    def waiting(self) -> int:
        """Calls queued or running now."""
        with self._line_lock:
            return len(self._line)

    def _leave(self, future: Future) -> None:
        with self._line_lock, contextlib.suppress(ValueError):
            self._line.remove(future)


@dataclass
class _Timing:
    """Seconds a call takes, as a moving average over the calls answered (batches count
    their share): the estimate a waiting student is shown."""

    per_call_s: float = 1.0  # until the first call is timed
    answered: int = 0

    def add(self, seconds: float, calls: int) -> None:
        share = seconds / max(calls, 1)
        weight = 1.0 if self.answered == 0 else 0.3
        self.per_call_s += weight * (share - self.per_call_s)
        self.answered += calls


def _serve(calls, run_one, run_many, max_batch, window_s, batches, timing) -> None:
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
        batch = [c for c in batch if not c[2].cancelled()]  # students who left
        if not batch:
            continue
        if len(batches) > 100:
            del batches[:50]
        batches.append(len(batch))
        started = time.perf_counter()
        if len(batch) == 1:
            _answer(batch[0], run_one)
        else:
            _answer_batch(batch, run_one, run_many)
        timing.add(time.perf_counter() - started, len(batch))
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
