#!/usr/bin/env bash
# Make sure the servers the scale-out tests start themselves are installed: redis-server (tests/redis.py starts
# one per test session on a free 127.0.0.1 port) and nginx (the reverse-proxy test). REDIS_SERVER / NGINX, when
# set, win. Installs Debian's packages when missing and root; Debian may start a system service with the
# package, which the tests never use (they start their own on free ports), so it is stopped and disabled.
# Messages go to stderr.
set -euo pipefail

missing=()
[[ -n "${REDIS_SERVER:-}" || -x /usr/bin/redis-server ]] || missing+=(redis-server)
[[ -n "${NGINX:-}" || -x /usr/sbin/nginx ]] || missing+=(nginx)
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's ${missing[*]} for the scale-out tests (a few seconds)" >&2
    apt-get update -qq >&2
    # policy-rc.d exit 101: dpkg starts no service for these packages.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
        systemctl disable --now redis-server nginx >/dev/null 2>&1 || true
    fi
    exit 0
fi

echo "warning: ${missing[*]} missing and not root: the scale-out tests will fail, saying what to install" \
     "(Debian: apt-get install -y redis-server nginx; or set REDIS_SERVER / NGINX)" >&2
