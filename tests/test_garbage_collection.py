"""The app's garbage-collection policy: what lasts is frozen, a page run collects only when
something changed, and garbage among frozen objects is still freed by the next full collection;
glibc's allocator told to run lean and roomy again."""

from __future__ import annotations

import gc
import sys
import types
import weakref

import pytest

import core.garbage_collection as collection
from core.garbage_collection import STATE, after_run, collect_and_freeze, lean_allocator


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cycle collector frees it


def test_what_lasts_is_frozen_and_a_quiet_run_does_not_collect():
    collect_and_freeze()
    assert gc.get_freeze_count() > 0
    collections = STATE.full_collections
    assert after_run(growth_bytes=2**40) == ""  # nothing imported, no growth
    assert STATE.full_collections == collections


def test_an_import_triggers_a_full_collection():
    collect_and_freeze()
    sys.modules["_vtl_test_module"] = types.ModuleType("_vtl_test_module")  # a page's import
    try:
        assert after_run(growth_bytes=2**40) == "full"
    finally:
        del sys.modules["_vtl_test_module"]
        collect_and_freeze()


def test_memory_growth_triggers_a_full_collection():
    collect_and_freeze()
    assert after_run(growth_bytes=0) == "full"  # any growth at all counts as past the threshold


def test_some_growth_collects_only_the_young_and_more_growth_everything(monkeypatch):
    collect_and_freeze()
    base, mb = STATE.resident_after_full, 2**20
    frozen = _Node()
    frozen_alive = weakref.ref(frozen)
    gc.freeze()  # `frozen` lasts, like a model; `young` comes after, like a session's photo
    young = _Node()
    young_alive = weakref.ref(young)
    del frozen, young
    fulls = STATE.full_collections
    monkeypatch.setattr(collection, "resident_bytes", lambda: base + 64 * mb)
    assert after_run(growth_bytes=64 * mb) == "young"
    assert young_alive() is None and frozen_alive() is not None  # the frozen were not visited
    assert STATE.full_collections == fulls
    assert after_run(growth_bytes=64 * mb) == ""  # no growth since that young collection
    monkeypatch.setattr(
        collection, "resident_bytes", lambda: base + collection.FULL_AFTER_GROWTHS * 64 * mb
    )
    assert after_run(growth_bytes=64 * mb) == "full"
    assert frozen_alive() is None


def test_a_frozen_cycle_that_becomes_garbage_is_freed_by_the_next_full_collection():
    node = _Node()
    alive = weakref.ref(node)
    collect_and_freeze()  # the node survives and is frozen, like a model once loaded
    del node
    gc.collect()  # an ordinary collection skips frozen objects
    assert alive() is not None
    collect_and_freeze()  # as after an eviction, an import or growth
    assert alive() is None


def test_lean_allocator_sets_glibc_mapping_threshold(monkeypatch):
    told: list[tuple[int, int]] = []
    monkeypatch.setattr(collection, "_MALLOPT", lambda param, value: told.append((param, value)))
    trims: list[int] = []
    monkeypatch.setattr(collection, "_TRIM", trims.append)
    assert lean_allocator(True, 4 * 2**20) is True
    assert told == [(-3, 4 * 2**20)] and trims == [0]  # lean, and what is held goes back
    assert lean_allocator(False, 4 * 2**20) is True
    assert told[-1] == (-3, collection.ROOMY_MMAP_BYTES) and trims == [0]
    assert lean_allocator(True, 0) is False and len(told) == 2  # the setting's 0: never


def test_lean_allocator_is_a_no_op_without_glibc(monkeypatch):
    monkeypatch.setattr(collection, "_MALLOPT", None)
    assert lean_allocator(True, 4 * 2**20) is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_lean_allocator_reaches_the_real_allocator():
    if collection._MALLOPT is None:
        pytest.skip("not glibc")
    try:
        assert lean_allocator(True, 4 * 2**20) is True
        blocks = [bytearray(8 * 2**20) for _ in range(3)]  # mapped apart, then returned
        del blocks
    finally:
        assert lean_allocator(False, 4 * 2**20) is True
