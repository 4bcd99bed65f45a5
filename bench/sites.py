"""Benchmark: choosing one tag in a Jekyll site of 1,000 posts (issue 13: under 1 s).

Makes a site of N posts (default 1,000) from the test site's real posts, each with a date,
two tags out of fifty and a category, then times what `booklet build SITE --tag T` does before
it reads a single body: find the site, read every post's front matter, choose. Then the whole
reading stage for that tag (front matter, the chosen bodies, Liquid, Markdown), when the package
has it. Prints one line per measure; the best of 5 runs.
Usage: python bench/sites.py [N]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from booklet.content import load_booklet
from booklet.content.posts import choose_posts, read_posts
from booklet.content.sites import find_site
from booklet.errors import Diagnostics
from booklet.model import Request, Selection

POSTS = ROOT / "tests" / "fixtures" / "sites" / "jekyll" / "_posts"
BUILT_AT = datetime(2026, 12, 1, tzinfo=UTC)


def generate(folder: Path, count: int) -> Path:
    """A Jekyll site of `count` posts: the test site's real ones (their links between posts resolve),
    and more whose bodies are those posts' bodies, in turn."""
    real = sorted(POSTS.glob("20*"))
    bodies = [p.read_text(encoding="utf-8").split("\n---\n", 1)[1] for p in real]
    (folder / "_posts").mkdir(parents=True)
    for path in real:
        (folder / "_posts" / path.name).write_bytes(path.read_bytes())
    shutil.copytree(POSTS.parent / "img", folder / "img")
    (folder / "_config.yml").write_text(
        "title: Bench\nurl: https://example.org\nlang: en\n", encoding="utf-8"
    )
    for number in range(count - len(real)):
        year, day = 2000 + number // 365, number % 365
        month, mday = 1 + day // 31 % 12, 1 + day % 28
        front = (
            f"---\ntitle: 'Post {number}'\ndate: {year}-{month:02d}-{mday:02d} 10:00:00 +0800\n"
            f"tags: [Tag{number % 50}, tag{(number * 7) % 50}]\ncategories: [release]\n---"
        )
        name = f"{year}-{month:02d}-{mday:02d}-post-{number}.md"
        (folder / "_posts" / name).write_text(front + "\n" + bodies[number % len(bodies)], encoding="utf-8")
    return folder


def best(run: Callable[[], object], times: int = 5) -> tuple[float, object]:
    results = []
    for _ in range(times):
        started = time.perf_counter()
        value = run()
        results.append((time.perf_counter() - started, value))
    return min(results, key=lambda r: r[0])


def choose(folder: Path) -> int:
    site = find_site(folder)
    assert site is not None
    return len(choose_posts(read_posts(site), Selection(tags=("TAG7",)), BUILT_AT).posts)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as temporary:
        folder = generate(Path(temporary) / "site", count)
        seconds, chosen = best(lambda: choose(folder))
        print(
            f"choose --tag TAG7 in {count} posts (front matter only): {seconds:.3f} s, {chosen} posts chosen"
        )
        request = Request(BUILT_AT, Selection(tags=("TAG7",)))
        seconds, booklet = best(lambda: load_booklet(folder, Diagnostics(), None, request), times=3)
        chapters = len(booklet.chapters)  # type: ignore[attr-defined]  # best() returns an object
        print(
            f"the whole reading stage for that tag (Liquid, Markdown, links): {seconds:.3f} s, {chapters} chapters"
        )


if __name__ == "__main__":
    main()
