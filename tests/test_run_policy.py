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


def test_a_kept_int8_decision_is_applied_again(local_models, tmp_path, monkeypatch):
    monkeypatch.setenv("VTL_POLICY_CACHE", str(tmp_path / "policies.json"))
    monkeypatch.setenv("VTL_PRECISION", "auto")
    monkeypatch.setattr(run_policy, "time_batching", lambda pipe, sample, precision: (0.2, 0.1))
    tried = []
    real = run_policy.choose_precision

    def choose(pipe, setting, sample):
        tried.append(setting)
        return real(pipe, "int8", sample)  # as if auto had kept int8 on this machine

    monkeypatch.setattr(run_policy, "choose_precision", choose)
    first = ModelCache(10**9).get(VIT)
    again = ModelCache(10**9).get(VIT)  # after an eviction, or in the next server
    assert tried == ["auto"] and again.policy == first.policy
    assert any(hasattr(m, "_packed_params") for m in again.pipe.model.modules())
    assert again.nbytes == first.nbytes


def test_a_decision_kept_before_int8_was_weighed_is_measured_again(local_models, tmp_path,
                                                                  monkeypatch):  # fmt: skip
    import json

    store = tmp_path / "policies.json"
    monkeypatch.setenv("VTL_POLICY_CACHE", str(store))
    monkeypatch.setattr(run_policy, "time_batching", lambda pipe, sample, precision: (0.2, 0.1))
    measured = []
    real = run_policy.choose_precision
    monkeypatch.setattr(run_policy, "choose_precision",
                        lambda *args: measured.append(1) or real(*args))  # fmt: skip
    ModelCache(10**9).get(VIT)
    ModelCache(10**9).get(VIT)
    assert len(measured) == 1  # kept
    entries = json.loads(store.read_text())
    assert all(key.endswith("|" + run_policy.DECISIONS) for key in entries)
    store.write_text(json.dumps({key.rsplit("|", 1)[0]: v for key, v in entries.items()}))
    ModelCache(10**9).get(VIT)  # a file the previous version wrote
    assert len(measured) == 2
