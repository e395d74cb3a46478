#!/usr/bin/env bash
# Install the locked Python packages into .venv, then the project itself (editable, without dependencies):
#   scripts/install-python.sh          requirements/runtime.txt + requirements/build.txt (`make serve`)
#   scripts/install-python.sh test     requirements/test.txt (`make test`, CI): the above + the test tools
# Every package comes from the lock with its hash (`make lock` regenerates it); nothing is resolved here.
# uv is ~10x faster than pip; when it cannot be installed or fails, pip does the same job from the same lock.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
uv_version=0.13.9
case "${1:-}" in
    "") locks=(requirements/runtime.txt requirements/build.txt) ;;
    test) locks=(requirements/test.txt) ;;
    *) echo "usage: $0 [test]" >&2; exit 2 ;;
esac
requirements=()
for lock in "${locks[@]}"; do requirements+=(-r "$lock"); done

if [[ ! -x "$venv/bin/python" ]]; then
    echo "==> creating $venv with ${PYTHON:-python3}"
    "${PYTHON:-python3}" -m venv "$venv"
fi

if [[ ! -x "$venv/bin/uv" ]]; then
    echo "==> installing uv $uv_version into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$uv_version" || true
fi

# The build backend comes from the lock too (--no-build-isolation), so the editable install needs no network.
echo "==> installing ${locks[*]} and backprop-explorer (editable, --no-deps) into $venv"
if [[ -x "$venv/bin/uv" ]] \
    && "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --require-hashes "${requirements[@]}" \
    && "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --no-deps --no-build-isolation -e .; then
    exit 0
fi
echo "    uv unavailable or failed; using pip"
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
"${pip[@]}" install --quiet --require-hashes "${requirements[@]}"
"${pip[@]}" install --quiet --no-deps --no-build-isolation -e .
