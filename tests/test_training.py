"""Train your own: data through the Range-based .npy reader, a short training run that saves,
reloads through the loader and predicts through `pipeline`, and safe model names."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

from core.quickdraw.formats import read_ndjson, to_bitmap
from core.quickdraw.saved_models import (
    delete_model,
    model_path,
    rename_model,
    save_model,
    saved_models,
)
from core.quickdraw.source import QuickDrawSource
from core.quickdraw.training import (
    TrainingConfig,
    confusion_matrix,
    load_bitmaps,
    local_fetch,
    most_confused,
    train,
)
from tests.support.environment import SHARED, need_shared
from tests.support.range_server import RangeServer

BITMAPS = SHARED / "data" / "quickdraw" / "numpy_bitmap"
WORDS = ("apple", "fish", "eye")


@pytest.fixture(scope="module")
def bucket(tmp_path_factory):
    need_shared()
    root = tmp_path_factory.mktemp("bucket")
    (root / "full" / "numpy_bitmap").mkdir(parents=True)
    for word in WORDS:
        shutil.copy(BITMAPS / f"{word}.npy", root / "full" / "numpy_bitmap" / f"{word}.npy")
    return root


@pytest.mark.parametrize("honour_range", [True, False])
def test_npy_rows_over_range_requests(bucket, tmp_path, honour_range):
    with RangeServer(bucket, honour_range=honour_range) as server:
        source = QuickDrawSource(server.url, tmp_path)
        images, labels = load_bitmaps(WORDS, 150, source.first_bitmaps)
    assert images.shape == (450, 28, 28) and list(np.bincount(labels)) == [150] * 3
    assert (images[150:300].reshape(150, -1) == np.load(BITMAPS / "fish.npy")[:150]).all()
    assert source.stats.bytes_transferred < 3 * (1024 + 150 * 784) + 3 * 1024


def test_partial_last_row_is_not_returned(bucket, tmp_path):
    with RangeServer(bucket) as server:
        source = QuickDrawSource(server.url, tmp_path)
        assert source.first_bitmaps("eye", 5).shape == (5, 28, 28)
        assert source.first_bitmaps("eye", 7).shape == (7, 28, 28)  # extends the cached start


@pytest.fixture(scope="module")
def trained(bucket):
    images, labels = load_bitmaps(WORDS, 400, local_fetch(BITMAPS))
    steps = []
    epochs = []
    config = TrainingConfig(WORDS, per_class=400, epochs=2, seed=3)
    result = train(config, images, labels, on_epoch=epochs.append,
                   on_step=lambda done, total: steps.append((done, total)))  # fmt: skip
    return result, steps, epochs


def test_short_training_learns_and_reports(trained):
    result, steps, epochs = trained
    assert [e.epoch for e in epochs] == [1, 2] and result.history == epochs
    assert steps[-1][0] == steps[-1][1]  # the progress bar reaches its end
    assert epochs[-1].validation_accuracy > 0.6  # three easy classes, 720 drawings, 2 epochs
    counts = confusion_matrix(result.validation_labels, result.validation_predictions, 3)
    assert counts.sum() == 120 and np.trace(counts) / 120 == pytest.approx(
        result.validation_accuracy
    )


def test_training_is_reproducible_and_stoppable():
    need_shared()
    images, labels = load_bitmaps(WORDS, 200, local_fetch(BITMAPS))
    config = TrainingConfig(WORDS, per_class=200, epochs=1, seed=7)
    first = train(config, images, labels)
    second = train(config, images, labels)
    assert first.history[0].validation_accuracy == second.history[0].validation_accuracy
    calls = []
    stopped = train(TrainingConfig(WORDS, per_class=200, epochs=3), images, labels,
                    should_stop=lambda: len(calls.append(1) or calls) >= 2)  # fmt: skip
    assert stopped.stopped_early and len(stopped.history) == 1


def test_saved_model_loads_through_the_loader_and_pipeline(trained, tmp_path, monkeypatch):
    from core.models.loader import ModelCache
    from core.models.model_ref import ModelRef
    from core.tasks.classification import classify

    result, _, _ = trained
    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path))
    folder = save_model(result, tmp_path, "three-doodles")
    files = {p.name for p in folder.iterdir()}
    assert files >= {
        "config.json",
        "model.safetensors",
        "preprocessor_config.json",
        "training.json",
    }
    model = ModelCache(10**9).get(ModelRef("trained/three-doodles", "image-classification"))
    drawings, _ = read_ndjson((SHARED / "data/quickdraw/raw/fish.ndjson").read_bytes().splitlines())
    answers = [
        classify(model, Image.fromarray(to_bitmap(d.strokes)).convert("RGB")) for d in drawings
    ]
    assert {p.label for a in answers for p in a.predictions} == set(WORDS)
    assert sum(a.predictions[0].label == "fish" for a in answers) >= 6
    listed = saved_models(tmp_path)
    assert listed[0]["name"] == "three-doodles" and listed[0]["words"] == list(WORDS)


def test_names_cannot_escape_the_models_folder(tmp_path, trained):
    result, _, _ = trained
    for bad in ("../evil", "/etc", "a/b", "", ".hidden", "x" * 41, "..", "spa ce"):
        with pytest.raises(ValueError):
            model_path(tmp_path, bad)
        with pytest.raises(ValueError):
            save_model(result, tmp_path, bad)
    save_model(result, tmp_path, "first")
    rename_model(tmp_path, "first", "second")
    assert [m["name"] for m in saved_models(tmp_path)] == ["second"]
    with pytest.raises(ValueError):
        rename_model(tmp_path, "second", "../../outside")
    delete_model(tmp_path, "second")
    assert saved_models(tmp_path) == []


def test_most_confused_pairs_and_config_checks():
    counts = np.array([[8, 2, 0], [5, 5, 0], [0, 1, 9]])
    assert most_confused(counts, ("a", "b", "c")) == [("b", "a", 5), ("a", "b", 2), ("c", "b", 1)]
    with pytest.raises(ValueError):
        TrainingConfig(("only",)).check()
    with pytest.raises(ValueError):
        TrainingConfig(WORDS, per_class=50).check()


def test_the_command_line_refuses_a_taken_name_before_training(tmp_path, monkeypatch, capsys):
    need_shared()
    from core.quickdraw import train as command

    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path))
    (tmp_path / "taken").mkdir()
    trained = []
    monkeypatch.setattr(command, "train", lambda *a, **k: trained.append(1))
    words = ["apple", "cat"]
    code = command.main(["--words", *words, "--name", "taken", "--local", str(BITMAPS)])
    assert code == 2 and trained == []
    assert "exists (--replace to replace it)" in capsys.readouterr().err
    assert command.main(["--words", *words, "--name", "../out", "--local", str(BITMAPS)]) == 2
    assert trained == []
    saved = []
    monkeypatch.setattr(command, "save_model", lambda *a: saved.append(a[2:]) or tmp_path)
    taken = ["--words", *words, "--per-class", "100", "--name", "taken", "--local", str(BITMAPS)]
    assert command.main([*taken, "--overwrite"]) == 0
    assert trained == [1] and saved == [("taken", True)]  # trained, then saved in its place


def test_a_saved_model_has_an_identity_and_a_stale_page_cannot_act_on_another(trained, tmp_path):
    from core.quickdraw.saved_models import ModelChanged, model_version

    result = trained[0]
    save_model(result, tmp_path, "ours")
    first = model_version(tmp_path, "ours")
    assert first and [m["version"] for m in saved_models(tmp_path)] == [first]
    save_model(result, tmp_path, "ours", replace=True)  # another save: another model
    second = model_version(tmp_path, "ours")
    assert second != first
    with pytest.raises(ModelChanged):
        delete_model(tmp_path, "ours", first)  # what the stale page saw is gone
    with pytest.raises(ModelChanged):
        rename_model(tmp_path, "ours", "theirs", first)
    assert model_version(tmp_path, "ours") == second  # nothing was done
    rename_model(tmp_path, "ours", "theirs", second)
    delete_model(tmp_path, "theirs", second)
    assert saved_models(tmp_path) == []


def test_a_damaged_card_is_skipped_not_a_traceback(trained, tmp_path):
    save_model(trained[0], tmp_path, "good")
    save_model(trained[0], tmp_path, "cut")
    (tmp_path / "cut" / "training.json").write_text('{"words": ["app')
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "training.json").write_text("")
    assert [m["name"] for m in saved_models(tmp_path)] == ["good"]


def test_the_loader_refuses_a_version_that_is_no_longer_saved(trained, tmp_path, monkeypatch):
    from core.models.hub_download import fetch_model
    from core.models.model_ref import ModelError, ModelRef
    from core.quickdraw.saved_models import model_version

    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path))
    save_model(trained[0], tmp_path, "ours")
    seen = model_version(tmp_path, "ours")
    ref = ModelRef("trained/ours", "image-classification", seen)
    assert fetch_model(ref) == tmp_path / "ours"
    save_model(trained[0], tmp_path, "ours", replace=True)
    with pytest.raises(ModelError) as caught:
        fetch_model(ref)
    assert caught.value.reason == "model_changed"


def test_the_default_recipe_recognises_drawings_as_they_were_drawn(tmp_path, monkeypatch):
    """The six shared classes, 2,990 bitmaps each, the default recipe (6 epochs, one-cycle
    schedule, drawings turned, scaled and moved at random): the 60 drawings rendered from their
    raw strokes by `to_bitmap`, as Pictionary sees a drawing, and never trained on (they are
    the first 10 rows of each .npy file, left out), through the loader and `pipeline`. Measured:
    60 of 60 on 7 seeds, where the recipe before (4 epochs, a constant rate, no augmentation)
    recognised 56–58; the margin allows two misses."""
    from core.models.loader import ModelCache
    from core.models.model_ref import ModelRef
    from core.tasks.classification import classify

    need_shared()
    words = ("apple", "bicycle", "cat", "diamond", "eye", "fish")
    first = 10

    def fetch(word: str, count: int) -> np.ndarray:
        return np.load(BITMAPS / f"{word}.npy", mmap_mode="r")[first : first + count].copy()

    images, labels = load_bitmaps(words, 3000 - first, fetch)
    result = train(TrainingConfig(words, per_class=3000 - first), images, labels)
    assert result.validation_accuracy >= 0.94  # measured 0.950–0.960
    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path))
    save_model(result, tmp_path, "six-doodles")
    model = ModelCache(10**9).get(ModelRef("trained/six-doodles", "image-classification"))
    right = total = 0
    for word in words:
        raw = (SHARED / "data/quickdraw/raw" / f"{word}.ndjson").read_bytes().splitlines()
        for drawing in read_ndjson(raw)[0]:
            picture = Image.fromarray(to_bitmap(drawing.strokes)).convert("RGB")
            right += classify(model, picture, steps=False).predictions[0].label == word
            total += 1
    assert total == 60 and right >= 58
