"""The app as a class meets it: `streamlit run Home.py` on a free local port, and the shared
simulated-class client (`../shared/tools/class_sim.py`) that speaks Streamlit's websocket
protocol to it. Used by tests/test_real_server.py and benchmarks/class_server.py."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import ModuleType

from tests.support.environment import ROOT, SHARED

CLASS_SIM = SHARED / "tools" / "class_sim.py"
# Every page by its address ("" is Home), as a student opens them.
PAGES = (
    "",
    "Image_Classification",
    "Object_Detection",
    "Depth_Estimation",
    "Image_Segmentation",
    "Quick_Draw_Explorer",
    "Train_Your_Own",
    "Pictionary",
    "Diagnostics",
)


def class_sim() -> ModuleType:
    """The shared simulated-class client, imported from its file."""
    if "class_sim" in sys.modules:
        return sys.modules["class_sim"]
    spec = importlib.util.spec_from_file_location("class_sim", CLASS_SIM)
    module = importlib.util.module_from_spec(spec)
    sys.modules["class_sim"] = module
    spec.loader.exec_module(module)
    _clear_autoreruns_on_full_runs(module.Session)
    return module


def _clear_autoreruns_on_full_runs(session: type) -> None:
    """As Streamlit's frontend does (`cleanupAutoReruns` in its `handleNewSession`): a full run
    (not a fragment's) stops the fragments' timers; the fragments drawn again restart theirs.
    Without it a simulated student keeps ticking a fragment the page no longer draws (Pictionary's
    game after its dogs-and-cats tab), which the server never answers."""
    recv = session._recv

    async def _recv(self, run):
        fm = await recv(self, run)
        if fm.WhichOneof("type") == "new_session" and not fm.metadata.run.fragment_ids:
            self.autoreruns.clear()
        return fm

    session._recv = _recv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """`streamlit run Home.py` from `root` (this checkout, or another one to compare with)
    with `env` on top of this process's environment; its output goes to `log`."""

    def __init__(self, log: Path, env: dict[str, str], root: Path = ROOT) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        command = [sys.executable, "-m", "streamlit", "run", "Home.py",
                   "--server.port", str(self.port), "--server.address", "127.0.0.1",
                   "--server.headless", "true", "--browser.gatherUsageStats", "false"]  # fmt: skip
        self._log = open(log, "w")  # noqa: SIM115 - open as long as the server runs
        self.process = subprocess.Popen(
            command, cwd=root, env=os.environ | env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            health = self.url + "/_stcore/health"
            with contextlib.suppress(OSError), urllib.request.urlopen(health, timeout=2) as ok:
                if ok.read() == b"ok":
                    return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the app did not start:\n{log.read_text()[-2000:]}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


def pss_mb(pid: int) -> float:
    """The memory of a server's process tree as if it ran alone, in MB: each process's share
    of anonymous memory (PSS: pages shared by its forked workers are split between them), plus
    the files it maps (torch's libraries) counted once. Plain PSS would split those file pages
    with any other server that maps the same libraries, such as the one compared with."""
    anon, files = 0, 0
    for p in [pid, *_descendants(pid)]:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith(("Pss_Anon:", "Pss_Shmem:")):
                    anon += int(line.split()[1])
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("RssFile:"):
                    files = max(files, int(line.split()[1]))  # the server maps them all
    return round((anon + files) / 1024)


def _descendants(pid: int) -> list[int]:
    """Every process started by `pid`, and theirs (the training workers, the fork server)."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{parent}/task").iterdir():
                with contextlib.suppress(OSError):
                    kids = [int(k) for k in (task / "children").read_text().split()]
                    found += kids
                    frontier += kids
    return found
