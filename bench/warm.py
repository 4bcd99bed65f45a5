"""Time rebuilds in a warm process, as `booklet serve` does them, against a cold build.

For the Kamailio booklet and for N generated chapters (bench/generate.py): a cold build is a
new process building all three outputs (`python -m booklet build`); a warm rebuild is one
build of all three outputs in a process that built the booklet before, after a one-paragraph
edit (a sentence added to one paragraph of a chapter in the middle). Times are CPU seconds (the
machine is shared: wall time would measure the others' work too). Warm rebuilds are timed
twice: as before issue 15 item 6 (the process keeps only what it loaded: imports, fonts,
caches), and with the laid-out parts kept (`build(…, warm=Warm())`, as the preview does).
Each figure is the median of RUNS runs; each warm run edits the chapter anew.

Then, in the process with parts kept, one more edit and the web page alone rebuilt (what the
preview reloads first). Prints one line per booklet: cold, warm before, warm with parts
(seconds), and the two ratios; with --json, the figures as one JSON object (bench/run.py).
Usage: python bench/warm.py WORK_FOLDER [CHAPTERS [RUNS]] [--json]   (CHAPTERS 0: Kamailio only)
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate
from booklet.build import FORMATS, Warm, build
from booklet.errors import Diagnostics

BUILT_AT = datetime(2023, 11, 14, tzinfo=UTC)
EPOCH = "1699920000"  # BUILT_AT, for the cold builds


def timed(source: Path, out: Path, warm: Warm | None = None, formats: tuple[str, ...] = FORMATS) -> float:
    """The build's CPU time (this process's: on a shared machine, wall time says more about the others)."""
    started = time.process_time()
    build(source, out, formats, BUILT_AT, Diagnostics(), warm=warm)
    return time.process_time() - started


def cold(source: Path, out: Path) -> float:
    """A new process building all outputs, as `booklet build` does (imports included): its CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "booklet", "build", str(source), "--out", str(out), "--quiet"],
        check=True,
        env={"SOURCE_DATE_EPOCH": EPOCH, "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def edit(chapter: Path, run: int) -> None:
    """One paragraph changed: a sentence added at the end of the chapter's first paragraph."""
    blocks = chapter.read_text(encoding="utf-8").split("\n\n")
    at = next(i for i, block in enumerate(blocks) if i > 0 and block.strip() and block[0] not in "-#[")
    blocks[at] = (
        blocks[at].rstrip("\n")
        + f"本段为基准测试所加（第{run}次）。"
        + blocks[at][len(blocks[at].rstrip("\n")) :]
    )
    chapter.write_text("\n\n".join(blocks), encoding="utf-8")


def warm_runs(source: Path, chapter: Path, out: Path, runs: int, warm: Warm | None) -> list[float]:
    timed(source, out, warm)  # the process's first build
    times = []
    for run in range(runs):
        edit(chapter, run)
        times.append(timed(source, out, warm))
    return times


def measure(name: str, source: Path, chapter: Path, work: Path, runs: int, quiet: bool) -> dict[str, float]:
    pristine = work / f"{name}-pristine"
    shutil.copytree(source, pristine)
    colds = [cold(pristine, work / f"{name}-cold") for _ in range(runs)]
    results = {}
    for label, warm in (("before", None), ("parts", Warm())):
        copy = work / f"{name}-{label}"
        shutil.copytree(pristine, copy)
        results[label] = warm_runs(copy, copy / chapter.name, work / f"{name}-{label}-out", runs, warm)
    edit(copy / chapter.name, runs)
    page = timed(copy, work / f"{name}-parts-out", warm, ("html",))
    c, b, p = (statistics.median(x) for x in (colds, results["before"], results["parts"]))
    figures = {"cold": c, "before": b, "parts": p, "page": page}
    if quiet:
        return figures
    print(
        f"{name}: cold {c:.2f} s; warm rebuild before {b:.2f} s ({b / c:.2f} ×), "
        f"with kept parts {p:.2f} s ({p / c:.2f} ×); runs: cold {_list(colds)}, "
        f"before {_list(results['before'])}, parts {_list(results['parts'])}",
        flush=True,
    )
    return figures


def _list(times: list[float]) -> str:
    return " ".join(f"{t:.2f}" for t in times)


def main(work: Path, chapters: int, runs: int, quiet: bool) -> dict[str, dict[str, float]]:
    work.mkdir(parents=True, exist_ok=True)
    kamailio = ROOT / "content" / "kamailio-in-action"
    figures = {"kamailio": measure("kamailio", kamailio, kamailio / "05-chapter-5.md", work, runs, quiet)}
    if chapters:
        generated = generate(work / f"generated-{chapters}", chapters)
        middle = sorted(generated.glob("*.md"))[chapters // 2]
        figures[f"{chapters}"] = measure(f"{chapters}-chapters", generated, middle, work, runs, quiet)
    return figures


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--json"]
    found = main(
        Path(arguments[0]),
        int(arguments[1]) if len(arguments) > 1 else 100,
        int(arguments[2]) if len(arguments) > 2 else 3,
        "--json" in sys.argv,
    )
    if "--json" in sys.argv:
        print(json.dumps(found))
