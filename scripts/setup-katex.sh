#!/usr/bin/env bash
# Install KaTeX from the npm lock file and copy its browser assets to static/vendor/katex/ (git-ignored).
# Installs Node.js/npm from Debian's packages when they are missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=static/vendor/katex

if ! command -v npm >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "==> npm missing: installing nodejs and npm from Debian's packages"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
        echo "error: npm is needed to install KaTeX. Install Node.js (https://nodejs.org/) and run make again." >&2
        exit 1
    fi
fi

echo "==> npm ci (KaTeX from package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error

echo "==> copying KaTeX assets to $dest"
src=node_modules/katex/dist
rm -rf "$dest"
mkdir -p "$dest"
cp -R "$src/fonts" "$dest/fonts"
cp node_modules/katex/LICENSE "$src/katex.mjs" "$src/katex.min.js" "$dest/"
# Last, so the Makefile can use it as the stamp of a complete copy.
cp "$src/katex.min.css" "$dest/"
