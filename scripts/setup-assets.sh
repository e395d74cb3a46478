#!/usr/bin/env bash
# Install the browser libraries from the npm lock file and copy their assets into static/vendor/
# (git-ignored): KaTeX for the formulas, Swagger UI for the offline API docs at /docs. axe-core (a dev
# dependency) stays in node_modules/: the accessibility tests inject it, users never load it.
# Installs Node.js/npm from Debian's packages when they are missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."

vendor=static/vendor

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

echo "==> npm ci (KaTeX, Swagger UI and the tests' axe-core from package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error

echo "==> copying browser assets to $vendor/"
rm -rf "$vendor"
mkdir -p "$vendor/katex" "$vendor/swagger-ui"
swagger=node_modules/swagger-ui-dist
cp "$swagger/LICENSE" "$swagger/swagger-ui-bundle.js" "$swagger/swagger-ui.css" "$vendor/swagger-ui/"
katex=node_modules/katex/dist
cp -R "$katex/fonts" "$vendor/katex/fonts"
cp node_modules/katex/LICENSE "$katex/katex.mjs" "$katex/katex.min.js" "$vendor/katex/"
# Last, so the Makefile can use it as the stamp of a complete copy.
cp "$katex/katex.min.css" "$vendor/katex/"
