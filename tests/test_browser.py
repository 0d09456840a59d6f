"""End to end in a real browser: Debian's chromium driven by Playwright (no browser download).

Skips where no chromium is installed, except in CI, where a skipped browser test is a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from core.i18n import t
from core.models.loader import ModelCache
from core.models.model_ref import ModelRef
from core.models.registry import HOME, all_pages
from core.tasks.classification import classify
from core.tasks.image_input import sample_photo
from tests.support.environment import IN_CI, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chromium_browser():
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (apt-get install chromium chromium-driver)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def bucket_url(tmp_path_factory):
    """The shared Quick, Draw! samples served like Google's bucket."""
    from tests.support.range_server import RangeServer, bucket_from

    data = ROOT.parent / "shared" / "data" / "quickdraw"
    kinds = ("raw", "simplified", "numpy_bitmap")
    root = bucket_from(data, tmp_path_factory.mktemp("bucket"), kinds)
    with RangeServer(root) as server:
        yield server.url


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    """Where the app looks for the classifiers students train."""
    return tmp_path_factory.mktemp("trained-models")


@pytest.fixture(scope="module")
def app_url(tiny_models_dir: Path, bucket_url: str, models_dir: Path, tmp_path_factory):
    """The app served by `streamlit run` on a free local port, with the tiny models and the
    local Quick, Draw! bucket."""
    port = _free_port()
    env = dict(
        os.environ,
        VTL_LOCAL_MODELS=str(tiny_models_dir),
        HF_HUB_OFFLINE="1",
        VTL_QUICKDRAW_URL=bucket_url,
        VTL_QUICKDRAW_CACHE=str(tmp_path_factory.mktemp("quickdraw-cache")),
        VTL_MODELS_DIR=str(models_dir),
        VTL_ROUND_SECONDS="3",  # a Pictionary game in seconds, not minutes; two ticks of its clock
    )
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "Home.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if time.time() > deadline or server.poll() is not None:
                pytest.fail(f"the app did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def top_label(model_id: str, sample: str) -> str:
    model = ModelCache(10**9).get(ModelRef(model_id, "image-classification"))
    return classify(model, sample_photo(sample).image).predictions[0].label


# Each page by its address, with the catalogue key of its title in the sidebar.
# A task page comes first and Home last: a student who opens a page's address on a server that
# has not yet run the entry point must still see the translated navigation (Streamlit would
# list the files of a `pages/` folder instead: the pages live in `app_pages/` for that reason).
# This test is the module's first, so its first address reaches a fresh server.
NAVIGATION = [
    *[(Path(spec.page).stem, spec.title) for spec in all_pages() if spec is not HOME],
    ("", HOME.title),
]
SIDEBAR_ORDER = [NAVIGATION[-1], *NAVIGATION[:-1]]
# The page's text as a student reads it: the sidebar's navigation and the main area, without
# code (Python reads the same in every language) and the charts (tests/test_language.py reads them).
READ_PAGE = """() => {
    const skip = "[data-testid='stCode'], [data-testid='stIconMaterial'], code, .js-plotly-plot";
    const hidden = [...document.querySelectorAll(skip)];
    hidden.forEach(e => e.style.display = "none");
    const nav = document.querySelector("[data-testid='stSidebarNav']");
    const main = document.querySelector("[data-testid='stMain']");
    const text = [nav ? nav.innerText : "", main.innerText];
    hidden.forEach(e => e.style.display = "");
    return text;
}"""


@pytest.mark.parametrize(("lang", "locale"), [("es", "es-ES"), ("en", "en-US")])
def test_the_sidebar_and_the_pages_speak_the_student_s_language(
    chromium_browser, app_url, local_models, lang, locale
):
    """The navigation titles every page in the student's language (Streamlit would show the
    files' English names), and no page's text holds a word of the other language."""
    from tests.support.visible_text import unexplained

    page = chromium_browser.new_page(locale=locale, viewport={"width": 1280, "height": 2000})
    for path, _ in NAVIGATION:
        page.goto(f"{app_url}/{path}")
        page.locator("[data-testid='stSidebarNav']").wait_for(timeout=60_000)
        page.get_by_role("heading").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # let the page finish drawing
        nav, main = page.evaluate(READ_PAGE)
        titles = [line.strip() for line in nav.splitlines() if any(c.isalpha() for c in line)]
        assert titles == [t(lang, key) for _, key in SIDEBAR_ORDER], nav
        assert not unexplained([main], lang), (path, unexplained([main], lang))
    page.close()


def test_streamlit_s_own_texts_are_redrawn_in_spanish(chromium_browser, app_url, local_models):
    """The uploader's button and size line and the camera's prompt and button are Streamlit's
    own English: on a Spanish page a stylesheet hides them and draws the catalogue's instead."""
    page = chromium_browser.new_page(locale="es-ES", viewport={"width": 1280, "height": 1400})
    page.goto(f"{app_url}/Image_Classification")
    page.get_by_text(t("es", "input.upload"), exact=True).first.click()
    button = page.locator("[data-testid='stFileUploaderDropzone'] button p").first
    button.wait_for(timeout=60_000)
    drawn = (
        "(e, part) => getComputedStyle(e, part).getPropertyValue(part ? 'content' : 'font-size')"
    )
    assert button.evaluate(drawn, None) == "0px"  # Streamlit's "Upload", not shown
    assert button.evaluate(drawn, "::after") == f'"{t("es", "streamlit_texts.upload")}"'
    page.get_by_text(t("es", "input.camera"), exact=True).first.click()
    take = page.locator("[data-testid='stCameraInputButton']").first
    take.wait_for(timeout=60_000)
    assert take.evaluate(drawn, "::after") == f'"{t("es", "streamlit_texts.take_photo")}"'
    page.close()


# Each task page's result, and the control beside it, as the browser finds them.
FIRST_SCREEN = [
    ("Image_Classification", ".js-plotly-plot", None),
    ("Object_Detection", ".js-plotly-plot", "det_threshold"),
    ("Depth_Estimation", ".js-plotly-plot", None),
    ("Image_Segmentation", "[data-testid='stImage'] img >> nth=5", "seg_opacity"),  # overlay
]


@pytest.mark.parametrize(("path", "result", "control"), FIRST_SCREEN)
def test_a_laptop_sees_the_result_in_its_first_screen(
    chromium_browser, app_url, local_models, path, result, control
):
    """At 1280 × 800, each task page's result starts within the first 800 px, and the control
    that changes it (threshold, opacity) is there too, beside it."""
    page = chromium_browser.new_page(locale="es-ES", viewport={"width": 1280, "height": 800})
    page.goto(f"{app_url}/{path}")
    found = page.locator(result).first
    found.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    assert found.bounding_box()["y"] < 800, path
    if control:
        slider = page.locator(f".st-key-{control}").first
        assert slider.bounding_box()["y"] < 800, (path, control)
    page.close()


@pytest.mark.parametrize(("path", "result", "control"), FIRST_SCREEN)
def test_a_phone_gets_the_photos_then_the_controls_then_the_result(
    chromium_browser, app_url, local_models, path, result, control
):
    """At 390 × 844 a page's columns stack. The five sample photos stay in one row, then come
    the control and the result, within two screens, the result as wide as the phone allows."""
    page = chromium_browser.new_page(locale="es-ES", viewport={"width": 390, "height": 844})
    page.goto(f"{app_url}/{path}")
    found = page.locator(result).first
    found.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    gallery = page.locator("[class*='_gallery']").first.bounding_box()
    shown = found.bounding_box()
    assert gallery["height"] < 120, path  # one row of thumbnails, not five screens of them
    assert gallery["y"] + gallery["height"] < shown["y"] < 2 * 844, path
    assert shown["width"] >= 300, path  # not a narrow column: the phone's width
    if control:
        slider = page.locator(f".st-key-{control}").first.bounding_box()
        assert gallery["y"] < slider["y"] < shown["y"] + shown["height"], (path, control)
    page.screenshot(path=str(ROOT / "test-results" / f"phone-{path}.png"))
    page.close()


def test_classification_on_a_phone(chromium_browser, app_url, local_models):
    """At 390 × 844: a tapped thumbnail shows it is chosen where it was tapped; the photo and
    the answers come right after the photos (the models after them); long ImageNet names
    leave the bars most of the chart's width."""
    from playwright.sync_api import expect

    page = chromium_browser.new_page(locale="es-ES", viewport={"width": 390, "height": 844},
                                     is_mobile=True, has_touch=True)  # fmt: skip
    page.goto(f"{app_url}/Image_Classification")
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    page.locator(".st-key-cls_thumb_coffee button").last.tap()  # (a tooltip wraps it in two)
    code = page.locator("[data-testid='stCode']", has_text="data.coffee()")
    code.first.wait_for(state="attached", timeout=60_000)
    thumb = page.locator(".st-key-cls_thumb_coffee [data-testid='stBaseButton-primary']").last
    expect(thumb).to_have_count(1, timeout=10_000)
    assert thumb.bounding_box()["y"] < 844  # the change is where the student tapped
    gallery = page.locator("[class*='_gallery']").first.bounding_box()
    chart = page.locator(".js-plotly-plot").first.bounding_box()
    models = page.get_by_role("heading", name=t("es", "classification.models_title"))
    assert gallery["y"] < chart["y"] < models.bounding_box()["y"]
    assert chart["y"] < 1.6 * 844  # was two screens down, under the models
    plot = page.locator(".js-plotly-plot rect.nsewdrag").first.bounding_box()
    assert plot["width"] >= 0.6 * chart["width"]  # the bars' room (30 % before)
    page.screenshot(path=str(ROOT / "test-results" / "phone-classification.png"), full_page=True)
    page.close()


def test_pick_a_sample_photo_and_see_predictions(chromium_browser, app_url, local_models):
    # Tall enough to hold the results: Streamlit scrolls inside its own container.
    page = chromium_browser.new_page(locale="en-US", viewport={"width": 1280, "height": 2000})
    page.goto(f"{app_url}/Image_Classification")
    page.get_by_role("heading", name=t("en", "tasks.image-classification.name")).wait_for(
        timeout=60_000
    )
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)

    page.get_by_text(t("en", "samples.coffee"), exact=True).last.click()
    # The rerun is done when the code shown opens the coffee photo (a random test model may
    # give both photos the same top label, so the chart alone cannot tell).
    code = page.locator("[data-testid='stCode']", has_text="data.coffee()")
    code.first.wait_for(timeout=60_000)
    expected = top_label("google/vit-base-patch16-224", "coffee")
    chart = page.locator(".js-plotly-plot").first
    chart.locator("g.ytick text", has_text=expected.split(",")[0]).first.wait_for(timeout=60_000)
    page.get_by_text("s on cpu").first.wait_for()  # the time taken, under the chart
    page.screenshot(path=str(ROOT / "test-results" / "classification.png"), full_page=True)
    page.close()


def test_home_in_spanish_links_to_classification(chromium_browser, app_url):
    page = chromium_browser.new_page(locale="es-ES")
    page.goto(app_url)
    page.get_by_role("heading", name=t("es", "home.task_title").replace("*", "")).wait_for()
    name = t("es", "tasks.image-classification.name")
    page.get_by_text(t("es", "home.open_page", page=name), exact=True).click()  # not zero-shot
    title = page.get_by_role("heading", level=1, name=t("es", "tasks.image-classification.name"))
    title.wait_for(timeout=60_000)  # the page's title, not Home's card of the task
    page.close()


def test_detection_page_draws_boxes(chromium_browser, app_url, local_models):
    from core.tasks.detection import detect

    ref = ModelRef("facebook/detr-resnet-50", "object-detection", "no_timm")
    kept = detect(ModelCache(10**9).get(ref), sample_photo("chelsea").image).above(0.5)
    page = chromium_browser.new_page(locale="en-US", viewport={"width": 1280, "height": 1600})
    page.goto(f"{app_url}/Object_Detection")
    chart = page.locator(".js-plotly-plot").first
    label = chart.locator("g.annotation text", has_text=f"{kept[0].label} {kept[0].score:.0%}")
    label.first.wait_for(timeout=60_000)
    assert label.count() == len(kept)
    page.get_by_text(f"{len(kept)} objects at threshold 0.50").wait_for()
    page.close()


def test_depth_page_compares_with_ground_truth(chromium_browser, app_url, local_models):
    from core.tasks.depth import compare_with_disparity, estimate_depth, motorcycle_disparity

    ref = ModelRef("depth-anything/Depth-Anything-V2-Small-hf", "depth-estimation")
    prediction = estimate_depth(ModelCache(10**9).get(ref), sample_photo("motorcycle").image)
    expected = compare_with_disparity(prediction, motorcycle_disparity())
    page = chromium_browser.new_page(locale="en-US", viewport={"width": 1280, "height": 1600})
    page.goto(f"{app_url}/Depth_Estimation")
    page.locator(".js-plotly-plot .colorbar").first.wait_for(timeout=60_000)
    page.get_by_text(t("en", "depth.truth_run")).click()
    metric = page.locator("[data-testid='stMetric']", has_text="AbsRel")
    metric.get_by_text(f"{expected.abs_rel:.3f}").wait_for(timeout=60_000)
    page.close()


def test_segmentation_page_shows_overlay_and_legend(chromium_browser, app_url, local_models):
    from core.tasks.segmentation import segment

    ref = ModelRef("nvidia/segformer-b0-finetuned-ade-512-512", "image-segmentation")
    shares = segment(ModelCache(10**9).get(ref), sample_photo("chelsea").image, "semantic").shares()
    page = chromium_browser.new_page(locale="es-ES", viewport={"width": 1280, "height": 1600})
    page.goto(f"{app_url}/Image_Segmentation")
    legend = page.locator(".js-plotly-plot").first
    legend.locator("g.ytick text", has_text=shares[0].label).first.wait_for(timeout=60_000)
    from playwright.sync_api import expect

    from core.tasks.image_input import SAMPLE_PHOTOS

    # the gallery's thumbnails, the overlay, and the metrics lesson's truth and prediction
    # (the page goes on drawing after the legend: wait for them, do not count at once)
    expect(page.locator("[data-testid='stImage'] img")).to_have_count(
        len(SAMPLE_PHOTOS) + 1 + 2, timeout=60_000
    )
    page.get_by_text(t("es", "segmentation.subtasks_title")).wait_for()
    page.close()


def test_quickdraw_explorer_click_and_replay(chromium_browser, app_url):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    from core.quickdraw.formats import read_ndjson
    from core.quickdraw.stats import country_name

    data = ROOT.parent / "shared" / "data" / "quickdraw" / "raw" / "cat.ndjson"
    cats = read_ndjson(data.read_bytes().splitlines())[0]
    page = chromium_browser.new_page(locale="en-US", viewport={"width": 1280, "height": 2400})
    page.goto(f"{app_url}/Quick_Draw_Explorer")
    page.get_by_text(t("en", "quickdraw.replay_title")).wait_for(timeout=60_000)
    grid = page.locator(".js-plotly-plot").first
    country = page.locator("[data-testid='stMetric']", has_text=t("en", "quickdraw.country"))
    picked = country.get_by_text(country_name(cats[2].countrycode, "en"), exact=True)
    for _ in range(3):  # a click while plotly is still wiring its events is lost: click again
        grid.locator("g.points path.point").nth(2).click(force=True)  # the third thumbnail
        with contextlib.suppress(PlaywrightTimeout):
            picked.wait_for(timeout=15_000)
            break
    picked.wait_for(timeout=1_000)
    points = page.locator("[data-testid='stMetric']", has_text=t("en", "quickdraw.points"))
    points.get_by_text(str(cats[2].points), exact=True).wait_for()

    replay = page.locator(".js-plotly-plot").nth(1)
    # each drawing shows whole in grey before ▶ (the first line); the replay draws over it
    traces = replay.locator("g.trace.scatter")  # a path per stroke in each trace
    ghost, line = traces.nth(0).locator("path.js-line"), traces.nth(1).locator("path.js-line")
    # the drawing picked in the grid is the one replayed: the third, whole, stroke by stroke
    title = f"#3 · {country_name(cats[2].countrycode, 'en')}"
    expect(replay.locator(".annotation-text", has_text=title)).to_have_count(1, timeout=30_000)
    expect(ghost).to_have_count(len(cats[2].strokes), timeout=30_000)
    line.first.wait_for(state="attached", timeout=60_000)  # frame 0: the first point
    before = "".join(path.get_attribute("d") or "" for path in line.all())
    replay.locator(".updatemenu-button").first.click()  # ▶
    page.wait_for_timeout(1500)
    after = "".join(path.get_attribute("d") or "" for path in line.all())
    assert len(after) > len(before)  # more of the drawing has been drawn
    assert replay.locator(".slider-container").count() == 1  # the clock under the drawings
    page.screenshot(path=str(ROOT / "test-results" / "quickdraw.png"))
    page.close()


def test_the_world_map_draws_its_countries_with_no_internet(chromium_browser, app_url):
    """Every request outside the app's own server is refused (a filtered school network):
    the map still draws a shape for each country with drawings, from the app's own file."""
    from core.quickdraw.formats import read_ndjson
    from core.quickdraw.stats import country_counts, drawings_table

    data = ROOT.parent / "shared" / "data" / "quickdraw" / "raw" / "cat.ndjson"
    cats = read_ndjson(data.read_bytes().splitlines())[0]
    shapes = json.loads((ROOT / "static" / "world_110m.json").read_text())
    known = {s.get("id") for s in shapes["objects"]["countries"]["geometries"]}
    counts = country_counts(drawings_table(cats))
    expected = counts["iso3"].isin(known).sum()
    assert expected >= 5  # the shared sample's ten cats come from seven countries
    context = chromium_browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 2400})
    outside = []

    def offline(route):
        if route.request.url.startswith(app_url):
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.goto(f"{app_url}/Quick_Draw_Explorer")
    world = page.locator(".js-plotly-plot", has=page.locator(".geo"))
    world.first.wait_for(timeout=60_000)
    countries = world.first.locator("path.choroplethlocation")
    countries.nth(expected - 1).wait_for(state="attached", timeout=30_000)
    assert countries.count() == expected
    assert world.first.locator("path.countries, .countries path").count() >= 1  # the borders
    world.first.screenshot(path=str(ROOT / "test-results" / "world-map.png"))
    context.close()
    assert not [url for url in outside if "plot.ly" in url]


def draw_on_canvas(page, drawing, canvas_side: int = 280) -> None:
    """Replay a real drawing with the mouse, stroke by stroke, on the page's canvas."""
    from core.quickdraw.formats import normalise

    canvas = page.locator("[data-testid='stBidiComponentIsolated'] canvas.upper-canvas").first
    canvas.wait_for(state="visible", timeout=60_000)
    box = canvas.bounding_box()
    scale = (min(box["width"], box["height"]) - 40) / 255
    for xs, ys in normalise(drawing.strokes):
        points = [(box["x"] + 20 + x * scale, box["y"] + 20 + y * scale) for x, y in zip(xs, ys)]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=2)
        page.mouse.up()
        page.wait_for_timeout(150)  # each stroke reaches the app before the next one


def test_pictionary_guesses_a_fresh_model_while_drawing(
    chromium_browser, app_url, models_dir, monkeypatch
):
    from core.quickdraw.formats import read_ndjson
    from core.quickdraw.pictionary import DATASET_STYLE, guess
    from core.quickdraw.saved_models import save_model
    from core.quickdraw.training import TrainingConfig, load_bitmaps, local_fetch, train

    data = ROOT.parent / "shared" / "data" / "quickdraw"
    words = ("apple", "bicycle", "cat", "diamond", "eye", "fish")
    images, labels = load_bitmaps(words, 600, local_fetch(data / "numpy_bitmap"))
    result = train(TrainingConfig(words, per_class=600, epochs=2), images, labels)
    save_model(result, models_dir, "fresh")
    monkeypatch.setenv("VTL_MODELS_DIR", str(models_dir))  # as the app has it
    model = ModelCache(10**9).get(ModelRef("trained/fresh", "image-classification"))
    fishes = read_ndjson((data / "raw" / "fish.ndjson").read_bytes().splitlines())[0]
    fish = next(
        d for d in fishes if guess(model, d.strokes, DATASET_STYLE).predictions[0].label == "fish"
    )

    page = chromium_browser.new_page(locale="en-US", viewport={"width": 1280, "height": 1600})
    page.goto(f"{app_url}/Pictionary")
    page.get_by_text(t("en", "pictionary.start_drawing")).wait_for(timeout=60_000)
    picker = page.locator("[data-testid='stSelectbox']", has_text=t("en", "pictionary.model"))
    picker.locator("input").click()
    page.get_by_role("option", name="trained/fresh").click()
    page.get_by_text(t("en", "pictionary.start_drawing")).wait_for(timeout=30_000)
    draw_on_canvas(page, fish)
    top3 = page.locator(".js-plotly-plot").first.locator("g.ytick text")
    top3.first.wait_for(timeout=60_000)
    deadline = time.time() + 30  # the guesses of the last stroke may still be on their way
    labels_shown: list[str | None] = []
    while "fish" not in labels_shown and time.time() < deadline:
        page.wait_for_timeout(500)
        ticks = [(tick.bounding_box()["y"], tick.text_content()) for tick in top3.all()]
        labels_shown = [label for _, label in sorted(ticks)[:3]]  # the three bars on top
    page.screenshot(path=str(ROOT / "test-results" / "pictionary.png"))
    assert "fish" in labels_shown
    page.close()


# Whether each tab's label is what the browser finds at its centre (not the canvas's toolbar,
# which floats above the canvas while the pointer is over it).
TAB_LABELS_UNCOVERED = """() => [...document.querySelectorAll('[role=tab]')].map(tab => {
    const box = tab.getBoundingClientRect();
    return tab.contains(document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2));
})"""


# A round's canvas, the word's heading and the Play buttons, read at one moment.
ROUND_LAYOUT = """([told, play]) => {
    const canvas = document.querySelector("[class*='st-key-pic_game_canvas']");
    const word = [...document.querySelectorAll("h3")].find(h => h.innerText.includes(told));
    if (!canvas || !word) return null;
    const box = canvas.getBoundingClientRect();
    const buttons = [...document.querySelectorAll("button")].filter(b => b.innerText === play);
    return [box.top, box.bottom, word.getBoundingClientRect().top, buttons.length];
}"""


# The round's canvas (a component in a shadow root) is marked; once the clock has ticked (the
# round reran), is the marked one still there? A canvas mounted anew is a blank one: the
# student's strokes are gone.
GAME_CANVAS = "[class*='st-key-pic_game_canvas'] [data-testid='stBidiComponentIsolated']"
MARK_CANVAS = """(selector) => {
    const canvas = document.querySelector(selector);
    if (canvas) canvas.dataset.marked = "yes";
    const clock = document.querySelector("[data-testid='stProgress']");
    return canvas && clock ? clock.innerText : null;
}"""
CLOCK_TICKED = """(before) => {
    const clock = document.querySelector("[data-testid='stProgress']");
    return !clock || clock.innerText !== before;
}"""
CANVAS_MARKED = """(selector) => {
    const canvas = document.querySelector(selector);
    return canvas ? canvas.dataset.marked === "yes" : null;
}"""


def the_canvas_stays_through_a_tick(page, rounds: int = 6) -> bool:
    """Within a round (3 s here): mark the canvas, wait for the clock's next second, look."""
    ready = page.get_by_role("button", name=t("es", "pictionary.ready"))
    for _ in range(rounds):
        ready.click(timeout=30_000)
        page.locator(GAME_CANVAS).first.wait_for(state="attached", timeout=30_000)
        clock = page.evaluate(MARK_CANVAS, GAME_CANVAS)
        if clock is None:
            continue
        page.wait_for_function(CLOCK_TICKED, arg=clock, timeout=10_000)
        page.wait_for_timeout(100)  # a canvas mounted anew comes with the tick's elements
        marked = page.evaluate(CANVAS_MARKED, GAME_CANVAS)
        if marked is not None:  # None: the round ended first; try the next one
            return marked
    raise AssertionError("no round lasted through a tick of its clock")


def round_layout(page) -> list:
    """Open the game's tab, play, and read a round's layout in one go (`ROUND_LAYOUT`): a
    round lasts 3 s here, so up to six rounds are tried."""
    page.get_by_role("tab", name=t("es", "pictionary.tab_game")).click(timeout=60_000)
    page.get_by_role("button", name=t("es", "pictionary.play")).click(timeout=60_000)
    ready = page.get_by_role("button", name=t("es", "pictionary.ready"))
    told = t("es", "pictionary.draw_word").split("{")[0].strip()  # "Dibuja:"
    for _ in range(6):
        ready.click(timeout=30_000)
        page.locator("[class*='st-key-pic_game_canvas']").first.wait_for(timeout=30_000)
        if layout := page.evaluate(ROUND_LAYOUT, [told, t("es", "pictionary.play")]):
            return layout
    raise AssertionError("no round's canvas was seen")


def test_pictionary_canvases_fit_a_laptop_screen(chromium_browser, app_url):
    """At 1280 × 800: the drawing canvas and a round's canvas are whole in the first screen,
    the word and the clock beside the latter, and the canvas's toolbar covers no tab label."""
    page = chromium_browser.new_page(locale="es-ES", viewport={"width": 1280, "height": 800})
    page.goto(f"{app_url}/Pictionary")
    canvas = page.locator(".st-key-pic_canvas")
    canvas.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(500)
    assert page.evaluate(TAB_LABELS_UNCOVERED) == [True, True, True]
    assert box["y"] + box["height"] <= 800
    layout = round_layout(page)
    assert the_canvas_stays_through_a_tick(page), "the round's canvas was mounted anew"
    canvas_top, canvas_bottom, word_top, play_buttons = layout
    assert canvas_bottom <= 800
    assert word_top < canvas_bottom  # the word beside the canvas, not above it
    assert play_buttons == 0  # no Play button above the canvas during a game
    page.screenshot(path=str(ROOT / "test-results" / "pictionary-round.png"))
    page.close()


def test_a_round_s_canvas_is_in_sight_on_a_phone(chromium_browser, app_url):
    """At 390 × 844 (columns stack): when a round starts, the word, the clock and the whole
    canvas are on the first screen; the guesses come under the canvas."""
    page = chromium_browser.new_page(locale="es-ES", viewport={"width": 390, "height": 844},
                                     is_mobile=True, has_touch=True)  # fmt: skip
    page.goto(f"{app_url}/Pictionary")
    layout = round_layout(page)
    canvas_top, canvas_bottom, word_top, play_buttons = layout
    assert page.evaluate("window.scrollY") == 0  # nothing scrolled: the first screen
    assert word_top < canvas_top and canvas_bottom <= 844
    assert play_buttons == 0
    page.screenshot(path=str(ROOT / "test-results" / "pictionary-round-phone.png"))
    page.close()


def test_pictionary_game_to_its_summary(chromium_browser, app_url):
    page = chromium_browser.new_page(locale="es-ES", viewport={"width": 1280, "height": 1600})
    page.goto(f"{app_url}/Pictionary")
    page.get_by_role("tab", name=t("es", "pictionary.tab_game")).click()
    page.get_by_role("button", name=t("es", "pictionary.play")).click()
    ready = page.get_by_role("button", name=t("es", "pictionary.ready"))
    score = page.get_by_text(t("es", "pictionary.score"))
    deadline = time.time() + 90
    while not score.count() and time.time() < deadline:  # a card before each round
        if ready.count() and ready.is_visible():
            ready.click()
            ready.wait_for(state="hidden", timeout=10_000)  # the round has begun
        page.wait_for_timeout(200)
    score.wait_for(timeout=10_000)
    assert page.get_by_role("button", name=t("es", "pictionary.play_again")).is_visible()

    def rounds_told() -> int:  # the six columns arrive a moment after the score
        return (
            page.get_by_text(t("es", "pictionary.not_found")).count()
            + page.get_by_text(t("es", "pictionary.found", seconds=0)[:10]).count()
        )

    deadline = time.time() + 30
    while rounds_told() < 6 and time.time() < deadline:
        page.wait_for_timeout(250)
    assert rounds_told() >= 6
    assert_accessible(page)  # the summary: the six drawings, what the AI said, the score
    page.close()


def test_a_classroom_of_browsers_at_once(chromium_browser, app_url, local_models):
    """Nine students, each in their own browser context (their own session), open
    classification, detection or Pictionary at the same moment; each gets the answer.
    (Twenty sessions run through AppTest in test_classroom.py: here 20 browsers would share
    this machine's two cores with the server, 138 s in all, measuring chromium, not the app.)"""
    from core.quickdraw.formats import read_ndjson
    from core.tasks.detection import detect

    data = ROOT.parent / "shared" / "data" / "quickdraw" / "raw" / "cat.ndjson"
    cats = read_ndjson(data.read_bytes().splitlines())[0]
    vit_top = top_label("google/vit-base-patch16-224", "chelsea").split(",")[0]
    detr = ModelRef("facebook/detr-resnet-50", "object-detection", "no_timm")
    kept = detect(ModelCache(10**9).get(detr), sample_photo("chelsea").image).above(0.5)
    paths = ("Image_Classification", "Object_Detection", "Pictionary")
    students = []
    for index in range(9):
        context = chromium_browser.new_context(
            locale=("es-ES", "en-US")[index % 2], viewport={"width": 1280, "height": 1600}
        )
        page = context.new_page()
        page.goto(f"{app_url}/{paths[index % 3]}", wait_until="commit")
        students.append((index, context, page))
    started = time.time()
    for index, _, page in students:  # everyone's page is loading: wait for each answer
        chart = page.locator(".js-plotly-plot").first
        if index % 3 == 0:
            chart.locator("g.ytick text", has_text=vit_top).first.wait_for(timeout=120_000)
        elif index % 3 == 1:
            label = chart.locator("g.annotation text", has_text=kept[0].label)
            label.first.wait_for(timeout=120_000)
        else:
            draw_on_canvas(page, cats[index % 10])
            chart.locator("g.ytick text").first.wait_for(timeout=120_000)
        assert page.locator("[data-testid='stException']").count() == 0, index
        fix = ("Solución:", "Fix:")[index % 2]  # every error message of the app names a fix
        assert page.get_by_text(fix).count() == 0, index
    answered_in = time.time() - started
    print(f"classroom of browsers: all answered in {answered_in:.1f} s")
    for _, context, _ in students:
        context.close()
    assert answered_in < 300


def test_what_a_student_types_or_names_is_never_html(chromium_browser, app_url, tmp_path):
    """A typed model id and an uploaded file's name full of HTML and Markdown are shown as
    text: no element, no link, no script is made of them."""
    dialogs: list[str] = []
    page = chromium_browser.new_page(locale="en-US", viewport={"width": 1280, "height": 2000})
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{app_url}/Image_Classification")
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    typed = page.get_by_role("textbox", name=t("en", "models.custom", task="image classification"))
    typed.fill("<img src=x onerror=alert(1)><b>bold</b>[link](http://evil.test)")
    typed.press("Enter")
    page.get_by_text("is not a valid Hub model id").wait_for(timeout=30_000)
    typed.fill("")
    typed.press("Enter")

    page.get_by_text(t("en", "input.upload"), exact=True).click()
    # (no "/" in a file name: the HTML tags stay open)
    photo = tmp_path / "<b>bold<i> [link](javascript:alert(3)) <img src=x onerror=alert(2)>.png"
    sample_photo("coffee").image.save(photo)
    page.locator("input[type='file']").set_input_files(str(photo))
    page.get_by_text("<b>bold<i>", exact=False).first.wait_for(timeout=60_000)  # as text
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    main = page.locator("[data-testid='stMain']")
    assert main.locator("b", has_text="bold").count() == 0
    assert main.locator("a[href*='evil.test'], a[href^='javascript']").count() == 0
    assert main.locator("img[src='x']").count() == 0 and dialogs == []
    page.close()


def test_a_200_mb_upload_is_refused_before_it_reaches_the_app(chromium_browser, app_url, tmp_path):
    big = tmp_path / "huge.jpg"
    with open(big, "wb") as file:  # 200 MB on disk, sparse
        file.truncate(200 * 2**20)
    page = chromium_browser.new_page(locale="es-ES", viewport={"width": 1280, "height": 1600})
    page.goto(f"{app_url}/Image_Classification")
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    page.get_by_text(t("es", "input.upload"), exact=True).click()
    page.get_by_text(t("es", "input.upload_label", limit=25)).first.wait_for(timeout=30_000)
    page.locator("input[type='file']").set_input_files(str(big))
    page.get_by_text("File must be 25.0MB or smaller.").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.get_by_text(t("es", "input.upload_hint")).wait_for()  # nothing reached the page
    page.close()


def test_two_students_train_in_workers_and_cannot_overwrite_each_other(chromium_browser, app_url):
    """The real server trains in worker processes (the fork server, the queue) and the page
    follows them; the second student saving under the same name is refused."""
    from core.quickdraw.training import TrainingConfig

    contexts = [chromium_browser.new_context(locale=locale, viewport={"width": 1280,
                "height": 2400}) for locale in ("en-US", "es-ES")]  # fmt: skip
    pages = [context.new_page() for context in contexts]
    for page, lang in zip(pages, ("en", "es")):
        page.goto(f"{app_url}/Train_Your_Own")
        page.get_by_role("button", name=t(lang, "train.start")).click(timeout=60_000)
    epochs = f"{TrainingConfig.epochs} / {TrainingConfig.epochs}"  # the page's default
    for page, lang in zip(pages, ("en", "es")):  # both finish: one after the other, or together
        metric = page.locator("[data-testid='stMetric']", has_text=t(lang, "train.epochs_done"))
        try:
            metric.get_by_text(epochs).wait_for(timeout=180_000)
        finally:
            page.screenshot(path=str(ROOT / "test-results" / f"train-{lang}.png"), full_page=True)
    for page, lang in zip(pages, ("en", "es")):  # the same name, typed by both
        name = page.get_by_label(t(lang, "train.name_model"))
        name.fill("class-doodles")
        name.press("Enter")
        page.wait_for_timeout(500)
        page.get_by_role("button", name=t(lang, "train.save")).click()
        page.wait_for_timeout(1500)
    saved = pages[0].get_by_text(t("en", "train.saved", name="class-doodles"))
    taken = pages[1].get_by_text(t("es", "train.name_taken", name="class-doodles").split("**")[0])
    saved.wait_for(timeout=30_000)
    taken.wait_for(timeout=30_000)
    assert pages[1].locator("[data-testid='stException']").count() == 0
    for page in pages:  # a training's results: curves, confusion matrix, confused drawings
        assert_accessible(page)
    for context in contexts:
        context.close()


def test_diagnostics_shows_what_the_class_shares(chromium_browser, app_url):
    page = chromium_browser.new_page(locale="es-ES", viewport={"width": 1280, "height": 2000})
    page.goto(f"{app_url}/Diagnostics")
    page.get_by_role("heading", name=t("es", "diagnostics.classroom_title")).wait_for(
        timeout=60_000
    )
    page.get_by_text(t("es", "diagnostics.trainings")).wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()


# Accessibility: axe-core's WCAG 2.1 A and AA rules on every page, in both languages.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RESULTS = {path: result for path, result, _ in FIRST_SCREEN}  # what a task page draws
RESULTS["Zero_Shot_Classification"] = "[data-testid=stTextArea]"  # in Spanish, a big model waits
# Every page of the sidebar, at the address Streamlit gives it (its file's name; Home's is "").
AXE_PAGES = ["" if spec is HOME else Path(spec.page).stem for spec in all_pages()]
RUN_AXE = """async (tags) => {
    const found = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return found.violations.map(v => ({id: v.id, impact: v.impact,
        where: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""
IMAGES_WITHOUT_TEXT = """() => [...document.querySelectorAll("img")]
    .filter(img => img.offsetWidth > 0 && !(img.getAttribute("alt") || "").trim())
    .map(img => img.outerHTML.slice(0, 120))"""

CHARTS_WITHOUT_NAME = """() => [...document.querySelectorAll("[data-testid=stPlotlyChart]")]
    .filter(chart => !(chart.getAttribute("aria-label") || "").trim())
    .map(chart => chart.outerHTML.slice(0, 120))"""


# The page at rest: no run going on, no element left stale by one (Streamlit fades a stale
# element to a third of its opacity, which axe rightly reads as too little contrast).
SETTLED = """() => !document.querySelector("[data-testid=stStatusWidgetRunningIcon]")
    && !document.querySelector("[data-stale=true]")
    && [...document.querySelectorAll("[data-testid=stElementContainer]")]
        .every(element => getComputedStyle(element).opacity === "1")"""


def assert_accessible(page) -> None:
    """What the page shows once at rest: no WCAG 2.1 A/AA violation found by axe-core, every
    picture with a text alternative and every chart with a name."""
    _axe_ready()
    page.wait_for_function(SETTLED, timeout=60_000)
    assert page.evaluate(IMAGES_WITHOUT_TEXT) == []
    assert page.evaluate(CHARTS_WITHOUT_NAME) == []
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN_AXE, WCAG_TAGS)
    assert violations == [], violations


def _axe_ready() -> None:
    if not AXE.is_file():
        message = "axe-core is not installed: run `npm ci` (package.json)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
@pytest.mark.parametrize("path", AXE_PAGES)
def test_no_wcag_violation_on_any_page(chromium_browser, app_url, local_models, path, locale):
    """axe-core (WCAG 2.1 A/AA) finds nothing once the page has drawn its result; the page's
    language is the student's; every picture shown has a text alternative."""
    _axe_ready()
    page = chromium_browser.new_page(locale=locale, viewport={"width": 1280, "height": 800})
    page.goto(f"{app_url}/{path}")
    page.locator("h1").first.wait_for(timeout=60_000)
    if path in RESULTS:
        page.locator(RESULTS[path]).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # the last elements of the run
    lang = locale[:2]  # set by the page's script, once its run has reached the browser
    page.wait_for_function("(lang) => document.documentElement.lang === lang", arg=lang)
    assert_accessible(page)
    if lang == "es":  # Streamlit's own controls named in Spanish too, for a screen reader
        assert _english_labels(page) == []
    page.close()


# Every label on the page, in components drawn in a shadow root too (the canvas's toolbar).
LABELS = """() => [document, ...[...document.querySelectorAll("[data-testid$=Isolated]")]
        .map(host => host.shadowRoot).filter(Boolean)]
    .flatMap(root => [...root.querySelectorAll("[aria-label],[title],[placeholder]")]
        .flatMap(el => ["aria-label", "title", "placeholder"].map(a => el.getAttribute(a)))
        .concat([...root.querySelectorAll("a, button")].map(el => el.textContent.trim())))
    .filter(Boolean)"""


def _english_labels(page) -> list[str]:
    """The labels on the page that are Streamlit's English ("Fullscreen", "Remove gato")."""
    from core.i18n import catalogue

    english = {k: v for k, v in catalogue("en").items() if k.startswith("streamlit_labels.")}
    exact = {v for k, v in english.items() if not k.endswith("_prefix")}
    prefixes = tuple(v for k, v in english.items() if k.endswith("_prefix"))
    return [v for v in page.evaluate(LABELS) if v in exact or v.startswith(prefixes)]


def test_the_page_language_follows_the_selector(chromium_browser, app_url):
    page = chromium_browser.new_page(locale="es-ES", viewport={"width": 1280, "height": 800})
    page.goto(f"{app_url}/")
    page.locator("h1").first.wait_for(timeout=60_000)
    language = "(lang) => document.documentElement.lang === lang"
    page.wait_for_function(language, arg="es", timeout=10_000)  # Streamlit writes "en" first
    page.get_by_role("combobox", name="🌐 Idioma · Language").click()
    page.get_by_role("option", name="English").click()
    page.get_by_role("heading", name=t("en", "home.title")).wait_for(timeout=30_000)
    page.wait_for_function(language, arg="en", timeout=10_000)
    page.close()


# The keyboard alone. What has the focus, and the ring it shows: a radio button's or a
# checkbox's own input is hidden under its drawing, so its label carries the ring.
FOCUSED = """() => {
    const e = document.activeElement;
    const hidden = e.matches("input[type=radio], input[type=checkbox]");
    const ringed = hidden ? (e.closest("label") || e) : e;
    const style = getComputedStyle(ringed);
    const region = e.closest("[data-testid]");
    return {name: (e.getAttribute("aria-label") || e.innerText || "").trim().slice(0, 80),
            tag: e.tagName.toLowerCase(), testid: region ? region.dataset.testid : "",
            outline: style.outlineStyle, width: parseFloat(style.outlineWidth) || 0};
}"""
MODEL_CHOICE = {
    "Image_Classification": lambda f: (
        f["testid"] == "stCheckbox" and f["name"].startswith("microsoft/resnet-50")
    ),
    "Object_Detection": lambda f: (
        f["testid"] == "stSelectbox" and f["name"] == t("es", "models.pick_one")
    ),
}


@pytest.mark.parametrize("path", list(MODEL_CHOICE))
def test_the_keyboard_alone_picks_the_photo_and_the_model_and_reaches_the_result(
    chromium_browser, app_url, local_models, path
):
    """From the top of the page, Tab and Enter/Space alone: pick another sample photo, reach the
    model choice and the result (the chart's data as a table), each control showing a ring of at
    least 2 px as it gets the focus."""
    from playwright.sync_api import expect

    page = chromium_browser.new_page(locale="es-ES", viewport={"width": 1280, "height": 800})
    page.goto(f"{app_url}/{path}")
    page.locator(RESULTS[path]).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    coffee = t("es", "samples.coffee")
    goals = {
        "photo": lambda f: f["tag"] == "button" and f["name"] == coffee,
        "model": MODEL_CHOICE[path],
        "result": lambda f: f["tag"] == "summary" and t("es", "charts.data") in f["name"],
    }
    reached, passed = [], []
    for _ in range(120):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUSED)
        passed.append(focus)
        assert focus["outline"] != "none" and focus["width"] >= 2, focus  # a visible focus
        goal = next((g for g, wanted in goals.items() if g not in reached and wanted(focus)), None)
        if goal == "photo":  # Enter on a thumbnail picks its photo
            page.keyboard.press("Enter")
            expect(page.get_by_role("radio", name=coffee)).to_be_checked(timeout=30_000)
        elif goal == "model" and path == "Image_Classification":  # Space adds a model
            page.keyboard.press("Space")
            expect(page.locator(".st-key-cls_result_1 .js-plotly-plot")).to_be_visible(
                timeout=60_000
            )
        elif goal == "result":  # Enter opens the chart's data: a table of what it shows
            page.keyboard.press("Enter")
            expander = page.locator("[data-testid=stExpander]", has=page.locator("summary:focus"))
            expect(expander.locator("[data-testid=stDataFrame]")).to_be_visible(timeout=30_000)
        if goal is not None:
            reached.append(goal)
        if len(reached) == len(goals):
            break
    assert sorted(reached) == sorted(goals), [f["name"] for f in passed]
    assert reached[0] == "photo"  # the page's order: the photo first
    assert_accessible(page)  # as the interactions left it: another photo, a table open
    page.close()
