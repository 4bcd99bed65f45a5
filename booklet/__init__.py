"""booklet: a book's companion material in Markdown → PDF, EPUB 3 and a web page.

The stages, in order (dependencies point down this list only; tests/test_architecture.py
holds the exact table):

1. `errors`      – `BookletError`, warnings, how they print
2. `model`       – frozen dataclasses passed between stages
3. `files`       – one atomic write (a temporary file, renamed into place)
4. `config`      – `booklet.yml` and front matter → `Metadata` (all YAML passes here),
   with its helpers `images` (local and fetched images) and `sanitize` (safe raw HTML)
5. `content`     – chapter files / a single post → `Booklet` (Markdown → HTML, once)
6. `render_html` – Jinja2 templates over the `Booklet` → HTML / XHTML text
7. `cover`, `fonts`, `pdf_fonts`, `impose` – value → bytes helpers of the writers
8. `pdf`, `epub`, `web` – one output each, as bytes (`pdf` also gives the pagination)
9. `build`       – the order of stages; caches; atomic writes of the outputs
10. `cli`, `serve` – the command line and the live preview
"""

__version__ = "0.1.0"
