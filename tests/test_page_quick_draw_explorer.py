"""The Quick, Draw! explorer through AppTest, reading the shared samples from a local server
laid out like Google's bucket (the page's `VTL_QUICKDRAW_URL` setting)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import day, t, tn
from core.quickdraw.charts import GRID_CELL, WORLD_SHAPES_URL
from core.quickdraw.formats import read_ndjson, simplify
from core.quickdraw.stats import country_counts, country_name, drawings_table
from core.ui.widgets import escape_markdown
from tests.support.app import open_page
from tests.support.environment import ROOT, SHARED
from tests.support.plotly import plotly_specs

PAGE = "Quick_Draw_Explorer"
DATA = SHARED / "data" / "quickdraw"


@pytest.fixture
def explorer(bucket_server, tmp_path, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("VTL_QUICKDRAW_URL", bucket_server.url)
    monkeypatch.setenv("VTL_QUICKDRAW_CACHE", str(tmp_path))
    st.cache_resource.clear()
    at = open_page(PAGE, run=False)
    at.context = {"locale": "en-US"}
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def cats(fmt: str = "raw"):
    return read_ndjson((DATA / fmt / "cat.ndjson").read_bytes().splitlines())[0]


def test_explorer_loads_a_category_and_shows_details(explorer):
    at = explorer.run()
    assert not at.exception and not at.error
    grid = plotly_specs(at)[0]["data"][1]  # one clickable point per thumbnail
    assert grid["customdata"] == list(range(1, 11))
    assert grid["text"][0] == f"#1 · {country_name(cats()[0].countrycode, 'en')}"
    first = cats()[0]
    shown = metrics(at)
    assert shown["Country"] == country_name(first.countrycode, "en")
    assert shown["Points"] == str(first.points)
    assert shown[t("en", "quickdraw.date")] == day("en", first.timestamp)  # "January 28, 2017"
    assert shown["Drawing time"] == f"{first.duration_ms / 1000:.1f} s"
    assert shown["Recognised"] == f"{sum(d.recognized for d in cats()) / 10:.0%}"
    (frame,) = plotly_specs(at)[0]["layout"]["shapes"]  # the picked thumbnail, framed
    at.number_input(key="qd_pick").set_value(3).run()
    assert metrics(at)["Strokes"] == str(len(cats()[2].strokes))
    (moved,) = plotly_specs(at)[0]["layout"]["shapes"]
    assert moved["x0"] - frame["x0"] == 2 * (GRID_CELL + 2) and moved["y0"] == frame["y0"]


def test_filters_do_not_download_again(explorer, bucket_server):
    at = explorer.run()
    requests = len(bucket_server.requests)
    at.radio(key="qd_recognized").set_value("no").run()
    unrecognized = [d for d in cats() if not d.recognized]
    assert metrics(at)["Country"] == country_name(unrecognized[0].countrycode, "en")
    at.radio(key="qd_recognized").set_value("all").run()
    assert len(bucket_server.requests) == requests


def test_replay_has_real_timing_frames(explorer):
    at = explorer.run()
    at.multiselect(key="qd_replay").set_value([1, 2]).run()
    spec = next(c for c in plotly_specs(at) if c.get("frames"))
    first, second = cats()[:2]
    longest = max(first.duration_ms, second.duration_ms)
    assert len(spec["frames"]) == int(longest // 100) + 2  # a frame every 100 ms, and the end
    assert [b["label"] for b in spec["layout"]["updatemenus"][0]["buttons"]] == ["▶", "⏸"]
    # before ▶: each drawing whole, in grey, under its replay; a clock that reads the frames
    ghosts = [trace for trace in spec["data"] if trace["line"]["color"] == "#d0d0d0"]
    assert len(ghosts) == 2
    assert sum(x is not None for x in ghosts[0]["x"]) == first.points
    clock = spec["layout"]["sliders"][0]
    assert len(clock["steps"]) == len(spec["frames"]) and clock["currentvalue"]["suffix"] == " s"
    assert clock["steps"][10]["label"] == "1.0"  # a frame every 100 ms


def test_the_drawing_picked_is_the_one_replayed(explorer):
    """The number box says "for details and replay": typing 7 replays drawing 7, and a drawing
    added by hand stays beside it when another is picked."""
    at = explorer.run()
    at.number_input(key="qd_pick").set_value(7).run()
    assert at.multiselect(key="qd_replay").value == [7]

    def replayed_points() -> list[int]:
        spec = next(c for c in plotly_specs(at) if c.get("frames"))
        ghosts = [trace for trace in spec["data"] if trace["line"]["color"] == "#d0d0d0"]
        return [sum(x is not None for x in ghost["x"]) for ghost in ghosts]

    assert replayed_points() == [cats()[6].points]
    at.multiselect(key="qd_replay").set_value([7, 2]).run()
    at.number_input(key="qd_pick").set_value(4).run()
    assert at.multiselect(key="qd_replay").value == [4, 2]
    assert replayed_points() == [cats()[3].points, cats()[1].points]


def test_a_fifth_replay_is_refused_in_the_student_s_words(explorer):
    """Streamlit's own limit would say "You can only select up to 4 options" in English: the
    page keeps the first four and says so itself, and the empty box invites in Spanish."""
    at = explorer
    at.context = {"locale": "es-ES"}
    at.run()
    assert at.multiselect(key="qd_countries").proto.placeholder == t("es", "app.choose_many")
    at.multiselect(key="qd_replay").set_value([1, 2, 3, 4, 5]).run()
    assert [w.value for w in at.warning] == [tn("es", "app.too_many", 4)]
    spec = next(c for c in plotly_specs(at) if c.get("frames"))
    ghosts = [trace for trace in spec["data"] if trace["line"]["color"] == "#d0d0d0"]
    assert len(ghosts) == 4


def test_raw_vs_simplified_with_our_rdp(explorer):
    at = explorer.run()
    at.select_slider(key="qd_epsilon").set_value(6.0).run()
    titles = [c["layout"]["title"]["text"] for c in plotly_specs(at) if "title" in c["layout"]]
    raw, simplified = cats()[0], cats("simplified")[0]
    ours = sum(len(s[0]) for s in simplify(raw.strokes, 6.0))
    assert titles == [
        t("en", "quickdraw.raw_title", points=raw.points),
        t("en", "quickdraw.google_title", points=simplified.points),
        t("en", "quickdraw.ours_title", epsilon=6.0, points=ours),
    ]


def test_statistics_and_comparison(explorer):
    at = explorer.run()
    at.multiselect(key="qd_compare").set_value(["dog"]).run()
    tables = [frame.value for frame in at.dataframe]
    summary = next(table for table in tables if "Category" in table.columns).set_index("Category")
    assert list(summary.index) == ["cat", "dog"]
    dogs = read_ndjson((DATA / "raw" / "dog.ndjson").read_bytes().splitlines())[0]
    assert summary.loc["dog", "Strokes (mean)"] == f"{sum(len(d.strokes) for d in dogs) / 10:.1f}"
    world = next(c for c in plotly_specs(at) if c["data"][0]["type"] == "choropleth")
    assert "USA" in world["data"][0]["locations"]
    # the map's data as a table (for a keyboard or a screen reader): the category's drawings
    countries = next(table for table in tables if "Country" in table.columns)
    assert countries["Drawings"].sum() == 10 and "United States" in set(countries["Country"])


def test_the_world_map_needs_only_the_app_s_own_shapes(explorer):
    """The map asks the browser for the country shapes the app serves (`static/`), and shows
    no layer those shapes lack (coastlines, land, lakes…), which plotly would fetch from its
    CDN. The shapes hold every country the map may be asked to colour."""
    import tomllib

    import pycountry

    at = explorer.run()
    chart = next(c for c in at.get("plotly_chart") if '"choropleth"' in c.proto.spec)
    assert json.loads(chart.proto.config)["topojsonURL"] == WORLD_SHAPES_URL
    geo = json.loads(chart.proto.spec)["layout"]["geo"]
    layers = ("coastlines", "land", "ocean", "lakes", "rivers", "subunits")
    assert [geo[f"show{layer}"] for layer in layers] == [False] * len(layers)
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableStaticServing"] is True
    shapes = json.loads((ROOT / "static" / "world_110m.json").read_text())["objects"]
    assert list(shapes) == ["countries", "land"]  # world-atlas's two: the map draws the first
    ids = [shape.get("id") for shape in shapes["countries"]["geometries"]]
    assert all(pycountry.countries.get(alpha_3=code) for code in ids if code)
    assert len(set(ids) - {None}) >= 170
    cats = read_ndjson((DATA / "raw" / "cat.ndjson").read_bytes().splitlines())[0]
    assert set(country_counts(drawings_table(cats))["iso3"]) <= set(ids)


def test_offline_message_and_local_file(explorer, monkeypatch):
    monkeypatch.setenv("VTL_QUICKDRAW_URL", "http://127.0.0.1:9")  # nothing listens there
    at = explorer
    at.context = {"locale": "es-ES"}
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("es", "quickdraw.error.offline", word="cat")]
    at.radio(key="qd_source").set_value("local").run()
    data = (DATA / "raw" / "cat.ndjson").read_bytes() + b"\n{broken\n"
    at.file_uploader(key="qd_upload").set_value(("cat.ndjson", data, "application/x-ndjson"))
    at.run()
    assert [w.value for w in at.warning] == [tn("es", "quickdraw.skipped", 1)]
    assert metrics(at)["País"] == country_name(cats()[0].countrycode, "es")
    assert metrics(at)["País"] != cats()[0].countrycode  # a name, in Spanish, not a code


def test_a_local_file_of_another_type_gets_the_app_s_message(explorer):
    at = explorer
    at.run()
    at.radio(key="qd_source").set_value("local").run()
    at.file_uploader(key="qd_upload").set_value(("cat.svg", b"<svg/>", "image/svg+xml"))
    at.run()
    assert not at.exception
    wrong = t("en", "input.wrong_type", file=escape_markdown("cat.svg"), types=".ndjson, .bin")
    assert [e.value for e in at.error] == [wrong]


def test_category_list_is_the_datasets(explorer):
    from core.quickdraw.formats import QUICKDRAW_WORDS

    assert (DATA / "categories.txt").read_text().splitlines() == QUICKDRAW_WORDS


def test_a_stalled_network_says_so_and_the_student_tries_again(
    explorer, bucket_server, monkeypatch
):
    monkeypatch.setenv("VTL_NETWORK_TIMEOUT", "0.3")
    explorer.context = {"locale": "es-ES"}
    bucket_server.stall_seconds = 2
    try:
        at = explorer.run()
    finally:
        bucket_server.stall_seconds = 0
    assert not at.exception
    assert [e.value for e in at.error] == [t("es", "quickdraw.error.timeout", word="cat")]
    retry = [b for b in at.button if b.label == t("es", "app.retry")]
    assert len(retry) == 1 and not at.get("plotly_chart")
    retry[0].click().run()  # the network is back
    assert not at.exception and not at.error
    assert plotly_specs(at)[0]["data"][1]["customdata"] == list(range(1, 11))


def test_a_cache_the_server_cannot_write_is_said_and_the_drawings_still_show(
    explorer, tmp_path, monkeypatch
):
    blocked = tmp_path / "a-file"
    blocked.write_text("the cache folder's place is taken")
    monkeypatch.setenv("VTL_QUICKDRAW_CACHE", str(blocked))
    at = explorer
    at.context = {"locale": "es-ES"}
    at.run()
    assert not at.exception and not at.error
    assert {w.value for w in at.warning} == {t("es", "quickdraw.cache_not_writable")}
    assert plotly_specs(at)  # the drawings are there
