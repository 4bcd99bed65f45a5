"""Session-wide fixtures for booklet's tests.

`epub_reports` runs the EPUB validators (tests/validators.py) once per session for all the
EPUBs registered with it. Building an EPUB is cheap; starting EPUBCheck's JVM is not
(~5 s, then tens of milliseconds per further EPUB). So build first, validate in one batch:

    @pytest.fixture(scope="session")
    def sample_epub(tmp_path_factory, epub_reports):
        path = build_sample(tmp_path_factory.mktemp("sample"))
        epub_reports.register(path)          # register right after building
        return path

    def test_sample_epub_is_valid(sample_epub, epub_reports):
        messages = epub_reports.epubcheck(sample_epub)
        assert messages == [], format_messages(messages)

EPUBCheck runs in one JVM for the whole session (`validators.EpubCheckServer`), Ace in one
Node process with one Chromium (`validators.AceServer`): as neither starts again, each checks
an EPUB when a test first asks about it (`per_path`), and later calls read the cache. (With
batch runners, the first call checks every EPUB registered so far.)
A missing validator makes these calls raise: tests fail, never skip.

`kamailio_built` builds the Kamailio booklet once per test run — every output, stage by stage
as `build` runs them, so the PDF's pagination and WeasyPrint's log come back too — for
test_build, test_epub, test_impose, test_justification, test_pdf and test_upstream (it was laid
out four times). Its EPUB is registered with `epub_reports`.

`once_per_run` shares such a build between the run's processes (pytest-xdist workers, one a
test file): the first to ask makes it, under a lock, in a folder of the run's; the others wait
and read it back (the pytest-xdist recipe for a session fixture made once).

Every test fails on a WeasyPrint warning it did not expect (`no_weasyprint_warnings`, as
WeasyPrint's own `assert_no_logs`): otherwise a CSS mistake goes unnoticed. A test that
provokes one on purpose names it: `@pytest.mark.weasyprint_warnings(".notdef glyph")`.
"""

from __future__ import annotations

import fcntl
import logging
import os
import pickle
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `import validators` from tests

from booklet.build import read_assets, report_layout
from booklet.content import load_booklet
from booklet.epub import write_epub
from booklet.errors import Diagnostics
from booklet.fonts import cached_subset
from booklet.model import Booklet, PrintedPdf
from booklet.pdf import write_pdf
from booklet.pdf.impose import impose_booklet
from booklet.web import write_web
from validators import AceServer, EpubCheckServer, EpubReports

ROOT = Path(__file__).resolve().parent.parent
KAMAILIO = ROOT / "content" / "kamailio-in-action"
BUILT_AT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
T = TypeVar("T")


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of this test run that all its processes see: each pytest-xdist worker's
    temporary folder (`popen-gw0`…) sits in it."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once_per_run(run: Path, name: str, make: Callable[[Path], T]) -> T:
    """`make(folder)`'s value, made once in this test run (`run`: `run_folder`) by the first
    process to ask, in `run/once/name/`; the value is pickled beside it for the others. A
    process that asks meanwhile waits for the lock; a `make` that raised leaves nothing kept,
    so the next to ask tries again (and fails the same way)."""
    shared = run / "once"
    shared.mkdir(exist_ok=True)
    kept = shared / f"{name}.pickle"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if kept.is_file():
            value: T = pickle.loads(kept.read_bytes())  # noqa: S301 - written by this run's own processes
            return value
        folder = shared / name
        folder.mkdir(exist_ok=True)
        value = make(folder)
        kept.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def epub_reports() -> Iterator[EpubReports]:
    """One cache of EPUBCheck and Ace results for the whole session; EPUBCheck's JVM and Ace's
    Node process (with its Chromium) start once, at their first check."""
    epubcheck, ace = EpubCheckServer(), AceServer()
    try:
        yield EpubReports(epubcheck=epubcheck.run, ace=ace.run, per_path=True)
    finally:
        epubcheck.close()
        ace.close()


@dataclass(frozen=True)
class Built:
    """One booklet's outputs in `folder` (`<name>.pdf`, `.epub`, `.html`, `-print.pdf`,
    `-cover.png`), its model, and the PDF stage's result (pagination, WeasyPrint's log)."""

    booklet: Booklet
    printed: PrintedPdf
    folder: Path

    def path(self, suffix: str) -> Path:
        return self.folder / f"{self.booklet.name}{suffix}"


@pytest.fixture(scope="session")
def kamailio_built(tmp_path_factory: pytest.TempPathFactory, epub_reports: EpubReports) -> Built:
    """The Kamailio booklet, every output, built once for the whole test run."""
    built = once_per_run(run_folder(tmp_path_factory), "kamailio", _build_kamailio)
    epub_reports.register(built.path(".epub"))
    return built


def _build_kamailio(folder: Path) -> Built:
    """Every output of the Kamailio booklet, in `folder` (the layout warns of nothing)."""
    booklet = load_booklet(KAMAILIO, Diagnostics())
    assets = read_assets(booklet)
    printed = write_pdf(booklet, assets, BUILT_AT)
    layout = Diagnostics()
    report_layout(printed, layout)
    assert layout.warnings == [], layout.warnings
    links = {"PDF": f"{booklet.name}.pdf", "EPUB": f"{booklet.name}.epub"}
    outputs = {
        ".pdf": printed.data,
        ".epub": write_epub(booklet, assets, BUILT_AT, printed.pages, cached_subset),
        ".html": write_web(booklet, assets, BUILT_AT, links, printed.pages),
        "-print.pdf": impose_booklet(printed.data),
        f"-{assets.cover.href}": assets.cover.data,
    }
    built = Built(booklet, printed, folder)
    for suffix, data in outputs.items():
        built.path(suffix).write_bytes(data)
    return built


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def no_weasyprint_warnings(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test when WeasyPrint logs a warning or an error in this process while it runs."""
    records = _Records()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(records)
    try:
        yield
    finally:
        logger.removeHandler(records)
    marker = request.node.get_closest_marker("weasyprint_warnings")
    expected = marker.args if marker is not None else ()  # substrings of the messages provoked on purpose
    unexpected = [m for m in records.messages if not any(part in m for part in expected)]
    assert unexpected == [], f"WeasyPrint warned: {unexpected}"
