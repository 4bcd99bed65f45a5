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

The first `epubcheck()` (or `ace()`) call checks every EPUB registered so far that has
not been checked yet; later calls read the cache. An EPUB registered after that batch ran
gets a batch of its own, so have fixtures that build several EPUBs register them together.
A missing validator makes these calls raise: tests fail, never skip.

Every test fails on a WeasyPrint warning it did not expect (`no_weasyprint_warnings`, as
WeasyPrint's own `assert_no_logs`): otherwise a CSS mistake goes unnoticed. A test that
provokes one on purpose says so with `@pytest.mark.weasyprint_warnings`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `import validators` from tests

from validators import EpubReports


@pytest.fixture(scope="session")
def epub_reports() -> EpubReports:
    """One cache of EPUBCheck and Ace results for the whole session."""
    return EpubReports()


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
    if request.node.get_closest_marker("weasyprint_warnings") is None:
        assert records.messages == [], f"WeasyPrint warned: {records.messages}"
