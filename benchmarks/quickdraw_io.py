"""Quick, Draw! explorer: bytes fetched, parsing and rasterizing speed, grid time, reruns.

    python -m benchmarks.quickdraw_io

- Bytes: a full-size category file (raw cat is about 470 MB in the bucket; here 100 MB built by
  repeating the shared raw samples, and 15 MB of simplified ones) served by a local server that
  honours `Range`; bytes transferred to get the first 100 drawings, against the file's size
  (target ≤ 2 %).
- Speed: parse 10,000 simplified ndjson lines and rasterize each with `to_bitmap` to 28 × 28,
  on one core (torch and numpy threads set to 1; target ≤ 2 s).
- Grid: the 100-thumbnail grid from loaded drawings (target ≤ 1 s).
- Reruns: the explorer page in AppTest (100 raw drawings), a filter changed three times:
  requests to the server and time per rerun; then display-only changes (the replay's speed, ε),
  16 of them, each rerun with the charts shared and built anew, interleaved, medians (target
  ≤ 50 ms, like the task pages).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import QUICKDRAW_DATA, median, print_report

os.environ.setdefault("OMP_NUM_THREADS", "1")
DATA = QUICKDRAW_DATA


def main() -> int:
    from core.quickdraw.charts import thumbnail_grid
    from core.quickdraw.formats import read_ndjson, to_bitmap
    from core.quickdraw.source import QuickDrawSource
    from tests.support.range_server import RangeServer

    work = Path(tempfile.mkdtemp(prefix="vtl-qd-"))
    bucket = work / "bucket"
    for fmt, megabytes in (("raw", 100), ("simplified", 15)):
        (bucket / "full" / fmt).mkdir(parents=True)
        lines = (DATA / fmt / "cat.ndjson").read_bytes().rstrip(b"\n").splitlines()
        with open(bucket / "full" / fmt / "cat.ndjson", "wb") as file:
            written = 0
            while written < megabytes * 2**20:
                for line in lines:
                    file.write(line + b"\n")
                    written += len(line) + 1
    size = (bucket / "full" / "raw" / "cat.ndjson").stat().st_size
    report: dict = {"file_mb": round(size / 2**20, 1)}

    with RangeServer(bucket) as server:
        source = QuickDrawSource(server.url, work / "cache")
        started = time.perf_counter()
        drawings, _ = source.first_drawings("cat", "raw", 100)
        report["first_100_seconds"] = round(time.perf_counter() - started, 3)
        report["bytes_transferred"] = source.stats.bytes_transferred
        report["requests"] = source.stats.requests
        report["share_of_file_percent"] = round(100 * source.stats.bytes_transferred / size, 3)

    simplified = (DATA / "simplified").glob("*.ndjson")
    sample = [line for path in simplified for line in path.read_bytes().splitlines()]
    ten_thousand = (sample * (10_000 // len(sample) + 1))[:10_000]
    started = time.perf_counter()
    parsed, _ = read_ndjson(ten_thousand)
    parse_s = time.perf_counter() - started
    for drawing in parsed:
        to_bitmap(drawing.strokes)
    total_s = time.perf_counter() - started
    report.update(parse_10k_s=round(parse_s, 3), parse_and_rasterize_10k_s=round(total_s, 3))

    grid_times = []
    for _ in range(5):
        started = time.perf_counter()
        thumbnail_grid(drawings[:100])
        grid_times.append(time.perf_counter() - started)
    report["grid_100_s"] = round(median(grid_times), 3)

    report.update(rerun_with_filters(bucket, work))
    print_report(report)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def rerun_with_filters(bucket: Path, work: Path) -> dict:
    from benchmarks.harness import app_page
    from tests.support.range_server import RangeServer

    with RangeServer(bucket) as server:
        os.environ["VTL_QUICKDRAW_URL"] = server.url
        os.environ["VTL_QUICKDRAW_CACHE"] = str(work / "page-cache")
        at = app_page("app_pages/Quick_Draw_Explorer.py", 120)
        started = time.perf_counter()
        at.run()
        first = time.perf_counter() - started
        requests = len(server.requests)
        times = []
        for choice in ("yes", "no", "all"):
            at.radio(key="qd_recognized").set_value(choice)
            started = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - started)
        # Display-only changes (the replay's speed, then ε, back and forth), interleaved: each
        # change rerun once with the charts shared (as the app runs) and once built anew (as
        # before `shared_chart`), alternating which goes first.
        from core.ui import quickdraw_views

        shared = quickdraw_views.shared_chart
        display: dict[str, list[float]] = {"shared": [], "built_each_rerun": []}
        changes = [("qd_speed", 2.0), ("qd_speed", 1.0), ("qd_epsilon", 4.0), ("qd_epsilon", 2.0)]
        for round_ in range(4):
            for index, (key, value) in enumerate(changes):
                at.select_slider(key=key).set_value(value)
                order = ["shared", "built_each_rerun"]
                for mode in order if (round_ + index) % 2 == 0 else order[::-1]:
                    quickdraw_views.shared_chart = (
                        shared if mode == "shared" else lambda key, build: build()
                    )
                    started = time.perf_counter()
                    at.run()
                    display[mode].append(time.perf_counter() - started)
        quickdraw_views.shared_chart = shared
        assert not at.exception, at.exception
        return {
            "page_first_run_s": round(first, 3),
            "filter_rerun_s": round(median(times), 3),
            "display_rerun_s": round(median(display["shared"]), 3),
            "display_rerun_built_each_time_s": round(median(display["built_each_rerun"]), 3),
            "requests_on_filter_reruns": len(server.requests) - requests,
        }


if __name__ == "__main__":
    sys.exit(main())
