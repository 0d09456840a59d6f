"""When Python's cycle collector runs, in a server that holds torch and transformers.

Streamlit runs a full `gc.collect()` after every script run (`runner.postScriptGC`): with
torch and transformers imported, that walks millions of long-lived objects, 0.25-0.3 s of CPU
per run, whatever the page. A class of 20 then waits seconds for a page whose answer is
already computed, and a 1-second clock ticks every 3-4 s (benchmarks/class_server.py). So the
app turns it off (`.streamlit/config.toml`) and collects this way instead:

- **Freeze what lasts.** After a full collection, every object still alive (the imported
  libraries, the models) moves to the permanent generation (`gc.freeze`), which collections
  skip: Python's own generational collections then cost what the young objects cost.
- **Collect fully when something changed**: after a page run that imported modules (a page's
  first run), after a model is loaded or forgotten, and after a page run that finds the
  process `FULL_AFTER_GROWTHS` × `VTL_GC_GROWTH_MB` larger than at the last full collection.
  Then everything is unfrozen, collected and frozen again, so cycles among frozen objects (an
  ended session's state, an evicted model) are freed too. Memory therefore cannot grow
  without bound through frozen garbage: growth itself triggers the collection.
- **Collect what is young when memory grew** by `VTL_GC_GROWTH_MB` since the last collection:
  only the objects made since the last freeze (the sessions' pages, photos and answers), a
  fraction of a full collection's cost. A class uploading 20 phone photos grows the process
  by that much within seconds; each full collection then held every student's page run for
  0.25-0.3 s (a profile of that class, the page's first run included: 0.76 s of the server's
  CPU in full collections after page runs).
"""

from __future__ import annotations

import ctypes
import gc
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_PAGE_SIZE = 4096


def resident_bytes() -> int:
    """The process's resident memory now (Linux's /proc; 0 where there is none)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


@dataclass
class CollectorState:
    """What the policy remembers between runs (and what tests and benchmarks read)."""

    full_collections: int = 0
    young_collections: int = 0
    last_seconds: float = 0.0  # how long the last full collection took
    frozen_objects: int = 0
    resident_after: int = 0  # bytes, right after the last collection, full or young
    resident_after_full: int = 0  # bytes, right after the last full collection
    modules: int = 0  # len(sys.modules) at the last full collection


# Growth since the last full collection, in `VTL_GC_GROWTH_MB`s, that calls for a full one
FULL_AFTER_GROWTHS = 4


STATE = CollectorState()
_LOCK = threading.Lock()


def collect_and_freeze() -> None:
    """Collect every generation, frozen ones included, then freeze what survived. Another
    thread already doing it is enough: this one returns at once."""
    if not _LOCK.acquire(blocking=False):
        return
    try:
        started = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        STATE.full_collections += 1
        STATE.last_seconds = time.perf_counter() - started
        STATE.frozen_objects = gc.get_freeze_count()
        STATE.resident_after = STATE.resident_after_full = resident_bytes()
        STATE.modules = len(sys.modules)
    finally:
        _LOCK.release()


def collect_young() -> None:
    """Collect the objects that are not frozen; the frozen ones are not even visited."""
    if not _LOCK.acquire(blocking=False):
        return
    try:
        gc.collect()
        STATE.young_collections += 1
        STATE.resident_after = resident_bytes()
    finally:
        _LOCK.release()


def after_run(growth_bytes: int) -> str:
    """At the end of a page run: a full collection if modules were imported or memory grew by
    `FULL_AFTER_GROWTHS` × `growth_bytes` (`VTL_GC_GROWTH_MB`) since the last full one; else a
    young one if it grew by `growth_bytes` since the last of either; else nothing (a few
    microseconds). Returns which: "full", "young" or ""."""
    resident = resident_bytes()
    if (
        len(sys.modules) != STATE.modules
        or resident - STATE.resident_after_full >= FULL_AFTER_GROWTHS * growth_bytes
    ):
        collect_and_freeze()
        return "full"
    if resident - STATE.resident_after >= growth_bytes:
        collect_young()
        return "young"
    return ""


# glibc's malloc (Linux). A model's forward pass frees its activations when it ends, but blocks
# under malloc's mapping threshold (which slides up to 32 MB as large blocks are freed) stay in
# its heap, fragmented, for later: on the development machine DETR on a 12-megapixel photo
# peaked 550-700 MB above its weights, 250 MB with a fixed 4 MB threshold (blocks from 4 MB up
# mapped apart and returned the moment they are freed), but then took 1.7 times as long (each
# fresh mapping is paged in again). So the app runs lean only while a training's worker holds
# its 550-870 MB beside the server: the moment a whole class would pass the host's limit.
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
ROOMY_MMAP_BYTES = 32 * 2**20  # glibc's ceiling for its sliding threshold (64-bit): as fast


def glibc_function(name: str) -> Callable[..., int] | None:
    """A function of the C library where it is glibc; None elsewhere (macOS, Windows, musl)."""
    try:
        return getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return None


_MALLOPT = glibc_function("mallopt")
_TRIM = glibc_function("malloc_trim")


def give_back_freed_memory() -> None:
    """Hand the memory freed since the last call (a model run's activations) back to the
    system: glibc keeps it, fragmented, for later; over a class resident memory crept up
    (benchmarks/soak.py: +95 MB within 9 reruns without this, +26 MB over 300 with it). It takes
    about 0.3 ms."""
    if _TRIM is not None:
        _TRIM(0)


def lean_allocator(lean: bool, lean_bytes: int) -> bool:
    """Lean: blocks from `lean_bytes` up are mapped apart, and what is held freed now goes
    back; otherwise `ROOMY_MMAP_BYTES`, as fast as glibc's own sliding threshold. Returns
    whether the allocator could be told (glibc, `lean_bytes` > 0)."""
    if _MALLOPT is None or lean_bytes <= 0:
        return False
    _MALLOPT(_M_MMAP_THRESHOLD, lean_bytes if lean else ROOMY_MMAP_BYTES)
    if lean:
        give_back_freed_memory()
    return True
