"""No client drowns the class (2): caps per room and per client address; a room cannot be filled with fakes.

Clients on other loopback addresses (127.0.0.2, …) stand for other devices on the LAN."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from websockets.exceptions import InvalidStatus

from app import server as server_module
from app.classroom.socket_gate import SocketGate
from app.settings import Settings

from tests.classroom.helpers import join, open_socket, presenter, refused, run, running_server

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(autouse=True)
def quick_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused class socket waits REFUSAL_DELAY_SECONDS (5) for its 403; a second here."""
    monkeypatch.setattr(server_module, "REFUSAL_DELAY_SECONDS", 1.0)


def test_a_new_presenter_socket_replaces_the_oldest_past_the_cap() -> None:
    with running_server(presenters_per_room=2) as server:
        room = server.create_room()

        async def scenario() -> None:
            first = await presenter(server, room)
            second = await presenter(server, room)
            await presenter(server, room)  # a reload, a second screen
            replaced = await first.expect("error")
            await asyncio.wait_for(first.websocket.wait_closed(), 10)
            assert (replaced["code"], first.websocket.close_code) == ("replaced", 4409)
            assert "BACKPROP_CLASS_PRESENTERS_PER_ROOM" in replaced["message"]
            await second.send(type="command", id="kept", command={"type": "step", "to": 1})
            assert (await second.expect("ack", "command"))["type"] == "command"
            assert (await second.expect("ack"))["id"] == "kept"

        run(scenario())


def test_class_sockets_are_capped_per_address() -> None:
    with running_server(sockets_per_address=3) as server:
        room = server.create_room()

        async def scenario() -> None:
            for _ in range(3):
                await open_socket(server, source="127.0.0.2")  # sockets that never say hello, say
            with pytest.raises(InvalidStatus) as refusal:
                await open_socket(server, source="127.0.0.2")
            assert refusal.value.response.status_code == 403
            await join(server, room["code"], source="127.0.0.3")  # another device is not held up

        run(scenario())


def test_new_class_sockets_are_rate_limited_per_address() -> None:
    """BACKPROP_CLASS_SOCKETS_PER_SECOND: a flood of handshakes from one address is refused (403) before it is
    served, in bursts of twice the rate; another device, and the same one a moment later, are not held up."""
    with running_server(sockets_per_second=1) as server:
        room = server.create_room()

        async def scenario() -> None:
            # Eight handshakes at once against a burst of 2: however slow this machine, they arrive within the
            # 6 s it would take to earn the tokens for all of them.
            asked = time.monotonic()
            opened = await asyncio.gather(*(open_socket(server, source="127.0.0.2") for _ in range(8)),
                                          return_exceptions=True)
            refusals = [result for result in opened if isinstance(result, InvalidStatus)]
            assert refusals and len(refusals) + sum(not isinstance(r, BaseException) for r in opened) == 8
            assert time.monotonic() - asked >= 1  # a flood that waits for its answers is slowed down to it
            assert {refusal.response.status_code for refusal in refusals} == {403}
            assert all(b"BACKPROP_CLASS_SOCKETS_PER_SECOND" in r.response.body for r in refusals)  # JSON refusal
            await join(server, room["code"], source="127.0.0.3")
            await asyncio.sleep(1.1)  # a socket's worth of the rate
            await join(server, room["code"], source="127.0.0.2")

        run(scenario())


@pytest.mark.parametrize("peer, forwarded", [
    ("127.0.0.1", [b"10.0.0.9"]),  # a believed proxy: the client it names
    ("127.0.0.1", [b"198.51.100.7, 10.0.0.9"]),  # the right-most address that is not a believed proxy
    ("127.0.0.1", [b"198.51.100.7", b"10.0.0.9, 127.0.0.1"]),
    ("127.0.0.1", []),
    ("10.0.0.5", [b"10.0.0.9"]),  # not a proxy: its own header counts for nothing
])
def test_the_socket_gate_sees_the_client_address_the_app_sees(peer: str, forwarded: list[bytes]) -> None:
    """The gate reads X-Forwarded-For before the app runs, with uvicorn's own rules (a reliance on its internals)."""
    headers = [(b"x-forwarded-for", value) for value in forwarded]
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.update(scope)

    scope = {"type": "websocket", "client": (peer, 5000), "headers": headers}
    asyncio.run(ProxyHeadersMiddleware(app, "127.0.0.1,::1")(scope, None, None))  # type: ignore[arg-type]
    assert SocketGate(Settings()).address((peer, 5000), headers, "127.0.0.1,::1") == seen["client"][0]


def test_a_socket_that_never_says_hello_is_closed_after_the_hello_timeout() -> None:
    with running_server(hello_timeout_seconds=1) as server:

        async def scenario() -> float:
            websocket = await open_socket(server, source="127.0.0.2")
            opened = time.monotonic()
            await asyncio.wait_for(websocket.wait_closed(), 10)
            assert websocket.close_code == 4400
            return time.monotonic() - opened

        assert run(scenario()) < 3  # not the two heartbeats (10 s) it used to wait


def test_a_known_student_id_does_not_skip_the_student_cap() -> None:
    with running_server(max_students=2) as server:
        room = server.create_room()

        async def scenario() -> None:
            away = await join(server, room["code"])
            await join(server, room["code"])
            await away.close()
            while server.get(f"/api/class/rooms/{room['code']}").json()["students"] > 1:
                await asyncio.sleep(0.05)
            await join(server, room["code"], source="127.0.0.2")  # the seat it left is taken
            frame, close_code = await refused(server, code=room["code"], student_id=away.welcome["student_id"])
            assert (frame["code"], close_code) == ("room_full", 4503)

        run(scenario())


def test_one_address_cannot_fill_a_room_with_fake_students() -> None:
    """One address seats at most BACKPROP_CLASS_JOINS_PER_MINUTE students in a room, however long it waits."""
    with running_server(joins_per_minute=20, sockets_per_second=100) as server:  # a join back every 3 s
        room = server.create_room()

        async def scenario() -> None:
            for _ in range(20):
                await join(server, room["code"], source="127.0.0.2")
            await asyncio.sleep(3.5)  # the address has a join again, but no seat
            frame, close_code = await refused(server, code=room["code"], source="127.0.0.2")
            assert (frame["code"], close_code) == ("room_full", 4503)
            assert "BACKPROP_CLASS_JOINS_PER_MINUTE" in frame["message"]
            await join(server, room["code"], source="127.0.0.3")  # a real student on another device

        run(scenario())


def test_while_rate_limited_real_and_fake_codes_look_alike() -> None:
    with running_server(joins_per_minute=2) as server:
        room = server.create_room()
        statuses = [server.get("/api/class/rooms/ZZZZZZ/state").status_code for _ in range(3)]
        assert statuses == [404, 404, 429]  # misses are join attempts
        for path in ("state", "qr.svg"):
            real = server.get(f"/api/class/rooms/{room['code']}/{path}")
            fake = server.get(f"/api/class/rooms/ZZZZZZ/{path}")
            assert (real.status_code, fake.status_code) == (429, 429), path
        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), trust_env=False) as other:
            assert other.get(f"{server.http}/api/class/rooms/{room['code']}/state").status_code == 200  # not limited
