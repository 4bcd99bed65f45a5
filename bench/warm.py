"""Time a rebuild in a warm process: build once, edit one paragraph, build again.

Prints the two build times in seconds. Usage: python bench/warm.py WORK_FOLDER
"""

from __future__ import annotations

import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from booklet.build import FORMATS, build  # noqa: E402
from booklet.errors import Diagnostics  # noqa: E402


def main(work: Path) -> None:
    source = work / "kamailio-in-action"
    shutil.copytree(ROOT / "content" / "kamailio-in-action", source)
    built_at = datetime(2023, 11, 14, tzinfo=timezone.utc)
    timings = []
    for edit in (False, True):
        if edit:
            chapter = source / "05-chapter-5.md"
            chapter.write_text(chapter.read_text(encoding="utf-8") + "\n本段为基准测试所加。\n", encoding="utf-8")
        started = time.perf_counter()
        build(source, work / "out", FORMATS, built_at, Diagnostics())
        timings.append(time.perf_counter() - started)
    print(*(f"{t:.3f}" for t in timings))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
