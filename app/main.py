"""The ASGI application: middleware, static files and routers; no logic of its own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from app import __version__
from app.api.answers import AnswerCache, InFlight
from app.api.cpu import ComputePool
from app.api.errors import install as install_api_errors
from app.api.routes import add_direct_routes
from app.api.routes import router as api_router
from app.classroom.http import router as classroom_router
from app.classroom.protocol import contract as class_contract
from app.classroom.service import Classroom
from app.classroom.store import MemoryRoomStore, RoomStore
from app.classroom.ws import router as classroom_ws_router
from app.cross_site import CrossSiteGuardMiddleware
from app.head import HeadAsGetMiddleware
from app.pages import StaticAssets, page_bundle
from app.pages import router as pages_router
from app.paths import static_dir
from app.public_url import parse_public_url
from app.security import SecurityHeadersMiddleware
from app.settings import Settings
from app.web.errors import document_layer_errors

DESCRIPTION = (
    "Step through a small neural network's forward pass, backward pass and gradient-descent update, "
    "with every intermediate matrix, its shape, its formula and the graph edge it belongs to.\n\n"
    "Every refusal is JSON, `{\"detail\": [{\"loc\": [...], \"msg\": \"...\", \"type\": \"...\"}]}` "
    "(ErrorAnswer below), with the statuses each route lists. Before any route runs, the connection itself can "
    "be refused too: 431 when the request's headers are too large."
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    """Per server run: the worker processes (started and warmed before the first request, stopped at the
    end) and the requests in flight; routes find them in `request.state`."""
    settings: Settings = app.state.settings
    if settings.bundle:
        page_bundle()  # hashes the bundle's sources now (a stale one logged at start-up), not in the first page
    pool = ComputePool(settings.cpu_workers, settings.cpu_queue)
    numbers = app.state.classroom.numbers
    outer = numbers.compute  # a run inside another on the same app (a test client beside a live server)
    try:
        await pool.start()
        numbers.compute = pool  # students' own numbers go through the pool like any trace
        yield {"compute": pool, "in_flight": InFlight()}
    finally:
        if numbers.compute is pool:  # never leave a stopped pool behind for the run still going
            numbers.compute = outer
        await pool.shutdown()
        await app.state.classroom.store.close()


def room_store(settings: Settings) -> RoomStore:
    """Classroom rooms in Redis when BACKPROP_REDIS_URL is set (several processes), else in this process."""
    if not settings.redis_url:
        return MemoryRoomStore.for_settings(settings)
    from app.classroom.redis_store import RedisRoomStore

    # Presence lapses within two heartbeats of a process no longer renewing it; a room within twice the idle time.
    return RedisRoomStore(settings.redis_url, settings.class_log_size, room_seconds=2 * settings.class_idle_seconds,
                          presence_seconds=2 * settings.class_heartbeat_seconds,
                          questions_kept=settings.class_questions_kept, room_bytes=settings.class_room_bytes,
                          results_bytes=settings.class_results_bytes, results_seconds=settings.class_idle_seconds)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; settings come from the environment unless given."""
    settings = settings or Settings.from_env()
    # /docs is our own page (app/pages.py) on a local Swagger UI; FastAPI's default ones load it from a CDN.
    app = FastAPI(
        title="Backprop Explorer", version=__version__, description=DESCRIPTION, docs_url=None, redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    # What the page needs of the classroom protocol (body[data-class-protocol]): encoded once, not per page load.
    app.state.class_contract = json.dumps(class_contract(settings))
    install_api_errors(app)  # error handlers and the body limit (reads app.state.settings)
    app.state.answers = AnswerCache(settings.answer_cache_bytes)
    app.state.classroom = Classroom(settings, room_store(settings), app.state.answers)
    app.add_middleware(HeadAsGetMiddleware)
    # Before any body is read: foreign Host (DNS rebinding) and Origin headers, and POST bodies not declared JSON.
    app.add_middleware(CrossSiteGuardMiddleware, allowed_hosts=settings.allowed_hosts,
                       allowed_origins=settings.allowed_origins, public_url=parse_public_url(settings.public_url),
                       router=app.router)
    # Added last, so it is the outermost layer: even a 413 from the body limit gets the headers.
    app.add_middleware(SecurityHeadersMiddleware)
    # Static text goes out gzipped, compressed once per file (app/pages.py): the first load of a class on a
    # slow LAN (KaTeX's module is ~590 KB raw). The API's JSON answers stay uncompressed, where gzip would
    # cost more CPU than the LAN time it saves.
    app.mount("/static", StaticAssets(directory=static_dir(), vendor_max_age=settings.vendor_max_age), name="static")
    add_direct_routes(app.router)  # the POST routes, on the app's own router: app/api/routes.py's DirectRoute
    app.include_router(api_router)
    app.include_router(classroom_router)
    app.include_router(classroom_ws_router)
    app.include_router(pages_router)
    document_openapi(app)
    return app


def document_openapi(app: FastAPI) -> None:
    """/openapi.json as FastAPI builds it, plus the statuses the layers in front of the routes answer."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_layer_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


app = create_app()
