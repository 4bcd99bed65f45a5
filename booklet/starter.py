"""`booklet new`: a starter booklet that builds as it is, or one started from an existing post.

Takes the folder to create (and, with `--from`, a post); writes `booklet.yml` (every key
present or commented and explained), two short chapters, a shared note, an image and a
`style.css` of commented examples from
`templates/starter/`, and returns the paths written. From a post: its front matter fills
`booklet.yml`, and the post, with its images, becomes the first chapter. A front end like
`cli` and `serve`: it writes into the author's folder, and never into one that holds anything.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path

import jinja2

from booklet.content import load_booklet
from booklet.content.config import BOOKLET_KEYS, CHAPTER_KEYS
from booklet.content.text import read_text
from booklet.errors import BookletError, Diagnostics
from booklet.files import write_atomically
from booklet.model import Metadata

STARTER = Path(str(importlib.resources.files("booklet.templates"))) / "starter"
CHAPTERS = ("01-welcome.md", "02-writing.md", "footnotes.md", "pipeline.png", "style.css")


def write_starter(folder: Path, post: Path | None, diagnostics: Diagnostics) -> tuple[Path, ...]:
    """Make `folder` a new booklet; raise `BookletError` if it holds anything or the post is bad."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BookletError(folder, None, "already exists and is not empty: choose a new name")
    if post is None:
        files = {name: (STARTER / name).read_bytes() for name in CHAPTERS}
        metadata = Metadata(title=_title(folder), source=folder, language="en")
    else:
        files, metadata = _from_post(post, diagnostics)
    files = {"booklet.yml": _booklet_yml(metadata).encode("utf-8"), **files}
    try:
        for name, data in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            write_atomically(folder / name, data)
    except OSError as error:
        raise BookletError(folder, None, f"cannot write ({error.strerror}): choose another folder") from None
    return tuple(folder / name for name in files)


def _title(folder: Path) -> str:
    """`my-reading-notes` → `My reading notes`: a title to change in booklet.yml."""
    words = re.sub(r"[-_]+", " ", folder.resolve().name).strip() or "My booklet"
    return words[0].upper() + words[1:]


def _from_post(post: Path, diagnostics: Diagnostics) -> tuple[dict[str, bytes], Metadata]:
    """The post as the first chapter (keys only booklet.yml knows commented out), with its local images."""
    booklet = load_booklet(post, diagnostics)  # every error in the post, reported as a build would
    files = {f"01-{post.stem}.md": _chapter_text(read_text(post)).encode("utf-8")}
    for image in booklet.images:
        if image.source.resolve().is_relative_to(post.parent.resolve()):
            files[image.href] = image.source.read_bytes()
    return files, booklet.metadata


def _chapter_text(text: str) -> str:
    """Front matter keys that a chapter does not take (they went into booklet.yml) become comments."""
    lines = text.split("\n")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    moved = False
    for index in range(1, end):
        key = lines[index].split(":", 1)[0]
        if lines[index][:1] not in (" ", "\t", "-", "#", ""):
            moved = key in BOOKLET_KEYS and key not in CHAPTER_KEYS
        if moved:
            lines[index] = f"# {lines[index]}  # in booklet.yml now"
    return "\n".join(lines)


def _booklet_yml(metadata: Metadata) -> str:
    environment = jinja2.Environment(  # noqa: S701 - YAML, not HTML: nothing to escape for a browser
        loader=jinja2.FileSystemLoader(STARTER),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["yaml"] = _yaml  # booklet.yml is YAML, not markup: no escaping but YAML's own
    authors: str | list[str] = (
        list(metadata.authors) if len(metadata.authors) > 1 else "".join(metadata.authors)
    )
    return environment.get_template("booklet.yml.j2").render(
        title=metadata.title,
        subtitle=metadata.subtitle,
        authors=authors,
        language=metadata.language,
        date=metadata.date,
        description=metadata.description,
        base_url=metadata.base_url,
        tags=list(metadata.tags),
    )


def _yaml(value: object) -> str:
    """A YAML scalar or flow list: JSON's quoted strings and lists are valid YAML (YAML 1.2 §1.3)."""
    return json.dumps(value, ensure_ascii=False)
