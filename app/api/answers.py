"""Recent answers, remembered by request: the same body always gets the same bytes.

A trace, a prediction and a training run are pure functions of the request body. In a classroom many
students send identical bodies (everyone opens the same preset, then steps to the same next iteration
from it), so the server computes each answer once and replays it. Bounded by total bytes, least recently
used out first; only successful answers are kept.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

Key = tuple[str, bytes]


def answer_key(path: str, body: bytes) -> Key:
    """The endpoint and a 128-bit digest of the exact body bytes."""
    return path, hashlib.blake2b(body, digest_size=16).digest()


class AnswerCache:
    """An LRU map from request keys to encoded answers, holding at most `max_bytes` of answers."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self._answers: OrderedDict[Key, bytes] = OrderedDict()

    def get(self, key: Key) -> bytes | None:
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
            self.hits += 1
        return answer

    def put(self, key: Key, answer: bytes) -> None:
        if len(answer) > self.max_bytes or key in self._answers:
            return
        self._answers[key] = answer
        self.size += len(answer)
        while self.size > self.max_bytes:
            _, dropped = self._answers.popitem(last=False)
            self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._answers)
