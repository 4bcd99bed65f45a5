"""Writing files so that no reader ever sees half of one, nor half of a set.

`write_atomically`: one file through a temporary beside it, renamed into place once complete
(the caches, fetched remote images). `replace_together`: a build's outputs, all written to
temporaries first, then swapped in with the previous set kept aside, so that a full disk, an
I/O error or a signal leaves either the whole old set or the whole new one, never a mix.
Every temporary is named `.booklet-tmp-<pid>-…`: one that a build killed outright (SIGKILL)
left behind is removed by the next build into the same folder, and an earlier output it had
kept aside mid-swap is put back.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from booklet.errors import InterruptedAfterWriting

TEMP_PREFIX = ".booklet-tmp-"
_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` (mode 644) through a temporary file; raise OSError, leaving nothing behind."""
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def replace_together(outputs: dict[Path, bytes]) -> None:
    """Put every `outputs` file in place, or none: on any failure the previous set is whole again.

    Phase 1 writes each file to a temporary and flushes it to disk (ENOSPC shows here, with
    nothing replaced). Phase 2, with SIGINT/SIGTERM/SIGHUP held back until it ends, keeps a hard
    link to each old file and renames the new ones in; a failed rename puts the old ones back.
    Raises OSError (the old set whole, no temporary left); a signal held back is delivered after
    the swap as `InterruptedAfterWriting`.
    """
    temporaries: dict[Path, Path] = {}
    swapped = False
    try:
        for path, data in outputs.items():
            temporaries[path] = _temporary(path, "new")
            _write_synced(temporaries[path], data)
        with _signals_held():
            _swap(temporaries)
            swapped = True
    except KeyboardInterrupt:
        if swapped:  # held back during the swap, delivered as it ended: the new set is whole
            raise InterruptedAfterWriting from None
        raise
    finally:
        for temporary in temporaries.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


def remove_stale_temporaries(folder: Path) -> None:
    """Clean up after builds killed outright (SIGKILL, a power cut) in `folder`.

    A killed build's new files not yet renamed in mean that its swap was under way: the earlier
    files it kept aside are put back (the whole old set again). Otherwise its swap had ended,
    and what it kept aside is only removed. Temporaries of a build still running are left alone.
    """
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.startswith(TEMP_PREFIX)]
    except OSError:
        return
    by_build: dict[str, list[str]] = {}
    for name in names:
        pid = name[len(TEMP_PREFIX) :].partition("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            by_build.setdefault(pid, []).append(name)
    for pid, left in by_build.items():
        unfinished = any(name.startswith(f"{TEMP_PREFIX}{pid}-new-") for name in left)
        for name in sorted(left):
            old = name.removeprefix(f"{TEMP_PREFIX}{pid}-old-")
            with contextlib.suppress(OSError):
                if old != name and unfinished:
                    os.replace(folder / name, folder / old)
                else:
                    os.unlink(folder / name)


def _temporary(path: Path, role: str) -> Path:
    return path.with_name(f"{TEMP_PREFIX}{os.getpid()}-{role}-{path.name}")


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.chmod(path, 0o644)


def _swap(temporaries: dict[Path, Path]) -> None:
    kept: dict[Path, Path | None] = {}  # target → the old file's hard link (None: there was none)
    try:
        for target, temporary in temporaries.items():
            kept[target] = _keep_old(target)
            os.replace(temporary, target)
    except BaseException:
        for target, old in kept.items():
            with contextlib.suppress(OSError):
                if old is not None:
                    os.replace(old, target)
                elif not temporaries[target].exists():
                    os.unlink(target)  # it was renamed in: there was no file before it
        raise
    finally:
        for old in kept.values():
            if old is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(old)


def _keep_old(target: Path) -> Path | None:
    old = _temporary(target, "old")
    try:
        os.link(target, old)
    except FileNotFoundError:
        return None
    return old


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold the signals that end a build until the block ends (only the main thread receives them)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
