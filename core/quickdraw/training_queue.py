"""Trainings a class can run at once: each in its own worker process, within a memory budget.

A class pressing "Train" together must not sink the server that answers everyone: six
trainings in the server's own process took it from 1.3 GB to 6.5 GB and kept 0.7 GB after they
ended. Here each training runs in a worker process (forked from a fork server that imported
torch once, never from the server itself, so it shares no threads or locks with the server; see
`training_worker.worker_context`), on a bounded number of threads, and its memory goes back to
the system when it ends. At most `max_running` run at once, and only while their estimated
memory fits `budget_bytes`; the others wait in a queue, first come first served, and start by
themselves.

The worker streams its progress (steps, each epoch's figures, the model after each epoch) over
a pipe; the page reads a `JobView`. A worker that dies (killed, out of memory) is reported as
such, with what its finished epochs left.
"""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from core.garbage_collection import lean_allocator
from core.quickdraw.training import EpochStats, TrainingConfig, TrainingResult, build_model
from core.quickdraw.training_worker import (
    estimate_bytes,
    stop_fork_server,
    train_in_worker,
    worker_context,
)

# Training throughput on one core of the development machine (drawings per second), for the
# queue's wait estimate before a training has reported its own pace.
DRAWINGS_PER_SECOND = 1500.0


class JobState(StrEnum):
    """Where a training is: waiting in line, running in a worker, or ended one of four ways."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    STOPPED = "stopped"  # by its student: what its finished epochs learned is kept
    FAILED = "failed"
    LEFT = "left"  # its student left the line before it started


ACTIVE = (JobState.QUEUED, JobState.RUNNING)


def estimate_seconds(config: TrainingConfig, drawings: int) -> float:
    """Seconds a training of `drawings` bitmaps should take, from the measured pace."""
    return 5.0 + drawings * config.epochs / DRAWINGS_PER_SECOND


class TrainingRefused(ValueError):
    """A training that could never fit the budget, however long it waited."""

    def __init__(self, needed_bytes: int, budget_bytes: int) -> None:
        super().__init__(f"needs {needed_bytes >> 20} MB, the budget is {budget_bytes >> 20} MB")
        self.needed_mb = needed_bytes >> 20
        self.budget_mb = budget_bytes >> 20


@dataclass(frozen=True)
class JobView:
    """What a student's page shows of their training, at one moment."""

    state: JobState
    position: int  # 1 = next to start (queued only)
    wait_seconds: float  # estimated time before it starts (queued) or ends (running)
    step: int
    total_steps: int
    history: tuple[EpochStats, ...]
    result: TrainingResult | None  # the model after its last finished epoch
    error: str  # why a failed training failed


@dataclass
class _Job:
    id: int
    config: TrainingConfig
    needed: int
    drawings: int
    images: np.ndarray | None
    labels: np.ndarray | None
    state: JobState = JobState.QUEUED
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    step: int = 0
    total_steps: int = 0
    history: list[EpochStats] = field(default_factory=list)
    result: TrainingResult | None = None
    error: str = ""
    forgotten: bool = False  # its session ended while it ran: dropped once the worker ends
    stop: Any = None  # a multiprocessing Event
    process: Any = None


class SessionHoldings:
    """The trainings students' sessions keep (their last result, to inspect and save), seen
    through weak references: one disappears when its session ends, and the diagnostics can
    count what the sessions hold meanwhile."""

    def __init__(self) -> None:
        # by identity: results are dataclasses compared by value, so not hashable
        self._results: weakref.WeakValueDictionary[int, TrainingResult] = (
            weakref.WeakValueDictionary()
        )

    def hold(self, result: TrainingResult) -> TrainingResult:
        self._results[id(result)] = result
        return result

    def count(self) -> int:
        return len(self._results)

    def nbytes(self) -> int:
        return sum(result.nbytes for result in list(self._results.values()))


class TrainingQueue:
    """Trainings in worker processes: at most `max_running`, within `budget_bytes`."""

    def __init__(
        self, budget_bytes: int, max_running: int = 2, threads: int = 1, lean_mmap_bytes: int = 0
    ) -> None:
        self.budget_bytes = budget_bytes
        self.max_running = max_running
        self.threads = threads
        # While a training runs, the server's allocator runs lean (`lean_allocator`): 0 never
        self.lean_mmap_bytes = lean_mmap_bytes
        self._lean = False
        self._jobs: dict[int, _Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._context = worker_context()
        self.held = SessionHoldings()

    def submit(self, config: TrainingConfig, images: np.ndarray, labels: np.ndarray) -> int:
        """Queue a training; it starts as soon as it fits. Raises `TrainingRefused` if it
        never could, and `ValueError` on a configuration the page does not offer."""
        config.check()
        images = np.ascontiguousarray(images, dtype=np.uint8)
        needed = estimate_bytes(config, images)
        if needed > self.budget_bytes:
            raise TrainingRefused(needed, self.budget_bytes)
        job = _Job(next(self._ids), config, needed, len(labels), images, np.asarray(labels))
        with self._lock:
            self._jobs[job.id] = job
            starting = self._admit()
        self._launch(starting)
        return job.id

    def view(self, job_id: int) -> JobView | None:
        """The training's state now, or None if it was forgotten."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            queued = [other for other in self._jobs.values() if other.state == JobState.QUEUED]
            position = queued.index(job) + 1 if job.state == JobState.QUEUED else 0
            wait = self._wait(job, queued[: max(position - 1, 0)])
            return JobView(
                job.state, position, wait, job.step, job.total_steps, tuple(job.history),
                job.result, job.error,
            )  # fmt: skip

    def stop(self, job_id: int) -> None:
        """Leave the queue, or end a running training after the step it is on (what its
        finished epochs learned is kept)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            starting = []
            if job.state == JobState.QUEUED:
                job.state, job.images, job.labels = JobState.LEFT, None, None
                starting = self._admit()
            elif job.state == JobState.RUNNING:
                job.stop.set()
        self._launch(starting)

    def forget(self, job_id: int) -> None:
        """Stop the training if it still runs and drop everything it holds (a session ended)."""
        self.stop(job_id)
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.state != JobState.RUNNING:
                del self._jobs[job_id]
            elif job is not None:
                job.forgotten = True  # dropped by its monitor once the worker ends

    def running(self) -> int:
        with self._lock:
            return sum(job.state == JobState.RUNNING for job in self._jobs.values())

    def queued(self) -> int:
        with self._lock:
            return sum(job.state == JobState.QUEUED for job in self._jobs.values())

    def used_bytes(self) -> int:
        """The estimated memory of the running trainings."""
        with self._lock:
            return sum(job.needed for job in self._jobs.values() if job.state == JobState.RUNNING)

    def _wait(self, job: _Job, ahead: list[_Job]) -> float:
        now = time.monotonic()
        if job.state == JobState.RUNNING:
            return _remaining(job, now)
        running = [_remaining(o, now) for o in self._jobs.values() if o.state == JobState.RUNNING]
        ahead_seconds = sum(estimate_seconds(o.config, o.drawings) for o in ahead)
        return min(running, default=0.0) + ahead_seconds / self.max_running

    def _admit(self) -> list[_Job]:
        """Mark queued trainings as running, in order, while they fit (called with the lock
        held); they are started by `_launch`, outside the lock (the first start of the fork
        server imports torch: seconds during which every page must still see its job)."""
        starting = []
        for job in [j for j in self._jobs.values() if j.state == JobState.QUEUED]:
            running = [j for j in self._jobs.values() if j.state == JobState.RUNNING]
            used = sum(j.needed for j in running)
            if len(running) >= self.max_running or used + job.needed > self.budget_bytes:
                break  # first come, first served: nobody overtakes the head of the queue
            job.state, job.stop = JobState.RUNNING, self._context.Event()
            starting.append(job)
        self._lean_while_running()
        return starting

    def _lean_while_running(self) -> None:
        """The server's allocator lean from a training's start until none runs (called with the
        lock held, by `_admit`, which every change of a job's state goes through)."""
        running = any(job.state == JobState.RUNNING for job in self._jobs.values())
        if running != self._lean:
            self._lean = running
            lean_allocator(running, self.lean_mmap_bytes)

    def _launch(self, jobs: list[_Job]) -> None:
        for job in jobs:
            try:
                receive, send = self._context.Pipe(duplex=False)
                process = self._context.Process(
                    target=train_in_worker,
                    args=(send, job.stop, job.config, job.images, job.labels, self.threads),
                    name=f"vtl-training-{job.id}",
                    daemon=True,
                )
                process.start()
            except Exception as exc:  # no process could be made (memory, process limits)
                with self._lock:
                    job.state, job.error = JobState.FAILED, f"{type(exc).__name__}: {exc}"[:300]
                    starting = self._admit()
                self._launch(starting)
                continue
            send.close()  # the worker holds the only writing end: its death ends our reading
            with self._lock:  # its clock starts now: the first start of the fork server is not
                job.started = time.monotonic()  # part of the training's own time
                job.process, job.images, job.labels = process, None, None
            threading.Thread(target=self._follow, args=(job, receive), daemon=True).start()

    def _take(self, job: _Job, kind: str, payload: list, validation) -> None:
        """One message from a worker."""
        if kind == "epoch":  # the model is rebuilt outside the lock: pages keep polling
            stats, weights, predictions, stopped = payload
            history = [*job.history, stats]
            result = _rebuild(job, history, weights, validation, predictions, stopped)
            with self._lock:
                job.history, job.result = history, result
        elif kind == "step":
            with self._lock:
                job.step, job.total_steps = payload
        elif kind == "error":
            with self._lock:
                job.error = payload[0]

    def _follow(self, job: _Job, receive: Any) -> None:
        """Read the worker's messages until it ends; then free its place in the budget."""
        validation: tuple[np.ndarray, np.ndarray] | None = None
        finished = False
        while True:
            try:
                kind, *payload = receive.recv()
            except (EOFError, OSError):
                break
            try:
                self._take(job, kind, payload, validation)
            except Exception as exc:  # never leave a worker writing to a pipe nobody reads
                with self._lock:
                    job.error = f"{type(exc).__name__}: {exc}"[:300]
            if kind == "validation":
                validation = payload[0], payload[1]
            finished = finished or kind == "done"
        receive.close()
        job.process.join()
        with self._lock:
            if finished and not job.error:
                job.state = JobState.STOPPED if job.stop.is_set() else JobState.DONE
            else:
                job.state = JobState.FAILED
                job.error = job.error or f"exit code {job.process.exitcode}"
            job.process = None
            if job.forgotten:
                self._jobs.pop(job.id, None)
            starting = self._admit()
            if not any(other.state in ACTIVE for other in self._jobs.values()):
                stop_fork_server(self._context)
        self._launch(starting)


def _remaining(job: _Job, now: float) -> float:
    """Seconds a running training has left: from its own pace once it has one."""
    elapsed = now - (job.started or now)
    total = estimate_seconds(job.config, job.drawings)
    if job.step:
        total = elapsed * job.total_steps / job.step
    return max(0.0, total - elapsed)


def _rebuild(job: _Job, history, weights, validation, predictions, stopped) -> TrainingResult:
    import torch

    model = build_model(job.config.words)
    model.load_state_dict({name: torch.from_numpy(value) for name, value in weights.items()})
    images, labels = validation if validation is not None else (None, None)
    return TrainingResult(job.config, model, history, images, labels, predictions, stopped)
