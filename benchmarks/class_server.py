"""A class on the real server: `streamlit run Home.py` driven over Streamlit's own websocket
protocol by simulated students (`../shared/tools/class_sim.py`), not AppTest.

    python -m benchmarks.class_server [--before ../vtl-before] [--rounds 3] [--sessions 20]
        [--scenarios open,pictionary,uploads_cls,uploads_det,soak] [--json out.json]

`--before` is a checkout of the code to compare with (`git worktree add ../vtl-before <commit>`),
started beside this one with the same replicas and settings; every scenario then runs on one,
then the other, round after round (A, B, A, B…), and the report gives the median over rounds of
each step's p50/p95/max, with the peak memory of each server's process tree (PSS as if it ran alone:
its anonymous memory split between its processes, the libraries it maps counted once).

Scenarios (every student at once):
- `open`: open Image classification, its answer already computed (one student opened it first).
- `pictionary`: open Pictionary's game, start it, press "ready", stay 10 s: the round's clock
  reruns (`auto-rerun`).
- `uploads_cls`, `uploads_det`: each student uploads their own 12-megapixel JPEG (4032 × 3024,
  new ones every round) on classification / detection. The model-bound limit beside them is the
  students × the app's path for one photo alone (decode + the task's run, measured in a process
  of its own) ÷ forwards run at once (one per model).
- `whole_class`: the class at once on one server (memory): 5 students open the four task
  pages, 5 play Pictionary's game then open its dogs-and-cats tab, 8 upload their own photos
  (4 on classification, 4 on detection), 2 train (6 categories × 3,000 drawings, the shared
  samples served like Google's bucket, 2 epochs); peak PSS of the server's process tree.
- `soak`: every page opened and rerun, `--soak-cycles` times by each of 4 students; memory
  after each cycle (does it grow?).

The models are full-size random-weight replicas of the defaults (same compute and memory as the
real ones; their answers are noise), built from ../shared/hub-replicas into `--work`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import ROOT, MemoryPeak, build_replicas, print_report
from tests.support.streamlit_server import PAGES, AppServer, class_sim, pss_mb

QUICKDRAW = ROOT.parent / "shared" / "data" / "quickdraw"
PICTIONARY_MODELS = (
    "kmewhort/beit-sketch-classifier",
    "omarques/autotrain-dogs-and-cats-1527055142",
)


def phone_photos(folder: Path, count: int, seed: int) -> Path:
    """`count` different 4032 × 3024 JPEGs (a real photo enlarged, with each its own noise and
    mark), about as large as a phone's; a new `seed` gives new photos (no cached answer)."""
    import numpy as np
    from PIL import Image
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    base = np.asarray(
        Image.fromarray(data.coffee()).resize((4032, 3024), Image.Resampling.BILINEAR),
        dtype=np.int16,
    )
    rng = np.random.default_rng(seed)
    for index in range(count):
        pixels = base + rng.integers(-3, 4, size=(1, 4032, 3), dtype=np.int16)
        pixels = np.clip(pixels, 0, 255).astype(np.uint8)
        pixels[200 + index * 100 : 300 + index * 100, 200:600] = (seed * 53 + index * 11) % 256
        Image.fromarray(pixels).save(folder / f"photo-{index:02d}.jpg", quality=85)
    return folder


def model_bound_seconds(task: str, photo: Path, env: dict[str, str], root: Path) -> float:
    """The app's path for one photo alone (decode as the page does, then the task's run),
    median of 3 after a warm-up, in a process of its own with a server's code (`root`) and
    settings (its run policies: the precision it chose)."""
    code = (
        "import sys, time, statistics; from pathlib import Path\n"
        "from core.models.loader import ModelCache; from core.models.model_ref import ModelRef\n"
        "from core.models.registry import DEFAULT_MODELS, MODELS, TASKS\n"
        "from core.tasks.image_input import read_image\n"
        "task, data = sys.argv[1], Path(sys.argv[2]).read_bytes()\n"
        "spec = TASKS[task]; mid = DEFAULT_MODELS[task]\n"
        "model = ModelCache(4 * 2**30).get(ModelRef(mid, task, MODELS[mid].revision))\n"
        "def once():\n"
        "    image = read_image(data, source='upload', name='p.jpg', draft_side=spec.input_side)\n"
        "    spec.run(model, image.image)\n"
        "once(); times = []\n"
        "for _ in range(3):\n"
        "    t0 = time.perf_counter(); once(); times.append(time.perf_counter() - t0)\n"
        "print(statistics.median(times))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, task, str(photo)],
        cwd=root, env=os.environ | env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(done.stdout.strip().splitlines()[-1])


UPLOAD_PAGES = {"uploads_cls": ("Image_Classification", "cls"),
                "uploads_det": ("Object_Detection", "det")}  # fmt: skip


def upload_steps(scenario: str, photos: Path) -> list:
    """Open the page, choose "upload", send one's own photo (student i: the folder's i-th)."""
    page, prefix = UPLOAD_PAGES[scenario]
    return [("open", page), ("set", f"{prefix}_source", 1), ("rerun",),
            ("upload", f"{prefix}_upload", str(photos))]  # fmt: skip


def scenario_steps(name: str, photos: Path | None = None) -> tuple[list, list]:
    """(steps for every student, steps one student runs first to compute the answer)."""
    if name == "open":
        return [("open", "Image_Classification")], [("open", "Image_Classification")]
    if name == "pictionary":
        steps = [("open", "Pictionary"), ("set", "pic_tabs", 1), ("rerun",), ("click", "pic_play"),
                 ("click", "pic_ready"), ("idle", 10)]  # fmt: skip
        return steps, steps[:3]
    if name in UPLOAD_PAGES:
        return upload_steps(name, photos), [("open", UPLOAD_PAGES[name][0])]
    raise ValueError(f"unknown scenario {name!r}")


def summary(report: dict) -> dict:
    """Per step: runs, ok, p50/p95/max; errors and exceptions counted, the first of each."""
    steps = {label: {k: st[k] for k in ("runs", "ok", "p50", "p95", "max")}
             for label, st in report["steps"].items()}  # fmt: skip
    return {
        "steps": steps,
        "errors": len(report["errors"]),
        "first_error": report["errors"][:1],
        "exceptions": len(report["exceptions"]),
        "first_exception": report["exceptions"][:1],
        "wall_s": report["wall_s"],
    }


def run_scenario(sim, server: AppServer, name: str, sessions: int, photos: Path | None) -> dict:
    steps, warm = scenario_steps(name, photos)
    asyncio.run(sim.run_class(server.url, 1, warm, timeout=600))  # models loaded, answer kept
    with MemoryPeak(0.2, lambda: {"pss_mb": pss_mb(server.pid)}) as memory:
        report = asyncio.run(sim.run_class(server.url, sessions, steps, timeout=600))
    after = pss_mb(server.pid)
    return summary(report) | {"peak_pss_mb": memory.peak["pss_mb"], "after_pss_mb": after}


WORDS = ["apple", "bicycle", "cat", "diamond", "eye", "fish"]  # the shared 3,000-drawing files


def whole_class(sim, server: AppServer, photos: Path) -> dict:
    """Every group of the class at once (see the module's docstring); each group's steps and
    the server's peak memory."""
    tasks = [("open", page) for page in PAGES[1:5]]
    game = [("open", "Pictionary"), ("set", "pic_tabs", 1), ("rerun",), ("click", "pic_play"),
            ("click", "pic_ready"), ("idle", 5), ("set", "pic_tabs", 2), ("rerun",),
            ("idle", 5)]  # fmt: skip
    train = [("open", "Train_Your_Own"), ("set", "tr_words", WORDS), ("rerun",),
             ("set", "tr_per_class", 3000), ("rerun",), ("set", "tr_epochs", 2), ("rerun",),
             ("click", "tr_start"), ("idle", 120)]  # fmt: skip

    groups = {
        "tasks": (5, tasks, "es-ES"),
        "pictionary": (5, game, "es-ES"),
        "uploads_cls": (4, upload_steps("uploads_cls", photos), "es-ES"),
        "uploads_det": (4, upload_steps("uploads_det", photos), "es-ES"),
        "training": (2, train, "en-US"),  # the categories by their English names
    }

    async def everyone() -> list:
        # 300 s: the trainings end within about 200 s; a step that waits longer has failed
        return await asyncio.gather(*(sim.run_class(server.url, n, steps, locale, timeout=300)
                                      for n, steps, locale in groups.values()))  # fmt: skip

    with MemoryPeak(0.2, lambda: {"pss_mb": pss_mb(server.pid)}) as memory:
        reports = asyncio.run(everyone())
    return {name: summary(report) for name, report in zip(groups, reports)} | {
        "peak_pss_mb": memory.peak["pss_mb"],
        "after_pss_mb": pss_mb(server.pid),
    }


def soak(sim, server: AppServer, cycles: int, students: int = 4) -> dict:
    """Every page opened and its first widget-free rerun, `cycles` times by `students` at once;
    PSS after each cycle."""
    steps = [step for page in PAGES for step in (("open", page), ("rerun",))]
    memory, runs, problems = [], 0, 0
    for _ in range(cycles):
        report = asyncio.run(sim.run_class(server.url, students, steps, timeout=600))
        runs += sum(st["runs"] for st in report["steps"].values())
        problems += len(report["errors"]) + len(report["exceptions"])
        memory.append(pss_mb(server.pid))
    third = max(1, cycles // 3)
    return {
        "runs": runs,
        "errors_and_exceptions": problems,
        "pss_mb_per_cycle": memory,
        "growth_after_first_third_mb": memory[-1] - memory[third - 1],
    }


def medians(rounds: list[dict]) -> dict:
    """Each step's p50/p95/max as the median over rounds, its runs and ok summed over them;
    memory as the highest peak."""
    out: dict = {"rounds": len(rounds), "steps": {}}
    for label in rounds[0]["steps"]:
        values = [r["steps"][label] for r in rounds if label in r["steps"]]
        out["steps"][label] = {
            key: round(statistics.median(v[key] for v in values if v[key] is not None), 3)
            if any(v[key] is not None for v in values)
            else None
            for key in ("p50", "p95", "max")
        } | {"runs": sum(v["runs"] for v in values), "ok": sum(v["ok"] for v in values)}
    out["errors"] = sum(r["errors"] for r in rounds)
    out["exceptions"] = sum(r["exceptions"] for r in rounds)
    out["first_problem"] = next((r["first_error"] or r["first_exception"] for r in rounds
                                 if r["errors"] or r["exceptions"]), [])  # fmt: skip
    out["peak_pss_mb"] = max(r["peak_pss_mb"] for r in rounds)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--scenarios", default="open,pictionary,uploads_cls,uploads_det")
    parser.add_argument("--soak-cycles", type=int, default=30)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "vtl-bench")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    sim, work = class_sim(), args.work
    from core.models.registry import DEFAULT_MODELS

    models = work / "models"
    wanted = [*DEFAULT_MODELS.values(), *PICTIONARY_MODELS]
    if not all(any(models.glob(m.replace("/", "--") + "*")) for m in wanted):
        print("building full-size replicas…", file=sys.stderr, flush=True)
        build_replicas(wanted, models)
    from tests.support.range_server import RangeServer, bucket_from

    bucket = bucket_from(QUICKDRAW, work / "bucket", ("raw", "simplified", "numpy_bitmap"))
    files = RangeServer(bucket).__enter__()  # serves until the process ends
    variants = {"now": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    servers: dict[str, AppServer] = {}
    for name, root in variants.items():
        env = {
            "VTL_LOCAL_MODELS": str(models),
            "HF_HUB_OFFLINE": "1",
            "VTL_MODELS_DIR": str(work / f"trained-{name}"),
            # one file each: the two versions may weigh different precisions
            "VTL_POLICY_CACHE": str(work / f"policies-{name}.json"),
            "VTL_ROUND_SECONDS": "20",
            "VTL_QUICKDRAW_URL": files.url,
            "VTL_QUICKDRAW_CACHE": str(work / f"quickdraw-{name}"),
        }
        servers[name] = AppServer(work / f"{name}.log", env, root)
    figures: dict = {"sessions": args.sessions, "cpus": os.cpu_count(), "scenarios": {}}
    try:
        for scenario in args.scenarios.split(","):
            if scenario == "whole_class":
                figures["scenarios"]["whole_class"] = {
                    name: whole_class(sim, server, phone_photos(
                        work / f"photos-class-{name}", 8, 500 + len(name)))
                    for name, server in servers.items()
                }  # fmt: skip
                print(json.dumps(figures["scenarios"]["whole_class"]), file=sys.stderr)
                continue
            if scenario == "soak":
                figures["scenarios"]["soak"] = {
                    name: soak(sim, server, args.soak_cycles) for name, server in servers.items()
                }
                continue
            rounds: dict[str, list] = {name: [] for name in servers}
            bound: dict[str, dict] = {}
            for index in range(args.rounds):
                for name, server in servers.items():  # A, B, A, B…
                    photos = None
                    if scenario.startswith("uploads"):
                        seed = 1000 * index + 7 * list(servers).index(name) + len(scenario)
                        photos = phone_photos(work / f"photos-{scenario}-{name}-{index}",
                                              args.sessions, seed)  # fmt: skip
                        if name not in bound:  # each version's own path (its precision)
                            task = "image-classification" if scenario == "uploads_cls" \
                                else "object-detection"  # fmt: skip
                            policies = str(work / f"policies-{name}.json")
                            env = {"VTL_LOCAL_MODELS": str(models), "HF_HUB_OFFLINE": "1",
                                   "VTL_POLICY_CACHE": policies}  # fmt: skip
                            one = model_bound_seconds(task, photos / "photo-00.jpg", env,
                                                      variants[name])  # fmt: skip
                            bound[name] = {"one_photo_s": round(one, 3),
                                           "limit_s": round(one * args.sessions, 2)}  # fmt: skip
                    print(f"{scenario} round {index + 1} on {name}…", file=sys.stderr, flush=True)
                    rounds[name].append(run_scenario(sim, server, scenario, args.sessions, photos))
            entry = {name: medians(r) for name, r in rounds.items()}
            if bound:
                entry["model_bound"] = bound
                for name in servers:
                    steps = entry[name]["steps"]
                    upload = next(s for label, s in steps.items() if "upload" in label)
                    entry[name]["p95_over_limit"] = round(upload["p95"] / bound[name]["limit_s"], 2)
            figures["scenarios"][scenario] = entry
            print(json.dumps({scenario: entry}), file=sys.stderr, flush=True)
    finally:
        for server in servers.values():
            server.stop()
    print_report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
