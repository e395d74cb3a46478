"""The HTML pages (Jinja2 templates) and the static files they load."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import logging
import mimetypes
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import FileResponse, Response
from starlette.datastructures import Headers
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app import __version__
from dataclasses import asdict

from app.core import ACTIVATIONS, DEFAULTS, INIT_SCHEMES, LIMITS, LOSSES
from app.core.losses import BCE_CLIP
from app.core.variants import GENERATOR_VERSION, VARIANT_LIMITS, variant_presets
from app.core import notation
from app.classroom.teacher import on_this_machine
from app.paths import static_dir, templates_dir

# Slim images have no /etc/mime.types; without these a module script or font could be served as
# text/plain, which browsers refuse under `nosniff`.
for _type, _suffix in (
    ("text/javascript", ".mjs"),
    ("text/javascript", ".js"),
    ("text/css", ".css"),
    ("font/woff2", ".woff2"),
    ("font/woff", ".woff"),
    ("font/ttf", ".ttf"),
    ("image/svg+xml", ".svg"),
):
    mimetypes.add_type(_type, _suffix)

logger = logging.getLogger("uvicorn.error")

VENDOR_DIR = "vendor"
# The page's bundle (scripts/bundle.mjs, run at setup): content-hashed names, so browsers keep them for good.
BUNDLE_DIR = "bundle"
BUNDLE_MANIFEST = f"{BUNDLE_DIR}/manifest.json"
IMMUTABLE = "public, max-age=31536000, immutable"
# Precompressed siblings the bundler writes, in the order of preference.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))
# The math fonts every formula needs: fetched with the page instead of after the first formula is laid out.
PRELOADED_FONTS = ("vendor/katex/fonts/KaTeX_Main-Regular.woff2", "vendor/katex/fonts/KaTeX_Math-Italic.woff2")
# Smaller files are sent as they are: compressing them saves less than the gzip header costs.
GZIP_MIN_BYTES = 1024
# Compressed files kept in memory: the static folder has about 40 text files (3 MB raw, under 1 MB gzipped).
GZIP_CACHE_FILES = 512
GzipKey = tuple[str, int, int]  # (path, mtime, size): one version of one file
# Scripts a page loads with its own <script> tag (not imported by the explorer's modules).
PAGE_ENTRY_SCRIPTS = frozenset({"main.js", "docs-init.js"})


@cache
def asset_version() -> str:
    """A short fingerprint of the static files (names, sizes, times) for cache-busting `?v=` links."""
    digest = hashlib.sha256(__version__.encode())
    root = static_dir()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def static_url(path: str) -> str:
    """The URL of a file under static/, with the asset version so browsers refetch after changes."""
    return f"/static/{path.lstrip('/')}?v={asset_version()}"


@dataclass(frozen=True)
class PageBundle:
    """The files scripts/bundle.mjs built: paths under static/ of the script, the stylesheet and the fonts (by
    the vendored file each was copied from)."""

    script: str
    style: str
    fonts: Mapping[str, str]


def load_bundle(root: Path) -> PageBundle | None:
    """The bundle under `root` if every source it was built from is unchanged; None when it is missing or stale
    (sources edited since setup: the page then loads the modules one by one)."""
    try:
        manifest = json.loads((root / BUNDLE_MANIFEST).read_text())
        stale = [path for path, digest in manifest["sources"].items() if _sha256(root / path) != digest]
    except (OSError, ValueError, KeyError, AttributeError):
        logger.info("no page bundle in %s (scripts/setup-assets.sh builds it): serving the modules unbundled", root)
        return None
    if stale:
        logger.warning("the page bundle is older than %d of its sources (%s first): serving the modules unbundled "
                       "(`make serve` rebuilds it)", len(stale), stale[0])
        return None
    return PageBundle(script=manifest["script"], style=manifest["style"], fonts=manifest["fonts"])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def page_bundle() -> PageBundle | None:
    """This process's bundle, checked once (like asset_version)."""
    return load_bundle(static_dir())


def page_assets(request: Request) -> dict[str, object]:
    """What the page links: the bundle's three kinds of files, or (BACKPROP_BUNDLE=0, or no fresh bundle) the
    entry module, the stylesheet that imports the others, and every module preloaded to flatten the import
    waterfall. A template global (base.html calls it), so every page extending base.html gets it."""
    bundle = page_bundle() if request.app.state.settings.bundle else None
    if bundle is not None:
        return {"script": f"/static/{bundle.script}", "style": f"/static/{bundle.style}", "module_preloads": (),
                "fonts": tuple(f"/static/{bundle.fonts[font]}" for font in PRELOADED_FONTS)}
    return {"script": static_url("js/main.js"), "style": static_url("css/page.css"),
            "module_preloads": module_preloads(), "fonts": tuple(f"/static/{font}" for font in PRELOADED_FONTS)}


@dataclass(frozen=True)
class _Bundled:
    """One bundle file in memory: its bytes as they are and precompressed (by content-encoding)."""

    media_type: str
    encodings: Mapping[str, bytes]


class StaticAssets(StaticFiles):
    """Static files with cache headers, and text compressed once per file version.

    The bundle's files (static/bundle/, content-hashed names) are kept for good by browsers and answered from
    memory with the encoding compressed at setup: no file system, thread or compression per request.
    Vendored assets are cached for a while; ours always revalidate, because our ES modules import each
    other by plain relative URLs (no `?v=`) and a browser must not mix old and new modules (cheap: ETag /
    Last-Modified answer 304). Other text a browser accepts gzipped is compressed the first time it is asked
    for and kept: a class opening the page at once would otherwise make the server compress KaTeX's
    590 KB module (about 65 ms of CPU) for every student. That first compression runs in a worker thread
    (zlib lets go of the GIL), once however many ask for the file meanwhile: the event loop serves others.
    """

    def __init__(self, *, directory: Path, vendor_max_age: int) -> None:
        super().__init__(directory=directory)
        self.vendor_dir = os.path.realpath(directory / VENDOR_DIR) + os.sep
        self.vendor_cache_control = f"public, max-age={vendor_max_age}"
        self._gzipped: dict[GzipKey, bytes] = {}
        self._compressing: dict[GzipKey, asyncio.Task[bytes]] = {}
        self._bundled: dict[str, _Bundled] = {}

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        vendored = os.path.realpath(full_path).startswith(self.vendor_dir)
        response.headers["cache-control"] = self.vendor_cache_control if vendored else "no-cache"
        if response.status_code == 200 and _compressible(response, stat_result):
            response.headers["vary"] = "Accept-Encoding"
        return response

    async def get_response(self, path: str, scope: Scope) -> Response:
        request_headers = Headers(scope=scope)
        if path.startswith(BUNDLE_DIR + "/") and "range" not in request_headers:
            bundled = self._bundled.get(path) or await anyio.to_thread.run_sync(self._load_bundled, path)
            if bundled is not None:
                return _bundled_response(bundled, request_headers.get("accept-encoding", ""))
        response = await super().get_response(path, scope)
        if (not isinstance(response, FileResponse) or response.status_code != 200
                or not _compressible(response, response.stat_result)
                or "gzip" not in request_headers.get("accept-encoding", "") or "range" in request_headers):
            return response
        headers = {name: value for name, value in response.headers.items()
                   if name not in ("content-length", "accept-ranges")}
        headers["content-encoding"] = "gzip"
        return Response(await self._gzip(response.path, response.stat_result), headers=headers)

    def _load_bundled(self, path: str) -> _Bundled | None:
        """Read a bundle file and its precompressed siblings once; None for what is not a file there."""
        full_path, stat_result = self.lookup_path(path)
        if stat_result is None or not Path(full_path).is_file() or path.endswith((".gz", ".br", ".json")):
            return None  # the siblings and the manifest are served as plain files
        encodings = {"identity": Path(full_path).read_bytes()}
        for encoding, suffix in PRECOMPRESSED:
            if Path(full_path + suffix).is_file():
                encodings[encoding] = Path(full_path + suffix).read_bytes()
        media_type = mimetypes.guess_type(full_path)[0] or "application/octet-stream"
        bundled = self._bundled[path] = _Bundled(media_type, encodings)
        return bundled

    async def _gzip(self, full_path: str | os.PathLike[str], stat_result: os.stat_result) -> bytes:
        key = (os.fspath(full_path), stat_result.st_mtime_ns, stat_result.st_size)
        gzipped = self._gzipped.get(key)
        if gzipped is not None:
            return gzipped
        task = self._compressing.get(key)
        if task is None or task.get_loop() is not asyncio.get_running_loop():  # not one a closed loop left
            task = self._compressing[key] = asyncio.ensure_future(self._compress(key))
        return await asyncio.shield(task)  # a client that leaves does not stop it for the others

    async def _compress(self, key: GzipKey) -> bytes:
        try:
            gzipped = await anyio.to_thread.run_sync(_gzip_file, key[0])
        finally:
            self._compressing.pop(key, None)
        if len(self._gzipped) >= GZIP_CACHE_FILES:  # files edited again and again while developing
            self._gzipped.clear()
        self._gzipped[key] = gzipped
        return gzipped


def _bundled_response(bundled: _Bundled, accept_encoding: str) -> Response:
    accepted = {token.split(";")[0].strip() for token in accept_encoding.lower().split(",")}
    encoding = next((name for name, _ in PRECOMPRESSED if name in accepted and name in bundled.encodings), "identity")
    headers = {"cache-control": IMMUTABLE}
    if len(bundled.encodings) > 1:
        headers["vary"] = "Accept-Encoding"
    if encoding != "identity":
        headers["content-encoding"] = encoding
    return Response(bundled.encodings[encoding], media_type=bundled.media_type, headers=headers)


def _gzip_file(path: str) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def _compressible(response: Response, stat_result: os.stat_result) -> bool:
    """Text worth compressing: scripts, styles, SVG, JSON of at least GZIP_MIN_BYTES (fonts are compressed)."""
    media_type = response.headers.get("content-type", "").partition(";")[0]
    textual = media_type.startswith("text/") or media_type in ("image/svg+xml", "application/json")
    return textual and stat_result.st_size >= GZIP_MIN_BYTES


templates = Jinja2Templates(directory=templates_dir())
templates.env.globals["static_url"] = static_url
templates.env.globals["page_assets"] = page_assets

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
@router.get("/join", response_class=HTMLResponse)
@router.get("/join/{code}", response_class=HTMLResponse)
async def index(request: Request, code: str | None = None) -> HTMLResponse:
    """The explorer page; at /join it asks for a class's code, at /join/CODE it follows that class
    (static/js/classroom/ reads the path, so a wrong code is answered on the page, in its language).
    body[data-class-protocol] is the classroom contract (app/classroom/protocol.py), read by
    static/js/classroom/protocol.js."""
    context = {
        "app_version": __version__,
        "asset_version": asset_version(),
        "core_options": core_options(),
        "class_protocol": request.app.state.class_contract,
        "limits": LIMITS,
        "defaults": DEFAULTS,
        # Whether this page may start a class without the teacher key (static/js/classroom/teacher-key.js).
        "class_start": "local" if on_this_machine(request, request.app.state.settings) else "key",
    }
    return templates.TemplateResponse(request, "index.html", context)


@cache
def module_preloads() -> tuple[str, ...]:
    """Every ES module the page imports, so the browser fetches them at once instead of level by level.

    Plain URLs (no `?v=`): they must match what the `import` statements resolve to, or the browser
    would fetch each module twice. The graph views and KaTeX are imported too, so they are listed.
    """
    root = static_dir()
    modules = [path for path in sorted((root / "js").rglob("*.js")) if path.name not in PAGE_ENTRY_SCRIPTS]
    return (*(f"/static/{path.relative_to(root).as_posix()}" for path in modules), "/static/vendor/katex/katex.mjs")


@cache
def core_options() -> str:
    """What the core defines and the page needs, as JSON for a data attribute (static/js/lib/core-options.js reads
    it): the names the editor offers, each activation's LaTeX, the size limits, the defaults of a new network
    and the range of shown decimals, so no list, limit or default is written again in the scripts."""
    return json.dumps({
        "activations": list(ACTIVATIONS),
        "losses": list(LOSSES),
        "init_schemes": list(INIT_SCHEMES),
        "activation_tex": {name: activation.tex for name, activation in ACTIVATIONS.items()},
        "sigmoid_output_losses": [name for name, loss in LOSSES.items() if loss.needs_sigmoid_output],
        "limits": asdict(LIMITS),
        "defaults": asdict(DEFAULTS),
        "decimals": {"min": notation.DECIMALS_MIN, "max": notation.DECIMALS_MAX, "default": notation.DECIMALS_DEFAULT},
        "bce_clip": BCE_CLIP,
        "variants": {**asdict(VARIANT_LIMITS), "presets": list(variant_presets()), "version": GENERATOR_VERSION},
    })


@router.get("/docs", response_class=HTMLResponse)
async def api_docs(request: Request) -> HTMLResponse:
    """The interactive API docs (Swagger UI), served from our own copy so they work offline."""
    return templates.TemplateResponse(request, "docs.html", {"openapi_url": request.app.openapi_url})
