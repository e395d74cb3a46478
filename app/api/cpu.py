"""Running CPU-heavy work (training, big traces, gradient checks) off the event loop, a few at a time.

A class of 300 pressing "train" together must not queue 300 computations: at most CPU_SLOTS run at once
in worker threads, at most MAX_WAITING wait for a slot, and anyone beyond that is told to retry (503).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from fastapi import HTTPException

CPU_SLOTS = 2  # the machines this runs on have about 2 cores
MAX_WAITING = 32
RETRY_AFTER_SECONDS = 2

T = TypeVar("T")
_limiter: anyio.CapacityLimiter | None = None


def _slots() -> anyio.CapacityLimiter:
    # Created on first use, inside a running event loop, as anyio requires.
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(CPU_SLOTS)
    return _limiter


async def run_cpu_bound(function: Callable[[], T]) -> T:
    """Run function() in a worker thread once a CPU slot is free; 503 when too many are already waiting."""
    slots = _slots()
    if slots.statistics().tasks_waiting >= MAX_WAITING:
        raise HTTPException(
            status_code=503,
            detail="the server is busy with other computations; try again in a few seconds",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return await anyio.to_thread.run_sync(function, limiter=slots)
