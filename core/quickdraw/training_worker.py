"""The worker side of a training: the process it runs in, and what it costs.

Workers come from a fork server that imported torch once, so each shares those pages instead of
importing torch again; a worker runs one training on a bounded number of threads at low priority
and streams its progress to the server over a pipe (`core.quickdraw.training_queue` reads it).
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

import numpy as np

from core.quickdraw.training import TrainingConfig, TrainingResult

# A worker forked from the fork server, before its data: what torch allocates once it runs
# (oneDNN, the autograd engine). A worker training on the page's maximum (100,000 bitmaps,
# 78 MB) peaked at 308 MB of private memory on the development machine; this budget is kept a
# little above what that measurement leaves for the base.
WORKER_BASE_BYTES = 300 * 2**20
# Activations, gradients and optimiser state of the small ResNet at batch 128.
WORKER_TRAINING_BYTES = 60 * 2**20
WORKER_NICENESS = 10  # lower priority than the server's own threads (Unix nice)
WORKER_PRELOAD = (
    "torch",
    "transformers.models.resnet.modeling_resnet",
    "core.quickdraw.training_worker",
)


def worker_context() -> Any:
    """Where workers come from: a fork server that has imported torch once (Linux, macOS), so
    that each worker shares those pages instead of importing torch again (a fresh interpreter
    importing torch and transformers took 424 MB of anonymous memory with the CUDA build);
    fresh interpreters elsewhere. Never a fork of the server itself, whose threads may hold
    locks at the moment of the fork."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(WORKER_PRELOAD))
    return context


def estimate_bytes(config: TrainingConfig, images: np.ndarray) -> int:
    """Memory a training's worker will hold at its peak (uint8 bitmaps, a batch at a time)."""
    return WORKER_BASE_BYTES + WORKER_TRAINING_BYTES + 2 * int(images.nbytes)


def stop_fork_server(context: Any) -> None:
    """End the fork server once no training runs or waits: it holds torch (about 450 MB of
    the machine's memory with the CUDA build), and the next training starts a new one in a
    few seconds. `_stop` is the standard library's own (its tests use it); where it is
    missing, the fork server stays."""
    if context.get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()


def train_in_worker(send, stop, config, images, labels, threads: int) -> None:
    """The worker process: train, streaming progress and each epoch's model to the server."""
    try:
        import os

        import torch

        from core.quickdraw.training import split_indices, train

        # The server's sessions come first: the worker gets the cores they leave idle.
        os.nice(WORKER_NICENESS)
        torch.set_num_threads(threads)
        _, held = split_indices(len(labels), config.validation_share, config.seed)
        send.send(("validation", images[held], labels[held]))
        last = [0.0]

        def on_step(done: int, total: int) -> None:
            if done == total or time.monotonic() - last[0] > 0.2:
                last[0] = time.monotonic()
                send.send(("step", done, total))

        def keep(result: TrainingResult) -> None:
            weights = {k: v.detach().numpy().copy() for k, v in result.model.state_dict().items()}
            send.send(
                ("epoch", result.history[-1], weights, result.validation_predictions,
                 result.stopped_early)
            )  # fmt: skip

        train(config, images, labels, on_step=on_step, should_stop=stop.is_set, keep=keep)
        send.send(("done",))
    except Exception as exc:  # reported to the student; the worker then ends
        send.send(("error", f"{type(exc).__name__}: {exc}"[:300]))
    finally:
        send.close()
