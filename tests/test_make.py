"""Make rebuilds only what changed: a no-op `make` builds nothing and says so; `make -j2` is safe.

Runs the real Makefile in a copy of the project holding two small booklets. The first
`make -j2` really builds both (so the grouped rule and parallel writes are exercised);
after that, `make -n` shows which booklets a change would rebuild, without building.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOTHING = "make: nothing to build: every booklet in dist/ is up to date"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    for name in ("Makefile", "pyproject.toml", "setup.py", "requirements.lock"):
        shutil.copy2(ROOT / name, root / name)
    for name in ("booklet", "templates", "tools"):
        shutil.copytree(
            ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "node_modules")
        )
    shutil.copytree(FIXTURES / "image-local", root / "content" / "alpha")
    shutil.copytree(FIXTURES / "utf8-bom", root / "content" / "beta")
    (root / ".venv").mkdir()
    (root / ".venv" / ".installed").touch()  # set up already: use this interpreter (PY= below)
    return root


def make(project: Path, *args: str) -> str:
    if "-n" not in args:
        # PY= is the interpreter running these tests: a real `make` here must never set the
        # venv up again, or it would install this temporary copy into it. The stamp is made
        # as old as what it depends on, so it rebuilds no booklet either.
        newest = max(
            (project / name).stat().st_mtime_ns
            for name in ("pyproject.toml", "setup.py", "requirements.lock")
        )
        os.utime(project / ".venv" / ".installed", ns=(newest, newest))
    result = subprocess.run(
        ["make", f"PY={sys.executable}", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def built(output: str) -> list[str]:
    """The booklets a `make` run built (or, with -n, would build): one run may build several."""
    runs = [line for line in output.splitlines() if "-m booklet build" in line]
    return sorted(
        word.removeprefix("content/") for line in runs for word in line.split() if word.startswith("content/")
    )


def runs(output: str) -> int:
    """How many runs of booklet a `make` started."""
    return sum("-m booklet build" in line for line in output.splitlines())


def later(*paths: Path) -> None:
    """Mark files changed: a time clearly after the outputs' (file times can be coarse)."""
    moment = time.time() + 5
    for path in paths:
        os.utime(path, (moment, moment))


def test_make_j2_builds_each_booklet_once_then_nothing(project: Path) -> None:
    output = make(project, "-j2")
    assert built(output) == ["alpha", "beta"]
    assert runs(output) == 2  # a run per booklet, two at a time
    for name in ("alpha", "beta"):
        for kind in ("pdf", "epub", "html"):
            assert (project / "dist" / f"{name}.{kind}").stat().st_size > 1000
    assert not [p for p in (project / "dist").iterdir() if p.name.startswith(".")], (
        "a temporary file was left"
    )
    again = make(project)
    assert built(again) == []
    assert NOTHING in again.splitlines()


@pytest.mark.parametrize(
    ("changed", "rebuilt"),
    [
        ("content/alpha/01-one.md", ["alpha"]),
        ("content/beta/booklet.yml", ["beta"]),
        ("content/alpha/dot.png", ["alpha"]),
        ("templates/base.css", ["alpha", "beta"]),
        ("templates/web.html.j2", ["alpha", "beta"]),
        ("booklet/content/markdown.py", ["alpha", "beta"]),  # a module inside a package
        ("requirements.lock", ["alpha", "beta"]),  # new dependencies: the venv is set up again
    ],
)
def test_a_change_rebuilds_only_the_booklets_that_depend_on_it(
    project: Path, changed: str, rebuilt: list[str]
) -> None:
    if not (project / "dist" / "alpha.pdf").exists():
        make(project, "-j2")
    outputs = sorted((project / "dist").iterdir())
    stamp = {p: p.stat().st_mtime for p in outputs}
    before = (project / changed).stat()
    later(project / changed)
    try:
        output = make(project, "-n")
    finally:
        os.utime(project / changed, ns=(before.st_atime_ns, before.st_mtime_ns))
    if changed == "requirements.lock":
        assert "pip install --quiet --no-compile -r requirements.lock" in output
    assert built(output) == rebuilt
    assert {p: p.stat().st_mtime for p in outputs} == stamp  # -n built nothing


def test_a_new_file_in_a_booklet_rebuilds_that_booklet(project: Path) -> None:
    if not (project / "dist" / "alpha.pdf").exists():
        make(project, "-j2")
    extra = project / "content" / "beta" / "02-two.md"
    extra.write_text("---\ntitle: Two\n---\n\nMore.\n", encoding="utf-8")
    later(extra, extra.parent)
    try:
        assert built(make(project, "-n")) == ["beta"]
    finally:
        extra.unlink()


def test_make_builds_every_stale_booklet_in_one_run(project: Path) -> None:
    """A plain `make` starts booklet once for all the stale booklets (Python, WeasyPrint and
    the fonts load once); `make -j2` above starts one run per booklet (issue 15)."""
    if not (project / "dist" / "alpha.pdf").exists():
        make(project, "-j2")
    changed = [project / "content" / "alpha" / "01-one.md", project / "content" / "beta" / "booklet.yml"]
    before = [path.stat() for path in changed]
    later(*changed)
    try:
        output = make(project)
    finally:
        for path, stat in zip(changed, before, strict=True):
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert built(output) == ["alpha", "beta"]
    assert runs(output) == 1
    assert NOTHING in make(project).splitlines()
