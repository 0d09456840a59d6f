"""What every benchmark shares: the preamble (no Hub, the project importable), full-size
replicas, settings per mode, sessions released together, interleaved timing, percentiles, the
memory of a process and its children, and the JSON report.

Run a benchmark from the project's root: `python -m benchmarks.<name>`."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
QUICKDRAW_DATA = ROOT.parent / "shared" / "data" / "quickdraw"

# Today's behaviour before this work (one computation per session, float32, one image per
# forward pass), kept as settings so that every comparison can run both in one process.
TODAY = {"VTL_PRECISION": "fp32", "VTL_BATCH_MAX": "1", "VTL_SINGLE_FLIGHT": "0"}
NOW = {"VTL_PRECISION": "auto", "VTL_BATCH_MAX": "8", "VTL_SINGLE_FLIGHT": "1"}
MODES = {"today": TODAY, "now": NOW}


def build_replicas(model_ids: Iterable[str], folder: Path) -> Path:
    """Full-size random-weight copies, each built in another process (so that building them
    leaves nothing in this one's memory); returns the folder for `VTL_LOCAL_MODELS`."""
    from core.models.registry import MODELS

    build = (
        "import sys; from pathlib import Path; from tests.support.models import build_replica; "
        "build_replica(sys.argv[1], Path(sys.argv[2]), sys.argv[3])"
    )
    for model_id in model_ids:
        revision = MODELS[model_id].revision
        command = [sys.executable, "-c", build, model_id, str(folder), revision]
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return folder


def use_mode(mode: str) -> None:
    """Set the environment of a mode (`today` or `now`) for what is loaded next."""
    os.environ.update(MODES[mode])


def at_once(sessions: int, ask: Callable[[int], object]) -> list[float]:
    """Seconds each of `sessions` threads took for `ask(index)`, all released together."""
    barrier = threading.Barrier(sessions)

    def session(index: int) -> float:
        barrier.wait()
        started = time.perf_counter()
        ask(index)
        return time.perf_counter() - started

    with ThreadPoolExecutor(sessions) as pool:
        return sorted(pool.map(session, range(sessions)))


def interleaved_medians(actions: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Each action once to warm up, then `repeats` rounds of all of them in turn (A, B, A, B…):
    on a shared machine, blocks of A then B drift; medians of interleaved runs do not."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for action in actions.values():
        action()
    for _ in range(repeats):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def twelve_megapixel_jpeg(path: Path) -> bytes:
    """A 4000 × 3000 photo-like JPEG: a real photo scaled up, with sensor-like noise."""
    import numpy as np
    from PIL import Image
    from skimage import data

    photo = Image.fromarray(data.astronaut()).resize((4000, 3000), Image.Resampling.BICUBIC)
    noise = np.random.default_rng(0).normal(0, 6, (3000, 4000, 3))
    pixels = np.clip(np.asarray(photo, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, quality=92)
    return path.read_bytes()


def print_report(figures: object) -> None:
    """The benchmark's result, as JSON on stdout (progress goes to stderr)."""
    print(json.dumps(figures, indent=2), flush=True)


def median(values: Iterable[float]) -> float:
    """The median, unrounded (for figures derived from medians of rounds)."""
    return statistics.median(values)


def p50(times: list[float]) -> float:
    return round(statistics.median(times), 3)


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return round(ordered[int(0.95 * (len(ordered) - 1))], 3)


def _kb(pid: int, path: str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def children(pid: int) -> list[int]:
    """Every descendant process of `pid` (the training workers)."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            tasks = Path(f"/proc/{parent}/task").iterdir()
            kids = [
                int(k)
                for task in tasks
                for k in (task / "children").read_text().split()
                if (task / "children").is_file()
            ]
        except OSError:
            kids = []
        found += kids
        frontier += kids
    return found


def memory_mb(pid: int | None = None) -> dict[str, float]:
    """Resident (RSS) and proportional (PSS: shared pages split between the processes that
    map them) memory of a process with all its children, in MB."""
    pid = pid or os.getpid()
    pids = [pid, *children(pid)]
    rss = sum(_kb(p, "status", "VmRSS:") for p in pids) / 1024
    pss = sum(_kb(p, "smaps_rollup", "Pss:") for p in pids) / 1024
    alone = _kb(pid, "status", "VmRSS:") / 1024
    return {
        "rss_mb": round(rss),
        "pss_mb": round(pss),
        "server_rss_mb": round(alone),
        "processes": len(pids),
    }


class MemoryPeak:
    """Samples `measure()` (default: `memory_mb` of this process and its children) every
    `every` seconds in a thread; `peak` holds the highest value seen of each of its figures."""

    def __init__(self, every: float = 0.1, measure: Callable[[], dict] = memory_mb) -> None:
        self.every = every
        self.measure = measure
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> MemoryPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            for key, value in self.measure().items():
                self.peak[key] = max(self.peak.get(key, 0), value)
            self._stop.wait(self.every)


def app_page(page: str, timeout: float = 600):
    """A page ("app_pages/Image_Classification.py", or "Home.py") as a student opens it: through
    the app's entry point, whose navigation knows every page (links between pages need it)."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    at = AppTest.from_file(str(root / "Home.py"), default_timeout=timeout)
    if page != "Home.py":
        at.switch_page(page)
    return at
