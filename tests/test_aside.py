"""The print layout on the second core (booklet/aside.py): the command line's child lays the
PDF out while the parent reads, and the outputs are the bytes one process makes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from booklet.build import FORMATS, build
from booklet.errors import Diagnostics
from conftest import BUILT_AT

ROOT = Path(__file__).resolve().parent.parent
EPOCH = str(int(BUILT_AT.timestamp()))

# The command line in a fresh interpreter (one thread: the printer forks); what it loaded,
# and how many EPUBs the parent made (one: from the pages sent as the PDF's drawing began).
COMMAND_LINE = """
import sys
import booklet.build
from booklet.cli import main
made = []
write_epub = booklet.build.write_epub
booklet.build.write_epub = lambda *args: made.append(1) or write_epub(*args)
status = main(["build", *sys.argv[2:], "--quiet", "--out", sys.argv[1]])
print(status, "weasyprint" in sys.modules, len(made))
"""

# The printer killed before it is sent the booklet: the parent lays it out itself.
KILLED = """
import multiprocessing, sys
from datetime import datetime, UTC
from pathlib import Path
from booklet.aside import start_printer
from booklet.build import FORMATS, build
from booklet.errors import Diagnostics
printer = start_printer()
assert printer is not None, "two cores and one thread: the printer forks"
for child in multiprocessing.active_children():
    child.kill()
    child.join()
built_at = datetime.fromtimestamp(int(sys.argv[3]), UTC)
build(Path(sys.argv[1]), Path(sys.argv[2]), FORMATS, built_at, Diagnostics(), printer=printer)
printer.close()
"""


# A booklet sent, then another before the first was received (its build failed meanwhile):
# the second one's PDF comes back; then one sent and the printer closed at once (Ctrl-C).
DROPPED = """
import sys, time
from datetime import datetime, UTC
from pathlib import Path
from booklet.aside import start_printer
from booklet.build import read_assets
from booklet.content import load_booklet
from booklet.errors import Diagnostics
built_at = datetime.fromtimestamp(int(sys.argv[3]), UTC)
first, second = (load_booklet(Path(path), Diagnostics()) for path in sys.argv[1:3])
printer = start_printer()
assert printer is not None, "two cores and one thread: the printer forks"
printer.send(first, read_assets(first), built_at, False)
printer.send(second, read_assets(second), built_at, False)
Path(sys.argv[4]).write_bytes(printer.receive(lambda step: None).data)
printer.send(first, read_assets(first), built_at, False)
started = time.perf_counter()
printer.close()
print(f"{time.perf_counter() - started:.2f}")
"""


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, env=env, check=False
    )


def _same_files(one: Path, other: Path) -> None:
    names = sorted(path.name for path in one.iterdir())
    assert names == sorted(path.name for path in other.iterdir())
    for name in names:
        assert (one / name).read_bytes() == (other / name).read_bytes(), f"{name} differs"


@pytest.mark.parametrize("fixture", ["image-local", "lang-ja"])
def test_the_printer_makes_the_bytes_of_one_process(fixture: str, tmp_path: Path) -> None:
    """Laid out in the child, the PDF, EPUB and web page are those of a build in this process;
    the parent never loads WeasyPrint (the child did the layout) and makes the EPUB once, while
    the PDF is drawn (the pages the child sent were the final ones)."""
    source = ROOT / "tests" / "fixtures" / fixture
    result = _run(COMMAND_LINE, str(tmp_path / "aside"), str(source))
    assert result.stdout.split() == ["0", "False", "1"], result.stderr
    build(source, tmp_path / "here", FORMATS, BUILT_AT, Diagnostics())
    _same_files(tmp_path / "aside", tmp_path / "here")


def test_pages_that_change_after_the_drawing_began_are_not_kept(tmp_path: Path) -> None:
    """A chapter title left alone at a page foot: its paragraph's note moves into the text and
    the booklet is laid out again after the first PDF was drawn; the EPUB and the web page
    made from the first pages are not kept (same bytes as one process)."""
    source = ROOT / "tests" / "fixtures" / "pdf-chapter-title-alone"
    result = _run(COMMAND_LINE, str(tmp_path / "aside"), str(source))
    assert result.stdout.split()[:2] == ["0", "False"], result.stderr
    build(source, tmp_path / "here", FORMATS, BUILT_AT, Diagnostics())
    _same_files(tmp_path / "aside", tmp_path / "here")


def test_a_printer_killed_costs_only_time(tmp_path: Path) -> None:
    """A child that is gone (killed, out of memory) leaves the layout to the parent: same bytes."""
    source = ROOT / "tests" / "fixtures" / "image-local"
    result = _run(KILLED, str(source), str(tmp_path / "killed"), EPOCH)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    build(source, tmp_path / "here", FORMATS, BUILT_AT, Diagnostics())
    _same_files(tmp_path / "killed", tmp_path / "here")


def test_several_booklets_share_one_printer(tmp_path: Path) -> None:
    """`make` builds every stale booklet in one run: one child lays them out one after another."""
    sources = [str(ROOT / "tests" / "fixtures" / name) for name in ("image-local", "lang-ja")]
    result = _run(COMMAND_LINE, str(tmp_path / "aside"), *sources)
    assert result.stdout.split() == ["0", "False", "2"], result.stderr
    for source in sources:
        build(Path(source), tmp_path / "here", FORMATS, BUILT_AT, Diagnostics())
    _same_files(tmp_path / "aside", tmp_path / "here")


def test_a_layout_nobody_reads_is_dropped(tmp_path: Path) -> None:
    """A booklet whose build failed after it was sent: the next one receives its own PDF, and
    closing the printer (Ctrl-C) stops a layout in progress at once (a long one would take minutes)."""
    first, second = (ROOT / "content" / "kamailio-in-action", ROOT / "tests" / "fixtures" / "image-local")
    result = _run(DROPPED, str(first), str(second), EPOCH, str(tmp_path / "second.pdf"))
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 2.0  # not the five seconds `close` waits for a child ending by itself
    build(second, tmp_path / "here", ("pdf",), BUILT_AT, Diagnostics())
    assert (tmp_path / "second.pdf").read_bytes() == (tmp_path / "here" / "image-local.pdf").read_bytes()
