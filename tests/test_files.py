"""The outputs of one build replace the previous ones together or not at all (booklet/files.py).

A failure is injected at every step of the swap in turn — each write, flush, link and rename,
as a full disk (ENOSPC) and as a Ctrl-C — and real signals are sent to a process swapping
sets in a loop, at many moments. After each: the whole old set or the whole new one, and no
temporary file.
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from booklet import files

NAMES = ("b.pdf", "b.epub", "b.html", "b-cover.png")
ROOT = Path(__file__).resolve().parent.parent


def generation(out: Path) -> set[bytes]:
    """The generations the outputs hold: one, when the set is whole."""
    return {(out / name).read_bytes()[:8] for name in NAMES if (out / name).exists()}


def temporaries(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.startswith(files.TEMP_PREFIX)]


def new_set(out: Path, tag: bytes, size: int = 1000) -> dict[Path, bytes]:
    return {out / name: tag.ljust(8, b".") * (size // 8) for name in NAMES}


class Faults:
    """Wrap the file operations `files` uses; raise `fault` at call number `at`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: int, fault: BaseException) -> None:
        self.calls, self.at, self.fault = 0, at, fault
        for name in ("replace", "link", "fsync", "chmod"):
            monkeypatch.setattr(files.os, name, self.wrap(getattr(os, name)))
        monkeypatch.setattr(builtins, "open", self.wrap(builtins.open))

    def wrap(self, real: Callable[..., object]) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            self.calls += 1
            if self.calls == self.at:
                raise self.fault
            return real(*args, **kwargs)

        return call


def count_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    out = tmp_path / "count"
    out.mkdir()
    files.replace_together(new_set(out, b"old"))
    with monkeypatch.context() as patch:
        faults = Faults(patch, 0, OSError())
        files.replace_together(new_set(out, b"new"))
    return faults.calls


@pytest.mark.parametrize("fault", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_a_fault_at_any_step_leaves_one_whole_set(
    fault: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = count_calls(tmp_path, monkeypatch)
    assert steps >= 4 * len(NAMES)  # open, fsync, chmod, link and replace for each
    for at in range(1, steps + 1):
        out = tmp_path / f"at-{at}"
        out.mkdir()
        files.replace_together(new_set(out, b"old"))
        with monkeypatch.context() as patch:
            Faults(patch, at, fault)
            with pytest.raises(type(fault)):
                files.replace_together(new_set(out, b"new"))
        assert generation(out) == {b"old....."}, f"a mixed set after a fault at step {at}"
        assert temporaries(out) == [], f"a temporary left after a fault at step {at}"


def test_a_fault_when_there_was_no_earlier_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    steps = count_calls(tmp_path, monkeypatch)
    for at in range(1, steps + 1):
        out = tmp_path / f"at-{at}"
        out.mkdir()
        with monkeypatch.context() as patch:
            Faults(patch, at, OSError(errno.EIO, "Input/output error"))
            with pytest.raises(OSError):  # noqa: PT011 - any OSError the disk gives
                files.replace_together(new_set(out, b"new"))
        assert list(out.iterdir()) == [], f"step {at}"


SWAPPER = """
import signal, sys
from pathlib import Path
from booklet import files
from booklet.errors import InterruptedAfterWriting

def interrupt(signum, frame):
    raise KeyboardInterrupt

signal.signal(signal.SIGTERM, interrupt)
out = Path(sys.argv[1])
names = {names!r}
n = 0
print("ready", flush=True)
try:
    while True:
        n += 1
        tag = str(n).encode().ljust(8, b".")
        files.replace_together({{out / name: tag * 40000 for name in names}})
except InterruptedAfterWriting:
    sys.exit(131)
except KeyboardInterrupt:
    sys.exit(130)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_at_many_moments_leave_one_whole_set(signum: int, tmp_path: Path) -> None:
    """A process swaps 1.3 MB sets in a loop; it is stopped 12 times at seeded random moments."""
    shuffle = random.Random(18)
    script = SWAPPER.format(names=NAMES)
    for attempt in range(12):
        out = tmp_path / f"run-{attempt}"
        out.mkdir()
        process = subprocess.Popen(
            [sys.executable, "-c", script, str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert process.stdout is not None and process.stdout.readline() == b"ready\n"
        time.sleep(shuffle.uniform(0.0, 0.2))
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode in (130, 131), stderr
        assert len(generation(out)) <= 1, f"attempt {attempt}: a mixed set"
        assert temporaries(out) == [], f"attempt {attempt}: {temporaries(out)}"


def test_a_killed_swap_is_cleaned_by_the_next_build(tmp_path: Path) -> None:
    """SIGKILL cannot be held back: the next build removes what it left and puts back what it kept."""
    shuffle = random.Random(9)
    script = SWAPPER.format(names=NAMES)
    for attempt in range(6):
        out = tmp_path / f"run-{attempt}"
        out.mkdir()
        process = subprocess.Popen([sys.executable, "-c", script, str(out)], cwd=ROOT, stdout=subprocess.PIPE)
        assert process.stdout is not None and process.stdout.readline() == b"ready\n"
        time.sleep(shuffle.uniform(0.0, 0.2))
        process.kill()
        process.wait(timeout=60)
        process.stdout.close()
        files.remove_stale_temporaries(out)
        assert temporaries(out) == []
        assert len(generation(out)) <= 1, f"attempt {attempt}: a mixed set"


FULL_DISK = """
import json, os, subprocess, sys
from pathlib import Path

disk, source = Path(sys.argv[1]), sys.argv[2]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], check=True)
out = disk / "out"

def build(epoch):
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
    command = [sys.executable, "-m", "booklet", "build", source, "--out", str(out), "--quiet"]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)

def outputs():
    return {p.name: p.read_bytes() for p in out.iterdir()}

first = build("1000000000")
assert first.returncode == 0, first.stderr
old = outputs()
size = sum(len(data) for data in old.values())
free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
(disk / "filler").write_bytes(bytes(free - size // 2))  # the new set cannot sit beside the old one
full = build("2000000000")
after = outputs()
(disk / "filler").unlink()
again = build("2000000000")
new = outputs() if again.returncode == 0 else {}
print(json.dumps([sorted(old), size, full.returncode, full.stderr, sorted(after), sorted(n for n in old if after.get(n) != old[n]), again.returncode, sorted(new), new != old]))
"""


def test_a_full_disk_for_real_leaves_the_old_set(tmp_path: Path) -> None:
    """A whole build onto an 8 MB tmpfs (mounted in a mount namespace of its own, so nothing
    outside sees it; `unshare` maps the user to root where it is not): with too little room
    for the new set beside the old, the build exits 1 with the located message, the old set is
    whole and no temporary is left; once there is room, the new set replaces it whole."""
    disk = tmp_path / "disk"
    disk.mkdir()
    user = [] if os.geteuid() == 0 else ["--map-root-user"]
    source = str(ROOT / "tests" / "fixtures" / "utf8-bom")
    process = subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            *user,
            sys.executable,
            "-c",
            FULL_DISK,
            str(disk),
            source,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert process.returncode == 0, process.stderr
    names, size, code, stderr, after, changed_names, code_again, new_names, changed = json.loads(
        process.stdout
    )
    out = disk / "out"
    assert names == ["utf8-bom-cover.png", "utf8-bom.epub", "utf8-bom.html", "utf8-bom.pdf"] and size > 10_000
    assert (code, stderr) == (
        1,
        (
            f"{out}: error: cannot write the outputs (No space left on device): the previous ones are unchanged;"
            " choose another folder with --out\n"
        ),
    )
    assert (after, changed_names) == (names, []), "the old set changed, or a temporary was left beside it"
    assert (code_again, new_names, changed) == (0, names, True)
