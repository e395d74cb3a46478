"""A room store that cannot serve a join just now (Redis's connection pool ran dry in a join burst, or Redis is
away): the page gets a clean refusal it retries (an error frame, then close 1013 "try again later"), never an
"Exception in ASGI application", and the refused join leaves nothing behind in the process."""

from __future__ import annotations

from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.classroom import protocol
from app.main import create_app
from app.settings import Settings
from tests.helpers import BASE_URL, TEACHER_HEADERS, TEACHER_KEY


@pytest.mark.parametrize("role", ["student", "presenter"])
def test_a_join_the_store_cannot_serve_now_is_refused_to_try_again(role: str) -> None:
    settings = Settings(log_level="warning", teacher_key=TEACHER_KEY)
    with TestClient(create_app(settings), base_url=BASE_URL, headers=TEACHER_HEADERS) as client:
        room = client.post("/api/class/rooms", json={}).json()
        classroom = client.app.state.classroom  # type: ignore[attr-defined]
        store = classroom.store

        async def pool_empty(*args: Any, **kwargs: Any) -> None:
            raise RedisConnectionError("No connection available.")  # redis-py's BlockingConnectionPool timing out

        store.unavailable_errors = (RedisConnectionError,)
        store.set_presence = store.set_lifecycle = pool_empty
        hello: dict[str, Any] = {"type": "hello", "code": room["code"], "role": role}
        if role == "presenter":
            hello["token"] = room["token"]
        url = BASE_URL.replace("http", "ws") + protocol.WS_PATH
        with client.websocket_connect(url, headers={"Origin": BASE_URL}) as socket:
            socket.send_json(hello)
            error = socket.receive_json()
            with pytest.raises(WebSocketDisconnect) as closed:
                socket.receive_json()

        assert error["type"] == "error" and error["code"] == "try_again"
        assert "No connection available" in error["message"]
        assert closed.value.code == protocol.CLOSE_TRY_AGAIN == protocol.CLOSE_CODES["try_again"]
        assert "try_again" not in protocol.FINAL_CLOSES  # the page joins again (static/js/classroom/close-policy.js)
        assert classroom.local.get(room["code"]) is None  # no half-open session stays in the process
