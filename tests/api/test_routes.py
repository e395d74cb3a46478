"""app/api/routes.py: the POST routes are DirectRoutes, and FastAPI runs them as DirectRoute means it to.

DirectRoute relies on FastAPI building a route's ASGI app from `get_route_handler()` (a framework internal,
pinned in pyproject.toml). If a FastAPI release stops doing so, requests would quietly go through FastAPI's
own handler again, with its per-request dependency solving; this test fails then.
"""

from __future__ import annotations

import fastapi.routing
import pytest

from app.api.errors import BODY_MODELS
from app.api.routes import DirectRoute, router
from tests.api.helpers import body


def test_every_body_route_is_a_direct_route():
    routes = {route.path: route for route in router.routes}
    for path in BODY_MODELS:
        assert type(routes[path]) is DirectRoute, path
        assert routes[path].get_route_handler() is routes[path].endpoint


def test_a_trace_request_skips_fastapis_dependency_solving(client, monkeypatch: pytest.MonkeyPatch):
    solved_for: list[str] = []
    solve = fastapi.routing.solve_dependencies

    async def recording_solve(*args, **kwargs):
        solved_for.append(kwargs["request"].url.path)
        return await solve(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", recording_solve)
    assert client.get("/healthz").status_code == 200  # a plain route: the spy sees it, so it is in the right place
    assert client.post("/api/trace", json=body()).status_code == 200
    assert solved_for == ["/healthz"]
