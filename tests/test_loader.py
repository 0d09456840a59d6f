"""The loader: id validation, the local seam, error reasons, task checks and the LRU budget."""

from __future__ import annotations

import gc
import json
import time

import pytest

from core.models.hub_download import _select_files, local_folder
from core.models.loader import ModelCache, build_pipeline, check_task, pick_device
from core.models.model_ref import ModelError, ModelRef, validate_model_id

CLS = "image-classification"


@pytest.mark.parametrize(
    "good",
    [
        "google/vit-base-patch16-224",
        "microsoft/resnet-50",
        "  nateraw/vit-age-classifier ",
        "distilbert-base-uncased",
        "a/b",
    ],
)
def test_valid_ids(good):
    assert validate_model_id(good) == good.strip()


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "no spaces/allowed",
        "../../etc/passwd",
        "a/b/c",
        "org/na..me",
        "org/-x",
        "org--x/y",
        "x" * 97 + "/y",
        "<script>/x",
        "org/name;rm -rf",
        "https://hf.co/a/b",
    ],
)
def test_invalid_ids(bad):
    with pytest.raises(ModelError) as caught:
        validate_model_id(bad)
    assert caught.value.reason == "bad_id"


def test_local_seam_prefers_the_pinned_revision(tmp_path):
    for name in ("facebook--detr-resnet-50", "facebook--detr-resnet-50@no_timm"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text("{}")
    pinned = ModelRef("facebook/detr-resnet-50", "object-detection", "no_timm")
    assert local_folder(pinned, tmp_path).name == "facebook--detr-resnet-50@no_timm"
    main = ModelRef("facebook/detr-resnet-50", "object-detection")
    assert local_folder(main, tmp_path).name == "facebook--detr-resnet-50"
    assert local_folder(ModelRef("x/y", CLS), tmp_path) is None
    assert local_folder(main, None) is None


def test_safetensors_preferred_and_code_never_fetched():
    files = [
        "config.json",
        "model.safetensors",
        "pytorch_model.bin",
        "tf_model.h5",
        "modeling_custom.py",
        "preprocessor_config.json",
        "onnx/model.onnx",
    ]
    assert _select_files(files) == ["config.json", "preprocessor_config.json", "model.safetensors"]
    assert _select_files(["config.json", "pytorch_model.bin"]) == [
        "config.json",
        "pytorch_model.bin",
    ]
    with pytest.raises(ModelError) as caught:
        _select_files(["config.json", "tf_model.h5", "model.py"])
    assert caught.value.reason == "no_weights"


def test_pick_device():
    assert pick_device("cpu") == "cpu"
    assert pick_device("auto") in {"cpu", "cuda", "mps"}


def test_offline_unknown_model_names_model_and_cause(monkeypatch):
    monkeypatch.delenv("VTL_LOCAL_MODELS", raising=False)
    with pytest.raises(ModelError) as caught:
        build_pipeline(ModelRef("someone/not-cached-anywhere", CLS))
    assert caught.value.model_id == "someone/not-cached-anywhere"
    assert caught.value.reason == "offline"


def write_config(folder, **config):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_task_check(tmp_path):
    vit = write_config(tmp_path / "vit", architectures=["ViTForImageClassification"])
    check_task(vit, CLS, "x/vit")
    bert = write_config(tmp_path / "bert", architectures=["BertForMaskedLM"], model_type="bert")
    with pytest.raises(ModelError) as caught:
        check_task(bert, CLS, "x/bert")
    assert caught.value.reason == "wrong_task" and "BertForMaskedLM" in caught.value.detail
    with pytest.raises(ModelError):
        check_task(vit, "depth-estimation", "x/vit")


def test_the_task_is_decided_as_transformers_decides_from_the_config(tmp_path):
    # timm's own config (no `architectures`, no `model_type`): transformers reads it as
    # `timm_wrapper`, which its image-classification mapping holds.
    timm = write_config(
        tmp_path / "timm",
        architecture="resnet50",
        num_classes=1000,
        num_features=2048,
        pretrained_cfg={"tag": "a1_in1k", "num_classes": 1000, "input_size": [3, 224, 224]},
    )
    check_task(timm, CLS, "timm/resnet50.a1_in1k")
    with pytest.raises(ModelError) as caught:
        check_task(timm, "object-detection", "timm/resnet50.a1_in1k")
    assert (caught.value.reason, caught.value.detail) == ("wrong_task", "timm_wrapper")
    # Only a type, as some configs are saved: the task's auto mapping decides.
    check_task(write_config(tmp_path / "deit", model_type="deit"), CLS, "x/deit")
    # A base model of the task's kind: its config names no class with the task's head.
    base = write_config(tmp_path / "base", architectures=["ViTModel"], model_type="vit")
    with pytest.raises(ModelError) as caught:
        check_task(base, CLS, "google/vit-base-patch16-224-in21k")
    assert (caught.value.reason, caught.value.detail) == ("no_head", "ViTModel")
    # Code of its own: never run, and said so.
    remote = write_config(
        tmp_path / "remote",
        architectures=["EvilForImageClassification"],
        model_type="evil",
        auto_map={"AutoModelForImageClassification": "modeling_evil.EvilForImageClassification"},
    )
    with pytest.raises(ModelError) as caught:
        check_task(remote, CLS, "acme/evil")
    assert caught.value.reason == "remote_code"


class FakePipe:
    def __init__(self, ref):
        self.ref = ref

    def __call__(self, value):
        return value


def test_cache_builds_once_and_evicts_least_recently_used():
    built = []

    def build(ref, progress):
        built.append(ref.id)
        return FakePipe(ref)

    sizes = {"a/a": 40, "b/b": 40, "c/c": 40}
    cache = ModelCache(100, build=build, measure=lambda pipe: sizes[pipe.ref.id])
    a, b = ModelRef("a/a", CLS), ModelRef("b/b", CLS)
    cache.get(a)
    cache.get(b)
    cache.get(a)  # a is now the most recently used
    assert built == ["a/a", "b/b"]
    cache.get(ModelRef("c/c", CLS))  # 120 > 100: b goes
    assert [entry.ref.id for entry in cache.loaded()] == ["a/a", "c/c"]
    assert cache.used_bytes == 80 <= cache.budget_bytes
    cache.get(b)
    assert built == ["a/a", "b/b", "c/c", "b/b"]
    cache.clear()
    assert cache.loaded() == [] and cache.used_bytes == 0


def test_calls_are_counted_and_run_errors_become_model_errors():
    def build(ref, progress):
        def pipe(value):
            if value is None:
                raise MemoryError("no room")
            return value * 2

        pipe.ref = ref
        return pipe

    cache = ModelCache(10, build=build, measure=lambda pipe: 1)
    model = cache.get(ModelRef("a/a", CLS))
    assert model.run(21)[0] == 42 and model.calls == 1
    with pytest.raises(ModelError) as caught:
        model.run(None)
    assert caught.value.reason == "out_of_memory"


def test_failed_build_leaves_the_cache_working():
    def build(ref, progress):
        if ref.id == "bad/model":
            raise ModelError(ref.id, "missing_package", "needs timm")
        return FakePipe(ref)

    cache = ModelCache(100, build=build, measure=lambda pipe: 10)
    cache.get(ModelRef("a/a", CLS))
    with pytest.raises(ModelError):
        cache.get(ModelRef("bad/model", CLS))
    assert [e.ref.id for e in cache.loaded()] == ["a/a"]


def test_a_slow_build_does_not_hold_up_other_models():
    import threading

    release = threading.Event()
    builds = []

    def build(ref, progress):
        builds.append(ref.id)
        if ref.id == "slow/model":
            assert release.wait(10)
        return FakePipe(ref)

    cache = ModelCache(100, build=build, measure=lambda pipe: 10)
    cache.get(ModelRef("fast/model", CLS))
    slow = [threading.Thread(target=cache.get, args=(ModelRef("slow/model", CLS),))
            for _ in range(3)]  # fmt: skip
    for thread in slow:
        thread.start()
    assert cache.get(ModelRef("fast/model", CLS)).ref.id == "fast/model"  # not blocked
    release.set()
    for thread in slow:
        thread.join(10)
    assert builds == ["fast/model", "slow/model"]  # three sessions, one build


def test_an_eviction_giving_memory_back_does_not_hold_up_a_loaded_model(monkeypatch):
    import threading

    import core.models.loader as loader

    releasing, release = threading.Event(), threading.Event()

    def slow_release():  # a full collection and malloc_trim, slow in a big process
        if all(ref.id != "a/a" for ref in list(cache._entries)):  # once a/a is forgotten
            releasing.set()
            assert release.wait(10)

    cache = ModelCache(25, build=lambda ref, progress: FakePipe(ref), measure=lambda pipe: 10)
    cache.get(ModelRef("a/a", CLS))
    cache.get(ModelRef("b/b", CLS))
    monkeypatch.setattr(loader, "_release_memory", slow_release)
    evicting = threading.Thread(target=cache.get, args=(ModelRef("c/c", CLS),))
    evicting.start()  # a/a goes, and its memory is being given back
    assert releasing.wait(10)
    answered = []
    reader = threading.Thread(target=lambda: answered.append(cache.get(ModelRef("b/b", CLS))))
    reader.start()
    reader.join(2)
    assert answered and answered[0].ref.id == "b/b"  # not waiting for that release
    release.set()
    evicting.join(10)
    assert sorted(e.ref.id for e in cache.loaded()) == ["b/b", "c/c"]  # a/a forgotten


class Weights:
    """Stands for the tensors a model holds: 50 MB, and a weak reference tells when freed."""

    def __init__(self) -> None:
        import numpy as np

        self.data = np.ones(50 * 2**20, dtype=np.uint8)


@pytest.mark.parametrize(
    ("error", "reason"),
    [(MemoryError("not enough memory"), "out_of_memory"),
     (ImportError("No module named 'timm'"), "missing_package")],
)  # fmt: skip
def test_a_model_that_fails_to_build_gives_its_memory_back(
    local_models, monkeypatch, error, reason
):
    import weakref

    import transformers.pipelines

    held = []

    def failing_pipeline(*args, **kwargs):
        weights = Weights()  # half built when it fails
        held.append(weakref.ref(weights))
        raise error

    cache = ModelCache(10**9)
    vit = ModelRef("google/vit-base-patch16-224", CLS)
    with monkeypatch.context() as patch, pytest.raises(ModelError) as caught:
        patch.setattr(transformers.pipelines, "pipeline", failing_pipeline)
        cache.get(vit)
    assert caught.value.reason == reason
    assert held[0]() is None  # freed, though the page still holds the error to show it
    assert cache.loaded() == [] and cache.used_bytes == 0
    # the package installed, memory back: the next try works
    assert cache.get(vit).ref == vit and len(cache.loaded()) == 1


def test_a_run_out_of_memory_gives_its_memory_back_and_the_model_still_runs():
    import weakref

    import torch

    held = []

    def build(ref, progress):
        def pipe(value):
            if value is None:
                activations = Weights()
                held.append(weakref.ref(activations))
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
            return value * 2

        return pipe

    model = ModelCache(10, build=build, measure=lambda pipe: 1).get(ModelRef("a/a", CLS))
    with pytest.raises(ModelError) as caught:
        model.run(None)
    assert caught.value.reason == "out_of_memory"
    assert held[0]() is None
    assert model.run(21)[0] == 42  # the lock was released: the next student is served


def test_evicted_models_leave_no_thread_behind():
    import threading

    def build(ref, progress):
        return lambda value: value + 1

    cache = ModelCache(25, build=build, measure=lambda pipe: 10)  # room for two
    before = threading.active_count()
    for turn in range(30):
        assert cache.get(ModelRef(f"m/{turn % 5}", CLS)).run(turn)[0] == turn + 1
    gc.collect()
    deadline = time.time() + 5  # the threads of the evicted models end as they wake
    while threading.active_count() > before + 2 and time.time() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before + 2  # the two models kept, each its own thread


@pytest.mark.parametrize(
    ("damage", "where"),
    [("config.json", "half"), ("model.safetensors", "half"), ("model.safetensors", "garbage")],
)
def test_damaged_files_are_named_damaged_not_no_connection(
    tiny_models_dir, tmp_path, monkeypatch, damage, where
):
    """With the Hub switched off (as in a classroom that prefetched), a model whose files are
    cut short or are not what they say is "damaged", never "no connection"."""
    import shutil

    from core.i18n import t

    folder = tmp_path / "google--vit-base-patch16-224"
    shutil.copytree(tiny_models_dir / "google--vit-base-patch16-224", folder)
    target = folder / damage
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2] if where == "half" else b"garbage" * 10)
    monkeypatch.setenv("VTL_LOCAL_MODELS", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as caught:
        build_pipeline(ModelRef("google/vit-base-patch16-224", "image-classification"))
    assert caught.value.reason == "damaged"
    message = t("es", caught.value.message_key, model="vit", detail=caught.value.detail, task="")
    assert "dañados" in message and "conexión" not in message


def test_a_new_version_of_a_model_replaces_the_old_one_in_memory():
    built = []

    def build(ref, progress):
        built.append(ref)
        return object()

    cache = ModelCache(10**9, build=build, measure=lambda pipe: 1)
    old = ModelRef("trained/ours", "image-classification", "aaaa")
    new = ModelRef("trained/ours", "image-classification", "bbbb")
    cache.get(old)
    cache.get(ModelRef("trained/other", "image-classification", "cccc"))
    cache.get(new)
    assert [entry.ref for entry in cache.loaded()] == [
        ModelRef("trained/other", "image-classification", "cccc"),
        new,
    ]
