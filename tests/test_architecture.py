"""The layering of core/ holds: import-linter's contracts (pyproject.toml) are kept."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    command = shutil.which("lint-imports")
    assert command, "import-linter is a dev requirement (requirements-dev.txt)"
    done = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"Contracts: [1-9]\d* kept, 0 broken", done.stdout), done.stdout[-3000:]


def test_only_the_ui_layer_pages_and_home_import_streamlit():
    """The same rule read from the files themselves, so that a new top-level script is held."""
    import ast

    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "app_pages", "benchmarks"} or relative.parts[
            :2
        ] == (
            "core",
            "ui",
        ):
            continue
        if relative == Path("Home.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0].startswith("streamlit") for name in names):
                offenders.append(str(relative))
    assert offenders == []
