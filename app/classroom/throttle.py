"""Latest-wins timers: an action that runs at most once per interval however often it is asked for."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Throttle:
    """`poke()` asks for `action`; it runs at once if the last run is `interval` seconds ago, else when that
    interval is over, and asks in between add nothing (the action reads the latest value when it runs)."""

    __slots__ = ("interval", "action", "ran_at", "timer")

    def __init__(self, interval: float, action: Callable[[], None]) -> None:
        self.interval, self.action = interval, action
        self.ran_at = -float("inf")
        self.timer: asyncio.TimerHandle | None = None

    def poke(self) -> None:
        if self.timer is None:
            wait = max(0.0, self.ran_at + self.interval - time.monotonic())
            self.timer = asyncio.get_running_loop().call_later(wait, self._run)

    def _run(self) -> None:
        self.timer = None
        self.ran_at = time.monotonic()
        self.action()

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
