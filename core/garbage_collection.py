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
  process `VTL_GC_GROWTH_MB` larger than at the last full collection. Then everything is
  unfrozen, collected and frozen again, so cycles among frozen objects (an ended session's
  state, an evicted model) are freed too. Memory therefore cannot grow without bound through
  frozen garbage: growth itself triggers the collection.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
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
    last_seconds: float = 0.0  # how long the last full collection took
    frozen_objects: int = 0
    resident_after: int = 0  # bytes, right after the last full collection
    modules: int = 0  # len(sys.modules) at the last full collection


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
        STATE.resident_after = resident_bytes()
        STATE.modules = len(sys.modules)
    finally:
        _LOCK.release()


def after_run(growth_bytes: int) -> bool:
    """At the end of a page run: a full collection only if modules were imported or memory
    grew by `growth_bytes` (`VTL_GC_GROWTH_MB`) since the last one (a few microseconds
    otherwise). Returns whether it collected."""
    grown = resident_bytes() - STATE.resident_after >= growth_bytes
    if len(sys.modules) != STATE.modules or grown:
        collect_and_freeze()
        return True
    return False
