#!/usr/bin/env bash
# Print the path of a Chromium for the browser tests; install Debian's package when missing and root.
# CHROMIUM_PATH, when set, wins. Messages go to stderr so callers can capture the path from stdout.
set -euo pipefail

if [[ -n "${CHROMIUM_PATH:-}" ]]; then
    if [[ -x "$CHROMIUM_PATH" ]]; then
        echo "$CHROMIUM_PATH"
        exit 0
    fi
    echo "error: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file." >&2
    exit 1
fi

default=/usr/bin/chromium
if [[ ! -x "$default" ]] && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "==> $default missing: installing Debian's chromium package (about a minute)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [[ -x "$default" ]]; then
    echo "$default"
    exit 0
fi

cat >&2 <<MSG
error: the browser tests need Chromium and none was found at $default.
  - Debian/Ubuntu (as root):  apt-get install -y chromium
  - with internet access:     .venv/bin/playwright install chromium, then set CHROMIUM_PATH to the
                              chrome binary it prints (under ~/.cache/ms-playwright/)
  - or point CHROMIUM_PATH at any Chromium/Chrome executable:  CHROMIUM_PATH=/path/to/chrome make test
MSG
exit 1
