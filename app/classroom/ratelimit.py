"""Token buckets: a rate with bursts, per connection or per key (a client address); cool-downs per key."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

Clock = Callable[[], float]


class TokenBucket:
    """`rate` tokens a second, up to `burst` saved; each allowed event takes one."""

    __slots__ = ("rate", "burst", "tokens", "stamp", "clock")

    def __init__(self, rate: float, burst: float, clock: Clock = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.stamp = burst, clock()

    def refill(self) -> float:
        """The tokens saved now."""
        now = self.clock()
        # Refilled up to the burst; tokens credited beyond it stay until they are used.
        self.tokens = max(self.tokens, min(self.burst, self.tokens + (now - self.stamp) * self.rate))
        self.stamp = now
        return self.tokens

    def allow(self, cost: float = 1) -> bool:
        if self.refill() < cost:
            return False
        self.tokens -= cost
        return True

    def credit(self, seconds: float) -> None:
        """Give back `seconds` of refill beyond the burst: time spent waiting on something else (a stalled
        store) must not turn the messages that queued up meanwhile into a burst that is refused."""
        self.tokens += seconds * self.rate

    def retry_after(self, cost: float = 1) -> float:
        """Seconds until an event of this cost would be allowed."""
        return max(0.0, (cost - self.refill()) / self.rate)


class KeyedBuckets:
    """One TokenBucket per key, the least recently used forgotten beyond `max_keys` (memory stays bounded)."""

    def __init__(self, rate: float, burst: float, max_keys: int = 10_000, clock: Clock = time.monotonic) -> None:
        self.rate, self.burst, self.max_keys, self.clock = rate, burst, max_keys, clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def bucket(self, key: str) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, self.clock)
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket

    def allow(self, key: str) -> bool:
        return self.bucket(key).allow()


class Cooldowns:
    """Keys refused recently, each until its own time; at most `max_keys` remembered (the oldest go first)."""

    def __init__(self, max_keys: int = 10_000, clock: Clock = time.monotonic) -> None:
        self.max_keys, self.clock = max_keys, clock
        self._until: OrderedDict[str, float] = OrderedDict()

    def start(self, key: str, seconds: float) -> None:
        self._until.pop(key, None)
        self._until[key] = self.clock() + seconds
        if len(self._until) > self.max_keys:
            self._until.popitem(last=False)

    def active(self, key: str) -> bool:
        until = self._until.get(key)
        if until is None:
            return False
        if until <= self.clock():
            del self._until[key]
            return False
        return True
