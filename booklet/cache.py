"""The user's cache: bytes that took long to make (covers, font subsets), kept between builds.

Takes a kind (`covers`, `fonts`, `pdf-fonts`), a key and a way to make the bytes; returns the bytes,
from `$XDG_CACHE_HOME/booklet/<kind>/` when the same key was seen before. A cache that
cannot be written only costs time. The remote images fetched with `--fetch-remote` are kept
under `remote/` (content/images.py).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from booklet.files import write_atomically


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/booklet, or ~/.cache/booklet (XDG Base Directory Specification)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "booklet"


def cached(kind: str, key: str, suffix: str, make: Callable[[], bytes]) -> bytes:
    """`make()`'s bytes, kept in the user's cache under a digest of `key`."""
    path = _path(kind, key, suffix)
    if path.is_file():
        return path.read_bytes()
    data = make()
    try:  # a cache that cannot be written only costs time
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
    except OSError:
        pass
    return data


def is_cached(kind: str, key: str, suffix: str) -> bool:
    """Whether `cached` would find these bytes in the cache."""
    return _path(kind, key, suffix).is_file()


def _path(kind: str, key: str, suffix: str) -> Path:
    return cache_dir() / kind / f"{hashlib.sha256(key.encode()).hexdigest()}{suffix}"


def file_key(face: tuple[Path, int]) -> str:
    """A font file's identity for a cache key: a font updated by the system makes new entries."""
    path, index = face
    stat = path.stat()
    return f"{path}|{index}|{stat.st_size}|{stat.st_mtime_ns}"
