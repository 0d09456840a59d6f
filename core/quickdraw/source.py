"""Reading the first drawings of a category from Google's public bucket, a few bytes at a time.

The category files are 70–470 MB; HTTP `Range` requests fetch only the start of a file, in
growing chunks, until enough complete drawings have arrived. What arrives is kept on disk (the
start of each file, written atomically, so an interrupted fetch never leaves a corrupt cache)
and extended on the next, larger request. A server that ignores `Range` is read only as far as
needed, then the connection is closed.
"""

from __future__ import annotations

import errno
import io
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import quote

import numpy as np
from numpy.lib import format as npy_format

from core.atomic_folder import write_file
from core.errors import StudentFacingError, first_line
from core.quickdraw.formats import Drawing, FormatError, read_binary_prefix, read_ndjson

FORMATS = {  # format → (folder in the bucket, file extension)
    "raw": ("full/raw", ".ndjson"),
    "simplified": ("full/simplified", ".ndjson"),
    "binary": ("full/binary", ".bin"),
    "numpy_bitmap": ("full/numpy_bitmap", ".npy"),
}
FIRST_CHUNK = 64 * 1024
BITMAP_BYTES = 28 * 28


class QuickDrawReason(StrEnum):
    """Why Quick, Draw! drawings could not be had."""

    OFFLINE = "offline"
    TIMEOUT = "timeout"
    NOT_FOUND = "not_found"
    BAD_DATA = "bad_data"  # what arrived is not a Quick, Draw! file (a login page, say)
    EMPTY = "empty"  # a local file that holds no drawing


class QuickDrawError(StudentFacingError):
    """The drawings could not be fetched or read, and why (`QuickDrawReason`)."""

    Reason = QuickDrawReason
    messages = "quickdraw.error"


@dataclass
class FetchStats:
    """What a read cost: bytes over the network, requests, bytes served from the disk cache."""

    bytes_transferred: int = 0
    requests: int = 0
    bytes_from_cache: int = 0
    file_size: int | None = None


@dataclass
class _Prefix:
    data: bytes
    complete: bool  # the whole file is here
    file_size: int | None = None


@dataclass
class QuickDrawSource:
    """Google's bucket (or any server laid out like it, e.g. the tests' local server)."""

    base_url: str
    cache_dir: Path
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 0.5
    stats: FetchStats = field(default_factory=FetchStats)
    # Why the disk cache could not be written ("not_writable", "disk_full"), if it could not:
    # the drawings still come, fetched again next time; the page says so in the student's
    # language.
    cache_problem: str | None = None

    def url(self, fmt: str, word: str) -> str:
        folder, extension = FORMATS[fmt]
        return f"{self.base_url.rstrip('/')}/{folder}/{quote(word)}{extension}"

    def first_drawings(
        self,
        word: str,
        fmt: str,
        count: int,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[list[Drawing], int]:
        """The first `count` drawings of `word` (raw, simplified or binary), and how many
        malformed lines were skipped on the way. Raises `QuickDrawError`."""
        if fmt not in {"raw", "simplified", "binary"}:
            raise ValueError(f"drawings come as raw, simplified or binary, not {fmt!r}")
        prefix = self._cached(fmt, word)
        chunk = FIRST_CHUNK
        while True:
            drawings, skipped = _parse(prefix.data, fmt, word, prefix.complete)
            if progress:
                progress(min(len(drawings), count), count)
            if len(drawings) >= count or prefix.complete:
                return drawings[:count], skipped
            prefix = self._extend(fmt, word, prefix, chunk)
            chunk *= 2

    def first_bitmaps(self, word: str, count: int) -> np.ndarray:
        """The first `count` 28 × 28 bitmaps of a numpy_bitmap file: its header, then exactly
        the rows asked for."""
        prefix = self._cached("numpy_bitmap", word)
        if len(prefix.data) < 128 and not prefix.complete:
            prefix = self._extend("numpy_bitmap", word, prefix, 1024 - len(prefix.data))
        try:
            header_end, rows = npy_header(prefix.data)
        except FormatError as err:  # e.g. a network's login page instead of the file
            for path in self._paths("numpy_bitmap", word):
                path.unlink(missing_ok=True)  # not kept: the next try fetches it again
            raise QuickDrawError("bad_data", str(err)) from None
        needed = header_end + min(count, rows) * BITMAP_BYTES
        while len(prefix.data) < needed and not prefix.complete:  # a dropped answer: go on
            before = len(prefix.data)
            prefix = self._extend("numpy_bitmap", word, prefix, needed - before)
            if len(prefix.data) == before:
                break
        return _bitmap_rows(prefix.data, header_end, rows, count)

    # The cache: the start of each file, `<cache>/<fmt>/<word>.part`, and `.complete` beside it
    # once the whole file is there.
    def _paths(self, fmt: str, word: str) -> tuple[Path, Path]:
        folder = self.cache_dir / fmt
        safe = quote(word, safe="")
        return folder / f"{safe}.part", folder / f"{safe}.complete"

    def _cached(self, fmt: str, word: str) -> _Prefix:
        part, complete = self._paths(fmt, word)
        try:
            data = part.read_bytes() if part.is_file() else b""
        except OSError:  # unreadable: as if nothing were cached
            data = b""
        self.stats.bytes_from_cache += len(data)
        return _Prefix(data, bool(data) and complete.is_file())

    def _extend(self, fmt: str, word: str, prefix: _Prefix, size: int) -> _Prefix:
        start = len(prefix.data)
        body, complete, total = self._fetch(self.url(fmt, word), start, start + size - 1)
        data = prefix.data + body
        self._keep(fmt, word, data, complete)
        self.stats.file_size = total
        return _Prefix(data, complete, total)

    def _keep(self, fmt: str, word: str, data: bytes, complete: bool) -> None:
        """Write the start of the file to the cache, whole or not at all; a cache that cannot
        be written (a file in its place, read-only, a full disk) is noted, not fatal."""
        part, complete_marker = self._paths(fmt, word)
        try:
            part.parent.mkdir(parents=True, exist_ok=True)
            write_file(part, data)  # never a half-written cache file
            if complete:
                complete_marker.touch()
        except OSError as exc:
            self.cache_problem = "disk_full" if exc.errno == errno.ENOSPC else "not_writable"

    def _fetch(self, url: str, start: int, end: int) -> tuple[bytes, bool, int | None]:
        """Bytes `start`–`end` of `url`, whether the file ends there, and its size if known."""
        last_error: Exception | None = None
        for attempt in range(self.retries):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                return self._fetch_once(url, start, end)
            except urllib.error.HTTPError as exc:
                if exc.code == 416:  # asked past the end: nothing more
                    return b"", True, start
                if exc.code == 404:
                    raise QuickDrawError("not_found", url) from None
                last_error = exc
            except TimeoutError as exc:
                last_error = exc
            except (urllib.error.URLError, OSError) as exc:
                last_error = exc
        reason = "timeout" if isinstance(last_error, TimeoutError) else "offline"
        raise QuickDrawError(reason, str(last_error))

    def _fetch_once(self, url: str, start: int, end: int) -> tuple[bytes, bool, int | None]:
        request = urllib.request.Request(url, headers={"Range": f"bytes={start}-{end}"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            self.stats.requests += 1
            wanted = end - start + 1
            if response.status == 206:
                body = response.read(wanted)
                total = _total_from_content_range(response.headers.get("Content-Range", ""))
                complete = total is not None and start + len(body) >= total
            else:  # the server ignored Range: skip what we have, read what we need, hang up
                skipped = 0
                while skipped < start:
                    piece = response.read(min(1 << 20, start - skipped))
                    if not piece:
                        break
                    skipped += len(piece)
                    self.stats.bytes_transferred += len(piece)
                body = response.read(wanted)
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                complete = len(body) < wanted or (total is not None and start + len(body) >= total)
            self.stats.bytes_transferred += len(body)
            return body, complete, total


def _total_from_content_range(header: str) -> int | None:
    """`bytes 0-99/1234` → 1234."""
    total = header.rpartition("/")[2]
    return int(total) if total.isdigit() else None


def _parse(data: bytes, fmt: str, word: str, complete: bool) -> tuple[list[Drawing], int]:
    if fmt == "binary":
        drawings, _ = read_binary_prefix(data, word)
        return drawings, 0
    lines = data.split(b"\n")
    if not complete:
        lines = lines[:-1]  # the last line may be cut in the middle
    return read_ndjson(lines)


def npy_header(data: bytes) -> tuple[int, int]:
    """(where the rows start, how many rows) from the start of a `.npy` file of 784-byte rows.

    Raises `FormatError` for anything else. numpy's own reader parses the header (a literal,
    never unpickled, at most 4 KB); the rows are then read as plain bytes."""
    if data[:6] != b"\x93NUMPY":
        raise FormatError("not a .npy file")
    stream = io.BytesIO(data)
    try:
        version = npy_format.read_magic(stream)
        read_header = (
            npy_format.read_array_header_1_0
            if version == (1, 0)
            else npy_format.read_array_header_2_0
        )
        shape, fortran, dtype = read_header(stream, max_header_size=4096)
    except (ValueError, EOFError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise FormatError(f"the .npy header is not readable ({first_line(exc, 120)})") from None
    if dtype != np.uint8 or fortran:
        raise FormatError(f"expected C-ordered uint8 rows, got {dtype}")
    if len(shape) != 2 or shape[1] != BITMAP_BYTES:
        raise FormatError(f"expected rows of 784 pixels, got shape {shape}")
    return stream.tell(), shape[0]


def read_npy_bitmaps(data: bytes, count: int) -> np.ndarray:
    """The first `count` 28 × 28 bitmaps of a numpy_bitmap `.npy` file a student opened;
    raises `FormatError` (never unpickles: the rows are read as bytes)."""
    start, rows = npy_header(data)
    bitmaps = _bitmap_rows(data, start, rows, count)
    if not len(bitmaps):
        raise FormatError("the .npy file holds no drawing")
    return bitmaps


def _bitmap_rows(data: bytes, start: int, rows: int, count: int) -> np.ndarray:
    """The first `count` of the `rows` bitmaps that begin at `start`, as far as `data` goes."""
    take = max(0, min(count, rows, (len(data) - start) // BITMAP_BYTES))
    body = data[start : start + take * BITMAP_BYTES]
    return np.frombuffer(body, dtype=np.uint8).reshape(take, 28, 28)


def read_upload(name: str, data: bytes) -> tuple[list[Drawing], int]:
    """A local `.ndjson` (raw or simplified) or `.bin` file: the offline source; raises
    `QuickDrawError("empty")` when it holds no drawing."""
    word = Path(name).stem
    if name.lower().endswith(".bin"):
        from core.quickdraw.formats import read_binary

        drawings, skipped = read_binary(data, word)
    elif name.lower().endswith(".ndjson"):
        drawings, skipped = read_ndjson(data.splitlines())
    else:
        raise ValueError("expected a .ndjson or .bin file")
    if not drawings:
        raise QuickDrawError("empty", name)
    return drawings, skipped
