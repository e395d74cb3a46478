"""Heavy computations in worker processes: two lanes by size, queue limits, worker errors, start and stop.

Each test that needs its own limits runs its own app (`serve`); requests that must overlap are sent from
threads (`Requests`), and the tests assert what overlapped or came first, never how long anything took.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.api.cpu import BIG_LANE_NICENESS, INLINE_WORK, SMALL_WORK, ComputePool, Lane
from app.core import SpecError, make_spec, train_work
from app.main import create_app
from app.settings import Settings
from tests.api.helpers import XOR_X, body, messages, strict_json
from tests.helpers import BASE_URL

WAIT_LIMIT_S = 60  # only a bound on waiting for what must happen: no test expects anything this slow

# A big training job (ten times the small lane's limit) and small jobs that are not computed inline.
DEEP = [2, 16, 16, 16, 1]
ROWS = np.random.default_rng(0).uniform(-1, 1, size=(64, 2)).round(3).tolist()


def big_train(seed: int) -> dict[str, Any]:
    return {"layers": DEEP, "X": ROWS, "y": [0.5] * len(ROWS), "epochs": 2000, "snapshots": 2, "seed": seed}


SMALL_TRAIN = body(epochs=200, snapshots=2)
SMALL_TRACE = {"layers": DEEP, "X": ROWS, "y": [0.5] * len(ROWS)}


def test_the_test_jobs_have_the_sizes_their_names_say() -> None:
    deep, exercise = make_spec(layers=tuple(DEEP)), make_spec()
    assert train_work(deep, len(ROWS), big_train(0)["epochs"]) > SMALL_WORK
    assert INLINE_WORK < train_work(exercise, len(XOR_X), SMALL_TRAIN["epochs"]) <= SMALL_WORK
    assert INLINE_WORK < len(ROWS) * deep.n_params <= SMALL_WORK


@contextmanager
def serve(workers: int, queue: int) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(cpu_workers=workers, cpu_queue=queue)), base_url=BASE_URL) as client:
        yield client


def pool_of(client: TestClient) -> ComputePool:
    return client.app_state["compute"]


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting until {what}"
        time.sleep(0.005)


class Requests:
    """POSTs sent from threads; `answered` lists their names in the order their answers came back."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.answered: list[str] = []
        self.responses: dict[str, Any] = {}
        self._threads: list[threading.Thread] = []

    def send(self, name: str, path: str, payload: dict[str, Any]) -> None:
        def post() -> None:
            response = self.client.post(path, json=payload)
            self.responses[name] = response
            self.answered.append(name)

        thread = threading.Thread(target=post, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def wait(self) -> None:
        for thread in self._threads:
            thread.join(WAIT_LIMIT_S)
        assert not any(thread.is_alive() for thread in self._threads), "a request was never answered"


def test_two_big_trainings_run_at_once_in_two_worker_processes() -> None:
    with serve(workers=2, queue=0) as client:
        big = pool_of(client).big
        requests = Requests(client)
        requests.send("first", "/api/train", big_train(1))
        requests.send("second", "/api/train", big_train(2))

        wait_until(lambda: big.statistics().running == 2 or len(requests.answered) == 2, "both trainings run")
        both_running = big.statistics().running == 2 and requests.answered == []
        workers = big.worker_pids()
        requests.wait()

    assert both_running, "the second training waited for the first"
    assert len(set(workers)) == 2
    assert [requests.responses[name].status_code for name in ("first", "second")] == [200, 200]


def test_small_jobs_are_answered_while_big_ones_fill_the_pool() -> None:
    with serve(workers=1, queue=4) as client:
        big = pool_of(client).big
        requests = Requests(client)
        requests.send("running", "/api/train", big_train(1))
        wait_until(lambda: big.statistics().running == 1, "the first training runs")
        requests.send("waiting", "/api/train", big_train(2))
        wait_until(lambda: big.statistics().waiting == 1, "the second training waits")

        small_train = client.post("/api/train", json=SMALL_TRAIN)
        small_trace = client.post("/api/trace", json=SMALL_TRACE)
        answered_meanwhile = list(requests.answered)
        requests.wait()

    assert small_train.status_code == small_trace.status_code == 200
    assert answered_meanwhile == [], "a small job waited for a big one"
    assert requests.answered == ["running", "waiting"]


def test_a_full_lane_answers_503_with_retry_after_and_the_other_lane_still_works() -> None:
    with serve(workers=1, queue=0) as client:
        big = pool_of(client).big
        requests = Requests(client)
        requests.send("running", "/api/train", big_train(1))
        wait_until(lambda: big.statistics().running == 1, "the first training runs")

        refused = client.post("/api/train", json=big_train(2))
        small = client.post("/api/train", json=SMALL_TRAIN)
        requests.wait()

    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "2"
    (entry,) = strict_json(refused.text)["detail"]  # a list, like every other error's detail
    assert "busy" in entry["msg"] and entry["type"] == "service_unavailable"
    assert small.status_code == 200 and requests.responses["running"].status_code == 200


def test_identical_requests_in_flight_are_computed_once() -> None:
    # One worker and no queue: a second computation of the same body would be refused with 503.
    with serve(workers=1, queue=0) as client:
        requests = Requests(client)
        for name in "abcdef":
            requests.send(name, "/api/train", big_train(7))
        requests.wait()

    statuses = {name: response.status_code for name, response in requests.responses.items()}
    assert statuses == dict.fromkeys("abcdef", 200)
    assert len({response.content for response in requests.responses.values()}) == 1


def test_an_error_raised_in_a_worker_comes_back_as_the_same_422(client: TestClient) -> None:
    wrong_width = [[x, y, 0.0] for x, y in ROWS]  # train() finds it in the worker, in the big lane
    inline = client.post("/api/trace", json={"layers": DEEP, "X": wrong_width[:1], "y": [0.5]})
    in_worker = client.post("/api/train", json={**big_train(3), "X": wrong_width})

    assert in_worker.status_code == inline.status_code == 422
    assert strict_json(in_worker.text) == strict_json(inline.text)
    assert messages(in_worker) == ["X has 3 columns but the input layer has 2"]


def test_a_gradient_check_over_its_budget_is_refused_with_what_would_fit(client: TestClient) -> None:
    payload = {"layers": [2] + [16] * 7 + [1], "X": [[0.0, 0.0]] * 512, "y": [0.0] * 512, "gradcheck": True}

    response = client.post("/api/trace", json=payload)

    assert response.status_code == 422
    detail = strict_json(response.text)["detail"]
    assert [entry["loc"] for entry in detail] == [["body", "gradcheck"]]
    assert "gradient-check budget" in detail[0]["msg"] and "check at most 79 rows" in detail[0]["msg"]
    payload.update(X=payload["X"][:79], y=payload["y"][:79])
    assert client.post("/api/trace", json=payload).status_code == 200


def test_a_lane_runs_jobs_in_worker_processes_and_raises_their_errors() -> None:
    async def scenario() -> tuple[int, SpecError]:
        lane = Lane(workers=1, max_waiting=0)
        try:
            pid = await lane.run(os.getpid)
            with pytest.raises(SpecError) as raised:
                await lane.run(partial(make_spec, layers=(2, 99)))
            return pid, raised.value
        finally:
            lane.shutdown()

    pid, error = asyncio.run(scenario())
    assert pid != os.getpid()
    assert error.field == "layers[1]" and "99" in error.message


def test_the_workers_are_started_with_the_server_and_gone_after_it() -> None:
    with serve(workers=2, queue=0) as client:
        pool = pool_of(client)
        pids = pool.small.worker_pids() + pool.big.worker_pids()
        assert len(pids) == 4 and all(_alive(pid) for pid in pids)

    assert not any(_alive(pid) for pid in pids)


def test_a_killed_worker_is_replaced() -> None:
    with serve(workers=1, queue=0) as client:
        big = pool_of(client).big
        (pid,) = big.worker_pids()
        os.kill(pid, 9)
        wait_until(lambda: not _alive(pid), "the worker has exited")

        response = client.post("/api/train", json=big_train(4))

        assert response.status_code == 200
        assert big.worker_pids() and pid not in big.worker_pids()


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_big_lane_yields_the_cpu_to_the_small_one() -> None:
    with serve(workers=1, queue=0) as client:
        pool = pool_of(client)
        (small,), (big,) = pool.small.worker_pids(), pool.big.worker_pids()

        ours = _niceness(os.getpid())
        assert _niceness(small) == ours
        assert _niceness(big) == min(19, ours + BIG_LANE_NICENESS)  # 19 is the lowest priority there is


def _niceness(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[16])
