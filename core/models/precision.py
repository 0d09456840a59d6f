"""Which numbers a model computes with: float32, int8 weights, or bfloat16, each kept only
where it is measured to agree with float32 (and, for bfloat16, to be faster).

- int8 (CPU): the weights of the model's linear layers stored as 8-bit integers with a scale
  (PyTorch's dynamic quantization; activations are quantized on the fly, per call). A quarter of
  those weights' memory: ViT-Base's 330 MB become 85 MB (a whole class on the real server
  peaked 0.26–0.7 GB lower), and its forward ran 3× faster on the 2-core AMD EPYC server
  (277 → 84 ms). Its outputs differ from float32's in the third decimal.
- bfloat16 keeps float32's range with fewer mantissa bits. CPUs with native bfloat16
  (AVX-512 BF16, AMX) and recent GPUs run it much faster for some models (ViT-Base 2.7× on one
  machine) and not at all for others (DETR-R50: the same).

`auto` decides per model with a timed warm-up on load: int8 on the CPU if it agrees with
float32 on the warm-up image and is faster; otherwise bfloat16 if the device has it natively,
it agrees and it is faster; otherwise float32. Only the forward pass changes: pre- and
post-processing stay in float32, so every result the pages draw has the same type whatever
the precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.models.warmup import FASTER_BY, Warmup  # bfloat16 is kept only if this much faster

# int8 is kept only if its forward pass is at least this much faster: DETR (a convolutional
# backbone, few linear layers) timed about even on load (2110 vs 2159 ms) but ran 1.24× slower
# on a phone photo in the app's path, and a class's detection p95 went from 40 to 49 s.
INT8_FASTER_BY = 1.05
AGREEMENT = 0.99  # correlation of the forward's outputs, the lower precision against float32


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision a model runs in, and why (a catalogue key under `diagnostics.why.`)."""

    precision: str  # "fp32", "bf16" or "int8"
    # setting, no_native_bf16, faster, not_faster, disagrees, not_measurable,
    # int8_kept, int8_disagrees, int8_not_faster
    reason: str
    fp32_ms: float | None = None  # warm-up forward pass, median
    bf16_ms: float | None = None
    int8_ms: float | None = None


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


def int8_model(model: Any, copy: bool = True) -> Any:
    """`model` with its linear layers' weights in int8 (dynamic quantization): a copy, or
    `model` itself changed in place, one layer at a time."""
    import warnings

    import torch

    with warnings.catch_warnings():  # torch.ao's deprecation notice, for torchao's API
        warnings.simplefilter("ignore")
        if copy:
            return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, torch.qint8)
        _int8_in_place(model)
    return model


def _int8_in_place(model: Any) -> None:
    """Each linear layer replaced by its int8 version, and its float32 weight's pages (mapped
    from the model's file) dropped at once: converting ViT-Base otherwise held all 330 MB of
    them until the last layer, in the middle of a class. Everything else is copied out of the
    file first, so that nothing keeps it mapped afterwards."""
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as Int8Linear
    from torch.ao.quantization import default_dynamic_qconfig

    model.eval()
    layers = [(name, m) for name, m in model.named_modules() if type(m) is torch.nn.Linear]
    converted = {id(m.weight) for _, m in layers}
    with torch.no_grad():
        for tensor in [*model.parameters(), *model.buffers()]:
            if id(tensor) not in converted:  # the rest, biases included, is small
                tensor.data = tensor.data.clone()
    mapped = _file_mappings()
    for name, layer in layers:
        parent, _, child = name.rpartition(".")
        layer.qconfig = default_dynamic_qconfig
        setattr(model.get_submodule(parent), child, Int8Linear.from_float(layer))
        _drop_file_pages(layer.weight, mapped)


def _file_mappings() -> list[tuple[int, int]]:
    """The address ranges of this process mapped from files (Linux; none elsewhere)."""
    ranges = []
    try:
        for line in Path("/proc/self/maps").read_text(encoding="utf-8").splitlines():
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5].startswith("/"):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                ranges.append((start, end))
    except OSError:
        pass
    return ranges


def _drop_file_pages(tensor: Any, mapped: list[tuple[int, int]]) -> None:
    """Take the whole pages of `tensor`, if a file maps them, out of this process's memory
    (`madvise(MADV_DONTNEED)`: read again from the file if ever touched). Never memory that
    is not a file's, whose contents it would erase."""
    import ctypes
    import mmap

    start, size = tensor.data_ptr(), tensor.numel() * tensor.element_size()
    if not any(low <= start and start + size <= high for low, high in mapped):
        return
    page = mmap.PAGESIZE
    first, last = -(-start // page) * page, (start + size) // page * page
    if last > first and _MADVISE is not None:
        _MADVISE(ctypes.c_void_p(first), ctypes.c_size_t(last - first), _MADV_DONTNEED)


def _libc_madvise() -> Any:
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6", use_errno=True).madvise
    except (OSError, AttributeError):  # not glibc: the pages go with the mapping, at the end
        return None


_MADVISE = _libc_madvise()
_MADV_DONTNEED = 4


def use_int8(pipe: Any, quantized: Any = None) -> None:
    """Run `pipe` with int8 linear weights (`quantized`, or its model changed in place): the
    float32 weights, mapped from the model's file, go back to the system."""
    pipe.model = quantized if quantized is not None else int8_model(pipe.model, copy=False)


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

    `auto` times forward passes on `sample` (interleaved with float32's, medians): on the CPU,
    int8 if its outputs agree with float32's and it is faster by `INT8_FASTER_BY`;
    else bfloat16 only on a device with native bfloat16, and only if it is faster by
    `FASTER_BY` and agrees."""
    if setting == "fp32":
        return PrecisionChoice("fp32", "setting")
    if setting == "bf16":
        use_bf16(pipe)
        return PrecisionChoice("bf16", "setting")
    if setting == "int8":  # PyTorch's dynamic quantization runs on the CPU only
        if pipe.device.type != "cpu":
            return PrecisionChoice("fp32", "not_measurable")
        use_int8(pipe)
        return PrecisionChoice("int8", "setting")
    quantizable = pipe.device.type == "cpu" and _has_linear(getattr(pipe, "model", None))
    int8 = _try_int8(pipe, sample, rounds) if quantizable else None
    if int8 is not None and int8.precision == "int8":
        return int8
    if not native_bf16(pipe.device.type):
        return int8 or PrecisionChoice("fp32", "no_native_bf16")
    int8_ms = int8.int8_ms if int8 is not None else None  # tried first, and not kept
    try:
        fp32, bf16, agreement = _time_both(pipe, sample, rounds)
    except Exception:  # a model that cannot run its forward under autocast
        return PrecisionChoice("fp32", "not_measurable", int8_ms=int8_ms)
    fp32_ms, bf16_ms = round(fp32 * 1000, 1), round(bf16 * 1000, 1)
    if agreement < AGREEMENT:
        return PrecisionChoice("fp32", "disagrees", fp32_ms, bf16_ms, int8_ms)
    if fp32 < bf16 * FASTER_BY:
        return PrecisionChoice("fp32", "not_faster", fp32_ms, bf16_ms, int8_ms)
    use_bf16(pipe)
    return PrecisionChoice("bf16", "faster", fp32_ms, bf16_ms, int8_ms)


def _has_linear(model: Any) -> bool:
    """Whether int8 would change anything: a torch model with linear layers."""
    import torch

    modules = getattr(model, "modules", None)
    return callable(modules) and any(isinstance(m, torch.nn.Linear) for m in modules())


def _try_int8(pipe: Any, sample: Any, rounds: int) -> PrecisionChoice:
    """int8 applied to `pipe` if it agrees with float32 and is faster; the choice either way."""
    try:
        quantized = int8_model(pipe.model)
        fp32, int8, agreement = _time_int8(pipe, quantized, sample, rounds)
    except Exception:  # a model that cannot be quantized, or run once it is
        return PrecisionChoice("fp32", "not_measurable")
    fp32_ms, int8_ms = round(fp32 * 1000, 1), round(int8 * 1000, 1)
    if agreement < AGREEMENT:
        return PrecisionChoice("fp32", "int8_disagrees", fp32_ms, int8_ms=int8_ms)
    if fp32 < int8 * INT8_FASTER_BY:
        return PrecisionChoice("fp32", "int8_not_faster", fp32_ms, int8_ms=int8_ms)
    use_int8(pipe, quantized)
    return PrecisionChoice("int8", "int8_kept", fp32_ms, int8_ms=int8_ms)


def _time_int8(pipe: Any, quantized: Any, sample: Any, rounds: int) -> tuple[float, float, float]:
    """Median forward seconds of the float32 model and its int8 copy (interleaved), and their
    agreement."""
    warmup = Warmup(pipe, sample)
    _, reference = warmup.forward()
    _, lower = warmup.forward(model=quantized)
    fp32, int8 = warmup.compare({}, {"model": quantized}, rounds)
    return fp32, int8, _correlation(_first_float(reference), _first_float(lower))


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
