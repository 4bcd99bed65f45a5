"""booklet: a book's companion material in Markdown → PDF, EPUB 3 and a web page.

The stages, in order (dependencies point down this list only; tests/test_architecture.py
holds the exact table):

1. `errors`, `model`, `scripts` – located problems; the frozen values passed between stages;
   writing systems (language tag → system, CJK character classes, kinsoku, name joining)
2. `files`, `cache`  – one atomic write; the user's cache of covers and font subsets
3. `content`     – the reading stage, the only one that reads the author's files:
   `text` (UTF-8, YAML with lines) · `config` (booklet.yml, front matter → `Metadata`) ·
   `sources` (folders, posts) · `markdown` (with `sanitize`) · `images` · `assemble` → `Booklet`
4. `theme`       – the Jinja2 environment over templates/, interface words, stylesheets
5. `assets`, `fonts`, `cover`, `pages` – typed files (href, media type, bytes); fonts and
   subsets; the generated cover; which block opens each printed page (the EPUB's page
   list, the web page's `#p12`)
6. `pdf` (`notes` · `typeset` · `layout` · `upstream` · `compact` · `impose`), `epub` (`documents` ·
   `package` · `check`: an EPUB read back for what readers fail on), `web` (`shape`) –
   one writer per output: model and assets in, bytes out
7. `aside`, `build` – the PDF laid out in a child process, on the second core, while the
   booklet is read; the order of stages and the atomic writes of the outputs
8. `cli`, `serve`, `check`, `starter`, `progress` – the command line, the live preview, the
   release check of an EPUB, `booklet new` (a starter booklet folder) and the display of a
   build's progress
"""

__version__ = "0.1.0"
