"""What a build shows while it runs: a live line on a terminal (a real pseudo-terminal here),
plain lines when standard error is a pipe or a file, nothing with --quiet, no colour with NO_COLOR.

The terminal case builds a generated booklet of 20 chapters (bench/generate.py) as a PDF,
long enough for the live line (it appears after a second) to count the pages being laid out.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from booklet.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402 - bench/ is on the path only from the line above

SGR = re.compile(r"\x1b\[[0-9;]*m")  # a colour or style
SECONDS = r"\d+\.\d\ds"


def on_a_terminal(args: list[str], cwd: Path, **environment: str) -> tuple[int, str]:
    """Run `booklet ARGS` with standard error on a pseudo-terminal; return its status and what it showed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "booklet", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        env={
            k: v
            for k, v in {
                **os.environ,
                "SOURCE_DATE_EPOCH": "1700000000",
                "TERM": "xterm",
                **environment,
            }.items()
            if v
        },
    )
    os.close(follower)
    shown = bytearray()
    while True:
        ready, _, _ = select.select([leader], [], [], 300)
        assert ready, "the build printed nothing for five minutes"
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the other end closed: the process has ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    process.communicate(timeout=60)
    return process.returncode, shown.decode("utf-8")


@pytest.fixture(scope="module")
def six(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six chapters of realistic length: about 40 pages, a layout of several seconds, so the
    live line (shown after one) is redrawn with a growing page count."""
    return generate(tmp_path_factory.mktemp("progress") / "six", 6)


def test_a_terminal_shows_a_live_line_counting_pages_then_the_total(six: Path) -> None:
    code, shown = on_a_terminal(["build", "--format", "pdf", "--out", "dist"], six, NO_COLOR="")
    assert code == 0, shown
    # Each redraw begins by clearing the line: a live line has no newline, a finished stage has one.
    segments = SGR.sub("", shown).split("\r\x1b[K")
    live = [segment for segment in segments if segment and "\n" not in segment]
    kept = [line for segment in segments if "\n" in segment for line in segment.splitlines()]
    counts = [
        int(m.group(1)) for line in live if (m := re.fullmatch(r"\S laying out pages… (\d+)  \d+s", line))
    ]
    # pages counted as WeasyPrint makes them (it may go over them again, counting from 1)
    assert len(set(counts)) > 1 and counts[0] < max(counts), live
    assert re.fullmatch(rf"✓ laid out {max(counts)} pages in {SECONDS}", kept[-3]), kept
    assert re.fullmatch(rf"✓ wrote the PDF in {SECONDS}", kept[-2]), kept
    assert re.fullmatch(rf"booklet: built in {SECONDS}", kept[-1]), kept
    assert "\x1b[32m✓" in shown  # colour on a terminal


def test_no_color_turns_colour_off_on_a_terminal(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "footnote-never-cited", tmp_path / "notes")
    code, shown = on_a_terminal(
        ["build", "--format", "html", "--out", "dist"], tmp_path / "notes", NO_COLOR="1"
    )
    assert code == 0, shown
    assert not SGR.search(shown), repr(shown)
    assert "01-one.md:7: warning: footnote [^sip] is defined but never cited" in shown
    code, shown = on_a_terminal(
        ["build", "--format", "html", "--out", "dist"], tmp_path / "notes", NO_COLOR=""
    )
    assert "01-one.md:7:\x1b[0m \x1b[1;35mwarning:\x1b[0m footnote [^sip] is defined but never cited" in shown


def test_plain_lines_when_standard_error_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(FIXTURES / "image-local", tmp_path / "dot")
    assert main(["build", str(tmp_path / "dot"), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    patterns = [
        rf"booklet: read 1 chapter in {SECONDS}",
        rf"booklet: laid out \d pages in {SECONDS}",
        rf"booklet: wrote the PDF in {SECONDS}",
        rf"booklet: made the EPUB in {SECONDS}",
        rf"booklet: made the web page in {SECONDS}",
        rf"booklet: built in {SECONDS}",
    ]
    lines = captured.err.splitlines()
    assert len(lines) == len(patterns) and all(
        re.fullmatch(p, line) for p, line in zip(patterns, lines, strict=True)
    ), lines
    assert "\x1b" not in captured.err
    out = str(tmp_path / "out")
    epub = (
        rf"{out}/dot\.epub  \d+ KB  {SECONDS}  \((\d+\.\d\d)s of it the print layout, shared with the PDF\)"
    )
    assert re.fullmatch(rf"{out}/dot\.pdf  \d+ KB  {SECONDS}", captured.out.splitlines()[0])
    assert re.fullmatch(epub, captured.out.splitlines()[1]), captured.out


def test_an_epub_alone_counts_the_print_layout_its_page_list_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(FIXTURES / "image-local", tmp_path / "dot")
    assert main(["build", str(tmp_path / "dot"), "--out", str(tmp_path), "--format", "epub"]) == 0
    line = capsys.readouterr().out.strip()
    match = re.fullmatch(
        r"\S+dot\.epub  \d+ KB  (\d+\.\d\d)s  \((\d+\.\d\d)s of it the print layout its page list needs\)",
        line,
    )
    assert match, line
    assert float(match.group(1)) >= float(match.group(2)) > 0


def test_quiet_prints_nothing_but_diagnostics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(FIXTURES / "footnote-never-cited", tmp_path / "notes")
    assert (
        main(
            ["build", str(tmp_path / "notes"), "--out", str(tmp_path / "out"), "--format", "html", "--quiet"]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        captured.err == f"{tmp_path}/notes/01-one.md:7: warning: footnote [^sip] is defined but never cited\n"
    )
