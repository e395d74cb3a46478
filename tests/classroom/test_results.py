"""The class's results: names given at joining, the results log (bounded in bytes, in both stores, outliving the
room a while), and its download, which only the presenter's token opens."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from app.classroom.questions import parse_answer, parse_question
from app.classroom.results import download, record
from app.classroom.store import RoomStore, StoreError
from tests.classroom.helpers import Server, join, presenter, run, running_server
from tests.classroom.test_store import Clock, run as run_store, store_and_clock  # noqa: F401 (the fixture)
from tests.redis_server import RedisServer

VALUE = {"kind": "value", "prompt": "ŷ for the first row?", "expected": 0.5, "decimals": 3,
         "target": {"stepId": "fwd:yhat", "matrix": "yhat", "row": 0, "col": 0}}
CELLS = {"kind": "cells", "prompt": "H1 by hand", "expected": [[1.0, 2.0]], "decimals": 2,
         "target": {"stepId": "fwd:H1", "matrix": "H1", "row": 0, "col": 0}}


# ---- the log in the store (both stores) -----------------------------------------------------------------------

def _record(n: int, student: str = "s1", size: int = 0) -> bytes:
    question = parse_question(f"q{n}", {**VALUE, "prompt": "p" * size}, 10)
    return record(question, parse_answer(question, 0.5), student, now=1_800_000_000 + n)


def test_records_and_names_are_kept_in_order_and_outlive_the_room_for_the_idle_time(
        store_and_clock: tuple[RoomStore, Clock]) -> None:
    store, clock = store_and_clock
    store.results_seconds = 600  # type: ignore[attr-defined]

    async def scenario() -> None:
        room, _ = await store.create_room(max_rooms=5)
        await store.set_name(room.code, "s1", "Аня")
        await store.set_name(room.code, "s2", "Bob")
        await store.set_name(room.code, "s2", "")  # taken back
        for n in (1, 2, 3):
            await store.record_result(room.code, _record(n))
        log = await store.results(room.code)
        assert log is not None and log.token_digest == room.token_digest and not log.ended
        assert [orjson.loads(raw)["question"] for raw in log.records] == ["q1", "q2", "q3"]
        assert log.names == {"s1": "Аня"} == await store.names(room.code)
        assert (await store.name(room.code, "s1"), await store.name(room.code, "s2")) == ("Аня", "")

        await store.expire(room.code)
        assert await store.room(room.code) is None
        kept = await store.results(room.code)
        assert kept is not None and kept.ended and len(kept.records) == 3 and kept.names == {"s1": "Аня"}

        clock.now += 601
        await store.expire_idle(3600)
        if hasattr(store, "redis"):  # Redis deletes them by the keys' TTL
            assert 0 < await store.redis.ttl(f"bp:results:{room.code}") <= 600
            await store.redis.delete(f"bp:results:{room.code}", f"bp:resultsmeta:{room.code}",
                                     f"bp:names:{room.code}")
        assert await store.results(room.code) is None

    run_store(scenario())


def test_the_log_stays_within_its_bytes_and_lets_the_oldest_records_go(
        store_and_clock: tuple[RoomStore, Clock]) -> None:
    store, _ = store_and_clock
    store.results_bytes = 10_000  # type: ignore[attr-defined]

    async def scenario() -> None:
        room, _ = await store.create_room(max_rooms=5)
        size = len(_record(1, size=400))
        for n in range(1, 101):
            await store.record_result(room.code, _record(n, size=400))
        log = await store.results(room.code)
        assert log is not None
        assert sum(map(len, log.records)) <= 10_000 < sum(map(len, log.records)) + size
        assert [orjson.loads(raw)["question"] for raw in log.records][-1] == "q100"  # the latest are kept
        assert log.dropped == 100 - len(log.records)

    run_store(scenario())


def test_a_gone_room_takes_no_records(store_and_clock: tuple[RoomStore, Clock]) -> None:
    store, _ = store_and_clock

    async def scenario() -> None:
        with pytest.raises(StoreError):
            await store.record_result("ZZZZZZ", _record(1))
        with pytest.raises(StoreError):
            await store.set_name("ZZZZZZ", "s1", "x")

    run_store(scenario())


def test_redis_results_keys_have_the_rooms_ttl_while_it_lives(redis_server: RedisServer) -> None:
    from app.classroom.redis_store import RedisRoomStore

    redis_server.flush()
    store = RedisRoomStore(redis_server.url, log_size=10, room_seconds=900, presence_seconds=10, results_seconds=60)

    async def scenario() -> None:
        try:
            room, _ = await store.create_room(max_rooms=5)
            await store.set_name(room.code, "s1", "Ann")
            await store.record_result(room.code, _record(1))
            for name in ("names", "results", "resultsmeta"):
                assert 800 < await store.redis.ttl(f"bp:{name}:{room.code}") <= 900
            await store.expire(room.code)
            for name in ("names", "results", "resultsmeta"):
                assert 0 < await store.redis.ttl(f"bp:{name}:{room.code}") <= 60
        finally:
            await store.close()

    asyncio.run(scenario())


def test_the_download_names_students_or_numbers_them_and_never_shows_their_ids() -> None:
    from app.classroom.store import Results

    question = parse_question("q1", CELLS, 10)
    records = [record(question, parse_answer(question, [[1.0, None]]), sid, place=place, now=1_800_000_000)
               for sid, place in (("sid-a", 3), ("sid-b", None), ("sid-c", None), ("sid-b", None))]
    shown = download("ABC234", Results(b"", records, {"sid-c": "Кира"}, 0, False))
    assert [(r["student"], r["place"]) for r in shown["records"]] == [("", 3), ("", 4), ("Кира", 5), ("", 4)]
    assert "sid-" not in orjson.dumps(shown).decode()
    first = shown["records"][0]
    assert first == {"student": "", "place": 3, "time": 1_800_000_000_000, "variant": "", "question": "q1",
                     "kind": "cells", "prompt": "H1 by hand", "step": "fwd:H1", "matrix": "H1", "cell": [0, 0],
                     "answer": [[1.0, None]], "verdict": "wrong"}


def test_a_verdict_is_one_of_right_close_wrong() -> None:
    question = parse_question("q1", VALUE, 10)
    answer = parse_answer(question, 0.5)
    assert orjson.loads(record(question, answer, "s", variant="v3", verdict="close"))["verdict"] == "close"
    with pytest.raises(ValueError):
        record(question, answer, "s", verdict="maybe")


# ---- through the server --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server(idle_seconds=3, heartbeat_seconds=1) as server:
        yield server


def _results(server: Server, code: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return server.get(f"/api/class/rooms/{code}/results", headers=headers)


async def _ask(teacher: Any, question: dict[str, Any]) -> str:
    await teacher.send(type="ask", question=question, id="ask")
    await teacher.expect("question")
    return (await teacher.expect("ack"))["question_id"]


def test_names_given_at_joining_are_what_the_tally_and_the_results_show(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> dict[str, Any]:
        teacher = await presenter(server, room)
        anna = await join(server, room["code"], name="  Анна <b>\u202e ")
        bob = await join(server, room["code"])
        old = await join(server, room["code"])
        value_id = await _ask(teacher, VALUE)
        for student in (anna, bob, old):
            await student.expect("question")
        await anna.send(type="answer", question_id=value_id, answer=0.5)
        await bob.send(type="name", name="Bob")
        await bob.send(type="answer", question_id=value_id, answer=0.7)
        await bob.send(type="answer", question_id=value_id, answer=0.5001)  # changed: a second record
        await old.send(type="answer", question_id=value_id, answer=0.1, name="Old page")  # a page from before names
        for student in (anna, bob, bob, old):
            await student.expect("answered")
        tally = await teacher.expect("tally")
        while tally["answers"] < 3 or len(tally["named"]) < 3:
            tally = await teacher.expect("tally")
        assert [entry["name"] for entry in tally["named"]] == ["Bob", "Old page", "Анна <b>"]
        cells_id = await _ask(teacher, CELLS)
        await anna.expect("question")
        await anna.send(type="answer", question_id=cells_id, answer=[[1.0, 2.004]])
        await anna.expect("answered")
        again = await join(server, room["code"], student_id=anna.welcome["student_id"])
        assert again.welcome["name"] == "Анна <b>"  # a reload shows the name the room keeps
        return _results(server, room["code"], room["token"]).json()

    results = run(scenario())
    rows = [(r["student"], r["question"], r["answer"], r["verdict"], r["step"], r["cell"]) for r in results["records"]]
    assert rows == [
        ("Анна <b>", "q1", 0.5, "right", "fwd:yhat", [0, 0]),
        ("Bob", "q1", 0.7, "wrong", "fwd:yhat", [0, 0]),
        ("Bob", "q1", 0.5001, "right", "fwd:yhat", [0, 0]),
        ("Old page", "q1", 0.1, "wrong", "fwd:yhat", [0, 0]),
        ("Анна <b>", "q2", [[1.0, 2.004]], "right", "fwd:H1", [0, 0]),
    ]
    assert len({r["place"] for r in results["records"]}) == 3 and results["ended"] is False


def test_only_the_presenters_token_downloads_the_results(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> str:
        await presenter(server, room)
        student = await join(server, room["code"])
        return student.welcome["student_id"]

    student_id = run(scenario())
    missing = _results(server, room["code"], None)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    assert missing.json()["detail"][0]["loc"] == ["header", "authorization"]
    assert server.get(f"/api/class/rooms/{room['code']}/results",
                      headers={"Authorization": f"Basic {room['token']}"}).status_code == 401
    for token in (student_id, room["token"][:-2] + "xx"):
        assert _results(server, room["code"], token).status_code == 403
    forbidden = _results(server, room["code"], student_id).json()["detail"][0]
    assert forbidden["type"] == "bad_token" and "presenter" in forbidden["msg"]
    assert _results(server, "ZZZZZZ", room["token"]).status_code == 404
    assert _results(server, "no!", room["token"]).status_code == 422
    assert _results(server, room["code"], room["token"]).status_code == 200


def test_the_results_outlive_the_end_of_the_class_then_go(server: Server) -> None:
    room = server.create_room()

    async def scenario() -> None:
        teacher = await presenter(server, room)
        student = await join(server, room["code"], name="Ann")
        question_id = await _ask(teacher, VALUE)
        await student.expect("question")
        await student.send(type="answer", question_id=question_id, answer=0.5)
        await student.expect("answered")
        await teacher.send(type="end")
        await student.expect("ended")

    run(scenario())
    kept = _results(server, room["code"], room["token"])
    assert kept.status_code == 200 and kept.json()["ended"] is True
    assert [r["student"] for r in kept.json()["records"]] == ["Ann"]
    assert server.get(f"/api/class/rooms/{room['code']}").status_code == 404  # the class itself is gone
    gone = None
    for _ in range(60):  # BACKPROP_CLASS_IDLE_SECONDS=3 here; the heartbeat sweeps every second
        gone = _results(server, room["code"], room["token"])
        if gone.status_code == 404:
            break
        run(asyncio.sleep(0.25))
    assert gone is not None and gone.status_code == 404 and gone.json()["detail"][0]["type"] == "no_results"


def test_a_bad_name_at_joining_is_refused_naming_the_field(server: Server) -> None:
    from tests.classroom.helpers import refused

    room = server.create_room()
    frame, close = run(refused(server, code=room["code"], name="x" * 33))
    assert frame["field"] == "name" and "32" in frame["message"] and close == 4400
