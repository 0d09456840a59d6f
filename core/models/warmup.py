"""A timed warm-up on load: how fast a freshly built model's forward pass is on this machine,
in float32, bfloat16 or with int8 weights, for one image or a batch. Precision and batching are
chosen from these figures, not assumed (on the development machine bfloat16 made ViT-Base
slower, 161 → 295 ms, where another CPU with AMX made it 2.7× faster)."""

from __future__ import annotations

import inspect
import statistics
import time
from typing import Any

# A way of running a model (bfloat16, a batch) is kept only if its warm-up is at least this much
# faster than float32 alone: a smaller gain is within the timings' noise on a shared machine.
FASTER_BY = 1.1


class Warmup:
    """The model's inputs for one sample image, ready to time its forward pass."""

    def __init__(self, pipe: Any, sample: Any) -> None:
        from core.models.registry import TASKS

        task = TASKS.get(getattr(pipe, "task", ""))
        call = {
            k: list(v) if isinstance(v, tuple) else v for k, v in (task.warmup_call if task else ())
        }
        preprocess, _, _ = pipe._sanitize_parameters(**call)
        inputs = pipe._ensure_tensor_on_device(pipe.preprocess(sample, **preprocess), pipe.device)
        for texts in inputs.pop("text_inputs", [])[:1]:  # zero-shot: the prompts, tokenized
            inputs.update(texts)
        accepted = set(inspect.signature(pipe.model.forward).parameters)
        self.pipe = pipe
        self.inputs = {key: value for key, value in inputs.items() if key in accepted}

    def forward(self, bf16: bool = False, batch: int = 1, model: Any = None) -> tuple[float, Any]:
        """Seconds of one forward pass over `batch` copies of the sample, and its output; with
        `model`, another version of the pipeline's model (its int8 copy) runs instead."""
        import torch

        inputs = {
            key: torch.cat([value] * batch) if isinstance(value, torch.Tensor) else value
            for key, value in self.inputs.items()
        }
        device = self.pipe.device.type
        started = time.perf_counter()
        with torch.inference_mode(), torch.autocast(device, torch.bfloat16, enabled=bf16):
            output = (model or self.pipe.model)(**inputs)
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - started, output

    def compare(self, first: dict, second: dict, rounds: int = 2) -> tuple[float, float]:
        """Median seconds per image of two ways to run (`forward`'s keyword arguments),
        interleaved after one untimed run of each (one-off set-up costs are not timed)."""
        times: list[list[float]] = [[], []]
        for options in (first, second):
            self.forward(**options)
        for _ in range(rounds):
            for index, options in enumerate((first, second)):
                seconds, _ = self.forward(**options)
                times[index].append(seconds / options.get("batch", 1))
        return statistics.median(times[0]), statistics.median(times[1])
