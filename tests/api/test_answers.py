"""Remembered answers: a body sent again is answered from memory; errors and other content types are not replayed."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi.testclient import TestClient

from app.api.answers import AnswerCache, InFlight, answer_key
from app.api.cpu import ComputePool

XOR = {"X": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [0, 1, 1, 0]}


def post(client: TestClient, body: bytes, content_type: str = "application/json"):
    return client.post("/api/trace", content=body, headers={"Content-Type": content_type})


def kept(cache: AnswerCache, key, answer: bytes) -> None:
    """Offer an answer twice: the first sighting of a body only notes it."""
    cache.put(key, answer)
    cache.put(key, answer)


def test_an_answer_is_kept_from_the_second_time_its_body_is_seen() -> None:
    cache = AnswerCache(max_bytes=100)
    key = answer_key("/t", b"a")

    cache.put(key, b"answer")
    assert cache.get(key) is None and len(cache) == 0

    cache.put(key, b"answer")
    assert cache.get(key) == b"answer" and cache.size == len(b"answer") + len(b"a")


def test_only_the_latest_first_sightings_are_noted() -> None:
    cache = AnswerCache(max_bytes=100, seen_limit=2)
    a, b, c = (answer_key("/t", body) for body in (b"a", b"b", b"c"))
    for key in (a, b, c):  # a is forgotten when c is noted
        cache.put(key, b"x")

    cache.put(a, b"x")
    cache.put(c, b"x")

    assert cache.get(a) is None and cache.get(c) == b"x"


def test_the_least_recently_used_answer_goes_first() -> None:
    cache = AnswerCache(max_bytes=15)  # each entry: a 4-byte answer and its 1-byte body
    a, b, c = answer_key("/t", b"a"), answer_key("/t", b"b"), answer_key("/t", b"c")
    kept(cache, a, b"aaaa")
    kept(cache, b, b"bbbb")
    assert cache.get(a) == b"aaaa"  # a is now the most recent

    kept(cache, c, b"cccc")  # 15 bytes would fit; the next one would not
    kept(cache, answer_key("/t", b"d"), b"dddd")  # b goes

    assert cache.get(b) is None
    assert (cache.get(a), cache.get(c)) == (b"aaaa", b"cccc")
    assert cache.size == 15 and len(cache) == 3


def test_an_answer_larger_than_the_cache_is_not_kept() -> None:
    cache = AnswerCache(max_bytes=0)

    kept(cache, answer_key("/t", b"a"), b"x")

    assert len(cache) == 0 and cache.size == 0


def test_keys_tell_endpoints_and_bodies_apart() -> None:
    cache = AnswerCache(max_bytes=100)
    kept(cache, answer_key("/api/trace", b"{}"), b"trace")

    assert cache.get(answer_key("/api/predict", b"{}")) is None
    assert cache.get(answer_key("/api/trace", b'{"a":1}')) is None
    assert cache.get(answer_key("/api/trace", bytes(b"{}"))) == b"trace"


def test_the_same_body_is_answered_from_memory(client: TestClient) -> None:
    answers: AnswerCache = client.app.state.answers
    body = json.dumps({**XOR, "seed": 12345}).encode()

    first = post(client, body)
    second = post(client, body)  # computed again, and kept from now on
    hits = answers.hits
    third = post(client, body)

    assert first.status_code == second.status_code == third.status_code == 200
    assert first.content == second.content == third.content
    assert answers.hits == hits + 1


def test_a_small_one_off_trace_is_computed_inline_without_the_pool_or_the_requests_in_flight(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a small trace went through the shared path")

    monkeypatch.setattr(InFlight, "share", refuse)
    monkeypatch.setattr(ComputePool, "run", refuse)
    response = post(client, json.dumps({**XOR, "seed": 34567}).encode())
    assert response.status_code == 200 and response.json()["spec"]["seed"] == 34567


def test_a_small_body_with_large_work_is_shared_with_identical_requests_in_flight(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared: list[tuple[str, bytes]] = []
    share = InFlight.share

    async def spy(self: InFlight, key: tuple[str, bytes], compute):  # type: ignore[no-untyped-def]
        shared.append(key)
        return await share(self, key, compute)

    monkeypatch.setattr(InFlight, "share", spy)
    body = json.dumps({**XOR, "epochs": 3000, "snapshots": 2}).encode()
    response = client.post("/api/train", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200 and shared == [("/api/train", body)]


def test_a_different_body_is_computed(client: TestClient) -> None:
    answers: AnswerCache = client.app.state.answers
    post(client, json.dumps({**XOR, "seed": 23456}).encode())
    hits = answers.hits

    other = post(client, json.dumps({**XOR, "seed": 23457}).encode())

    assert other.status_code == 200 and answers.hits == hits
    assert other.json()["spec"]["seed"] == 23457


def test_errors_are_not_kept(client: TestClient) -> None:
    answers: AnswerCache = client.app.state.answers
    body = json.dumps({"X": [[1, 2, 3]], "y": [1]}).encode()
    size = answers.size

    assert post(client, body).status_code == 422
    assert post(client, body).status_code == 422
    assert answers.size == size


def test_a_remembered_body_sent_as_another_type_is_still_refused(client: TestClient) -> None:
    body = json.dumps({**XOR, "seed": 34567}).encode()
    assert post(client, body).status_code == 200

    assert post(client, body, content_type="text/plain").status_code == 415


class Computation:
    """An answer that is computed only when `finish` is set; counts how often it is started."""

    def __init__(self, answer: bytes | Exception = b"answer") -> None:
        self.answer = answer
        self.started = 0
        self.finish = asyncio.Event()

    async def __call__(self) -> bytes:
        self.started += 1
        await self.finish.wait()
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


async def _requests(in_flight: InFlight, compute: Computation, count: int) -> list[asyncio.Task[bytes]]:
    tasks = [asyncio.create_task(in_flight.share(("/t", b"same"), compute)) for _ in range(count)]
    await asyncio.sleep(0)  # every request reaches share()
    return tasks


def test_identical_requests_in_flight_share_one_computation() -> None:
    async def scenario() -> None:
        in_flight, compute = InFlight(), Computation()
        tasks = await _requests(in_flight, compute, 5)
        compute.finish.set()
        assert await asyncio.gather(*tasks) == [b"answer"] * 5
        assert compute.started == 1 and len(in_flight) == 0

    asyncio.run(scenario())


def test_the_shared_computation_error_reaches_every_request() -> None:
    async def scenario() -> None:
        in_flight, compute = InFlight(), Computation(ValueError("bad body"))
        tasks = await _requests(in_flight, compute, 3)
        compute.finish.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert [str(result) for result in results] == ["bad body"] * 3 and compute.started == 1

    asyncio.run(scenario())


def test_when_the_computing_request_goes_away_a_waiting_one_computes() -> None:
    async def scenario() -> None:
        in_flight, compute = InFlight(), Computation()
        first, second, third = await _requests(in_flight, compute, 3)
        third.cancel()  # a waiter going away changes nothing for the others
        first.cancel()
        await asyncio.sleep(0)
        compute.finish.set()
        assert await second == b"answer" and compute.started == 2
        assert first.cancelled() and third.cancelled()

    asyncio.run(scenario())
