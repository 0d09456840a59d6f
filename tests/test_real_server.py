"""The app as a class meets it: `streamlit run Home.py`, driven over Streamlit's own websocket
protocol by simulated students (../shared/tools/class_sim.py), not AppTest: every page opens
without an exception, a student whose photo waits behind others is told their place, and memory
stays flat over hundreds of reruns with the app's garbage-collection policy."""

from __future__ import annotations

import asyncio
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.i18n import t
from tests.support.environment import SHARED, need_shared
from tests.support.streamlit_server import PAGES, AppServer, class_sim, pss_mb

VIT = "google/vit-base-patch16-224"


def slow_vit(folder: Path) -> None:
    """A small ViT that takes a few tenths of a second a photo (448 × 448 in 8-pixel patches:
    3,136 tokens), saved as the Hub saves it under the default classifier's id, so that a
    class's photos queue behind one another as they do with the real model."""
    import transformers as T

    labels = {0: "cat", 1: "dog"}
    config = T.ViTConfig(image_size=640, patch_size=8, hidden_size=128, num_hidden_layers=6,
                         num_attention_heads=4, intermediate_size=256, id2label=labels,
                         label2id={v: k for k, v in labels.items()})  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)
    T.ViTForImageClassification(config).eval().save_pretrained(folder)
    T.ViTImageProcessor(size={"height": 640, "width": 640}).save_pretrained(folder)


@pytest.fixture(scope="module")
def server(tiny_models_dir: Path, tmp_path_factory):
    """The app on the tiny models (the default classifier a slow one), one forward per call
    (`VTL_BATCH_MAX=1`: the photos queue), the Quick, Draw! bucket served locally."""
    from tests.support.range_server import RangeServer, bucket_from

    need_shared()
    work = tmp_path_factory.mktemp("real-server")
    models = work / "models"
    shutil.copytree(tiny_models_dir, models)
    slow_vit(models / VIT.replace("/", "--"))
    bucket = bucket_from(SHARED / "data" / "quickdraw", work / "bucket", ("raw", "simplified"))
    with RangeServer(bucket) as files:
        env = {
            "VTL_LOCAL_MODELS": str(models),
            "VTL_QUICKDRAW_URL": files.url,
            "VTL_QUICKDRAW_CACHE": str(work / "quickdraw-cache"),
            "VTL_MODELS_DIR": str(work / "trained"),
            "VTL_BATCH_MAX": "1",
            "VTL_DEVICE": "cpu",
        }
        app = AppServer(work / "server.log", env)
        try:
            yield app
        finally:
            app.stop()


def photo(index: int) -> bytes:
    """A small PNG of its own per student (its own cache key: each is a model call)."""
    pixels = np.full((120, 160, 3), (index * 40) % 256, np.uint8)
    pixels[:, : 10 + index] = 255
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def test_every_page_opens_for_a_few_students_at_once(server: AppServer) -> None:
    sim = class_sim()
    steps = [("open", page) for page in PAGES]
    for locale in ("es-ES", "en-US"):
        report = asyncio.run(sim.run_class(server.url, 3, steps, locale=locale, timeout=300))
        assert report["exceptions"] == [], report["exceptions"][:1]
        assert report["errors"] == [], report["errors"][:1]
        assert all(step["ok"] == 3 for step in report["steps"].values())


def test_a_waiting_student_is_told_their_place(server: AppServer) -> None:
    sim = class_sim()

    class Student(sim.Session):
        """A student who reads every text the server sends while a run goes on (a place in
        line is shown while the photo waits, then replaced by the answer)."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.seen: list[str] = []

        async def _recv(self, run):
            message = await super()._recv(run)
            if message.WhichOneof("type") == "delta" and message.delta.HasField("new_element"):
                sim._walk_texts(message.delta.new_element, self.seen)
            return message

    async def student(index: int) -> tuple[list[str], object]:
        async with Student(server.url, locale="en-US", timeout=300) as s:
            await s.open("Image_Classification")
            s.set_widget("cls_source", 1)
            await s.rerun()
            run = await s.upload("cls_upload", f"photo-{index}.png", photo(index), "image/png")
            return s.seen, run

    async def class_of(n: int) -> list:
        return await asyncio.gather(*(student(i) for i in range(n)))

    asyncio.run(class_of(1))  # the model loaded and timed, as in class after the first photo
    answers = asyncio.run(class_of(8))
    assert all(run.ok and not run.exceptions for _, run in answers)
    # Every student got their answer: the chart of their own top-k.
    assert all(run.counts["plotly_chart"] >= 1 for _, run in answers)
    # The text before the place ("You are number "); Streamlit shows a leading emoji as the
    # alert's icon, not in its text.
    number = t("en", "models.in_line", model=VIT, place=99, seconds=99).split("99")[0]
    number = number.removeprefix("⏳").strip() + " "
    told = [text for seen, _ in answers for text in seen if text.startswith(number)]
    assert told, "no waiting student was shown their place in line"
    places = {int(text[len(number) :].split()[0]) for text in told}
    assert max(places) >= 2, places  # someone was behind another student's photo


def test_memory_stays_flat_over_hundreds_of_reruns(server: AppServer) -> None:
    """Four students open and rerun every page, again and again (432 runs): after the first
    cycles (models loaded, answers kept), the server's memory does not grow."""
    sim = class_sim()
    steps = [step for page in PAGES for step in (("open", page), ("rerun",))]
    memory = []
    for _ in range(6):
        report = asyncio.run(sim.run_class(server.url, 4, steps, timeout=300))
        assert report["exceptions"] == [] and report["errors"] == []
        memory.append(pss_mb(server.pid))
    print("PSS after each cycle (MB):", memory)
    assert memory[-1] - memory[1] < 80, memory
