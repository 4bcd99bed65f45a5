"""What `booklet build` shows while it works: a live line on a terminal, plain lines elsewhere.

Takes the build's `Step`s (model.py) as they come and writes to standard error. On a terminal,
once a build has run for a second, one status line is redrawn ten times a second (what is
being done, a count, the time so far) and each finished stage leaves a line; a quicker build
shows nothing but its result. Not on a terminal (a log, CI), each finished stage is one plain
line. Colour only on a terminal, and never with NO_COLOR set (no-color.org); `--quiet` shows
nothing. The redrawing thread writes with `os.write` and holds no lock that a process forked
beside it (build's font helper) could need: that is why build may fork while it runs.
"""

from __future__ import annotations

import os
import threading
import time
from typing import TextIO

from booklet.model import PROGRESS_THREAD, Step

AFTER = 1.0  # seconds before a terminal shows the live line: a quick build stays quiet
TICK = 0.1
DOING = {
    "read": "reading the chapters",
    "layout": "laying out pages",
    "pdf": "writing the PDF",
    "epub": "making the EPUB",
    "html": "making the web page",
    "impose": "imposing the PDF for print",
}
DONE = {
    "pdf": "wrote the PDF",
    "epub": "made the EPUB",
    "html": "made the web page",
    "impose": "imposed the PDF for print",
}
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def done_line(step: Step) -> str:
    """`read 14 chapters in 0.21s`, `laid out 38 pages in 2.95s`, `made the EPUB in 0.40s`."""
    if step.stage == "read":
        what = f"read {_count(step.count, 'chapter')}"
    elif step.stage == "layout":
        what = f"laid out {_count(step.count, 'page')}"
    else:
        what = DONE[step.stage]
    return f"{what} in {step.seconds or 0:.2f}s"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


class Display:
    """Call it with each `Step`; `close()` before printing anything else on standard error."""

    def __init__(self, stream: TextIO, started: float, *, quiet: bool, colour: bool, live: bool) -> None:
        """`started`: when the command began (`time.perf_counter()`), for the times shown."""
        self.stream, self.quiet, self.colour, self.live = stream, quiet, colour, live
        self.started = started
        self.doing: Step | None = None
        self.shown = False  # the live line is on the screen
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.ticker: threading.Thread | None = None
        if live and not quiet:
            self.ticker = threading.Thread(target=self._tick, name=PROGRESS_THREAD, daemon=True)
            self.ticker.start()

    def __call__(self, step: Step) -> None:
        with self.lock:
            self.doing = step if step.seconds is None else None
            if step.seconds is not None and not self.quiet and (not self.live or self._late()):
                self._clear()
                mark = self._paint("✓ ", "32") if self.live else "booklet: "
                self._write(f"{mark}{done_line(step)}\n")
            if self.live and self._late():
                self._redraw()

    def close(self) -> float:
        """Stop redrawing and clear the live line; return the seconds since the display began."""
        self.stopping.set()
        if self.ticker is not None:
            self.ticker.join()
        with self.lock:
            self._clear()
        return time.perf_counter() - self.started

    def _tick(self) -> None:
        while not self.stopping.wait(TICK):
            with self.lock:
                if self._late():
                    self._redraw()

    def _late(self) -> bool:
        return time.perf_counter() - self.started >= AFTER

    def _redraw(self) -> None:
        elapsed = time.perf_counter() - self.started
        if self.doing is None:
            return
        count = f" {self.doing.count}" if self.doing.count else ""
        spin = SPINNER[int(elapsed / TICK) % len(SPINNER)]
        line = f"{self._paint(spin, '36')} {DOING[self.doing.stage]}…{count}  {self._paint(f'{elapsed:.0f}s', '2')}"
        self._write(f"\r\x1b[K{line}")
        self.shown = True

    def _clear(self) -> None:
        if self.shown:
            self._write("\r\x1b[K")
            self.shown = False

    def _paint(self, text: str, sgr: str) -> str:
        return f"\x1b[{sgr}m{text}\x1b[0m" if self.colour else text

    def _write(self, text: str) -> None:
        if self.live:  # the terminal's own descriptor: no lock of sys.stderr's is taken (see above)
            os.write(self.stream.fileno(), text.encode("utf-8", "replace"))
        else:
            self.stream.write(text)
            self.stream.flush()
