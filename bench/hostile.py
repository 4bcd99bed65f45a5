"""Hostile input, measured (issue 18): each case is built by a fresh `booklet build` process.

For each case: the exit status, the first line printed, the wall time, the CPU time and the
peak memory of the build, and whether it holds the bound. The issue asks for "10 s of work per
megabyte of source, in bounded memory"; read here as CPU seconds (user + system, so a busy
machine does not count against the build) and with a fixed allowance for starting up:

    CPU seconds ≤ 10 + 10 × MB of source        peak memory ≤ 300 MB + 10 × MB of source

That bound is for the reading stage and the web page (`--format html`). Whole builds (PDF,
EPUB and web page) lay out pages, which real prose pays for too (about 120 CPU s and 1.6 GB a
MB of generated chapters), so they get a bound of their own, which real prose holds with room
and hostile text must hold as well:

    CPU seconds ≤ 30 + 250 × MB of source        peak memory ≤ 600 MB + 4,000 × MB of source

The bound is checked here, by measurement, not by a timed assertion in the tests. Writes
bench/hostile.md. Run: `nice -n 10 .venv/bin/python bench/hostile.py` (about ten minutes).
"""

from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402 - bench/ is no package

PNG = (ROOT / "tests" / "fixtures" / "image-local" / "dot.png").read_bytes()
LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]" for n in range(8)]
)
CHAPTER = "---\ntitle: One\n---\n\n{body}\n"
CAP_SECONDS = 120.0  # past this a case is killed (exit -9 in the table)
MB = 1024 * 1024
# Each build runs under this small process, which reports the build's CPU time and peak memory
# (RUSAGE_CHILDREN). Measured from the bench itself, the peak would count the bench's own memory
# at fork (its 50 MB strings): a fresh interpreter forks the build instead.
MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
try:
    code = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, timeout=float(sys.argv[1])).returncode
except subprocess.TimeoutExpired:
    code = -9
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(code, time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
"""


def bound(size: int) -> tuple[float, float]:
    """CPU seconds and peak MB a build of `size` bytes of source may take (see the docstring)."""
    return 10 + 10 * size / MB, 300 + 10 * size / MB


def whole_bound(size: int) -> tuple[float, float]:
    """CPU seconds and peak MB a whole build (PDF, EPUB, web page) of `size` bytes may take."""
    return 30 + 250 * size / MB, 600 + 4000 * size / MB


def folder(root: Path, yml: str = "title: T\nlanguage: en\n", body: str = "Text.", **extra: bytes) -> Path:
    source = root / "book"
    source.mkdir()
    (source / "booklet.yml").write_text(yml, encoding="utf-8")
    (source / "01-one.md").write_text(CHAPTER.format(body=body), encoding="utf-8")
    for name, data in extra.items():
        (source / name).write_bytes(data)
    return source


def fifo(root: Path) -> Path:
    source = folder(root)
    os.mkfifo(source / "02-pipe.md")
    return source


def dev_zero(root: Path) -> Path:
    source = folder(root)
    (source / "02-zero.md").symlink_to("/dev/zero")
    return source


def loop(root: Path) -> Path:
    source = folder(root, body="![x](a.png)")
    (source / "a.png").symlink_to("b.png")
    (source / "b.png").symlink_to("a.png")
    return source


def big_chapter(root: Path) -> Path:
    return folder(
        root, "title: T\nlanguage: en\nmax_chapter_mb: 60\n", body="word " * (50 * 1024 * 1024 // 5)
    )


CASES: dict[str, Callable[[Path], Path]] = {
    "billion laughs as the title": lambda r: folder(r, f"{LAUGHS}\ntitle: *i\n"),
    "billion laughs as tags": lambda r: folder(r, f"title: T\n{LAUGHS}\ntags: *i\n"),
    "billion laughs as a chapter title": lambda r: folder(
        r, body="x", **{"02.md": f"---\n{LAUGHS}\ntitle: *i\n---\n\nx\n".encode()}
    ),
    "a chapter that is a FIFO": fifo,
    "a chapter linked to /dev/zero": dev_zero,
    "an image link loop": loop,
    "a NUL in an image address": lambda r: folder(r, body="![x](pic.png%00.txt)", **{"pic.png": PNG}),
    "an image name of 5,000 characters": lambda r: folder(r, body=f"![x]({'a' * 5000}.png)"),
    "a 400-deep list": lambda r: folder(r, body="\n".join(" " * (4 * n) + "- item" for n in range(400))),
    "a 10,000-deep quote": lambda r: folder(r, body=">" * 10_000 + " deep"),
    "20,000 nested <span>": lambda r: folder(r, body="<span>" * 20_000 + "x" + "</span>" * 20_000),
    "1,000 lines of ever deeper quotes": lambda r: folder(
        r, body="\n".join(">" * n + " q" for n in range(1, 1001))
    ),
    "20,000 [ in a row": lambda r: folder(r, body="[" * 20_000),
    "a 200,000-character word": lambda r: folder(r, body="a" * 200_000),
    "100,000 nested <div>": lambda r: folder(r, body="<div>" * 100_000 + "x" + "</div>" * 100_000),
    # Python-Markdown's inline pass looks each element up among its siblings (`list.index`), and
    # smarty runs that pass a second time after every block has a tail: quadratic in siblings.
    "40,000 list items": lambda r: folder(r, body="\n".join("- x" for _ in range(40_000))),
    "40,000 paragraphs": lambda r: folder(r, body="\n\n".join("Para x." for _ in range(40_000))),
    "one paragraph of 40,000 inline elements": lambda r: folder(
        r, body="\n".join("Line *x* and `y`." for _ in range(20_000))
    ),
    "10,000 lines of lists 45 deep": lambda r: folder(
        r, body="\n".join("- " * 45 + "x" for _ in range(10_000))
    ),
    "a 50 MB chapter (limit raised to 60)": big_chapter,
    "a 50 MB chapter (default limit)": lambda r: folder(r, body="word " * (50 * 1024 * 1024 // 5)),
    "2,000 zero-width spaces in the title": lambda r: folder(
        r, "title: T" + "\u200b" * 2000 + "x\nlanguage: en\n"
    ),
    "2,000 combining marks in the title": lambda r: folder(
        r, "title: e" + "\u0301" * 2000 + "\nlanguage: en\n"
    ),
}


def english(root: Path) -> Path:
    """The corpus's eight English posts (Rust, Kubernetes and Sass blogs) four times over: 32 chapters
    of real technical prose with code, lists and tables (images and link definitions left out)."""
    source = folder(root)
    (source / "01-one.md").unlink()
    posts = sorted((ROOT / "tests" / "fixtures" / "real").glob("en-*/*.md"))
    for number in range(32):
        text = posts[number % len(posts)].read_text(encoding="utf-8").split("---\n", 2)[2]
        text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
        (source / f"{number + 1:02d}.md").write_text(
            f"---\ntitle: Post {number + 1}\n---\n\n{text}", encoding="utf-8"
        )
    return source


WHOLE: dict[str, Callable[[Path], Path]] = {
    "a 200,000-character word": CASES["a 200,000-character word"],
    "forty 1,000-character words in one paragraph": lambda r: folder(r, body=" ".join(["b" * 1000] * 40)),
    "40,000 list items": CASES["40,000 list items"],
    "at the word limit: 60 paragraphs of one 3,000-character word": lambda r: folder(
        r, body="\n\n".join(["c" * 3000] * 60)
    ),
    "at the page budget: 9,500 one-letter list items": lambda r: folder(
        r, body="\n".join("- x" for _ in range(9_500))
    ),
    "2,000 zero-width spaces in the title": CASES["2,000 zero-width spaces in the title"],
    "real prose: 30 generated chapters (bench/generate.py)": lambda r: generate(r / "book", 30),
    "real prose: the corpus's English posts, 32 chapters": english,
}


class Trickle(http.server.BaseHTTPRequestHandler):
    """Sends a byte every five seconds, for ever: under any per-read timeout."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"\x89")
                self.wfile.flush()
                time.sleep(5)
        except OSError:
            return

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class names it so
        return


def run(
    source: Path,
    out: Path,
    *more: str,
    env: dict[str, str] | None = None,
    formats: str = "html",
    cap: float = CAP_SECONDS,
) -> tuple[int, str, float, float, float]:
    """Exit status, the first line printed (the last, when it built), wall and CPU seconds, peak MB."""
    command = [sys.executable, "-m", "booklet", "build", str(source), "--out", str(out), "--format", formats]
    with tempfile.TemporaryFile() as stderr:
        measured = subprocess.run(
            [sys.executable, "-c", MEASURE, str(cap), *command, *more],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            check=True,
            text=True,
        )
        code, seconds, cpu, peak = measured.stdout.split()
        stderr.seek(0)
        lines = stderr.read().decode("utf-8", "replace").strip().splitlines() or [""]
    line = lines[-1 if code == "0" else 0]
    return int(code), line.replace(str(source), "…"), float(seconds), float(cpu), float(peak)


def main() -> None:
    rows = []
    for name, make in CASES.items():
        with tempfile.TemporaryDirectory() as root:
            source = make(Path(root))
            size = sum(p.stat().st_size for p in source.iterdir() if p.is_file() and not p.is_symlink())
            rows.append((name, size, *run(source, Path(root) / "out")))
            print(rows[-1], flush=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as root:
        url = f"http://127.0.0.1:{server.server_address[1]}/x.png"
        source = folder(Path(root), body=f"![x]({url})")
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(root) / "cache")}
        rows.append(
            (
                "--fetch-remote, a byte every 5 s",
                0,
                *run(source, Path(root) / "out", "--fetch-remote", env=env),
            )
        )
    with tempfile.TemporaryDirectory() as root:
        source = folder(Path(root))
        env = {**os.environ, "SOURCE_DATE_EPOCH": "253402300800"}
        rows.append(("SOURCE_DATE_EPOCH in the year 10000", 0, *run(source, Path(root) / "out", env=env)))
    server.shutdown()
    whole = []
    for name, make in WHOLE.items():
        with tempfile.TemporaryDirectory() as root:
            source = make(Path(root))
            size = sum(p.stat().st_size for p in source.iterdir() if p.is_file() and not p.is_symlink())
            whole.append((name, size, *run(source, Path(root) / "out", formats="pdf,epub,html", cap=600)))
            print(whole[-1], flush=True)
    lines = [
        "# Hostile input, measured (bench/hostile.py)",
        "",
        "Each case is one `booklet build --format html` process on this machine (2 cores, shared with",
        "other work: wall seconds vary with the load, CPU seconds much less). The bound, from issue 18's",
        '"10 s of work per megabyte of source, in bounded memory": **CPU seconds ≤ 10 + 10 × MB of',
        "source** (the 10 s start-up allowance covers the imports and fonts) and **peak memory ≤ 300 MB",
        "+ 10 × MB of source**. Peak MB is the build's maximum resident set.",
        "",
        "Before: at commit ca10361 (before issue 12's guard) 20,000 `[` ran past the 120 s cap, 100,000",
        "nested `<div>` took 99 s, 20,000 nested `<span>` 59 s, 1,000 lines of ever deeper quotes 32 s and a",
        "400-deep list 12 s (wall). At b5e713c (the guard in, Python-Markdown as it comes) every row held but",
        "four that Python-Markdown reads in quadratic time: 40,000 list items 27.5 CPU s (bound 12), 40,000",
        "paragraphs 28.6 (13), one paragraph of 40,000 inline elements 34.4 (13), 10,000 lines of lists 45",
        "deep killed at the 120 s cap after 37.8 CPU s (19) and 400 MB (309). `content.linear` makes the first",
        "two linear; the guard refuses the last two (inline marks per paragraph, blocks per byte).",
        "",
        "The table just below measures the reading stage and the web page (`--format html`); whole builds,",
        "which lay out pages, have a bound of their own: see the second table.",
        "",
        "| case | source | exit | wall s | CPU s | CPU bound | peak MB | memory bound | holds | what it printed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    lines += _table(rows, bound)
    lines += WHOLE_TEXT
    lines += _table(whole, whole_bound)
    (ROOT / "bench" / "hostile.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


WHOLE_TEXT = [
    "",
    "## Whole builds (PDF, EPUB and web page)",
    "",
    "Laying out pages costs real prose far more than 10 s a MB: the two real-prose rows below (30",
    "generated chapters of Chinese prose; the corpus's English posts, with code, lists and tables, four",
    "times over) cost about 110 CPU s and 1,400 MB a MB of Markdown beyond start-up (29–38 CPU s for",
    "the 298 KB across runs on this shared machine). WeasyPrint keeps every page in memory, so whole",
    "builds get their own bound, which real prose holds with room: **CPU seconds ≤ 30 + 250 × MB of",
    "source, peak memory ≤ 600 MB + 4,000 × MB of source** (the 30 s and 600 MB cover the 300-page",
    "allowance below).",
    "",
    "Before (commit e2bdb94, measured once): a 200,000-character word was killed at 240 s wall after",
    "187 CPU s in the PDF's layout; 40,000 one-letter list items took 117 CPU s and 2,049 MB (about",
    "1,100 pages from 156 KB); 2,000 zero-width spaces in the title 1.9 CPU s, 112 MB. Measured since,",
    "PDF only: a word of 5,000 characters costs 0.9 CPU s more than none, 10,000 4.3 s, 20,000 15 s",
    "(the square of its length); forty words of 1,000 in one paragraph 42 s, the same forty as forty",
    "paragraphs 1.4 s; 400 SHA-256 digests in one paragraph (26 KB) 8 s, in 400 paragraphs 0.5 s. For",
    "each line it cuts inside a run with no break, WeasyPrint lays out the rest of the paragraph again.",
    "",
    "After: the text is measured before it is laid out, when a PDF or an EPUB is made (the web page alone",
    "lays out no page: the first table's rows build). `booklet/content/measure.py`: a block (paragraph,",
    "list item, heading, table cell, code line) may hold at most `max_word_length`² (3,000²) of its",
    "characters in runs of over 50 with no break times its length: one word of 3,000, or three of 1,000",
    "in a paragraph. At that limit, 60 paragraphs of one 3,000-character word cost 70–90 CPU s a MB",
    "beyond start-up (row below; two runs), under real prose's 110. A kubeconfig's base64 line (2,600 characters,",
    "a code line of its own) passes. And the booklet may print as at most `max_pages` pages, by default",
    "300 + 3 a KB of Markdown, estimated from each block's lines at the page's measure (within 5 % of",
    "WeasyPrint's count on 2,000 list items and 2,000 code lines, 12 % under on 10 generated chapters);",
    "real prose prints 0.7 (generated chapters) to 1 (the English posts) page a KB, test_content's",
    "thousand chapters of a few lines about 5 (estimated 434 pages from 88 KB), so only text of very many short",
    "blocks is refused. At the budget's edge, one-letter list items cost about 0.07 CPU s and 1.1 MB a",
    "page (9,500 items, about 405 pages, row below): past the allowance at most 3 pages a KB, about 210 CPU s and",
    "3,300 MB a MB — within the bound, but about twice real prose's CPU time a byte and 2.4 times its memory:",
    "the price of a budget that a thousand short chapters stay under. Both limits are in",
    "booklet.yml for a book that needs more.",
    "",
    "| case | source | exit | wall s | CPU s | CPU bound | peak MB | memory bound | holds | what it printed |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
]


def _table(
    rows: list[tuple[str, int, int, str, float, float, float]], bound_of: Callable[[int], tuple[float, float]]
) -> list[str]:
    lines = []
    for name, size, code, line, seconds, cpu, peak in rows:
        shown = line if len(line) < 160 else line[:157] + "…"
        cpu_bound, memory_bound = bound_of(size)
        holds = "yes" if code != -9 and cpu <= cpu_bound and peak <= memory_bound else "**no**"
        lines.append(
            f"| {name} | {size / 1024:.0f} KB | {code} | {seconds:.1f} | {cpu:.1f} | {cpu_bound:.0f} "
            f"| {peak:.0f} | {memory_bound:.0f} | {holds} | `{shown}` |"
        )
    return lines


if __name__ == "__main__":
    main()
