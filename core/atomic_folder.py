"""Files and folders written whole or not at all: the saved models of "Train your own", the
Quick, Draw! cache, the run policies.

A model is a folder of several files (config, weights, image processor, card). Written in
place, a save cut short (a killed server, a full disk) leaves a folder that is listed but does
not load, and two students saving the same name at once mix their files. So a folder is written
under a hidden name in the same directory, its files flushed to disk, then renamed into place in
one step; a name already taken is refused, or, when replacing is asked for, the old folder is
moved aside first and removed only once the new one is in place.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PARTIAL, REPLACED = ".partial-", ".replaced-"


def write_folder(target: Path, write: Callable[[Path], None], replace: bool = False) -> Path:
    """Run `write(folder)` on a hidden folder beside `target`, then put it in place.

    Raises `FileExistsError` if `target` exists (or appears meanwhile) and `replace` is False;
    any other `OSError` (a full disk: `errno.ENOSPC`) leaves `target` as it was."""
    parent = target.parent
    if target.exists() and not replace:
        raise FileExistsError(errno.EEXIST, "already exists", str(target))
    parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f"{PARTIAL}{target.name}-", dir=parent))
    try:
        write(partial)
        _flush(partial)
        if replace and target.exists():
            aside = Path(tempfile.mkdtemp(prefix=f"{REPLACED}{target.name}-", dir=parent))
            aside.rmdir()
            target.rename(aside)  # the old model waits here until the new one is in place
            partial.rename(target)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            _rename_new(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return target


def _rename_new(partial: Path, target: Path) -> None:
    """Rename, refusing to land on an existing folder (another save of the same name won)."""
    try:
        if target.exists():
            raise FileExistsError(errno.EEXIST, "already exists", str(target))
        partial.rename(target)
    except OSError as err:
        if err.errno in {errno.ENOTEMPTY, errno.EEXIST}:
            raise FileExistsError(errno.EEXIST, "already exists", str(target)) from None
        raise


def _flush(folder: Path) -> None:
    """Every file and the folder itself on disk before the rename makes them visible."""
    for path in folder.iterdir():
        with open(path, "rb") as file:
            os.fsync(file.fileno())
    if hasattr(os, "O_DIRECTORY"):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def remove_interrupted(parent: Path, older_than_s: float = 600) -> list[str]:
    """Clean what interrupted saves left in `parent`: half-written folders older than
    `older_than_s` (younger ones may be a save in progress) are removed; a replaced model whose
    replacement never landed is put back. Returns the names handled."""
    handled = []
    if not parent.is_dir():
        return handled
    now = time.time()
    for path in parent.iterdir():
        if not path.is_dir() or now - path.stat().st_mtime < older_than_s:
            continue
        if path.name.startswith(PARTIAL):
            shutil.rmtree(path, ignore_errors=True)
            handled.append(path.name)
        elif path.name.startswith(REPLACED):
            name = path.name[len(REPLACED) :].rsplit("-", 1)[0]
            target = parent / name
            if target.exists():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.rename(target)
            handled.append(path.name)
    return handled


def write_file(target: Path, data: bytes) -> None:
    """`data` as the file `target`, whole or not at all: written under a name of its own
    (`mkstemp`, so that two processes writing the same file at once, the app and a Serve
    replica, never write into one another's), then renamed into place. Raises `OSError` (a
    full disk, a read-only folder), leaving `target` as it was and no temporary file."""
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=PARTIAL + target.name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
