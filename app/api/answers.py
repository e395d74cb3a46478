"""Recent answers, remembered by request: the same body always gets the same bytes.

A trace, a prediction and a training run are pure functions of the request body. In a classroom many
students send identical bodies (everyone opens the same preset, then steps to the same next iteration
from it), so the server computes such an answer at most twice and replays it after that.

An answer is kept from the second time its body is seen, not the first. Keeping every answer would put
each new one into memory the processor has not touched lately (the oldest of up to 32 MiB of answers),
which made every one-off trace about a sixth slower (measured in-process at n = 4 and n = 64, bodies as in
bench/bench_trace.py); a body seen once is only noted by its hash. Bounded by total bytes (answers and the bodies they answer), least recently used
out first; only successful answers are kept.

The memory only helps once an answer exists: identical requests that arrive while the first is still being
computed wait for that computation instead of starting their own (InFlight), and get its answer or its error.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

Key = tuple[str, bytes]

# How many bodies seen once are noted (by hash: about 100 bytes each); a body comes back within a class's
# few minutes on one preset, long before thousands of others have been sent.
SEEN_LIMIT = 4096


def answer_key(path: str, body: bytes) -> Key:
    """The endpoint and the exact body bytes (Python caches the body's hash on the bytes object)."""
    return path, body


class AnswerCache:
    """An LRU map from request keys to encoded answers, holding at most `max_bytes` of keys and answers."""

    def __init__(self, max_bytes: int, seen_limit: int = SEEN_LIMIT) -> None:
        self.max_bytes = max_bytes
        self.seen_limit = seen_limit
        self.size = 0
        self.hits = 0
        self._answers: OrderedDict[Key, bytes] = OrderedDict()
        # Hashes of keys computed once, oldest first (an OrderedDict drops its oldest in O(1); a dict would
        # scan past the slots its earlier deletions left at the front).
        self._seen: OrderedDict[int, None] = OrderedDict()

    def get(self, key: Key) -> bytes | None:
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
            self.hits += 1
        return answer

    def put(self, key: Key, answer: bytes) -> None:
        """Note the key on its first answer; keep the answer on its second."""
        cost = len(answer) + len(key[1])
        if cost > self.max_bytes or key in self._answers:
            return
        if self._note_first_sighting(hash(key)):
            return
        self._answers[key] = answer
        self.size += cost
        while self.size > self.max_bytes:
            (_, body), dropped = self._answers.popitem(last=False)
            self.size -= len(dropped) + len(body)

    def _note_first_sighting(self, key_hash: int) -> bool:
        """True (and the hash noted) when this key has not been answered recently; False on a repeat."""
        if key_hash in self._seen:
            del self._seen[key_hash]
            return False
        self._seen[key_hash] = None
        if len(self._seen) > self.seen_limit:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._answers)


class InFlight:
    """The answers being computed, by key: a request identical to one in flight shares its computation.

    Belongs to one event loop (one per server run, app/main.py's lifespan).
    """

    def __init__(self) -> None:
        self._pending: dict[Key, asyncio.Future[bytes]] = {}

    def __len__(self) -> int:
        return len(self._pending)

    async def share(self, key: Key, compute: Callable[[], Awaitable[bytes]]) -> bytes:
        """compute()'s answer, or that of the identical computation already running (its error too)."""
        while (pending := self._pending.get(key)) is not None:
            try:
                # shield: a waiter that goes away must not cancel the computation the others wait for.
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if not pending.cancelled() or (current is not None and current.cancelling()):
                    raise
                # The request computing it went away before its answer: compute it here instead.
        return await self._compute(key, compute)

    async def _compute(self, key: Key, compute: Callable[[], Awaitable[bytes]]) -> bytes:
        pending = self._pending[key] = asyncio.get_running_loop().create_future()
        try:
            answer = await compute()
        except Exception as error:
            pending.set_exception(error)
            pending.exception()  # marks it retrieved: nobody may be waiting, and that is fine
            raise
        except BaseException:  # cancelled: a waiter computes it instead
            pending.cancel()
            raise
        else:
            pending.set_result(answer)
            return answer
        finally:
            del self._pending[key]
