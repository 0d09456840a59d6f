"""Which numbers a model computes with: float32, or bfloat16 where it is faster and agrees.

bfloat16 keeps float32's range with fewer mantissa bits. CPUs with native bfloat16
(AVX-512 BF16, AMX) and recent GPUs run it much faster for some models (ViT-Base 2.7× on the
development machine) and not at all for others (DETR-R50: the same). So `auto` decides per model
with a timed warm-up on load, and keeps float32 when the two disagree on the warm-up image.

Only the forward pass runs under `torch.autocast`; pre- and post-processing stay in float32,
so every result the pages draw has the same type whatever the precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.models.warmup import Warmup

PRECISIONS = ("auto", "fp32", "bf16")
FASTER_BY = 1.1  # bfloat16 is kept only if its forward pass is at least this much faster
AGREEMENT = 0.99  # correlation of the forward's outputs, bfloat16 against float32


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision a model runs in, and why (a catalogue key under `diagnostics.why.`)."""

    precision: str  # "fp32" or "bf16"
    reason: str  # setting, no_native_bf16, faster, not_faster, disagrees, not_measurable
    fp32_ms: float | None = None  # warm-up forward pass, median
    bf16_ms: float | None = None


def native_bf16(device: str) -> bool:
    """Whether `device` computes bfloat16 natively (not by emulation, which is slower)."""
    import torch

    if device == "cuda":
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    if device == "cpu":
        try:
            flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="ignore")
        except OSError:  # not Linux: no way to tell cheaply, so no
            return False
        return "avx512_bf16" in flags or "amx_bf16" in flags
    return False  # Apple MPS: bfloat16 support varies by chip and macOS


def use_bf16(pipe: Any) -> None:
    """Run `pipe`'s forward pass under bfloat16 autocast, its outputs back in float32."""
    import torch

    forward = pipe._forward
    device_type = pipe.device.type

    def forward_bf16(*args: Any, **kwargs: Any) -> Any:
        with torch.autocast(device_type, dtype=torch.bfloat16):
            output = forward(*args, **kwargs)
        return _as_float32(output)

    pipe._forward = forward_bf16


def _as_float32(value: Any) -> Any:
    import torch

    if isinstance(value, torch.Tensor):
        return value.float() if value.dtype == torch.bfloat16 else value
    if isinstance(value, dict):  # ModelOutput is a dict too, and keeps its class this way
        for key in list(value.keys()):
            value[key] = _as_float32(value[key])
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_as_float32(item) for item in value)
    return value


def choose_precision(pipe: Any, setting: str, sample: Any, rounds: int = 2) -> PrecisionChoice:
    """Apply and return the precision for a freshly built pipeline.

    `auto`: bfloat16 only on a device with native bfloat16, and only if the warm-up on
    `sample` (forward passes interleaved, float32 then bfloat16, medians) shows it faster by
    `FASTER_BY` and its outputs agree with float32's."""
    if setting == "fp32":
        return PrecisionChoice("fp32", "setting")
    if setting == "bf16":
        use_bf16(pipe)
        return PrecisionChoice("bf16", "setting")
    if not native_bf16(pipe.device.type):
        return PrecisionChoice("fp32", "no_native_bf16")
    try:
        fp32, bf16, agreement = _time_both(pipe, sample, rounds)
    except Exception:  # a model that cannot run its forward under autocast
        return PrecisionChoice("fp32", "not_measurable")
    fp32_ms, bf16_ms = round(fp32 * 1000, 1), round(bf16 * 1000, 1)
    if agreement < AGREEMENT:
        return PrecisionChoice("fp32", "disagrees", fp32_ms, bf16_ms)
    if fp32 < bf16 * FASTER_BY:
        return PrecisionChoice("fp32", "not_faster", fp32_ms, bf16_ms)
    use_bf16(pipe)
    return PrecisionChoice("bf16", "faster", fp32_ms, bf16_ms)


def _time_both(pipe: Any, sample: Any, rounds: int) -> tuple[float, float, float]:
    """Median forward seconds in float32 and bfloat16 (interleaved), and their agreement."""
    warmup = Warmup(pipe, sample)
    _, reference = warmup.forward(bf16=False)
    _, lower = warmup.forward(bf16=True)
    fp32, bf16 = warmup.compare({"bf16": False}, {"bf16": True}, rounds)
    return fp32, bf16, _correlation(_first_float(reference), _first_float(lower))


def _first_float(output: Any) -> Any:
    import torch

    values = output.values() if isinstance(output, dict) else output
    for value in values:
        if isinstance(value, torch.Tensor) and value.is_floating_point() and value.numel() > 1:
            return value.float().flatten().cpu()
    raise ValueError("no floating-point output to compare")


def _correlation(a: Any, b: Any) -> float:
    import torch

    stacked = torch.stack([a, b])
    if float(stacked.std(dim=1).min()) == 0.0:
        return 1.0 if torch.equal(a, b) else 0.0
    return float(torch.corrcoef(stacked)[0, 1])
