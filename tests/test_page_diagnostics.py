"""The teachers' diagnostics page: versions, models in memory, freeing memory, caches, network."""

from __future__ import annotations

import platform

from core.diagnostics import folder_mb, reach
from core.i18n import t
from tests.support.app import open_page
from tests.support.range_server import RangeServer

PAGE = "Diagnostics"


def test_versions_models_and_freeing_memory(local_models, tmp_path, monkeypatch):
    from core.models import run_policy
    from core.models.model_ref import ModelRef
    from core.ui.shared import shared_models

    monkeypatch.setattr(run_policy, "time_batching", lambda pipe, sample, precision: (0.2, 0.1))
    monkeypatch.setenv("VTL_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("VTL_MEMORY_BUDGET_MB", "1500")
    shared_models().get(ModelRef("google/vit-base-patch16-224", "image-classification"))
    at = open_page(PAGE, run=False)
    at.context = {"locale": "en-US"}
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Python"] == platform.python_version() and metrics["Device"] == "cpu"
    assert metrics["Budget for models"] == "1,500 MB"  # English groups thousands
    table = at.table[0].value  # a static table: its sentences wrap, none is cut
    assert list(table.index) == ["google/vit-base-patch16-224"]
    assert list(table["Precision"]) == ["float32: set by VTL_PRECISION"]  # the tests' setting
    assert list(table["Batching"]) == [
        "up to 8 students' calls share one forward pass (100 ms per image in a batch against "
        "200 ms alone, when loaded)"
    ]
    at.button(key="diag_free").click().run()
    assert shared_models().loaded() == []
    assert [i.value for i in at.info] == [t("en", "diagnostics.no_models")]


def test_an_int8_model_is_shown_with_its_timings_in_spanish(local_models, monkeypatch):
    """What `auto` chose on load, as the teacher reads it: int8, with the two timings."""
    from core.models import precision, run_policy
    from core.models.model_ref import ModelRef
    from core.ui.shared import shared_models

    monkeypatch.setenv("VTL_PRECISION", "auto")
    monkeypatch.setenv("VTL_POLICY_CACHE", "")
    monkeypatch.setattr(run_policy, "time_batching", lambda pipe, sample, precision: (0.2, 0.1))
    monkeypatch.setattr(precision, "_time_int8", lambda p, q, s, r: (0.250, 0.081, 0.999))
    shared_models().get(ModelRef("google/vit-base-patch16-224", "image-classification"))
    at = open_page(PAGE, run=False)
    at.context = {"locale": "es-ES"}
    at.run()
    assert not at.exception
    shown = list(at.table[0].value[t("es", "diagnostics.col_precision")])
    assert shown == ["pesos en int8: 81 ms frente a 250 ms en float32 al cargarlo, "
                     "con la cuarta parte de memoria"]  # fmt: skip


def test_network_check_in_spanish(local_models, tmp_path, monkeypatch):
    (tmp_path / "full" / "simplified").mkdir(parents=True)
    (tmp_path / "full" / "simplified" / "cat.ndjson").write_text("{}\n")
    with RangeServer(tmp_path) as server:
        monkeypatch.setenv("VTL_QUICKDRAW_URL", server.url)
        at = open_page(PAGE, run=False)
        at.context = {"locale": "es-ES"}
        at.run()
        at.button(key="diag_check").click().run()
    assert not at.exception
    assert not at.error  # offline by the teacher's choice is said, not shown as a fault
    (hub,) = [i.value for i in at.info if i.value.startswith("Hub de Hugging Face (https")]
    assert "HF_HUB_OFFLINE=1" in hub and "no se ha probado" in hub
    assert at.success[0].value.startswith("Datos de Quick, Draw! (http://127.0.0.1")
    assert "accesible, respondió en" in at.success[0].value  # words, not "206"
    assert "206" not in at.success[0].value


def test_reach_and_folder_sizes(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f").write_bytes(b"x" * 2**20)
    assert folder_mb(tmp_path) == 1.0 and folder_mb(tmp_path / "missing") == 0.0
    nowhere = reach("x", "http://127.0.0.1:9/", timeout=1)
    assert not nowhere.ok and nowhere.detail


def test_what_the_class_shares_is_shown_in_spanish(local_models, monkeypatch):
    from core.models.model_ref import ModelRef
    from core.tasks.image_input import sample_photo
    from core.ui.shared import shared_models, shared_results

    monkeypatch.setenv("VTL_CACHE_BUDGET_MB", "64")
    shared_models().get(ModelRef("facebook/detr-resnet-50", "object-detection", "no_timm"))
    shared_results().put(("image", "photo"), sample_photo("astronaut").image)  # 512 × 512 RGB
    shared_results().put(("chart", "bars"), b"x" * 300_000)  # a chart a page drew, kept too
    shared_results().put(("something", "new"), b"x" * 200_000)  # a kind not named: "other"
    at = open_page(PAGE, run=False)
    at.context = {"locale": "es-ES"}
    at.run()
    assert not at.exception
    metrics = {m.label: m for m in at.metric}
    assert metrics["Resultados e imágenes guardados"].value == "1 MB"  # 1.23 MB, rounded
    assert "64 MB" in metrics["Resultados e imágenes guardados"].help
    assert metrics["Entrenamientos en marcha + en espera"].value == "0 + 0"
    models, kept = at.table[0].value, at.dataframe[0].value
    assert list(models["Precisión"]) == ["float32: la fija VTL_PRECISION"]
    assert list(models["Lotes"]) == [t("es", "diagnostics.batch_task")]
    assert list(kept["Tipo"]) == ["Imágenes subidas", "Gráficos", "Otros"]  # none left out
    assert list(kept["MB"]) == ["0,8", "0,3", "0,2"]  # a Spanish decimal comma
    held = t("es", "diagnostics.held", count=0, mb=0)
    assert held in [caption.value for caption in at.caption]


def test_the_hub_cache_is_counted_as_huggingface_hub_counts_it(tmp_path):
    """Two revisions linking the same 1 MB file: one megabyte on disk, not two."""
    from core.diagnostics import cache_mb

    repo = tmp_path / "hub" / "models--someone--model"
    (repo / "blobs").mkdir(parents=True)
    (repo / "blobs" / "abc123").write_bytes(bytes(2**20))
    for revision in ("1" * 40, "2" * 40):
        snapshot = repo / "snapshots" / revision
        snapshot.mkdir(parents=True)
        (snapshot / "model.safetensors").symlink_to(repo / "blobs" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("2" * 40)
    assert cache_mb("hub", tmp_path / "hub") == 1.0
    assert round(folder_mb(tmp_path / "hub"), 1) == 3.0  # walking the folder follows each link
    assert cache_mb("hub", tmp_path / "nowhere") == 0.0


def test_unreachable_and_slow_servers_are_said_in_words():
    import socket

    from core.diagnostics import reach_note

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    result = reach("quickdraw", f"http://127.0.0.1:{closed}/x", timeout=2)
    assert (result.ok, result.kind) == (False, "unreachable")
    assert "no hay conexión" in reach_note("es", result)
    with socket.socket() as silent:  # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        result = reach("hub", f"http://127.0.0.1:{silent.getsockname()[1]}/x", timeout=0.5)
    assert result.kind == "timeout" and "no answer within" in reach_note("en", result)


def test_the_memory_plan_adds_the_budgets_to_the_app_itself(local_models, monkeypatch):
    monkeypatch.setenv("VTL_MEMORY_BUDGET_MB", "1000")
    monkeypatch.setenv("VTL_CACHE_BUDGET_MB", "100")
    monkeypatch.setenv("VTL_TRAINING_BUDGET_MB", "200")
    for limit, shown in (("100000", "info"), ("1500", "warning")):
        monkeypatch.setenv("VTL_MEMORY_LIMIT_MB", limit)
        at = open_page(PAGE, "en-US")
        assert not at.exception
        part = t("en", "diagnostics.col_part")
        plan = next(d.value for d in at.dataframe if part in d.value.columns)
        megabytes = [int(mb.replace(",", "")) for mb in plan["MB"]]
        app, weights, computed, trainings, total = megabytes
        assert (weights, computed, trainings) == (1000, 100, 200)
        assert 100 < app < 5000  # Python with torch and Streamlit, less nothing loaded yet
        assert abs(total - (app + 1300)) <= 1  # each part rounded on its own
        said = [e.value for e in getattr(at, shown)]
        key = "plan_fits" if shown == "info" else "plan_over"
        expected = t("en", f"diagnostics.{key}", total="X", limit="Y").split("X")[0]
        assert any(text.startswith(expected) for text in said), said
