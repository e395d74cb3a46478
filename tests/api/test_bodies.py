"""app.api.bodies: a body's encoding and size checked on its raw bytes, then parsed without holding the loop."""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from app.api import bodies
from app.api.bodies import BODY_BUDGETS, BODY_MODELS, LISTED_VALUES, check_size, parse_body
from app.core import LIMITS
from tests.api.helpers import body, locs, messages

JSON = {"Content-Type": "application/json"}
WIDTH, DEPTH = LIMITS.max_width, LIMITS.max_layers
# ~700,000 bad cells just under the 2 MiB byte limit: seconds of parsing and error formatting on main.
WORST_BODY = b'{"y":[0],"X":[[' + b",".join([b'""'] * 699_000) + b"]]}"


def largest_body(rows: int, with_y: bool) -> dict:
    """The biggest body the core's limits allow: every matrix, weight and bias at its largest."""
    matrix = [[-2.2250738585072014e-308] * WIDTH] * rows
    spec = {
        "layers": [WIDTH] * (DEPTH + 1), "activations": ["sigmoid"] * DEPTH, "bias": True, "loss": "mse",
        "learning_rate": 0.1, "seed": LIMITS.max_seed, "init": "he_normal",
        "weights": [[[0.5] * WIDTH] * WIDTH] * DEPTH, "biases": [[0.5] * WIDTH] * DEPTH, "X": matrix,
    }
    return {**spec, "y": matrix} if with_y else spec


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/api/trace", {**largest_body(LIMITS.max_rows, with_y=True), "gradcheck": True}),
        ("/api/train", {**largest_body(LIMITS.max_rows, with_y=True), "epochs": 1, "snapshots": 50}),
        ("/api/predict", largest_body(LIMITS.max_predict_rows, with_y=False)),
    ],
)
def test_the_largest_honest_body_of_each_endpoint_fits_its_budget(path, payload):
    for text in (json.dumps(payload), json.dumps(payload, indent=4)):
        check_size(path, text.encode())  # no BodyRefused


@pytest.mark.parametrize("path", list(BODY_MODELS))
def test_a_big_body_passes_the_first_error_check_to_the_same_model(path):
    model = BODY_MODELS[path]
    payload = largest_body(LIMITS.max_rows, with_y="y" in model.model_fields)
    raw = json.dumps(payload).encode()
    assert raw.count(b",") > LISTED_VALUES  # the first-error validator's path
    assert parse_body(raw, model) == model.model_validate(payload)


def test_budgets_follow_the_core_limits():
    trace, predict = BODY_BUDGETS["/api/trace"], BODY_BUDGETS["/api/predict"]
    assert predict.values - trace.values == (LIMITS.max_predict_rows - 2 * LIMITS.max_rows) * WIDTH - 1
    assert trace.lists >= 2 * LIMITS.max_rows and predict.lists >= LIMITS.max_predict_rows


@pytest.mark.parametrize("path", ["/api/trace", "/api/predict", "/api/train"])
def test_the_worst_body_is_refused_before_it_is_parsed(client, monkeypatch, path):
    def no_parsing(raw):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(bodies.orjson, "loads", no_parsing)
    response = client.post(path, content=WORST_BODY, headers=JSON)
    assert response.status_code == 422  # within the byte limit (413), over the values the endpoint takes
    (message,) = messages(response)
    assert message.startswith("the body holds 699,000 commas") and f"the largest {path} body has" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"X": [[0, 0]], "y": [0], "layers": ' + "[" * 5000 + "]" * 5000 + "}", "lists or objects"),
        ('{"X": [[0, 0]], "y": [0], ' + ", ".join(f'"k{i}": 0' for i in range(100)) + "}", "colons"),
    ],
    ids=["deep", "keys"],
)
def test_deep_nesting_and_many_keys_are_refused_before_parsing(client, text, fragment):
    response = client.post("/api/trace", content=text.encode(), headers=JSON)
    assert response.status_code == 422
    assert fragment in messages(response)[0]


def test_a_big_body_names_the_first_bad_value_of_each_list(client):
    # Wide rows: more than LISTED_VALUES values within the row limit (the width is checked later, in the core).
    width = LISTED_VALUES // LIMITS.max_rows + 1
    X = [[0.5, ""] + [0.5] * (width - 2)] * (LIMITS.max_rows - 1) + [[0.5] * width]
    y = [0.5] * (len(X) - 1) + [None]
    response = client.post("/api/trace", json=body(X=X, y=y))
    assert response.status_code == 422
    assert messages(response) == ["X[0][1] must be a number, got ''", f"y[{len(X) - 1}][0] must be a number, got null"]


def test_a_big_valid_body_parsed_off_the_loop_gives_the_same_answer(client):
    X = [[i / 1000, 1 - i / 1000] for i in range(LIMITS.max_predict_rows)]
    payload = {"weights": [[[0.5, -0.3], [0.2, 0.8]], [[0.6, -0.4], [0.1, 0.9]], [[1.0], [0.5]]], "X": X}
    assert len(json.dumps(payload)) > bodies.PARSE_INLINE_BYTES
    whole = client.post("/api/predict", json=payload).json()["y_hat"]
    first = client.post("/api/predict", json={**payload, "X": X[:3]}).json()["y_hat"]
    assert len(whole) == len(X) and whole[:3] == first


# ---- encoding -----------------------------------------------------------------------------------------

EXERCISE = json.dumps(body()).encode()


@pytest.mark.parametrize(
    ("content", "headers", "status", "fragment"),
    [
        (gzip.compress(EXERCISE), {"Content-Encoding": "gzip"}, 415, "Content-Encoding: gzip"),
        (gzip.compress(EXERCISE), {}, 415, "gzip-compressed"),
        (b"\xef\xbb\xbf" + EXERCISE, {}, 400, "byte-order mark"),
        (EXERCISE.decode().encode("utf-16"), {}, 400, "UTF-16"),
        (EXERCISE.decode().encode("utf-16-le"), {}, 400, "UTF-16"),
        (EXERCISE.decode().encode("utf-16-be"), {}, 400, "UTF-16"),
        (EXERCISE, {"Content-Type": "application/json; charset=utf-16"}, 415, "utf-16"),
    ],
    ids=["content-encoding", "gzip-bytes", "bom", "utf-16", "utf-16-le", "utf-16-be", "charset"],
)
def test_encoding_problems_are_named(client, content, headers, status, fragment):
    response = client.post("/api/trace", content=content, headers={**JSON, **headers})
    assert response.status_code == status
    (message,) = messages(response)
    assert fragment in message and "not valid JSON" not in message


def test_utf8_with_a_declared_charset_is_fine(client):
    response = client.post("/api/trace", content=EXERCISE, headers={"Content-Type": "application/json; charset=UTF-8"})
    assert response.status_code == 200


# ---- the event loop stays free: a real server in its own process ----------------------------------------

# A body within /api/predict's budget that main spent seconds of loop time on: 65,536 bad cells.
BAD_PREDICT_BODY = b'{"X":[' + b",".join([b"[" + b",".join([b'"' + b"x" * 24 + b'"'] * WIDTH) + b"]"] * 4096) + b"]}"
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture(scope="module")
def server_port() -> Iterator[int]:
    """`python -m app serve` on a free 127.0.0.1 port, in its own process (its GIL is not the tests')."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--log-level", "warning"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):  # at most ~20 s
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("the server exited during startup")
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def read_answer(sock: socket.socket) -> bytes:
    """One whole HTTP answer (headers and a Content-Length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536) or pytest.fail("the server closed the connection")
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(rest) < length:
        rest += sock.recv(65536) or pytest.fail("the server closed the connection")
    return head + b"\r\n\r\n" + rest


def test_healthz_is_answered_while_worst_bodies_are_parsed(server_port):
    """Three worst bodies complete at once, then /healthz is asked: it must be answered before any of them
    (on main each held the loop for about half a second, and /healthz came last). The worst bodies beyond
    the budget are refused unparsed (above); these are the worst that must be parsed, off the loop."""
    address = ("127.0.0.1", server_port)
    head = (f"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(BAD_PREDICT_BODY)}\r\n\r\n").encode()
    workers = [socket.create_connection(address, timeout=60) for _ in range(3)]
    probe = socket.create_connection(address, timeout=60)
    for sock in workers:
        sock.sendall(head + BAD_PREDICT_BODY[:-1])
    for _ in range(5):  # the server is idle and has read the bodies so far
        probe.sendall(HEALTHZ)
        assert read_answer(probe).startswith(b"HTTP/1.1 200")
    for sock in workers:
        sock.sendall(BAD_PREDICT_BODY[-1:])
    probe.sendall(HEALTHZ)
    assert read_answer(probe).startswith(b"HTTP/1.1 200")
    for sock in workers:  # none of the worst bodies has been answered yet
        sock.setblocking(False)
        with pytest.raises(BlockingIOError):
            sock.recv(1, socket.MSG_PEEK)
        sock.setblocking(True)
    for sock in workers:
        answer = read_answer(sock)
        assert answer.startswith(b"HTTP/1.1 422") and b"X[0][0] must be a number" in answer
        sock.close()
    probe.close()
