"""The run policy measured on load is kept on disk, so the first student of each class does not
wait for the warm-up again; a damaged file is measured anew."""

from __future__ import annotations

from core.models import run_policy
from core.models.loader import ModelCache
from core.models.model_ref import ModelRef

VIT = ModelRef("google/vit-base-patch16-224", "image-classification")


def test_a_measured_policy_is_kept_and_reused(local_models, tmp_path, monkeypatch):
    store = tmp_path / "policies.json"
    monkeypatch.setenv("VTL_POLICY_CACHE", str(store))
    timed = []

    def time_batching(pipe, sample, precision):
        timed.append(precision)
        return 0.2, 0.1

    monkeypatch.setattr(run_policy, "time_batching", time_batching)
    first = ModelCache(10**9).get(VIT).policy
    assert store.is_file() and timed == ["fp32"]
    again = ModelCache(10**9).get(VIT).policy  # another process, or after an eviction
    assert again == first and timed == ["fp32"]  # not measured again
    monkeypatch.setenv("VTL_BATCH_MAX", "4")  # another setting: another decision
    assert ModelCache(10**9).get(VIT).policy.batch.max_batch == 4 and len(timed) == 2


def test_a_damaged_store_is_measured_again(local_models, tmp_path, monkeypatch):
    store = tmp_path / "policies.json"
    store.write_text("{not json")
    monkeypatch.setenv("VTL_POLICY_CACHE", str(store))
    monkeypatch.setattr(run_policy, "time_batching", lambda pipe, sample, precision: (0.2, 0.1))
    policy = ModelCache(10**9).get(VIT).policy
    assert policy.batch.reason == "on" and policy.batch.max_batch == 8
    assert ModelCache(10**9).get(VIT).policy == policy
