"""Saved models written whole or not at all: concurrent saves of one name, a full disk, a
crash halfway, replacing on purpose, and the leftovers of interrupted saves."""

from __future__ import annotations

import errno
import os
import threading
import time

import pytest

from core.atomic_folder import PARTIAL, REPLACED, remove_interrupted, write_file, write_folder


def _writer(words: str, delay: float = 0.0, fail: OSError | None = None):
    def write(folder):
        (folder / "config.json").write_text(words)
        time.sleep(delay)
        if fail is not None:
            raise fail
        (folder / "training.json").write_text(words)

    return write


def test_two_saves_of_one_name_at_once_one_wins_whole(tmp_path):
    target = tmp_path / "my-doodles"
    outcomes = {}
    start = threading.Barrier(2)

    def save(words):
        start.wait()
        try:
            write_folder(target, _writer(words, delay=0.2))
            outcomes[words] = "saved"
        except FileExistsError:
            outcomes[words] = "taken"

    threads = [threading.Thread(target=save, args=(w,)) for w in ("cat fish", "apple eye")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["saved", "taken"]
    winner = next(words for words, outcome in outcomes.items() if outcome == "saved")
    assert (target / "config.json").read_text() == (target / "training.json").read_text()
    assert (target / "config.json").read_text() == winner  # never a mix of the two
    assert [p.name for p in tmp_path.iterdir()] == ["my-doodles"]  # nothing left behind


def test_a_full_disk_leaves_the_old_model_whole(tmp_path):
    target = tmp_path / "mine"
    write_folder(target, _writer("old"))
    with pytest.raises(OSError) as failed:
        write_folder(target, _writer("new", fail=OSError(errno.ENOSPC, "No space")), True)
    assert failed.value.errno == errno.ENOSPC
    assert (target / "training.json").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]


def test_replacing_on_purpose_swaps_the_whole_folder(tmp_path):
    target = tmp_path / "mine"
    write_folder(target, _writer("old"))
    with pytest.raises(FileExistsError):
        write_folder(target, _writer("new"))
    write_folder(target, _writer("new"), replace=True)
    assert (target / "config.json").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]


def test_what_interrupted_saves_left_is_cleaned(tmp_path):
    old = time.time() - 3600
    half = tmp_path / f"{PARTIAL}mine-abc"
    fresh = tmp_path / f"{PARTIAL}other-def"  # a save in progress right now: left alone
    aside = tmp_path / f"{REPLACED}kept-ghi"  # killed between the two renames
    for folder in (half, fresh, aside):
        folder.mkdir()
        (folder / "config.json").write_text("{}")
    for folder in (half, aside):
        os.utime(folder, (old, old))
    handled = remove_interrupted(tmp_path)
    assert sorted(handled) == sorted([half.name, aside.name])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, "kept"])


def test_a_save_killed_halfway_leaves_no_model(tmp_path):
    """A separate process killed while it writes: nothing is listed as a model."""
    import subprocess
    import sys

    from core.quickdraw.saved_models import saved_models

    code = (
        "import sys, time; from pathlib import Path; from core.atomic_folder import "
        "write_folder\n"
        "def write(folder):\n"
        "    (folder / 'config.json').write_text('{}'); print('writing', flush=True)\n"
        "    time.sleep(60)\n"
        "write_folder(Path(sys.argv[1]) / 'mine', write)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], cwd=root, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "writing"
    process.kill()
    process.wait()
    assert saved_models(tmp_path) == []
    assert not (tmp_path / "mine").exists()


def test_a_file_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    target = tmp_path / "policies.json"
    write_file(target, b"first")
    write_file(target, b"second")  # replaced in one step
    assert target.read_bytes() == b"second"

    def cut_short(source, destination):  # the disk filled, or the server was stopped, there
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", cut_short)
    with pytest.raises(OSError):
        write_file(target, b"x" * 100_000)
    monkeypatch.undo()
    assert target.read_bytes() == b"second"  # as it was
    assert [p.name for p in tmp_path.iterdir()] == ["policies.json"]  # no temporary file left


def test_two_writers_of_one_file_never_share_a_temporary_name(tmp_path):
    """The app and a Serve replica keep the run policies in one file: each writes under a name
    of its own, so the file is always one writer's whole text."""
    target = tmp_path / "policies.json"
    texts = [bytes([65 + n]) * 200_000 for n in range(8)]
    writers = [threading.Thread(target=write_file, args=(target, text)) for text in texts]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert target.read_bytes() in texts
    assert [p.name for p in tmp_path.iterdir()] == ["policies.json"]
