"""booklet: a book's companion material in Markdown → PDF, EPUB 3 and a web page.

The stages, in order (one module each; dependencies point down this list only):

1. `errors`      – `BookletError`, warnings, how they print
2. `model`       – frozen dataclasses passed between stages
3. `config`      – `booklet.yml` and front matter → `Metadata` (all YAML passes here)
4. `content`     – chapter files / a single post → `Booklet` (Markdown → HTML, once)
5. `render_html` – Jinja2 templates over the `Booklet` → HTML / XHTML text
6. `cover`       – the generated cover image
7. `pdf`, `epub`, `web` – one output each, as bytes
8. `build`       – the order of stages; atomic writes
9. `cli`         – arguments, environment, printing, exit codes
"""

__version__ = "0.1.0"
