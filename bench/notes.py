"""Benchmark: one chapter with many notes (issue 12 item 3: "1,200 notes take seconds in the web page alone").

Makes a post of N paragraphs (real English prose from the corpus, cycled), each citing one note
of its own, with the definitions at the end, as authors write them; then times the reading stage
alone, the web page alone (reading included) and all three outputs, for N = 150, 300, 600 and
1,200. Linear cost means the time per note stays flat as N doubles. CPU seconds of this process
(`time.process_time`), which a loaded machine disturbs less than the wall clock; one run each.
Usage: python bench/notes.py [N ...]
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from booklet.build import build
from booklet.content import load_booklet
from booklet.errors import Diagnostics

PROSE = ROOT / "tests" / "fixtures" / "real" / "en-rust-crates-io-malware" / "2023-09-01-crates-io-malware-postmortem.md"
BUILT_AT = datetime(2026, 12, 1, tzinfo=UTC)


def generate(folder: Path, count: int) -> Path:
    """A post of `count` paragraphs, each with a note call, and `count` definitions at the end."""
    text = PROSE.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    prose = " ".join(line for line in text.split("\n") if not line.startswith(("[^", "#", "|", "```")))
    prose = re.sub(r"\[\^[^\]]*\]", "", prose)  # the post's own notes: only ours are counted
    sentences = [s.strip() + "." for s in prose.split(". ") if 40 < len(s) < 300]
    body = [f"{sentences[n % len(sentences)]}[^n{n}]" for n in range(count)]
    notes = [f"[^n{n}]: {sentences[(n * 7) % len(sentences)]}" for n in range(count)]
    post = folder / f"notes-{count}.md"
    post.write_text("---\ntitle: Notes\nlang: en\n---\n\n" + "\n\n".join(body + notes) + "\n", encoding="utf-8")
    return post


def timed(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def main(counts: list[int]) -> None:
    print("| notes | reading stage (s) | web page alone (s) | PDF + EPUB + web page (s) | all three, per note (ms) |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        for count in counts:
            post = generate(folder, count)
            reading = timed(lambda: load_booklet(post, Diagnostics()))
            web = timed(lambda: build(post, folder / "web", ("html",), BUILT_AT, Diagnostics()))
            every = timed(lambda: build(post, folder / "all", ("pdf", "epub", "html"), BUILT_AT, Diagnostics()))
            print(f"| {count} | {reading:.2f} | {web:.2f} | {every:.1f} | {every / count * 1000:.1f} |", flush=True)


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [150, 300, 600, 1200])
