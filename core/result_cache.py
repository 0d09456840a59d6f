"""What the app keeps between reruns and sessions (results, decoded uploads, Quick, Draw! data),
bounded in bytes, and computed once however many sessions ask for it at the same moment.

A class opens a page together: 20 students on the same sample photo ask for the same
(model, image, options) within the same second. The first one computes; the others wait for
that computation and get its result (single-flight). A failure is not kept: each waiting
session gets the same error, and the next request computes anew.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any

import numpy as np
from PIL import Image


def nbytes_of(value: Any, _depth: int = 0) -> int:
    """About how many bytes `value` holds: arrays, tensors and images by their buffers,
    containers and dataclasses by their contents (what a cache must count to be bounded)."""
    if _depth > 6 or value is None or isinstance(value, (bool, int, float)):
        return 16
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + 112
    if isinstance(value, Image.Image):
        return value.width * value.height * len(value.getbands()) + 200
    if isinstance(value, (bytes, bytearray, str)):
        return sys.getsizeof(value)
    if hasattr(value, "element_size") and hasattr(value, "numel"):  # a torch tensor
        return int(value.element_size() * value.numel()) + 200
    if hasattr(value, "to_plotly_json"):  # a plotly figure: by what it holds, as JSON
        return len(value.to_json())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = [getattr(value, f.name) for f in dataclasses.fields(value)]
        return 64 + sum(nbytes_of(part, _depth + 1) for part in parts)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(
            nbytes_of(k, _depth + 1) + nbytes_of(v, _depth + 1) for k, v in value.items()
        )
    if isinstance(value, (list, tuple, set, frozenset)):
        return sys.getsizeof(value) + sum(nbytes_of(item, _depth + 1) for item in value)
    return sys.getsizeof(value)


class _Abandoned(Exception):
    """The thread computing a value stopped before it had one (its session was rerun)."""


class ResultCache:
    """Values by key, least recently used dropped first, within `budget_bytes`.

    `get_or_compute` runs a computation once per key even when many threads ask at once.
    A value larger than the whole budget is returned but not kept."""

    def __init__(
        self, budget_bytes: int, measure: Callable[[Any], int] = nbytes_of, single_flight=True
    ) -> None:
        self.budget_bytes = budget_bytes
        self.single_flight = single_flight  # off only to measure the app as it was before
        self._measure = measure
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._running: dict[Hashable, Future] = {}
        self._used = 0
        self._lock = threading.Lock()
        self.computations = 0  # how many times a value was computed (diagnostics, tests)

    @property
    def used_bytes(self) -> int:
        with self._lock:
            return self._used

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def usage_by_kind(self) -> dict[str, int]:
        """Bytes per kind of entry (the first element of tuple keys), for the diagnostics."""
        with self._lock:
            usage: dict[str, int] = {}
            for key, (_, size) in self._items.items():
                kind = str(key[0]) if isinstance(key, tuple) and key else "other"
                usage[kind] = usage.get(kind, 0) + size
            return usage

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key][0]

    def put(self, key: Hashable, value: Any) -> None:
        size = self._measure(value)
        with self._lock:
            self._drop(key)
            if size > self.budget_bytes:
                return
            self._items[key] = (value, size)
            self._used += size
            while self._used > self.budget_bytes:
                self._drop(next(iter(self._items)))

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], Any], on_wait: Callable[[], None] | None = None
    ) -> Any:
        """The value for `key`, computing it only if no other thread already is.

        `on_wait` is called (once) when this thread waits for another's computation."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
            running = self._running.get(key) if self.single_flight else None
            if running is None:
                mine: Future = Future()
                if self.single_flight:
                    self._running[key] = mine
        if running is not None:
            if on_wait is not None:
                on_wait()
            try:
                return running.result()
            except _Abandoned:  # the computing session was interrupted: compute here instead
                return self.get_or_compute(key, compute)
        try:
            with self._lock:
                self.computations += 1
            value = compute()
        except Exception as exc:
            mine.set_exception(exc)
            raise
        except BaseException:  # a rerun or stop of the computing session is not the others'
            mine.set_exception(_Abandoned())
            raise
        finally:
            with self._lock:
                self._running.pop(key, None)
        self.put(key, value)
        mine.set_result(value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._used = 0

    def _drop(self, key: Hashable) -> None:
        entry = self._items.pop(key, None)
        if entry is not None:
            self._used -= entry[1]
