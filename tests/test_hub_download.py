"""The loader's real download path (huggingface_hub against a local fake Hub on 127.0.0.1):
progress, safetensors first and never code, pickle checkpoints read safely, a dropped download
recovered, the cache reused with the network off, and each failure named."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.models.registry import DEFAULT_MODELS
from tests.support.environment import ROOT
from tests.support.fake_hub import FakeHub

VIT = "google/vit-base-patch16-224"


def run_probe(
    hf_home: Path, endpoint: str | None, *model_ids: str, timeout: float = 10
) -> dict[str, list[dict]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "VTL_"))}
    env["HF_HOME"] = str(hf_home)
    env["VTL_NETWORK_TIMEOUT"] = str(timeout)
    env["HF_HUB_DISABLE_XET"] = "1"
    if endpoint:
        env["HF_ENDPOINT"] = endpoint
    else:
        env["HF_HUB_OFFLINE"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.hub_probe", *model_ids],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    results: dict[str, list[dict]] = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            results.setdefault(record["model"], []).append(record)
    return results


@pytest.fixture(scope="module")
def repos(tiny_models_dir: Path, tmp_path_factory) -> dict[str, Path]:
    import torch
    from safetensors.torch import load_file

    root = tmp_path_factory.mktemp("hub")
    vit = tiny_models_dir / VIT.replace("/", "--")
    both = shutil.copytree(vit, root / "both")
    (both / "pytorch_model.bin").write_bytes(b"not a checkpoint: must never be fetched")
    (both / "modeling_evil.py").write_text("raise SystemExit('remote code ran')\n")
    pickle_only = shutil.copytree(vit, root / "pickle")
    state = load_file(pickle_only / "model.safetensors")
    (pickle_only / "model.safetensors").unlink()
    torch.save(state, pickle_only / "pytorch_model.bin")
    code_only = shutil.copytree(vit, root / "code-only")
    (code_only / "model.safetensors").unlink()
    text = root / "text"
    text.mkdir()
    (text / "config.json").write_text(json.dumps({"architectures": ["BertForMaskedLM"],
                                                  "model_type": "bert"}))  # fmt: skip
    (text / "model.safetensors").write_bytes((vit / "model.safetensors").read_bytes())
    return {VIT: vit, "acme/both-formats": both, "acme/pickle-only": pickle_only,
            "acme/code-only": code_only, "acme/text-model": text}  # fmt: skip


def test_download_with_progress_then_offline_from_the_cache(repos, tmp_path):
    wanted = sorted(p.name for p in repos[VIT].iterdir())
    with FakeHub(repos) as hub:
        online = run_probe(tmp_path, hub.url, VIT)[VIT][0]
    assert online["ok"], online
    events = online["events"]
    total = sum((repos[VIT] / name).stat().st_size for name in wanted)
    assert events and events[-1][0] == events[-1][1] == total
    assert [done for done, _, _ in events] == sorted(done for done, _, _ in events)
    assert {name for _, _, name in events} == set(wanted)
    offline = run_probe(tmp_path, None, VIT)[VIT][0]
    assert offline["ok"] and offline["labels"] == online["labels"]
    assert offline["events"] == []  # nothing downloaded the second time


def test_only_safe_weights_and_no_code_are_fetched(repos, tmp_path):
    with FakeHub(repos) as hub:
        results = run_probe(tmp_path, hub.url, "acme/both-formats", "acme/pickle-only",
                            "acme/code-only", "acme/text-model", "acme/not-there")  # fmt: skip
        fetched = {path.rsplit("/", 1)[-1] for method, path in hub.requests if method == "GET"}
    assert results["acme/both-formats"][0]["ok"]
    assert "pytorch_model.bin" not in {n for _, _, n in results["acme/both-formats"][0]["events"]}
    assert "modeling_evil.py" not in fetched
    assert results["acme/pickle-only"][0]["ok"]  # read by torch.load(weights_only=True)
    assert results["acme/code-only"][0]["reason"] == "no_weights"
    assert results["acme/text-model"][0]["reason"] == "wrong_task"
    assert results["acme/not-there"][0]["reason"] == "not_found"


def test_a_dropped_download_is_recovered(repos, tmp_path):
    with FakeHub(repos, cut_once={"model.safetensors"}) as hub:
        attempts = run_probe(tmp_path, hub.url, VIT, VIT)[VIT]
        cut = hub.cut_once
    assert cut == set()  # the cut happened
    assert attempts[-1]["ok"], attempts  # at the latest on the next try, nothing corrupt is used
    if not attempts[0]["ok"]:
        assert attempts[0]["reason"] in {"offline", "failed"}
    blobs = list((tmp_path / "hub").rglob("model.safetensors"))
    assert blobs and all(
        b.read_bytes() == (repos[VIT] / "model.safetensors").read_bytes() for b in blobs
    )


@pytest.mark.parametrize("stalled", ["api", "model.safetensors"])
def test_a_stalled_hub_is_bounded_then_a_new_try_works(repos, tmp_path, stalled):
    """The network stalls (on the first questions, or in the middle of the weights): the
    attempt ends, named a timeout, within the limit and its retries; once the network is
    back, the student's next try loads the model from what is on disk and what is left."""
    with FakeHub(repos, stall={stalled}, stall_seconds=30) as hub:
        slow = run_probe(tmp_path, hub.url, VIT, timeout=0.5)[VIT][0]
        hub.stall.clear()
        again = run_probe(tmp_path, hub.url, VIT, timeout=0.5)[VIT][0]
    assert not slow["ok"] and slow["reason"] == "timeout", slow
    assert slow["seconds"] < 20  # not the 30 s of the stall: bounded by the timeouts
    assert again["ok"], again


def run_prefetch(hf_home: Path, endpoint: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "VTL_"))}
    env.update(HF_HOME=str(hf_home), HF_HUB_DISABLE_XET="1")
    env.update({"HF_ENDPOINT": endpoint} if endpoint else {"HF_HUB_OFFLINE": "1"})
    return subprocess.run([sys.executable, "-m", "core.models.prefetch"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_prefetch_command_for_a_classroom(tiny_models_dir, tmp_path):
    defaults = list(DEFAULT_MODELS.values())
    offline = run_prefetch(tmp_path, None)
    assert offline.returncode == 1
    assert f"{VIT} (346 MB)" in offline.stdout and "FAILED (offline)" in offline.stdout
    served = {m: tiny_models_dir / m.replace("/", "--") for m in defaults}
    with FakeHub(served) as hub:
        online = run_prefetch(tmp_path, hub.url)
    assert online.returncode == 0, online.stdout + online.stderr
    ready = f"{len(defaults)} of {len(defaults)} models ready."
    assert online.stdout.count("100 %") == len(defaults) and ready in online.stdout
    again = run_prefetch(tmp_path, None)  # the cache now serves the classroom offline
    assert again.returncode == 0 and ready in again.stdout
