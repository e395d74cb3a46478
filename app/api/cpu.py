"""Where CPU-heavy work runs: inline, or in worker processes, in two lanes by size.

Training, large traces and gradient checks run in worker processes: the GIL makes threads slower than one
after the other here, and a process cannot hold up the event loop. Work is sized in the core's units
(rows × parameters, `train_work`, `gradcheck_work`):

- up to INLINE_WORK it runs on the event loop (well under a millisecond, cheaper than any hop);
- up to SMALL_WORK (tens of milliseconds: a default training of the exercise, a 512-row trace) it goes
  to the small lane, which has processes of its own, so it never waits behind the big jobs;
- more goes to the big lane, whose processes run at a lower priority (nice +5), so on a busy machine
  the server process and the small lane get the CPU first.

Each lane runs at most `workers` jobs at once and lets at most `max_waiting` wait; anyone beyond that is
told to retry (503 with Retry-After). What crosses to a worker is the spec and NumPy arrays (cheap to
pickle); what comes back is the encoded answer; an exception raised there (SpecError) is raised here.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import HTTPException

from app.api import jobs

INLINE_WORK = 20_000
SMALL_WORK = 20_000_000
# The big lane's workers yield the CPU to the server process (small requests) and the small lane: a third
# of a normal process's share when they compete (+10 would be a ninth, which starves trainings on a laptop
# that is busy with anything else).
BIG_LANE_NICENESS = 5
RETRY_AFTER_SECONDS = 2
# Imported once by the forkserver, so a new worker starts with them loaded.
_WORKER_MODULES = [jobs.__name__]

T = TypeVar("T")


def busy() -> HTTPException:
    return HTTPException(
        status_code=503,
        detail=[{"loc": ["server"], "msg": "the server is busy with other computations; try again in a few seconds",
                 "type": "service_unavailable"}],
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one: fork would copy a process that already runs an event loop and threads."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_WORKER_MODULES)
    return context


@dataclass(frozen=True)
class LaneStatistics:
    running: int
    waiting: int


class Lane:
    """Worker processes for one size of job: `workers` run at once, `max_waiting` may wait, others get 503."""

    def __init__(self, workers: int, max_waiting: int, niceness: int = 0) -> None:
        self.workers = workers
        self.max_waiting = max_waiting
        self.niceness = niceness
        self._executor = self._new_executor()
        self._slots = asyncio.Semaphore(workers)
        self._running = 0
        self._waiting = 0

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=_context(), initializer=jobs.start_worker,
                                   initargs=(self.niceness,))

    def statistics(self) -> LaneStatistics:
        return LaneStatistics(self._running, self._waiting)

    def worker_pids(self) -> list[int]:
        """The worker processes running now (ProcessPoolExecutor keeps them by pid; none after shutdown)."""
        return list(self._executor._processes or ())  # no public accessor; read only

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """function(*args) in a worker process once one is free; 503 when `max_waiting` already wait.

        A job whose worker died (killed, out of memory) is tried once more on new workers.
        """
        return await self._run(function, args, retry=True)

    async def _run(self, function: Callable[..., T], args: tuple[Any, ...], retry: bool) -> T:
        if self._slots.locked() and self._waiting >= self.max_waiting:
            raise busy()
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        executor = self._executor
        try:
            future = executor.submit(function, *args)
        except BrokenProcessPool:  # a worker died while idle
            self._slots.release()
            self._replace(executor)
            if retry:
                return await self._run(function, args, retry=False)
            raise busy() from None
        except BaseException:
            self._slots.release()
            raise
        self._running += 1
        # The slot is free when the worker is, not when this request stops waiting (it may be cancelled).
        # Added before wrap_future's own callback, so the slot is free again before this coroutine resumes.
        future.add_done_callback(self._on_done(asyncio.get_running_loop()))
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._replace(executor)
            if retry:
                return await self._run(function, args, retry=False)
            raise busy() from None

    def _on_done(self, loop: asyncio.AbstractEventLoop) -> Callable[[Future[Any]], None]:
        def release(_: Future[Any]) -> None:
            self._running -= 1
            self._slots.release()

        def on_done(done: Future[Any]) -> None:  # called in the executor's thread
            with contextlib.suppress(RuntimeError):  # the loop has closed: the server run is over
                loop.call_soon_threadsafe(release, done)

        return on_done

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A worker died: its executor refuses all work from then on, so start another in its place."""
        if self._executor is broken:
            self._executor = self._new_executor()
            broken.shutdown(wait=False, cancel_futures=True)

    async def start(self) -> None:
        """Start every worker process now (each warms up before its first job) and wait for their answers:
        no request pays for starting one, and a worker that cannot start fails the server's start."""
        started = [self._executor.submit(jobs.ready) for _ in range(self.workers)]
        await asyncio.gather(*map(asyncio.wrap_future, started))

    def shutdown(self) -> None:
        """Drop waiting jobs, let running ones finish, and wait until every worker process has exited."""
        self._executor.shutdown(wait=True, cancel_futures=True)


class ComputePool:
    """The inline path and the two lanes; `run(work, function, *args)` picks by size."""

    def __init__(self, workers: int, max_waiting: int) -> None:
        self.small = Lane(workers, max_waiting)
        self.big = Lane(workers, max_waiting, niceness=BIG_LANE_NICENESS)

    async def run(self, work: int, function: Callable[..., T], *args: Any) -> T:
        if work <= INLINE_WORK:
            return function(*args)
        return await (self.small if work <= SMALL_WORK else self.big).run(function, *args)

    async def start(self) -> None:
        await asyncio.gather(self.small.start(), self.big.start())

    async def shutdown(self) -> None:
        # Joining processes blocks; the event loop keeps serving meanwhile.
        await asyncio.gather(asyncio.to_thread(self.small.shutdown), asyncio.to_thread(self.big.shutdown))
