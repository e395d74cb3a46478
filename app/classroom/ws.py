"""The classroom WebSocket endpoint: one per page, presenter or student (protocol: docs/contract.md).

A plain Starlette WebSocket route, so app-wide middleware (Host and Origin checks) sees its handshake.
The presenter's token arrives in the first message, never in the URL, so it stays out of logs.
Class sockets per client address are counted before they reach this endpoint (app/classroom/socket_gate.py);
a socket that has not said hello within BACKPROP_CLASS_HELLO_TIMEOUT_SECONDS is closed; each message draws from
its socket's budget (app/classroom/budget.py).
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from app.classroom import protocol
from app.classroom.budget import OverBudget
from app.classroom.fanout import Connection
from app.classroom.protocol import ProtocolError, Refused
from app.classroom.service import Classroom, Session
from app.classroom.socket_protocol import WRITE_NOW

router = APIRouter()


@router.websocket(protocol.WS_PATH)
async def classroom_socket(websocket: WebSocket) -> None:
    classroom: Classroom = websocket.app.state.classroom
    await websocket.accept()
    connection = Connection(websocket, classroom.settings.class_queue_size,
                            write_now=websocket.scope.get("extensions", {}).get(WRITE_NOW))
    connection.start()
    session: Session | None = None
    try:
        session = await _open(classroom, websocket, connection)
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            data = message.get("text") or message.get("bytes")
            try:
                await classroom.handle(session, data)
            except OverBudget as over:
                if over.close:
                    if session.student_id is not None:
                        classroom.admission.closed_for_rate(session.student_id)
                    raise Refused("rate_limited", str(over), protocol.CLOSE_RATE_LIMITED) from None
                connection.push(protocol.error_frame("rate_limited", str(over), **classroom.error_context(data)))
    except Refused as refused:
        connection.push(protocol.error_frame(refused.code, str(refused), refused.field))
        connection.close(refused.close_code, refused.code)
        await _let_sender_finish(connection)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the page went away
    finally:
        if session is not None:
            try:
                await classroom.close_session(session)
            except classroom.store.unavailable_errors:
                pass  # Redis is away: the student's presence lapses on its own within two heartbeats
        await connection.stop()


async def _open(classroom: Classroom, websocket: WebSocket, connection: Connection) -> Session:
    timeout = classroom.settings.class_hello_timeout_seconds
    try:
        message = await asyncio.wait_for(websocket.receive(), timeout)
    except asyncio.TimeoutError:
        raise Refused("hello_expected", f"no hello within {timeout:g} s", protocol.CLOSE_BAD_HELLO) from None
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    try:
        hello = protocol.parse_hello(protocol.parse_message(message.get("text") or message.get("bytes"),
                                                            classroom.settings.class_max_message_bytes))
    except Refused:
        raise
    except ProtocolError as error:
        raise Refused(error.code, str(error), protocol.CLOSE_BAD_HELLO, error.field) from None
    address = websocket.client.host if websocket.client else "unknown"
    return await classroom.open_session(hello, connection, address)


async def _let_sender_finish(connection: Connection) -> None:
    """Give the error frame and the close a moment to go out before the endpoint returns."""
    if connection.task is not None:
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError, Exception):
            await asyncio.wait_for(asyncio.shield(connection.task), connection.close_timeout)
