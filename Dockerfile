# syntax=docker/dockerfile:1

# Stage 1: KaTeX, Swagger UI and esbuild from npm, pinned by package-lock.json; KaTeX and Swagger UI copied to
# static/vendor/, the page bundled into static/bundle/ (the same script as `make`'s setup).
FROM node:22-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
COPY scripts/setup-assets.sh scripts/bundle.mjs ./scripts/
COPY static/js ./static/js
COPY static/css ./static/css
RUN scripts/setup-assets.sh

# Stage 2: build the wheel; static/ (with KaTeX and the bundle) and templates/ go inside the package.
FROM python:3.11-slim AS wheel
WORKDIR /src
RUN pip install --no-cache-dir "hatchling>=1.24"
COPY pyproject.toml README.md ./
COPY app ./app
COPY templates ./templates
COPY static ./static
COPY --from=assets /build/static/vendor ./static/vendor
COPY --from=assets /build/static/bundle ./static/bundle
RUN python -m hatchling build --target wheel --directory /dist

# Stage 3: the runtime: the installed wheel, no sources, no build tools, a non-root user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
COPY --from=wheel /dist/*.whl /tmp/
RUN pip install /tmp/*.whl && rm /tmp/*.whl \
 && useradd --create-home --uid 10001 explorer
USER explorer
WORKDIR /home/explorer
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# One worker on purpose (see app/cli.py); 0.0.0.0 so the published port reaches it.
CMD ["backprop-explorer", "serve", "--host", "0.0.0.0", "--port", "8000"]
