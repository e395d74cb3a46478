#!/usr/bin/env bash
# Build the image from a clean clone of HEAD and check the container end to end, with Docker or podman:
# the packages are the lock's, no layer keeps the wheel; the server listens on BACKPROP_PORT as a non-root user;
# the page, its bundle and fonts, /docs; /api/trace equal to a local server's answer; a class started in the
# container with the teacher key (and refused without), its links at BACKPROP_PUBLIC_URL, joined by a student
# through the published port; the health check; a graceful stop.
#
#   scripts/verify-container.sh [--standins] [--here | --no-build]
#     --standins  first build local stand-ins for the two base images (scripts/container-standins.sh: podman,
#                 Debian, root), for a machine that reaches no registry of container images
#     --here      build the working tree as it is instead of a clean clone of HEAD
#     --no-build  check the image the last run built, with the working tree's lock
# Environment: ENGINE (docker or podman; default docker when its daemon answers, else podman), PORT (the host
# port published on 127.0.0.1, default 18080), BUILD_FLAGS / RUN_FLAGS (more flags for `build` / `run`),
# KEEP=1 (leave the container running). Needs `make setup-test` first: its .venv runs the checks and the local
# server. Only 127.0.0.1 is ever contacted (and the registries the build itself uses).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

standins=0 here=0 build=1
for arg in "$@"; do
    case $arg in
        --standins) standins=1 ;;
        --here) here=1 ;;
        --no-build) here=1 build=0 ;;
        *) sed -n '2,16p' "$0" >&2; exit 2 ;;
    esac
done

engine=${ENGINE:-}
if [[ -z $engine ]]; then
    if command -v docker >/dev/null && docker info >/dev/null 2>&1; then engine=docker; else engine=podman; fi
fi
command -v "$engine" >/dev/null || { echo "error: neither a running Docker nor podman found" >&2; exit 1; }
py=$repo/.venv/bin/python
[[ -x $py ]] || { echo "error: run make setup-test first (the checks use .venv)" >&2; exit 1; }
host_port=${PORT:-18080}
container_port=8765  # not the default 8000: the image must follow BACKPROP_PORT
image=localhost/backprop-explorer:verify
name=backprop-explorer-verify
read -r -a build_flags <<< "${BUILD_FLAGS:-}"
read -r -a run_flags <<< "${RUN_FLAGS:-}"
# From scratch: what a fresh clone builds (and podman 4.3's buildah loses a cached stage's files under
# `RUN --mount=type=bind,from=<stage>`, fixed in buildah 1.29). podman keeps HEALTHCHECK only in Docker's format.
build_flags+=(--no-cache)
[[ $engine == podman ]] && build_flags+=(--format docker)

work=$(mktemp -d "${TMPDIR:-/tmp}/verify-container.XXXXXX")
local_pid=
cleanup() {
    [[ -n $local_pid ]] && kill "$local_pid" 2>/dev/null
    [[ ${KEEP:-0} == 1 ]] || "$engine" rm -f "$name" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
# podman without systemd logs an error about health-check timers at run, healthcheck and stop; harmless.
engine_bin=$engine
engine() { "$engine_bin" "$@" 2> >(grep -v 'unable to get systemd connection' >&2); }
say() { printf '\n==> %s\n' "$*"; }
started=$SECONDS
failed=0
fail() { echo "FAIL $*"; failed=1; }
ok() { echo "ok   $*"; }

if [[ $here == 1 ]]; then
    src=$repo
else
    say "clean clone of HEAD ($(git log --oneline -1 | cut -c1-70))"
    git clone -q --no-hardlinks "$repo" "$work/src"
    src=$work/src
fi

if [[ $standins == 1 ]]; then
    say "stand-in base images"
    (cd "$src" && BUILD_FLAGS="${BUILD_FLAGS:-}" scripts/container-standins.sh "$engine")
fi

build_start=$SECONDS
if [[ $build == 1 ]]; then
    say "$engine build ($src)"
    engine build "${build_flags[@]}" --pull=never -t "$image" "$src" > "$work/build.log" 2>&1 \
        || { tail -30 "$work/build.log"; echo "build failed" >&2; exit 1; }
fi
build_seconds=$((SECONDS - build_start))
size=$(engine image inspect "$image" --format '{{.Size}}')
echo "built in ${build_seconds} s; image size $((size / 1000000)) MB"

say "image: user, health check, packages, layers"
user=$(engine image inspect "$image" --format '{{.Config.User}}')
[[ -n $user && $user != root && $user != 0 ]] && ok "runs as user $user" || fail "image user is '$user'"
health=$(engine image inspect "$image" --format '{{json .Config.Healthcheck.Test}}')
[[ $health == *BACKPROP_PORT* && $health != *8000* ]] && ok "HEALTHCHECK follows BACKPROP_PORT" \
    || fail "HEALTHCHECK: $health"
list='import importlib.metadata as m; print("\n".join(f"{d.name}=={d.version}" for d in m.distributions()))'
base=$(awk 'toupper($1)=="FROM"{ref=$2} END{print ref}' "$src/Dockerfile")
engine run --rm "${run_flags[@]}" --no-healthcheck --entrypoint python "$image" -c "$list" > "$work/installed.txt"
engine run --rm "${run_flags[@]}" --no-healthcheck --entrypoint python "$base" -c "$list" > "$work/base-installed.txt"
engine run --rm "${run_flags[@]}" --no-healthcheck --entrypoint python "$image" -c \
    'import json; from pip._vendor.packaging.markers import default_environment as env; print(json.dumps(env()))' \
    > "$work/markers.json"
"$py" "$repo/scripts/check_container.py" packages "$src/requirements/runtime.txt" "$work/markers.json" \
    "$work/installed.txt" "$work/base-installed.txt" || failed=1
engine save -o "$work/image.tar" "$image" >/dev/null 2>&1
engine save -o "$work/base.tar" "$base" >/dev/null 2>&1
"$py" "$repo/scripts/check_container.py" layers "$work/image.tar" "$work/base.tar" || failed=1
rm -f "$work/image.tar" "$work/base.tar"

say "run: BACKPROP_PORT=$container_port, published on 127.0.0.1:$host_port"
engine rm -f "$name" >/dev/null 2>&1 || true
# As the README runs a class from a container: the public address (here the published port on 127.0.0.1, the
# only address this check contacts) and a teacher key.
public_url=http://127.0.0.1:$host_port
teacher_key=$("$py" -c 'import secrets; print(secrets.token_urlsafe(32))')
# In a file, so the key shows in no process list.
(umask 077; printf 'BACKPROP_PORT=%s\nBACKPROP_PUBLIC_URL=%s\nBACKPROP_TEACHER_KEY=%s\n' \
    "$container_port" "$public_url" "$teacher_key" > "$work/env")
run_start=$SECONDS
engine run -d --name "$name" "${run_flags[@]}" --env-file "$work/env" -p "127.0.0.1:$host_port:$container_port" \
    "$image" >/dev/null
up=0
for _ in $(seq 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$host_port/healthz" 2>/dev/null && { up=1; break; }
    sleep 0.5
done
[[ $up == 1 ]] || { engine logs "$name" 2>&1 | tail -20; echo "the container did not answer" >&2; exit 1; }
ok "answers on the published port $((SECONDS - run_start)) s after start"
uid=$(engine exec "$name" id -u)
[[ $uid != 0 ]] && ok "the server runs as uid $uid" || fail "the server runs as root"

say "a local server from the same checkout, to compare /api/trace with"
local_port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$src" && PYTHONPATH=$src exec "$py" -m app serve --host 127.0.0.1 --port "$local_port" > "$work/local.log" 2>&1) &
local_pid=$!
for _ in $(seq 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$local_port/healthz" 2>/dev/null && break
    sleep 0.5
done

say "start a class"
rooms=http://127.0.0.1:$host_port/api/class/rooms
status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$rooms")
[[ $status == 401 ]] && ok "without the teacher key: $status" || fail "a class started without the key ($status)"
room=$(curl -fsS -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $teacher_key" -d '{}' "$rooms") \
    || room='{}'
grep -q "$public_url/?key=<BACKPROP_TEACHER_KEY>" <<< "$(engine logs "$name" 2>&1)" \
    && ok "the log names the teacher link at the public address, not the key" || fail "no teacher link in the log"

say "HTTP and WebSocket checks through 127.0.0.1:$host_port"
"$py" "$repo/scripts/check_container.py" http "http://127.0.0.1:$host_port" "http://127.0.0.1:$local_port" \
    "$room" "$public_url" || failed=1

say "health check and graceful stop"
if [[ $engine == podman ]]; then
    # Without systemd podman runs no health-check timer; `healthcheck run` runs the image's check once.
    engine healthcheck run "$name" && ok "health check: healthy" || fail "health check"
else
    status=
    for _ in $(seq 45); do
        status=$(engine inspect "$name" --format '{{.State.Health.Status}}')
        [[ $status == healthy ]] && break
        sleep 1
    done
    [[ $status == healthy ]] && ok "health check: healthy" || fail "health check: $status"
fi
stop_start=$(date +%s.%N)
engine stop -t 20 "$name" >/dev/null
stop_seconds=$("$py" -c "print(round($(date +%s.%N) - $stop_start, 1))")
code=$(engine inspect "$name" --format '{{.State.ExitCode}}')
logs=$(engine logs "$name" 2>&1)
if [[ $code == 0 ]] && grep -q 'Finished server process' <<< "$logs"; then
    ok "stopped gracefully on SIGTERM in $stop_seconds s (exit code 0)"
else
    fail "stop: exit code $code after $stop_seconds s"; tail -5 <<< "$logs"
fi

echo
echo "image $image: $((size / 1000000)) MB; build ${build_seconds} s; whole check $((SECONDS - started)) s ($engine)"
[[ $failed == 0 ]] && echo "container check passed" || { echo "container check FAILED"; exit 1; }
