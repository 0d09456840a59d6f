"""A local static file server that honours HTTP `Range` (or, on request, ignores it), counting
the bytes it sends: the tests' stand-in for Google's Quick, Draw! bucket. It can also drop the
next answer halfway (`cut_next`) or stall before answering (`stall_seconds`), like a school
network."""

from __future__ import annotations

import re
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse


def bucket_from(data: Path, root: Path, formats: tuple[str, ...]) -> Path:
    """Lay out shared Quick, Draw! folders (`data/<format>/`) as the bucket does
    (`root/full/<format>/`), for a `RangeServer` to serve."""
    for fmt in formats:
        (root / "full" / fmt).mkdir(parents=True, exist_ok=True)
        for file in (data / fmt).iterdir():
            shutil.copy(file, root / "full" / fmt / file.name)
    return root


class RangeServer:
    def __init__(self, root: Path, honour_range: bool = True) -> None:
        self.root = root
        self.honour_range = honour_range
        self.cut_next = False
        self.stall_seconds = 0.0
        self.bytes_sent = 0
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RangeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        served = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = served.root / unquote(urlparse(self.path).path).lstrip("/")
                served.requests.append(self.headers.get("Range", ""))
                if served.stall_seconds:
                    time.sleep(served.stall_seconds)
                if not path.is_file():
                    self.send_error(404)
                    return
                size = path.stat().st_size
                match = re.match(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
                try:
                    with open(path, "rb") as file:
                        if served.honour_range and match:
                            start = int(match.group(1))
                            end = min(int(match.group(2) or size - 1), size - 1)
                            if start >= size:
                                self.send_response(416)
                                self.send_header("Content-Range", f"bytes */{size}")
                                self.end_headers()
                                return
                            self.send_response(206)
                            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
                            length = end - start + 1
                        else:
                            self.send_response(200)
                            start, length = 0, size
                        self.send_header("Content-Length", str(length))
                        self.end_headers()
                        file.seek(start)
                        if served.cut_next:  # half the answer, then the network drops
                            served.cut_next = False
                            self.wfile.write(file.read(length // 2))
                            self.wfile.flush()
                            self.connection.shutdown(2)
                            return
                        left = length
                        while left:
                            piece = file.read(min(64 * 1024, left))
                            self.wfile.write(piece)
                            served.bytes_sent += len(piece)
                            left -= len(piece)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up once it had enough

        return Handler
