"""Time rebuilds in a warm process, as `booklet serve` does them.

Builds the Kamailio booklet once (all outputs), edits one paragraph, then rebuilds
the web page alone (what the preview reloads first) and all three outputs.
Prints three times in seconds: first build, web page rebuild, full rebuild.
Usage: python bench/warm.py WORK_FOLDER
"""

from __future__ import annotations

import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from booklet.build import FORMATS, build
from booklet.errors import Diagnostics

BUILT_AT = datetime(2023, 11, 14, tzinfo=UTC)


def timed(source: Path, out: Path, formats: tuple[str, ...]) -> float:
    started = time.perf_counter()
    build(source, out, formats, BUILT_AT, Diagnostics())
    return time.perf_counter() - started


def main(work: Path) -> None:
    source = work / "kamailio-in-action"
    shutil.copytree(ROOT / "content" / "kamailio-in-action", source)
    first = timed(source, work / "out", FORMATS)
    chapter = source / "05-chapter-5.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n本段为基准测试所加。\n", encoding="utf-8")
    page = timed(source, work / "out", ("html",))
    full = timed(source, work / "out", FORMATS)
    print(f"{first:.3f} {page:.3f} {full:.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
