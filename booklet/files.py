"""Writing a file so that no reader ever sees half of it.

The bytes go to a temporary file beside the target, which is renamed into place only
once complete: an interrupted build (Ctrl-C, a kill) leaves the previous file intact.
Used for the outputs and the caches (`build`) and for fetched remote images (`images`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` (mode 644) through a temporary file; raise OSError, leaving nothing behind."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
