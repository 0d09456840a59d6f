"""Quick, Draw! formats, the rasterizer against the dataset's own bitmaps, RDP, and reading the
first drawings over HTTP Range from a local server laid out like Google's bucket."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.quickdraw.formats import (
    Drawing,
    parse_ndjson_line,
    rdp,
    read_binary,
    read_ndjson,
    simplify,
    to_bitmap,
    write_binary,
)
from core.quickdraw.source import QuickDrawError, QuickDrawSource, npy_header, read_upload
from tests.support.environment import SHARED, need_shared
from tests.support.range_server import RangeServer

DATA = SHARED / "data" / "quickdraw"
SIX = ("apple", "bicycle", "cat", "diamond", "eye", "fish")


@pytest.fixture(scope="module")
def words() -> list[str]:
    need_shared()
    return (DATA / "categories.txt").read_text().splitlines()


def load(fmt: str, word: str) -> list[Drawing]:
    drawings, skipped = read_ndjson((DATA / fmt / f"{word}.ndjson").read_bytes().splitlines())
    assert skipped == 0
    return drawings


def test_every_raw_and_simplified_file_parses(words):
    assert len(words) == 345
    for word in words:
        raw = load("raw", word)
        assert len(raw) == 10 and all(d.timed and d.word == word for d in raw)
        assert all(d.duration_ms and d.duration_ms > 0 for d in raw)
        if (DATA / "simplified" / f"{word}.ndjson").exists():
            simplified = load("simplified", word)
            assert [d.key_id for d in simplified] == [d.key_id for d in raw]
            assert not simplified[0].timed


def test_malformed_lines_are_skipped_and_counted(words):
    good = (DATA / "raw" / "cat.ndjson").read_bytes().splitlines()
    lines = [
        good[0],
        b"{not json",
        b'{"word": "cat"}',
        b'{"word":"cat","key_id":"1","drawing":[[[1,2],[3]]]}',
        b"",
        good[1],
    ]
    drawings, skipped = read_ndjson(lines)
    assert len(drawings) == 2 and skipped == 3


def test_binary_round_trip_and_truncation(words):
    simplified = load("simplified", "cat")
    data = write_binary(simplified)
    back, skipped = read_binary(data, "cat")
    assert skipped == 0 and [d.strokes for d in back] == [d.strokes for d in simplified]
    assert [d.countrycode for d in back] == [d.countrycode for d in simplified]
    assert read_binary(data[:-3], "cat")[1] == 1


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel().astype(float), b.ravel().astype(float))[0, 1])


@pytest.mark.parametrize("word", SIX)
def test_to_bitmap_matches_the_datasets_bitmaps(words, word):
    # numpy_bitmap rows are the same drawings, in the same order, as the ndjson files
    bitmaps = np.load(DATA / "numpy_bitmap" / f"{word}.npy").reshape(-1, 28, 28)
    for fmt in ("simplified", "raw"):
        for index, drawing in enumerate(load(fmt, word)):
            ours, theirs = to_bitmap(drawing.strokes), bitmaps[index]
            assert ours.shape == (28, 28) and ours.dtype == np.uint8
            assert correlation(ours, theirs) > 0.95, (fmt, word, index)
            assert abs(ours.mean() - theirs.mean()) < 0.08 * theirs.mean() + 2  # same ink
            ys, xs = np.indices((28, 28))
            for axis in (xs, ys):  # same centring, within half a pixel
                assert (
                    abs((axis * ours).sum() / ours.sum() - (axis * theirs).sum() / theirs.sum())
                    < 0.5
                )
            # same stroke width: the share of pixels with ink agrees
            assert abs((ours > 64).mean() - (theirs > 64).mean()) < 0.04


def test_to_bitmap_sizes_and_edge_cases():
    line = (((0.0, 255.0), (0.0, 255.0)),)
    assert to_bitmap(line, size=64).shape == (64, 64)
    assert to_bitmap((), size=28).max() == 0
    dot = to_bitmap((((5.0,), (5.0,)),))
    assert dot[13:15, 13:15].min() > 0 and dot.sum() < 255 * 20  # a centred dot
    with pytest.raises(ValueError):
        to_bitmap(line, size=0)


def test_rdp_by_hand():
    # points on a line collapse to its ends; a corner survives
    assert rdp([0, 1, 2, 3], [0, 1, 2, 3], 0.5) == ([0, 3], [0, 3])
    assert rdp([0, 5, 10], [0, 5, 0], 2.0) == ([0, 5, 10], [0, 5, 0])
    assert rdp([0, 5, 10], [0, 1, 0], 2.0) == ([0, 10], [0, 0])


def test_simplify_raw_is_close_to_the_simplified_file(words):
    for word in SIX:
        for raw, simplified in zip(load("raw", word), load("simplified", word)):
            ours = simplify(raw.strokes)
            assert len(ours) == len(simplified.strokes)
            assert correlation(to_bitmap(ours), to_bitmap(simplified.strokes)) > 0.97
            ours_points = sum(len(s[0]) for s in ours)
            assert abs(ours_points - simplified.points) <= 0.25 * simplified.points + 3


@pytest.fixture(scope="module")
def bucket(tmp_path_factory, words) -> Path:
    """A folder laid out like Google's bucket, from the shared samples."""
    root = tmp_path_factory.mktemp("bucket")
    for fmt in ("raw", "simplified"):
        (root / "full" / fmt).mkdir(parents=True)
        for word in ("cat", "The Eiffel Tower"):
            shutil.copy(DATA / fmt / f"{word}.ndjson", root / "full" / fmt / f"{word}.ndjson")
    many = (DATA / "raw" / "cat.ndjson").read_bytes().rstrip(b"\n").splitlines() * 40
    (root / "full" / "raw" / "many cats.ndjson").write_bytes(b"\n".join(many) + b"\n")
    (root / "full" / "binary").mkdir()
    (root / "full" / "binary" / "cat.bin").write_bytes(write_binary(load("simplified", "cat")))
    (root / "full" / "numpy_bitmap").mkdir()
    shutil.copy(DATA / "numpy_bitmap" / "cat.npy", root / "full" / "numpy_bitmap" / "cat.npy")
    return root


@pytest.mark.parametrize("fmt", ["raw", "simplified", "binary"])
def test_first_drawings_over_range_requests(bucket, tmp_path, fmt):
    expected = load("simplified" if fmt == "binary" else fmt, "cat")
    with RangeServer(bucket) as server:
        source = QuickDrawSource(server.url, tmp_path)
        progress = []
        drawings, skipped = source.first_drawings(
            "cat", fmt, 4, lambda n, total: progress.append(n)
        )
    assert [d.key_id for d in drawings] == [d.key_id for d in expected[:4]] and skipped == 0
    assert progress[-1] == 4
    assert all(r.startswith("bytes=") for r in server.requests)


def test_cache_is_reused_then_extended(bucket, tmp_path):
    with RangeServer(bucket) as server:
        source = QuickDrawSource(server.url, tmp_path)
        source.first_drawings("many cats", "raw", 2)
        first = list(server.requests)
        again = QuickDrawSource(server.url, tmp_path)
        again.first_drawings("many cats", "raw", 2)
        assert server.requests == first  # nothing fetched: the start of the file is on disk
        cached = (tmp_path / "raw" / "many%20cats.part").stat().st_size
        more, _ = again.first_drawings("many cats", "raw", 100)
    assert [d.key_id for d in more[:10]] == [d.key_id for d in load("raw", "cat")]
    assert len(more) == 100 and more[10].key_id == more[0].key_id
    # the next request starts where the cached bytes end, and the file was not read to its end
    assert server.requests[len(first)].startswith(f"bytes={cached}-")
    assert not (tmp_path / "raw" / "many%20cats.complete").exists()
    assert again.stats.bytes_transferred < (bucket / "full/raw/many cats.ndjson").stat().st_size


def test_spaces_in_words_and_a_server_that_ignores_range(bucket, tmp_path):
    with RangeServer(bucket, honour_range=False) as server:
        source = QuickDrawSource(server.url, tmp_path)
        drawings, _ = source.first_drawings("The Eiffel Tower", "simplified", 3)
    assert [d.word for d in drawings] == ["The Eiffel Tower"] * 3
    assert (
        source.stats.bytes_transferred
        <= (bucket / "full/simplified/The Eiffel Tower.ndjson").stat().st_size
    )


def test_numpy_bitmap_header_and_first_rows(bucket, tmp_path):
    expected = np.load(DATA / "numpy_bitmap" / "cat.npy")
    with RangeServer(bucket) as server:
        source = QuickDrawSource(server.url, tmp_path)
        rows = source.first_bitmaps("cat", 10)
    assert rows.shape == (10, 28, 28) and (rows.reshape(10, -1) == expected[:10]).all()
    assert source.stats.bytes_transferred <= 1024 + 10 * 784
    header = (DATA / "numpy_bitmap" / "cat.npy").read_bytes()[:256]
    assert npy_header(header)[1] == 3000
    with pytest.raises(ValueError):
        npy_header(b"not numpy at all")


def test_missing_category_and_no_server(bucket, tmp_path):
    with RangeServer(bucket) as server:
        with pytest.raises(QuickDrawError) as missing:
            QuickDrawSource(server.url, tmp_path).first_drawings("unicorn", "raw", 1)
        url = server.url
    assert missing.value.reason == "not_found"
    with pytest.raises(QuickDrawError) as offline:
        QuickDrawSource(url, tmp_path, timeout=1, retries=2, backoff=0).first_drawings(
            "cat", "raw", 1
        )
    assert offline.value.reason in {"offline", "timeout"}
    assert not (tmp_path / "raw" / "cat.part").exists()  # nothing half-written


def test_local_files_are_the_offline_source(words):
    raw_bytes = (DATA / "raw" / "cat.ndjson").read_bytes()
    drawings, skipped = read_upload("cat.ndjson", raw_bytes + b"\nnot json\n")
    assert len(drawings) == 10 and skipped == 1
    binary = write_binary(load("simplified", "cat"))
    assert len(read_upload("cat.bin", binary)[0]) == 10
    with pytest.raises(QuickDrawError) as caught:
        read_upload("cat.ndjson", b"not json\n")
    assert caught.value.reason == "empty"
    with pytest.raises(ValueError):
        read_upload("cat.txt", b"")
    assert json.loads(raw_bytes.splitlines()[0])["key_id"] == drawings[0].key_id
    assert parse_ndjson_line(raw_bytes.splitlines()[0]).key_id == drawings[0].key_id


def test_a_dropped_download_leaves_a_true_start_of_the_file(bucket, tmp_path):
    """The network drops halfway through an answer: what arrived is kept as the start of the
    file (never anything else), and the drawings asked for still come, exact."""
    whole = (bucket / "full/raw/many cats.ndjson").read_bytes()
    with RangeServer(bucket) as server:
        server.cut_next = True
        source = QuickDrawSource(server.url, tmp_path, backoff=0)
        drawings, skipped = source.first_drawings("many cats", "raw", 30)
        assert not server.cut_next  # the drop happened
    expected, _ = read_ndjson(whole.splitlines()[:30])
    assert [d.strokes for d in drawings] == [d.strokes for d in expected] and skipped == 0
    cached = (tmp_path / "raw" / "many%20cats.part").read_bytes()
    assert whole.startswith(cached)


def test_dropped_bitmaps_are_fetched_on(bucket, tmp_path):
    expected = np.load(DATA / "numpy_bitmap" / "cat.npy")
    with RangeServer(bucket) as server:
        source = QuickDrawSource(server.url, tmp_path)
        source.first_bitmaps("cat", 1)  # the header is on disk
        server.cut_next = True
        rows = source.first_bitmaps("cat", 200)
        assert not server.cut_next
    assert (rows.reshape(200, -1) == expected[:200]).all()


def test_a_stalled_server_is_bounded_and_the_next_try_recovers(bucket, tmp_path):
    import time

    with RangeServer(bucket) as server:
        server.stall_seconds = 3
        started = time.perf_counter()
        with pytest.raises(QuickDrawError) as stalled:
            QuickDrawSource(server.url, tmp_path, timeout=0.5, retries=2, backoff=0).first_drawings(
                "cat", "simplified", 5
            )
        waited = time.perf_counter() - started
        server.stall_seconds = 0
        drawings, _ = QuickDrawSource(server.url, tmp_path, timeout=0.5).first_drawings(
            "cat", "simplified", 5
        )
    assert stalled.value.reason == "timeout" and waited < 2.5  # two tries of half a second
    assert [d.key_id for d in drawings] == [d.key_id for d in load("simplified", "cat")[:5]]


def test_a_login_page_instead_of_bitmaps_is_not_kept(bucket, tmp_path):
    """Some school networks answer any address with a login page."""
    portal = tmp_path / "portal"
    (portal / "full" / "numpy_bitmap").mkdir(parents=True)
    (portal / "full" / "numpy_bitmap" / "cat.npy").write_text("<html>Log in to SchoolNet</html>")
    with RangeServer(portal) as server, pytest.raises(QuickDrawError) as caught:
        QuickDrawSource(server.url, tmp_path / "cache").first_bitmaps("cat", 10)
    assert caught.value.reason == "bad_data"
    assert not list((tmp_path / "cache").rglob("cat.*"))  # the next try fetches it anew


def test_our_rdp_agrees_with_scikit_images_approximate_polygon():
    """The lesson writes Ramer–Douglas–Peucker by hand; scikit-image's `approximate_polygon`
    is the reference. They agree wherever every point projects inside its chord (here: strokes
    that move forward in x); beyond a chord's ends scikit-image measures to the nearest end,
    while classic RDP (ours, like the dataset's) measures to the line."""
    from skimage.measure import approximate_polygon

    from core.quickdraw.formats import rdp

    rng = np.random.default_rng(0)
    for _ in range(200):
        count = int(rng.integers(3, 60))
        xs = np.cumsum(rng.uniform(3, 8, count))
        ys = rng.normal(0, 4, count)
        epsilon = float(rng.uniform(0.5, 6))
        kept_x, kept_y = rdp(list(xs), list(ys), epsilon)
        reference = approximate_polygon(np.column_stack([xs, ys]), epsilon)
        assert np.array_equal(np.column_stack([kept_x, kept_y]), reference)


def test_a_cache_that_cannot_be_written_still_gives_the_drawings(bucket, tmp_path):
    """The cache folder's place taken by a file: the drawings come, the problem is noted."""
    blocked = tmp_path / "cache"
    blocked.write_text("not a folder")
    with RangeServer(bucket) as server:
        source = QuickDrawSource(server.url, blocked)
        drawings, _ = source.first_drawings("cat", "raw", 10)
    assert len(drawings) == 10 and source.cache_problem == "not_writable"


def test_a_full_disk_leaves_no_temporary_file_and_is_named(bucket, tmp_path, monkeypatch):
    import errno
    import os

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)  # the cache's file put in place (atomic_folder)
    with RangeServer(bucket) as server:
        source = QuickDrawSource(server.url, tmp_path / "cache")
        drawings, _ = source.first_drawings("cat", "simplified", 10)
    assert len(drawings) == 10 and source.cache_problem == "disk_full"
    left = [name for _, _, names in os.walk(tmp_path / "cache") for name in names]
    assert left == []  # the temporary copy was removed


def test_countries_are_named_in_the_students_language():
    from core.quickdraw.stats import country_name

    assert country_name("US", "es") == "Estados Unidos"
    assert country_name("DE", "es") == "Alemania" and country_name("DE", "en") == "Germany"
    assert country_name("VE", "es") == "Venezuela"  # the common name, not the official one
    assert country_name("ZZ", "es") == "ZZ"  # the dataset's "unknown" stays as it is
