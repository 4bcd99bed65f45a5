#!/usr/bin/env bash
# Install the Debian packages named as arguments, but only those not yet installed.
#
#   tools/install-system-deps.sh poppler-utils qpdf ...
#
# Idempotent, and silent when everything is present. As root it installs the missing
# packages, running `apt-get update` at most once, only when the package lists are
# absent or stale or the first install attempt fails. Not as root it prints the exact
# command to run and exits 1.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 PACKAGE..." >&2
    exit 2
fi

missing=()
for pkg in "$@"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [ "$status" != "install ok installed" ]; then
        missing+=("$pkg")
    fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing Debian packages: ${missing[*]}" >&2
    echo "run:   sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
updated=no
# Lists are needed when none were fetched yet (fresh image) or they are over a day old.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 -print -quit)" ]; then
    apt-get update -q
    updated=yes
fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    [ "$updated" = yes ] && exit 1
    apt-get update -q   # stale lists (404 on a superseded .deb): refresh once and retry
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
