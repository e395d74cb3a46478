"""Remembered answers: identical bodies are computed once; errors and other content types are not replayed."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from app.api.answers import AnswerCache, answer_key

XOR = {"X": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [0, 1, 1, 0]}


def post(client: TestClient, body: bytes, content_type: str = "application/json"):
    return client.post("/api/trace", content=body, headers={"Content-Type": content_type})


def test_the_least_recently_used_answer_goes_first() -> None:
    cache = AnswerCache(max_bytes=10)
    a, b, c = answer_key("/t", b"a"), answer_key("/t", b"b"), answer_key("/t", b"c")
    cache.put(a, b"aaaa")
    cache.put(b, b"bbbb")
    assert cache.get(a) == b"aaaa"  # a is now the most recent

    cache.put(c, b"cccc")  # 12 bytes > 10: b goes

    assert cache.get(b) is None
    assert (cache.get(a), cache.get(c)) == (b"aaaa", b"cccc")
    assert cache.size == 8 and len(cache) == 2


def test_an_answer_larger_than_the_cache_is_not_kept() -> None:
    cache = AnswerCache(max_bytes=0)

    cache.put(answer_key("/t", b"a"), b"x")

    assert len(cache) == 0 and cache.size == 0


def test_keys_tell_endpoints_and_bodies_apart() -> None:
    assert answer_key("/api/trace", b"{}") != answer_key("/api/predict", b"{}")
    assert answer_key("/api/trace", b'{"a":1}') != answer_key("/api/trace", b'{"a":2}')


def test_the_same_body_is_answered_from_memory(client: TestClient) -> None:
    answers: AnswerCache = client.app.state.answers
    body = json.dumps({**XOR, "seed": 12345}).encode()

    first = post(client, body)
    hits = answers.hits
    second = post(client, body)

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert answers.hits == hits + 1


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
