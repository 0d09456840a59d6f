"""A local stand-in for the Hugging Face Hub's HTTP API, serving model folders from disk.

Enough of the API for `snapshot_download` / `hf_hub_download` (repo info, file tree, resolve
with HEAD and GET), so the loader's real download path runs against 127.0.0.1 through
huggingface_hub's own `HF_ENDPOINT` setting. `cut_once` names files whose first GET is cut
halfway, like a school network dropping a download; `stall` names files whose GET answers
only after `stall_seconds`, like a network that has stalled.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class FakeHub:
    def __init__(
        self,
        repos: dict[str, Path],
        cut_once: set[str] | None = None,
        stall: set[str] | None = None,
        stall_seconds: float = 5.0,
    ) -> None:
        self.repos = repos  # "org/name" -> folder
        self.cut_once = set(cut_once or ())
        self.stall = set(stall or ())
        self.stall_seconds = stall_seconds
        self.requests: list[tuple[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _files(self, repo: str) -> list[Path]:
        return sorted(p for p in self.repos[repo].iterdir() if p.is_file())

    def _handler(self):
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _json(self, body, status: int = 200, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _not_found(self) -> None:
                self._json({"error": "Repository not found"}, 404, {"X-Error-Code": "RepoNotFound"})

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                path = unquote(urlparse(self.path).path)
                hub.requests.append((self.command, path))
                info = re.match(r"^/api/models/([^/]+/[^/]+)/revision/([^/]+)$", path)
                tree = re.match(r"^/api/models/([^/]+/[^/]+)/tree/([^/]+)", path)
                resolve = re.match(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$", path)
                repo = next((m.group(1) for m in (info, tree, resolve) if m), None)
                if repo not in hub.repos:
                    return self._not_found()
                if (info or tree) and "api" in hub.stall:  # "api": the questions stall too
                    time.sleep(hub.stall_seconds)
                if info:
                    siblings = [{"rfilename": p.name} for p in hub._files(repo)]
                    return self._json({"id": repo, "sha": COMMIT, "siblings": siblings})
                if tree:
                    entries = [
                        {"type": "file", "path": p.name, "size": p.stat().st_size,
                         "oid": hashlib.sha1(p.read_bytes()).hexdigest()}
                        for p in hub._files(repo)
                    ]  # fmt: skip
                    return self._json(entries)
                file = hub.repos[repo] / resolve.group(3)
                if not file.is_file():
                    return self._json({"error": "Entry not found"}, 404,
                                      {"X-Error-Code": "EntryNotFound"})  # fmt: skip
                data = file.read_bytes()
                self.send_response(200)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command == "HEAD":
                    return None
                if file.name in hub.stall:
                    time.sleep(hub.stall_seconds)
                if file.name in hub.cut_once:
                    hub.cut_once.discard(file.name)
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(2)  # the network drops mid-download
                    return None
                self.wfile.write(data)
                return None

        return Handler
