"""Recent answers, remembered by request: the same body always gets the same bytes.

A trace, a prediction and a training run are pure functions of the request body. In a classroom many
students send identical bodies (everyone opens the same preset, then steps to the same next iteration
from it), so the server computes such an answer at most twice and replays it after that.

An answer is kept from the second time its body is seen, not the first. Keeping every answer would put
each new one into memory the processor has not touched lately (the oldest of up to 32 MiB of answers),
which made every one-off trace about a sixth slower (measured in-process at n = 4 and n = 64, bodies as in
bench/bench_trace.py); a body seen once is only noted by its hash. Bounded by total bytes (answers and the bodies they answer), least recently used
out first; only successful answers are kept.
"""

from __future__ import annotations

from collections import OrderedDict

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
