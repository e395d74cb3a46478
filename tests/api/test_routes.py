"""app/api/routes.py: the POST routes are DirectRoutes on the app's own router, and run as DirectRoute means.

DirectRoute relies on Starlette's Route.handle calling the route's `app`, which DirectRoute sets to call the
endpoint as it is (framework internals, pinned in pyproject.toml). If a FastAPI or Starlette release stops
doing so, requests would quietly go through FastAPI's own handler and per-request wrapper again (dependency
solving, exit stacks, a second exception layer: about 25 µs of a one-off trace); these tests fail then.
"""

from __future__ import annotations

import fastapi.routing
import pytest

from app.api.errors import BODY_MODELS
from app.api.routes import DirectRoute
from tests.api.helpers import body


def test_every_body_route_is_a_direct_route_on_the_apps_own_router(asgi_app):
    routes = {getattr(route, "path", None): route for route in asgi_app.router.routes}
    for path in BODY_MODELS:
        assert type(routes[path]) is DirectRoute, path
        assert routes[path].get_route_handler() is routes[path].endpoint


def test_a_trace_request_skips_fastapis_per_request_wrapper(client, monkeypatch: pytest.MonkeyPatch):
    wrapped_for: list[str] = []
    wrap = fastapi.routing.wrap_app_handling_exceptions

    def recording_wrap(app, conn):
        wrapped_for.append(conn.url.path)
        return wrap(app, conn)

    monkeypatch.setattr(fastapi.routing, "wrap_app_handling_exceptions", recording_wrap)
    assert client.get("/healthz").status_code == 200  # a plain route: the spy sees it, so it is in the right place
    assert client.post("/api/trace", json=body()).status_code == 200
    assert client.post("/api/trace", json=body(X=[[0.0, "a"]])).status_code == 422  # the app's handlers still answer
    assert wrapped_for == ["/healthz"]


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


def test_healthz_is_told_apart_from_the_direct_routes_by_its_path_alone(client, monkeypatch: pytest.MonkeyPatch):
    # the benchmark's baseline keeps its cost: the DirectRoutes come first, but a request for another path never
    # reaches FastAPI's route matching (its bookkeeping costs about 20,000 instructions a route)
    matched: list[str] = []
    matches = fastapi.routing.APIRoute.matches

    def recording_matches(self, scope):
        if isinstance(self, DirectRoute):
            matched.append(self.path)
        return matches(self, scope)

    monkeypatch.setattr(fastapi.routing.APIRoute, "matches", recording_matches)
    assert client.get("/healthz").status_code == 200
    assert matched == []
    assert client.post("/api/trace", json=body()).status_code == 200
    assert matched == ["/api/trace"]
    assert client.get("/api/trace").status_code == 405  # the same path with another method: FastAPI's answer
