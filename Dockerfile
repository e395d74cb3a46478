# Backprop Explorer's image: `docker build -t backprop-explorer .` (Docker 23+ with BuildKit, or podman/buildah).
# Reproducible: the base images are pinned to exact versions, npm packages come from package-lock.json and
# Python packages from requirements/*.txt (`make lock`), each checked against its hash.
# scripts/verify-container.sh builds it and checks the running container end to end.

# Stage 1: KaTeX, Swagger UI and esbuild from npm, pinned by package-lock.json; KaTeX and Swagger UI copied to
# static/vendor/, the page bundled into static/bundle/ (the same script as `make`'s setup).
FROM node:22.23.5-bookworm-slim AS assets
# swagger-ui-dist pulls @scarf/scarf, whose install step reports home unless told not to (package.json's
# scarfSettings says so too).
ENV SCARF_ANALYTICS=false
WORKDIR /build
COPY package.json package-lock.json ./
COPY scripts/setup-assets.sh scripts/bundle.mjs ./scripts/
COPY static/js ./static/js
COPY static/css ./static/css
RUN scripts/setup-assets.sh

# Stage 2: build the wheel with the locked hatchling; static/ (with KaTeX and the bundle) and templates/ go
# inside the package.
FROM python:3.11.14-slim-bookworm AS wheel
WORKDIR /src
RUN --mount=type=bind,source=requirements/build.txt,target=/tmp/build.txt \
    pip install --no-cache-dir --disable-pip-version-check --require-hashes -r /tmp/build.txt
COPY pyproject.toml README.md ./
COPY app ./app
COPY templates ./templates
COPY static ./static
COPY --from=assets /build/static/vendor ./static/vendor
COPY --from=assets /build/static/bundle ./static/bundle
RUN python -m hatchling build --target wheel --directory /dist

# Stage 3: the runtime: the locked packages, then the wheel on top with --no-deps (bind-mounted from the wheel
# stage, so no layer keeps a copy); no sources, no build tools, a non-root user.
FROM python:3.11.14-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
    BACKPROP_HOST=0.0.0.0 BACKPROP_PORT=8000
RUN --mount=type=bind,source=requirements/runtime.txt,target=/tmp/runtime.txt \
    pip install --require-hashes -r /tmp/runtime.txt
RUN --mount=type=bind,from=wheel,source=/dist,target=/tmp/dist \
    pip install --no-deps --no-index /tmp/dist/*.whl \
 && useradd --create-home --uid 10001 explorer
USER explorer
WORKDIR /home/explorer
# The port follows BACKPROP_PORT (`-e BACKPROP_PORT=9000 -p 9000:9000`); 0.0.0.0 so the published port reaches it.
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ['BACKPROP_PORT']; sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2).status != 200)"]
# One worker on purpose (see app/cli.py); host and port come from BACKPROP_HOST and BACKPROP_PORT.
CMD ["backprop-explorer", "serve"]
