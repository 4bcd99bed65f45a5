"""Benchmarks: booklet side by side with pandoc, in one run on one machine.

Builds the Kamailio booklet and generated booklets of 10, 100, 400 and 1,000 chapters
(bench/generate.py: real prose, ~4,000 characters and two notes a chapter) with booklet (all
outputs, and each alone), pandoc's EPUB, pandoc → WeasyPrint, Typst (the same text through
pandoc's Typst writer: A5, Noto Serif CJK, notes, a contents; only Typst's compile is timed)
and, when TeX is installed, pandoc → XeTeX. Each is repeated; the table gives min and median
wall time, CPU time, peak memory (GNU time) and output size, each as a ratio to pandoc's in
the same run. Also: booklet with and without the WeasyPrint fixes it carries
(booklet/pdf/upstream.py), a no-op `make`, a `make` after editing one chapter, and a rebuild
in a warm process. Writes bench/results.md.
Usage: python bench/run.py [--quick] [--chapters 10,100,400,1000] [--runs N] [--no-rebuilds]
(`--chapters`, `--runs`: a part of the full run, say on a busy machine; results.md says which.)
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from generate import generate, to_single_markdown

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results.md"
# What is measured: the committed tree (HEAD), unpacked in main(), so that edits in progress
# in the working tree never reach the figures. `python -m booklet` runs from it (its cwd).
CODE = ROOT
GNU_TIME = "/usr/bin/time"
LOAD = " ".join(
    Path("/proc/loadavg").read_text().split()[:3]
)  # 1, 5 and 15 minutes: how busy the machine was


@dataclass(frozen=True)
class Measure:
    label: str
    times: tuple[float, ...]
    peak_mb: float
    size_kb: float | None
    cpu: tuple[float, ...] = ()  # user + system seconds of each run (GNU time)

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def best_cpu(self) -> float:
        return min(self.cpu) if self.cpu else float("nan")


def measure(
    label: str, command: list[str], output: Path | None, repeats: int, env: dict[str, str] | None = None
) -> Measure:
    times, peaks, cpu = [], [], []
    for _ in range(repeats):
        with tempfile.NamedTemporaryFile("r") as report:
            started = time.perf_counter()
            result = subprocess.run(
                [GNU_TIME, "-f", "%M %U %S", "-o", report.name, *command],
                check=False,
                capture_output=True,
                text=True,
                env=env,
                cwd=CODE,
            )
            times.append(time.perf_counter() - started)
            if result.returncode != 0:
                raise SystemExit(f"{label} failed:\n{result.stderr[-2000:]}")
            peak, user, system = report.read().strip().splitlines()[-1].split()
            peaks.append(int(peak) / 1024)
            cpu.append(float(user) + float(system))
    size = output.stat().st_size / 1024 if output is not None else None
    return Measure(label, tuple(times), max(peaks), size, tuple(cpu))


# Typst's compile, as its Python binding runs it (system fonts: Noto Serif CJK SC).
TYPST = "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2])"
# booklet without the WeasyPrint fixes it carries: the layout module applies them on import.
UNFIXED = (
    "import sys, booklet.pdf.layout; from booklet.pdf import upstream; upstream.drop_fixes(); "
    "from booklet.cli import main; sys.exit(main(sys.argv[1:]))"
)


def typst_source(markdown: Path) -> Path:
    """The same text as a Typst document (pandoc's Typst writer): A5, Noto Serif CJK SC, a contents."""
    target = markdown.with_suffix(".typ")
    options = ["-s", "--toc", "-V", "papersize=a5", "-V", "mainfont=Noto Serif CJK SC", "-V", "lang=zh"]
    subprocess.run([str(_pandoc()), str(markdown), "-t", "typst", *options, "-o", str(target)], check=True)
    return target


def tools(
    source: Path, markdown: Path, out: Path, name: str, alone: bool
) -> list[tuple[str, list[str], Path | None]]:
    """The commands to time; `alone` adds booklet's outputs one at a time."""
    booklet = [sys.executable, "-m", "booklet", "build", str(source), "--out", str(out)]
    pandoc = str(_pandoc())
    chosen = [("booklet: PDF + EPUB + HTML", booklet, out / f"{name}.pdf")]
    if alone:
        chosen += [
            ("booklet: PDF", [*booklet, "--format", "pdf"], out / f"{name}.pdf"),
            ("booklet: EPUB", [*booklet, "--format", "epub"], out / f"{name}.epub"),
            ("booklet: HTML", [*booklet, "--format", "html"], out / f"{name}.html"),
        ]
    chosen += [
        ("pandoc: EPUB", [pandoc, str(markdown), "-o", str(out / "pandoc.epub")], out / "pandoc.epub"),
        (
            "pandoc → WeasyPrint: PDF",
            [pandoc, str(markdown), "--pdf-engine=weasyprint", "-o", str(out / "pandoc-weasyprint.pdf")],
            out / "pandoc-weasyprint.pdf",
        ),
    ]
    typst = typst_source(markdown)
    chosen.append(
        ("Typst: PDF", [sys.executable, "-c", TYPST, str(typst), str(out / "typst.pdf")], out / "typst.pdf")
    )
    if shutil.which("xelatex"):
        chosen.append(
            (
                "pandoc → XeTeX: PDF",
                [
                    pandoc,
                    str(markdown),
                    "--pdf-engine=xelatex",
                    "-V",
                    "CJKmainfont=Noto Serif CJK SC",
                    "-V",
                    "geometry:a5paper",
                    "-o",
                    str(out / "pandoc-xetex.pdf"),
                ],
                out / "pandoc-xetex.pdf",
            )
        )
    return chosen


def _pandoc() -> Path:
    import pypandoc  # installed by `make bench` only

    return Path(pypandoc.get_pandoc_path())


def run_case(
    title: str, source: Path, name: str, repeats: int, work: Path, alone: bool = True
) -> list[Measure]:
    out = work / f"out-{name}"
    out.mkdir()
    markdown = to_single_markdown(source, work / f"{name}.md") if source.is_dir() else source
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}", "SOURCE_DATE_EPOCH": "1700000000"}
    results = []
    for label, command, output in tools(source, markdown, out, name, alone):
        print(f"  {title}: {label}", flush=True)
        results.append(measure(label, command, output, repeats, env))
    return results


def incremental(work: Path) -> dict[str, float]:
    """`make` with nothing changed, and after editing one chapter, in a copy of the repository."""
    copy = work / "repo"
    shutil.copytree(CODE, copy)
    # The copy's own .venv: this interpreter, and a stamp as old as what it depends on, so that
    # Make never sets a venv up again (which would install the copy into this one).
    venv = VENV_BIN.parent
    (copy / ".venv" / "bin").mkdir(parents=True)
    (copy / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (copy / ".venv" / "lib").symlink_to(venv / "lib")
    shutil.copy2(venv / "pyvenv.cfg", copy / ".venv" / "pyvenv.cfg")
    newest = max(
        (copy / name).stat().st_mtime_ns for name in ("pyproject.toml", "setup.py", "requirements.lock")
    )
    (copy / ".venv" / ".installed").touch()
    os.utime(copy / ".venv" / ".installed", ns=(newest, newest))
    make = ["make", "build"]
    subprocess.run(make, cwd=copy, check=True, capture_output=True)
    figures = {}
    started = time.perf_counter()
    subprocess.run(make, cwd=copy, check=True, capture_output=True)
    figures["make, nothing changed"] = time.perf_counter() - started
    chapter = copy / "content" / "kamailio-in-action" / "05-chapter-5.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n本段为基准测试所加。\n", encoding="utf-8")
    started = time.perf_counter()
    subprocess.run(make, cwd=copy, check=True, capture_output=True)
    figures["make, one chapter edited"] = time.perf_counter() - started
    return figures


def warm(work: Path) -> dict[str, float]:
    """A rebuild in a process that has already built once (what `booklet serve` does), against
    a cold build (bench/warm.py): the Kamailio booklet, medians of three runs."""
    output = subprocess.run(
        [sys.executable, str(CODE / "bench" / "warm.py"), str(work / "warm"), "0", "3", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(output.stdout.splitlines()[-1])["kamailio"]
    return {
        "cold: a new process, all outputs": found["cold"],
        "warm process, one paragraph edited: the web page (the preview reloads it first)": found["page"],
        "warm process, one paragraph edited: all outputs, nothing kept but imports and caches": found["before"],
        "warm process, one paragraph edited: all outputs, laid-out parts kept (the preview)": found["parts"],
    }


def versions() -> list[str]:
    def first_line(command: list[str]) -> str:
        try:
            return subprocess.run(command, check=False, capture_output=True, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            return "not installed"

    import weasyprint

    cpu = next(
        (
            l.split(":", 1)[1].strip()
            for l in Path("/proc/cpuinfo").read_text().splitlines()
            if l.startswith("model name")
        ),
        "?",
    )
    memory = (
        int(
            next(
                l.split()[1]
                for l in Path("/proc/meminfo").read_text().splitlines()
                if l.startswith("MemTotal")
            )
        )
        / 1024
        / 1024
    )
    return [
        f"- machine: {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.platform()}",
        f"- Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}",
        f"- {first_line([str(_pandoc()), '--version'])}",
        f"- XeTeX: {first_line(['xelatex', '--version'])}",
    ]


def table(title: str, results: list[Measure]) -> list[str]:
    reference = next(m for m in results if m.label.startswith("pandoc → WeasyPrint"))
    typst = next((m for m in results if m.label.startswith("Typst")), None)
    sizes = {m.label.split(":")[-1].strip(): m for m in results if m.label.startswith("pandoc")}
    lines = [
        f"### {title}",
        "",
        "| tool | min s | median s | CPU s | time ÷ pandoc→WeasyPrint | time ÷ Typst | peak MB | peak ÷ pandoc→WeasyPrint | size KB | size ÷ pandoc's |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in results:
        kind = m.label.split(":")[-1].strip()
        pandoc_size = sizes.get("PDF") if kind == "PDF" else sizes.get(kind)
        if kind == "PDF" and "pandoc → XeTeX: PDF" in [r.label for r in results]:
            pandoc_size = next(r for r in results if r.label == "pandoc → XeTeX: PDF")
        size_ratio = (
            f"{m.size_kb / pandoc_size.size_kb:.2f}"
            if m.size_kb and pandoc_size and pandoc_size.size_kb and kind != "PDF + EPUB + HTML"
            else ""
        )
        to_typst = f"{m.best / typst.best:.1f}" if typst else ""
        lines.append(
            f"| {m.label} | {m.best:.2f} | {m.median:.2f} | {m.best_cpu:.2f} | {m.best / reference.best:.2f} | {to_typst} "
            f"| {m.peak_mb:.0f} | {m.peak_mb / reference.peak_mb:.2f} | {m.size_kb:.0f} | {size_ratio} |"
        )
    return lines + [""]


def fixes(source: Path, work: Path) -> list[str]:
    """booklet (all outputs) with and without the WeasyPrint fixes it carries, one run each, CPU time."""
    out = work / "out-fixes"
    out.mkdir()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    build = ["build", str(source), "--out", str(out)]
    fixed = measure(
        "with the fixes", [sys.executable, "-m", "booklet", *build], out / f"{source.name}.pdf", 1, env
    )
    data = (out / f"{source.name}.pdf").read_bytes()
    plain = measure("without", [sys.executable, "-c", UNFIXED, *build], out / f"{source.name}.pdf", 1, env)
    same = "identical" if (out / f"{source.name}.pdf").read_bytes() == data else "DIFFERENT"
    return [
        f"### Carried WeasyPrint fixes ({source.name}: booklet/pdf/upstream.py)",
        "",
        f"All outputs, one run each; the PDFs are {same}.",
        "",
        "| booklet | wall s | CPU s | peak MB |",
        "|---|---|---|---|",
        *[f"| {m.label} | {m.best:.2f} | {m.best_cpu:.2f} | {m.peak_mb:.0f} |" for m in (fixed, plain)],
        f"| without ÷ with | {plain.best / fixed.best:.2f} | {plain.best_cpu / fixed.best_cpu:.2f} | |",
        "",
    ]


def _option(name: str, default: str) -> str:
    """The value after `name` on the command line, or `default`."""
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def snapshot(work: Path) -> Path:
    """The committed tree (HEAD), unpacked: what the figures are of."""
    target = work / "snapshot"
    target.mkdir()
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    # An installed booklet has its bytecode (pip compiles a wheel's modules): compiled once here,
    # so that no run compiles the sources again (with PYTHONDONTWRITEBYTECODE set, each would:
    # about 0.3 CPU s of a Kamailio build).
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    folders = [str(target / "booklet"), str(target / "templates")]
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *folders], check=True, env=env, stdout=subprocess.DEVNULL
    )
    return target


def main() -> None:
    global CODE
    quick = "--quick" in sys.argv
    sizes = _option("--chapters", "10,100,400,1000" if not quick else "10,100")
    chosen = [int(n) for n in sizes.split(",")]
    runs = int(_option("--runs", "0"))  # 0: each case's own number of runs
    rebuilds_too = "--no-rebuilds" not in sys.argv
    sections: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        CODE = snapshot(work)
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        cases = [
            (
                "The Kamailio booklet",
                CODE / "content" / "kamailio-in-action",
                "kamailio-in-action",
                runs or (3 if quick else 5),
            )
        ]
        for chapters, repeats in ((10, 3), (100, 3), (400, 1), (1000, 1)):
            if chapters not in chosen:
                continue
            cases.append(
                (
                    f"{chapters:,} generated chapters",
                    generate(work / f"gen-{chapters}", chapters),
                    f"gen-{chapters}",
                    runs or (1 if quick else repeats),
                )
            )
        # At 400 and 1,000 chapters each booklet output alone would lay the PDF out again (the EPUB's
        # page list needs it): the full build is timed, beside pandoc's.
        cold = 0.0
        growth: list[str] = []
        per_chapter: dict[int, float] = {}  # CPU seconds per chapter
        for title, source, name, repeats in cases:
            print(title, flush=True)
            results = run_case(title, source, name, repeats, work, alone=title[:3] not in ("400", "1,0"))
            cold = cold or results[0].best  # the Kamailio booklet, all outputs, from a cold process
            sections += table(f"{title} ({repeats} runs)", results)
            if source.is_dir() and title[0].isdigit():
                chapters = int(title.split()[0].replace(",", ""))
                ours, theirs = (
                    results[0],
                    next(m for m in results if m.label.startswith("pandoc → WeasyPrint")),
                )
                per_chapter[chapters] = ours.best_cpu / chapters
                growth.append(
                    f"| {chapters:,} | {ours.best:.2f} | {1000 * ours.best / chapters:.0f} | {1000 * ours.best_cpu / chapters:.0f} "
                    f"| {{ratio{chapters}}} | {ours.peak_mb:.0f} | {1000 * theirs.best / chapters:.0f} |"
                )
        base = per_chapter.get(100)
        growth = [
            line.format(**{f"ratio{n}": f"{c / base:.2f}" if base else "" for n, c in per_chapter.items()})
            for line in growth
        ]
        carried = fixes(work / "gen-100", work) if 100 in chosen and not quick else []
        rebuilds = {**incremental(work), **warm(work)} if rebuilds_too else {}
    lines = [
        "# Benchmarks",
        "",
        f"Made by `python bench/run.py {' '.join(sys.argv[1:])}`".rstrip()
        + f" ({'quick' if quick else 'full' if sys.argv[1:] == [] else 'partial'} run) of commit {commit}; load average when it began: {LOAD}. Sizes: a PDF's ratio is to pandoc → XeTeX's PDF when TeX is installed, an EPUB's to pandoc's EPUB.",
        "",
        *versions(),
        "",
        *sections,
        *carried,
        "### Growth with the number of chapters",
        "",
        "| chapters | booklet, all outputs, s | ms per chapter | CPU ms per chapter | CPU per chapter ÷ at 100 | peak MB | pandoc → WeasyPrint, ms per chapter |",
        "|---|---|---|---|---|---|---|",
        *growth,
        "",
        "### Rebuilds (the Kamailio booklet)",
        "",
        f"Cold build (a new process, all outputs): {cold:.2f} s.",
        "",
        "| what | seconds | ÷ cold build |",
        "|---|---|---|",
        *[f"| {k} | {v:.2f} | {v / cold:.2f} |" for k, v in rebuilds.items()],
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(RESULTS.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
