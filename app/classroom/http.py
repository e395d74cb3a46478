"""The classroom's HTTP routes: create a class, find one by its code, the room's shared state (GET, and PUT by
the presenter), the QR code. They go through the service (app.state.classroom), never the store."""

from __future__ import annotations

import io
from typing import Any

import orjson
import segno
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.classroom import own_numbers, protocol, results, teacher
from app.classroom.questions import MAX_ITERATION
from app.classroom.addresses import hall_hint, local_interfaces, student_hosts, url_host
from app.classroom.service import Classroom
from app.classroom.store import Room, StoreError
from app.classroom.tokens import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, normalize_join_code, token_matches
from app.public_url import parse_public_url
from app.web.body_limit import buffered_body
from app.web.errors import error_response
from app.web.json import dumps, json_response

router = APIRouter(prefix="/api/class", tags=["classroom"])
CODE_RULE = f"a join code is {JOIN_CODE_LENGTH} characters from {JOIN_CODE_ALPHABET} (any case)"
_NOT_FOUND = {404: {"description": "No class with this code (never was, or it has ended)."}}
_RATE_LIMITED = {429: {"description": "Too many join attempts from this address (BACKPROP_CLASS_JOINS_PER_MINUTE)."}}


def join_path(code: str) -> str:
    """Where a student's page opens the class directly (the /join page with the code filled in)."""
    return protocol.PATHS["join"].format(code=code)


def _classroom(request: Request) -> Classroom:
    return request.app.state.classroom


def _port(request: Request) -> int:
    public = parse_public_url(request.app.state.settings.public_url)
    if public is not None:
        return public.port
    server = request.scope.get("server")
    return server[1] if server and server[1] else request.app.state.settings.port


def _addresses(request: Request) -> list[str]:
    public = parse_public_url(request.app.state.settings.public_url)
    return [public.host] if public is not None else student_hosts(request.app.state.settings.host, local_interfaces())


def _base_urls(request: Request) -> list[str]:
    """Where students open this server, one per address of `_addresses`: BACKPROP_PUBLIC_URL when it is set."""
    public = parse_public_url(request.app.state.settings.public_url)
    if public is not None:
        return [public.origin]
    return [f"http://{url_host(host)}:{_port(request)}" for host in _addresses(request)]


def _hint(request: Request) -> str | None:
    settings = request.app.state.settings
    return None if settings.public_url else hall_hint(settings.host)


def _error(status: int, loc: list[str | int], msg: str, type_: str, headers: dict[str, str] | None = None) -> Response:
    response = error_response(status, [{"loc": loc, "msg": msg, "type": type_}])
    response.headers.update(headers or {})
    return response


async def _find(request: Request, code: str, *, counts_as_join: bool) -> Room | Response:
    """The room, or the 422/404/429 answer. A lookup (or a miss) is a join attempt, rate-limited per address."""
    classroom = _classroom(request)
    address = request.client.host if request.client else "unknown"
    normalized = normalize_join_code(code)
    room = await classroom.find_room(normalized) if normalized else None
    # While the address is over its join rate, hits and misses alike get 429: no telling real codes from fakes.
    limited = classroom.join_limited(address)
    if limited or ((counts_as_join or room is None) and not await classroom.join_allowed(address)):
        return _error(429, ["path", "code"], classroom.join_refusal(), "rate_limited", {"Retry-After": "10"})
    if normalized is None:
        return _error(422, ["path", "code"], f"{code[:16]!r} is not a join code: {CODE_RULE}", "join_code")
    if room is None:
        ended = await classroom.has_ended(normalized)
        message = f"the class {normalized} has ended" if ended else f"no class with code {normalized}: check the code"
        return _error(404, ["path", "code"], message, "class_ended" if ended else "unknown_class")
    return room


@router.post(
    "/rooms",
    status_code=201,
    summary="Start a class: a room with a join code and the presenter's token",
    responses={**teacher.UNAUTHORIZED,
               503: {"description": "The server already runs BACKPROP_CLASS_MAX_ROOMS classes."}},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "description": "Any JSON, ignored (the page sends {}): declared JSON so that no page elsewhere can start a "
                       "class with a form or text POST, which needs no CORS preflight."}}}}},
)
async def create_room(request: Request) -> Response:
    """Only the teacher starts a class (app/classroom/teacher.py). The answer holds the presenter's `token`
    (256 bits): keep it in the presenter tab's sessionStorage and send it in the first WebSocket message
    (`hello`); it never goes in a URL. Students use `code` (or `student_urls`, best first) and connect to
    `ws_path` too."""
    settings = request.app.state.settings
    if (refused := teacher.start_refusal(request, settings)) is not None:
        return refused
    try:
        room, token = await _classroom(request).create_room()
    except StoreError as error:
        return _error(503, ["body"], str(error), error.code)
    teacher.log_start(request, settings, room.code)
    answer = {
        "code": room.code,
        "token": token,
        "epoch": room.epoch,
        "join_path": join_path(room.code),
        "ws_path": protocol.WS_PATH,
        "student_urls": [base + join_path(room.code) for base in _base_urls(request)],
        "hint": _hint(request),
    }
    return json_response(dumps(answer), status_code=201, headers={"Cache-Control": "no-store"})


@router.get(
    "/addresses",
    summary="Addresses students can reach this server at, likeliest first",
)
async def addresses(request: Request) -> dict[str, Any]:
    """`hosts`: the machine's LAN addresses when the server listens on 0.0.0.0 (private ranges first, never
    loopback unless nothing else exists), or BACKPROP_PUBLIC_URL's host; `base_urls`: the same as addresses to
    open (scheme, host, port), students' links being `<base_url>/join/<code>`; `hint`: how to restart for a
    lecture hall when it listens on 127.0.0.1 only, else null."""
    return {"bind_host": request.app.state.settings.host, "port": _port(request), "hosts": _addresses(request),
            "base_urls": _base_urls(request), "hint": _hint(request)}


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
    presence = await _classroom(request).presence(room.code)
    answer = {"code": room.code, "epoch": room.epoch, "seq": room.head, "lifecycle": room.lifecycle.value,
              "students": presence.students, "ws_path": protocol.WS_PATH, "join_path": join_path(room.code)}
    return json_response(dumps(answer), headers={"Cache-Control": "no-store"})


@router.get(
    "/rooms/{code}/state",
    summary="The presenter's shared state as of `state_seq` (bulky: never sent in a frame)",
    responses={**_NOT_FOUND, **_RATE_LIMITED, 304: {"description": "Not modified (If-None-Match matched the ETag)."}},
)
async def room_state(request: Request, code: str) -> Response:
    """The state a snapshot starts from, as the presenter's page uploaded it. ETag: `"<epoch>-<state_seq>"`;
    header `X-State-Seq` names the seq of the log's `state` frame it belongs to. `null` before the first."""
    room = await _find(request, code, counts_as_join=False)
    if isinstance(room, Response):
        return room
    state_seq, state = await _classroom(request).state(room.code)
    return _cached(request, f'"{room.epoch}-{state_seq}"', state or b"null", {"X-State-Seq": str(state_seq)})


@router.put(
    "/rooms/{code}/state",
    summary="The presenter uploads its shared state (request, loss history, curve): one `state` frame in the log",
    responses={**_NOT_FOUND, **_RATE_LIMITED, 401: {"description": "No presenter token (Authorization: Bearer <token>)."},
               403: {"description": "Not the class's presenter token."},
               422: {"description": "The body is not a JSON object."}},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": dict(
        type="object", description="The page's shared state, opaque to the server (docs/contract.md).")}}}},
)
async def put_room_state(request: Request, code: str) -> Response:
    """Body: the page's shared state (a JSON object, opaque to the server). Answer: `{"seq": n}`, the seq of
    the `state` frame every page then hears (they fetch the state with GET)."""
    found = await _room_and_credential(request, code, _NO_TOKEN, "token")
    if isinstance(found, Response):
        return found
    room, token = found
    body = await buffered_body(request)
    try:
        state = orjson.loads(body)
    except orjson.JSONDecodeError:
        state = None
    if not isinstance(state, dict):
        return _error(422, ["body"], "the body must be the page's shared state, a JSON object", "state")
    seq = await _classroom(request).upload_state(room, token, body)
    if seq is None:
        return _error(403, ["header", "authorization"], "this is not the class's presenter token", "bad_token")
    return json_response(dumps({"seq": seq}), headers={"Cache-Control": "no-store"})


_NO_TOKEN = "send the presenter's token: Authorization: Bearer <token>"


def _credential(request: Request, message: str, type_: str) -> str | Response:
    """The request's Bearer credential, or the 401 that says (`message`) what to send."""
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        return credential.strip()
    return _error(401, ["header", "authorization"], message, type_, {"WWW-Authenticate": "Bearer"})


async def _room_and_credential(request: Request, code: str, message: str, type_: str) -> tuple[Room, str] | Response:
    """The room (`_find`, not a join) and the Bearer credential sent, or the 422/404/429/401 answer."""
    room = await _find(request, code, counts_as_join=False)
    if isinstance(room, Response):
        return room
    credential = _credential(request, message, type_)
    return credential if isinstance(credential, Response) else (room, credential)


@router.get(
    "/rooms/{code}/results",
    summary="The class's answers, one record per answer sent (the presenter's, during the class and a while after)",
    responses={401: {"description": "No presenter token (Authorization: Bearer <token>)."},
               403: {"description": "Not the class's presenter token (a student's id is not one)."},
               404: {"description": "No results for this code: no such class, or its results have expired."},
               422: {"description": "The text cannot be a join code."}, **_RATE_LIMITED},
)
async def room_results(request: Request, code: str) -> Response:
    """Every answer students sent, oldest first (a changed answer is a later record): `records` of {time (ms since
    1970), student (the name given, or ""), place (the student's number in the class, for an anonymous label),
    variant, question, kind, prompt, step, matrix, cell, answer, verdict}. Kept within
    BACKPROP_CLASS_RESULTS_BYTES (`dropped`: the oldest records let go) while the class lives and for
    BACKPROP_CLASS_IDLE_SECONDS after it ends (`ended`); then deleted. The page makes the CSV."""
    token = _credential(request, _NO_TOKEN, "token")
    if isinstance(token, Response):
        return token
    classroom = _classroom(request)
    address = request.client.host if request.client else "unknown"
    normalized = normalize_join_code(code)
    log = await classroom.results(normalized) if normalized else None
    if classroom.join_limited(address) or (log is None and not await classroom.join_allowed(address)):
        return _error(429, ["path", "code"], classroom.join_refusal(), "rate_limited", {"Retry-After": "10"})
    if normalized is None:
        return _error(422, ["path", "code"], f"{code[:16]!r} is not a join code: {CODE_RULE}", "join_code")
    if log is None:
        return _error(404, ["path", "code"], f"no results for {normalized}: no such class, or they have expired "
                      "(kept BACKPROP_CLASS_IDLE_SECONDS after the class ends)", "no_results")
    if not token_matches(token, log.token_digest):
        return _error(403, ["header", "authorization"], "only the class's presenter downloads its results: this is "
                      "not the presenter's token", "bad_token")
    return json_response(dumps(results.download(normalized, log)), headers={"Cache-Control": "no-store"})


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
    base = _base_urls(request)[hosts.index(host) if host is not None else 0]
    qr = segno.make(base + join_path(room.code), error="m")
    qr.save(svg, kind="svg", scale=8, border=2, xmldecl=False, title=f"Class {room.code}")
    return Response(svg.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-cache"})


def _whole(text: str | None, low: int, high: int) -> int | None:
    """A query parameter as a whole number in [low, high], or None when it is not one."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    value = int(text)
    return value if low <= value <= high else None


_NUMBERS_AUTH = "send the student's id (Authorization: Bearer <student_id>, the welcome's) or the presenter's token"


@router.get(
    "/rooms/{code}/numbers",
    summary="A student's own numbers (each student their own numbers): a ready request body at the class's iteration",
    responses={**_NOT_FOUND, **_RATE_LIMITED,
               401: {"description": "No student id or presenter token (Authorization: Bearer …; type student_id)."},
               403: {"description": "Not a student of this class (not_a_student), or a student asking for another "
                                    "student's numbers (own_numbers_only)."},
               409: {"description": "Variants are off in this class (variants_off)."},
               422: {"description": "iteration or place out of range, or the presenter named no place."}},
    openapi_extra={"parameters": [
        {"name": "iteration", "in": "query", "required": False, "description": "The class's iteration (Next iteration).",
         "schema": dict(type="integer", minimum=0, maximum=MAX_ITERATION, default=0)},
        {"name": "place", "in": "query", "required": False,
         "description": "Whose numbers: required with the presenter's token; a student may only name their own.",
         "schema": dict(type="integer", minimum=1)},
    ]},
)
async def student_numbers(request: Request, code: str) -> Response:
    """`{preset, place, label, iteration, request, loss_history}`: the student's own variant of the class's preset
    (drawn from the room's secret seed and the student's place, never from a public variant number) after
    `iteration` updates, and the loss of each iteration before it. A student gets only their own; the presenter
    any student's (to show it on the projector)."""
    found = await _room_and_credential(request, code, _NUMBERS_AUTH, "student_id")
    if isinstance(found, Response):
        return found
    room, credential = found
    iteration = _whole(request.query_params.get("iteration", "0"), 0, MAX_ITERATION)
    if iteration is None:
        return _error(422, ["query", "iteration"], f"iteration must be a whole number from 0 to {MAX_ITERATION}",
                      "iteration")
    asked = request.query_params.get("place")
    place = _whole(asked, 1, 10**9) if asked is not None else None
    if asked is not None and place is None:
        return _error(422, ["query", "place"], "place must be a whole number from 1", "place")
    classroom = _classroom(request)
    places = await classroom.places(room.code)
    if token_matches(credential, room.token_digest):
        if place is None or place not in places.values():
            return _error(422, ["query", "place"], "the presenter names the place of one of the class's students",
                          "place")
    else:
        own = places.get(credential)
        if own is None:
            return _error(403, ["header", "authorization"], "this is not the id of a student of this class",
                          "not_a_student")
        if place is not None and place != own:
            return _error(403, ["query", "place"], "a student sees only their own numbers", "own_numbers_only")
        place = own
    if not room.variants:
        return _error(409, ["path", "code"], "each student their own numbers is off in this class", "variants_off")
    numbers = own_numbers.decode(await classroom.numbers.of(room.variants, room.seed, place, iteration))
    answer = {"preset": room.variants, "place": place, "label": own_numbers.label(place), "iteration": iteration,
              **numbers}
    return json_response(dumps(answer), headers={"Cache-Control": "no-store"})


@router.get(
    "/rooms/{code}/students",
    summary="The class's students as the presenter picks them: place, own-numbers label and name",
    responses={**_NOT_FOUND, **_RATE_LIMITED, 401: {"description": "No presenter token."},
               403: {"description": "Not the class's presenter token."}},
)
async def students(request: Request, code: str) -> Response:
    """`{students: [{place, label, name}]}` in order of joining (name "" when none was given)."""
    found = await _room_and_credential(request, code, _NO_TOKEN, "token")
    if isinstance(found, Response):
        return found
    room, credential = found
    if not token_matches(credential, room.token_digest):
        return _error(403, ["header", "authorization"], "this is not the class's presenter token", "bad_token")
    classroom = _classroom(request)
    names = await classroom.names(room.code)
    listed = [{"place": place, "label": own_numbers.label(place), "name": names.get(student, "")}
              for student, place in sorted((await classroom.places(room.code)).items(), key=lambda item: item[1])]
    return json_response(dumps({"students": listed}), headers={"Cache-Control": "no-store"})
