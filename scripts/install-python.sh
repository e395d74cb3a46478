#!/usr/bin/env bash
# Install the project (editable) into .venv, with optional extras: scripts/install-python.sh [test]
# uv is ~10x faster than pip; when it cannot be installed or fails, pip does the same job.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
extras="${1:-}"
target="."
[[ -n "$extras" ]] && target=".[$extras]"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "==> creating $venv with ${PYTHON:-python3}"
    "${PYTHON:-python3}" -m venv "$venv"
fi

if [[ ! -x "$venv/bin/uv" ]]; then
    echo "==> installing uv into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check uv || true
fi

echo "==> installing backprop-explorer (editable) ${extras:+with extras [$extras] }into $venv"
if [[ -x "$venv/bin/uv" ]] && "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" -e "$target"; then
    exit 0
fi
echo "    uv unavailable or failed; using pip"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$target"
