"""The app's garbage-collection policy: what lasts is frozen, a page run collects only when
something changed, and garbage among frozen objects is still freed by the next full collection."""

from __future__ import annotations

import gc
import sys
import types
import weakref

from core.garbage_collection import STATE, after_run, collect_and_freeze


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cycle collector frees it


def test_what_lasts_is_frozen_and_a_quiet_run_does_not_collect():
    collect_and_freeze()
    assert gc.get_freeze_count() > 0
    collections = STATE.full_collections
    assert after_run(growth_bytes=2**40) is False  # nothing imported, no growth
    assert STATE.full_collections == collections


def test_an_import_triggers_a_full_collection():
    collect_and_freeze()
    sys.modules["_vtl_test_module"] = types.ModuleType("_vtl_test_module")  # a page's import
    try:
        assert after_run(growth_bytes=2**40) is True
    finally:
        del sys.modules["_vtl_test_module"]
        collect_and_freeze()


def test_memory_growth_triggers_a_full_collection():
    collect_and_freeze()
    assert after_run(growth_bytes=0) is True  # any growth at all counts as past the threshold


def test_a_frozen_cycle_that_becomes_garbage_is_freed_by_the_next_full_collection():
    node = _Node()
    alive = weakref.ref(node)
    collect_and_freeze()  # the node survives and is frozen, like a model once loaded
    del node
    gc.collect()  # an ordinary collection skips frozen objects
    assert alive() is not None
    collect_and_freeze()  # as after an eviction, an import or growth
    assert alive() is None
