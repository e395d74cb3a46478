"""An old code after a server restart is told "ended" in any tab, a mistyped one "check it" (issue 13): the codes a
server issued are kept in its state directory (app/classroom/issued.py), bounded in time and number."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from app.classroom.issued import FILE_NAME, IssuedCodes
from app.main import create_app
from app.settings import Settings
from tests.helpers import BASE_URL, TEACHER_HEADERS, TEACHER_KEY


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def server_life(state_dir: Path | str) -> Iterator[TestClient]:
    """One life of an in-process server (memory store) keeping its state in `state_dir`."""
    settings = Settings(teacher_key=TEACHER_KEY, state_dir=str(state_dir), class_joins_per_minute=1000)
    with TestClient(create_app(settings), base_url=BASE_URL, headers=TEACHER_HEADERS) as client:
        yield client


def class_socket(client: TestClient):  # type: ignore[no-untyped-def]
    """A class WebSocket as the page opens it (its Host and Origin are this server's)."""
    return client.websocket_connect(BASE_URL.replace("http", "ws") + "/api/class/ws", headers={"Origin": BASE_URL})


def lookup_type(client: TestClient, code: str) -> str:
    answer = client.get(f"/api/class/rooms/{code}")
    assert answer.status_code == 404, answer.text
    return answer.json()["detail"][0]["type"]


def test_after_a_restart_an_old_code_has_ended_and_a_mistyped_one_is_unknown(tmp_path: Path) -> None:
    with server_life(tmp_path) as first:
        code = first.post("/api/class/rooms", json={}).json()["code"]
        ended = first.post("/api/class/rooms", json={}).json()
        with class_socket(first) as socket:  # the teacher ends this one before the restart
            socket.send_json({"type": "hello", "role": "presenter", "code": ended["code"], "token": ended["token"]})
            assert socket.receive_json()["type"] == "welcome"
            socket.send_json({"type": "end"})
        assert lookup_type(first, ended["code"]) == "class_ended"

    with server_life(tmp_path) as restarted:  # a new app on the same state directory
        assert lookup_type(restarted, code) == "class_ended"
        assert lookup_type(restarted, ended["code"]) == "class_ended"
        mistyped = code[:-1] + ("A" if code[-1] != "A" else "B")
        assert lookup_type(restarted, mistyped) == "unknown_class"
        assert restarted.post("/api/class/rooms", json={}).json()["code"] not in (code, ended["code"])

    with server_life(tmp_path / "elsewhere") as forgetful:  # the file is what remembers: another directory does not
        assert lookup_type(forgetful, code) == "unknown_class"


def test_a_student_socket_with_an_old_code_is_told_the_class_ended(tmp_path: Path) -> None:
    """A fresh tab at /join/CODE (no epoch: it never was in the class) after the restart."""
    with server_life(tmp_path) as first:
        code = first.post("/api/class/rooms", json={}).json()["code"]
    with server_life(tmp_path) as restarted, class_socket(restarted) as socket:
        socket.send_json({"type": "hello", "role": "student", "code": code})
        frame = socket.receive_json()
        assert (frame["type"], frame["code"]) == ("error", "class_ended")


def test_no_state_directory_writes_nothing_and_forgets_on_restart(tmp_path: Path) -> None:
    with server_life("") as first:
        code = first.post("/api/class/rooms", json={}).json()["code"]
        assert lookup_type(first, "ZZZZZZ") == "unknown_class"
    with server_life("") as restarted:
        assert lookup_type(restarted, code) == "unknown_class"


def test_codes_are_kept_a_day_after_their_last_write_and_at_most_max_codes(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "state" / FILE_NAME
    codes = IssuedCodes(path, keep_seconds=100, max_codes=3, clock=clock)
    codes.write("AAAAAA")
    clock.now += 60
    codes.write("BBBBBB")
    clock.now += 50  # AAAAAA is 110 s old: forgotten; BBBBBB 50 s
    assert not codes.knows("AAAAAA") and codes.knows("BBBBBB")
    codes.write("BBBBBB")  # its class ended now: kept 100 s from now
    for code in ("CCCCCC", "DDDDDD", "EEEEEE"):
        codes.write(code)
    assert list(codes.codes()) == ["CCCCCC", "DDDDDD", "EEEEEE"]  # the newest three
    reread = IssuedCodes(path, keep_seconds=100, max_codes=3, clock=clock)
    assert reread.codes() == codes.codes()
    assert len(path.read_bytes()) < 200


def test_two_servers_on_one_directory_keep_each_others_codes(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    one, other = IssuedCodes(path), IssuedCodes(path)
    one.write("AAAAAA")
    other.write("BBBBBB")
    assert set(IssuedCodes(path).codes()) == {"AAAAAA", "BBBBBB"}


@pytest.mark.parametrize("content", [b"{not json", b'{"format": "other", "codes": {"AAAAAA": 1}}',
                                     b'{"format": "backprop-explorer-class-codes", "codes": {"AAAAAA": "x"}}'])
def test_an_unreadable_file_costs_only_the_old_codes(tmp_path: Path, content: bytes,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / FILE_NAME
    path.write_bytes(content)
    codes = IssuedCodes(path)
    assert codes.codes() == {}
    codes.write("CCCCCC")
    assert list(orjson.loads(path.read_bytes())["codes"]) == ["CCCCCC"]


def test_an_unwritable_directory_is_logged_and_the_codes_kept_in_memory(tmp_path: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    codes = IssuedCodes(blocker / FILE_NAME)
    codes.write("AAAAAA")
    assert codes.knows("AAAAAA")
    assert "were not written" in caplog.text
