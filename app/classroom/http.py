"""The classroom's HTTP routes: create a class, find one by its code, fetch bulky state, the QR code."""

from __future__ import annotations

import io
from typing import Any

import segno
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.classroom.addresses import hall_hint, local_interfaces, student_hosts, url_host
from app.classroom.service import Classroom
from app.classroom.store import Room, StoreError
from app.classroom.tokens import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, normalize_join_code
from app.classroom.ws import WS_PATH
from app.web.errors import error_response
from app.web.json import dumps, json_response

router = APIRouter(prefix="/api/class", tags=["classroom"])
CODE_RULE = f"a join code is {JOIN_CODE_LENGTH} characters from {JOIN_CODE_ALPHABET} (any case)"
_NOT_FOUND = {404: {"description": "No class with this code (never was, or it has ended)."}}
_RATE_LIMITED = {429: {"description": "Too many join attempts from this address (BACKPROP_CLASS_JOINS_PER_MINUTE)."}}


def join_path(code: str) -> str:
    """Where a student's page opens the class directly (the /join page with the code filled in)."""
    return f"/join/{code}"


def _classroom(request: Request) -> Classroom:
    return request.app.state.classroom


def _port(request: Request) -> int:
    server = request.scope.get("server")
    return server[1] if server and server[1] else request.app.state.settings.port


def _addresses(request: Request) -> list[str]:
    return student_hosts(request.app.state.settings.host, local_interfaces())


def _student_url(host: str, port: int, code: str) -> str:
    return f"http://{url_host(host)}:{port}{join_path(code)}"


def _error(status: int, loc: list[str | int], msg: str, type_: str, headers: dict[str, str] | None = None) -> Response:
    response = error_response(status, [{"loc": loc, "msg": msg, "type": type_}])
    response.headers.update(headers or {})
    return response


async def _find(request: Request, code: str, *, counts_as_join: bool) -> Room | Response:
    """The room, or the 422/404/429 answer. A lookup (or a miss) is a join attempt, rate-limited per address."""
    classroom = _classroom(request)
    address = request.client.host if request.client else "unknown"
    normalized = normalize_join_code(code)
    room = await classroom.store.room(normalized) if normalized else None
    if (counts_as_join or room is None) and not await classroom.join_allowed(address):
        return _error(429, ["path", "code"], classroom.join_refusal(), "rate_limited", {"Retry-After": "10"})
    if normalized is None:
        return _error(422, ["path", "code"], f"{code[:16]!r} is not a join code: {CODE_RULE}", "join_code")
    if room is None:
        ended = await classroom.store.has_ended(normalized)
        message = f"the class {normalized} has ended" if ended else f"no class with code {normalized}: check the code"
        return _error(404, ["path", "code"], message, "class_ended" if ended else "unknown_class")
    return room


@router.post(
    "/rooms",
    status_code=201,
    summary="Start a class: a room with a join code and the presenter's token",
    responses={503: {"description": "The server already runs BACKPROP_CLASS_MAX_ROOMS classes."}},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "description": "Any JSON, ignored (the page sends {}): declared JSON so that no page elsewhere can start a "
                       "class with a form or text POST, which needs no CORS preflight."}}}}},
)
async def create_room(request: Request) -> Response:
    """Creates a room. The answer holds the presenter's `token` (256 bits): keep it in the presenter tab's
    sessionStorage and send it in the first WebSocket message (`hello`); it never goes in a URL. Students
    use `code` (or `student_urls`, best first) and connect to `ws_path` too."""
    try:
        room, token = await _classroom(request).create_room()
    except StoreError as error:
        return _error(503, ["body"], str(error), error.code)
    hosts = _addresses(request)
    port = _port(request)
    answer = {
        "code": room.code,
        "token": token,
        "epoch": room.epoch,
        "join_path": join_path(room.code),
        "ws_path": WS_PATH,
        "student_urls": [_student_url(host, port, room.code) for host in hosts],
        "hint": hall_hint(request.app.state.settings.host),
    }
    return json_response(dumps(answer), status_code=201, headers={"Cache-Control": "no-store"})


@router.get(
    "/addresses",
    summary="Addresses students can reach this server at, likeliest first",
)
async def addresses(request: Request) -> dict[str, Any]:
    """`hosts`: the machine's LAN addresses when the server listens on 0.0.0.0 (private ranges first, never
    loopback unless nothing else exists); `hint`: how to restart for a lecture hall when it listens on
    127.0.0.1 only, else null."""
    host = request.app.state.settings.host
    return {"bind_host": host, "port": _port(request), "hosts": _addresses(request), "hint": hall_hint(host)}


@router.get(
    "/rooms/{code}",
    summary="Find a class by its join code (what the /join page asks)",
    responses={**_NOT_FOUND, **_RATE_LIMITED, 422: {"description": "The text cannot be a join code."}},
)
async def lookup(request: Request, code: str) -> Response:
    """The code is case-insensitive. Each lookup is a join attempt: BACKPROP_CLASS_JOINS_PER_MINUTE per
    client address."""
    room = await _find(request, code, counts_as_join=True)
    if isinstance(room, Response):
        return room
    presence = await _classroom(request).store.presence(room.code)
    answer = {"code": room.code, "epoch": room.epoch, "seq": room.head, "lifecycle": room.lifecycle.value,
              "students": presence.students, "ws_path": WS_PATH, "join_path": join_path(room.code)}
    return json_response(dumps(answer), headers={"Cache-Control": "no-store"})


@router.get(
    "/rooms/{code}/state",
    summary="The presenter's whole page state as of `state_seq` (bulky: not sent in every frame)",
    responses={**_NOT_FOUND, **_RATE_LIMITED, 304: {"description": "Not modified (If-None-Match matched the ETag)."}},
)
async def room_state(request: Request, code: str) -> Response:
    """The state a snapshot starts from, as the presenter's page sent it. ETag: `"<epoch>-<state_seq>"`;
    header `X-State-Seq` names the seq it reflects. `null` before the presenter's first state."""
    room = await _find(request, code, counts_as_join=False)
    if isinstance(room, Response):
        return room
    state_seq, state = await _classroom(request).store.state(room.code)
    return _cached(request, f'"{room.epoch}-{state_seq}"', state or b"null", {"X-State-Seq": str(state_seq)})


@router.get(
    "/rooms/{code}/commands/{seq}",
    summary="A command too large to be sent in a frame (the frame says `\"ref\": true`)",
    responses={**_NOT_FOUND, **_RATE_LIMITED, 410: {"description": "The command is no longer kept: take a snapshot."}},
)
async def command_body(request: Request, code: str, seq: int) -> Response:
    """The command's JSON exactly as the presenter sent it. It never changes: ETag `"<epoch>-<seq>"`."""
    room = await _find(request, code, counts_as_join=False)
    if isinstance(room, Response):
        return room
    body = await _classroom(request).store.command_body(room.code, seq)
    if body is None:
        return _error(410, ["path", "seq"], f"command {seq} is not kept (inline, or older than the log): "
                      "send resync to get a snapshot", "command_gone")
    return _cached(request, f'"{room.epoch}-{seq}"', body, {"Cache-Control": "private, max-age=86400, immutable"})


def _cached(request: Request, etag: str, body: bytes, headers: dict[str, str]) -> Response:
    headers = {"ETag": etag, "Cache-Control": "no-cache", **headers}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return json_response(body, headers=headers)


@router.get(
    "/rooms/{code}/qr.svg",
    summary="A QR code (SVG) of the class's student address",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **_NOT_FOUND, **_RATE_LIMITED,
               422: {"description": "`host` is not one of the addresses this server offers."}},
)
async def qr_code(request: Request, code: str,
                  host: str | None = Query(None, description="one of /api/class/addresses' hosts; default: the first")
                  ) -> Response:
    """Made here (segno), no outside service."""
    room = await _find(request, code, counts_as_join=False)
    if isinstance(room, Response):
        return room
    hosts = _addresses(request)
    if host is not None and host not in hosts:
        return _error(422, ["query", "host"], f"host must be one of this server's addresses: {', '.join(hosts)}",
                      "host")
    svg = io.BytesIO()
    qr = segno.make(_student_url(host or hosts[0], _port(request), room.code), error="m")
    qr.save(svg, kind="svg", scale=8, border=2, xmldecl=False, title=f"Class {room.code}")
    return Response(svg.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-cache"})
