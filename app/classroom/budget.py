"""What one class socket may send: a budget per kind of message, and what happens past it.

Every frame has already been counted before it was parsed (app/classroom/socket_protocol.py paces each socket
and each client address). Here each parsed message draws from the budget of its kind:

- `pointer`: 30 a second (the presenter's page sends at most that many; with headroom), presenters only;
- `resync`: BACKPROP_CLASS_RESYNCS_PER_MINUTE, bursts of 3 (each may cost a snapshot; the snapshot itself is
  encoded once per room state, so a whole hall resyncing at once after a Redis outage is served);
- `ask` and `reveal`: BACKPROP_CLASS_QUESTIONS_PER_MINUTE, bursts of 10;
- everything else (commands, answers, pings, malformed messages): BACKPROP_CLASS_MESSAGES_PER_SECOND, bursts of
  twice that.

A message past its budget is dropped unhandled and answered with a `rate_limited` error naming the limit (the
socket's pace bounds how many). A student's socket is told why and closed (4429) at its REFUSALS_BEFORE_CLOSE-th
refusal; a presenter's never is (that would end the teacher's page): its extra messages are only refused.
"""

from __future__ import annotations

import time

from app.classroom.protocol import POINTER_PER_SECOND
from app.classroom.ratelimit import Clock, TokenBucket
from app.settings import Settings

REFUSALS_BEFORE_CLOSE = 3  # a student's socket is closed at its third refused message
POINTER_HEADROOM = 1.5  # the page's timer may bunch two moves into one interval now and then
RESYNC_BURST = 3
QUESTIONS_BURST = 10  # a teacher asking and revealing a few questions in a row is never refused
# Which budget a message type draws from (any other: "messages"); a student's pointer, ask or reveal is refused
# for its role, so it draws from "messages" like any other refused message.
PRESENTER_KINDS = {"pointer": "pointer", "resync": "resync", "ask": "questions", "reveal": "questions"}
STUDENT_KINDS = {"resync": "resync"}


class OverBudget(Exception):
    """A message refused for its rate (the words say which limit); `close`: the socket is to be closed."""

    def __init__(self, message: str, close: bool) -> None:
        super().__init__(message)
        self.close = close


class MessageBudget:
    """One socket's budgets (see the module docstring); `spend(type)` for each message, before it is handled."""

    def __init__(self, settings: Settings, role: str, clock: Clock = time.monotonic) -> None:
        rate = settings.class_messages_per_second
        self.settings, self.role = settings, role
        self.buckets = {
            "messages": TokenBucket(rate, 2 * rate, clock),
            "pointer": TokenBucket(POINTER_HEADROOM * POINTER_PER_SECOND, 2 * POINTER_PER_SECOND, clock),
            "resync": TokenBucket(settings.class_resyncs_per_minute / 60, RESYNC_BURST, clock),
            "questions": TokenBucket(settings.class_questions_per_minute / 60, QUESTIONS_BURST, clock),
        }
        self.kinds = PRESENTER_KINDS if role == "presenter" else STUDENT_KINDS
        self.refused = 0

    def spend(self, message_type: str | None) -> None:
        """Take one message of this type (None: unreadable) from its budget; OverBudget when there is none left."""
        kind = self.kinds.get(message_type or "", "messages")
        if self.buckets[kind].allow():
            return
        self.refused += 1
        close = self.role == "student" and self.refused >= REFUSALS_BEFORE_CLOSE
        raise OverBudget(self.limit_text(kind, close), close)

    def credit(self, message_type: str, seconds: float) -> None:
        """Give back `seconds` of refill to this type's budget: time spent waiting on a stalled store must not
        turn the messages that queued up meanwhile into a refused burst."""
        self.buckets[self.kinds.get(message_type, "messages")].credit(seconds)

    def limit_text(self, kind: str, close: bool) -> str:
        limits = {
            "messages": f"{self.settings.class_messages_per_second} messages a second, "
                        "BACKPROP_CLASS_MESSAGES_PER_SECOND",
            "pointer": f"{POINTER_PER_SECOND} pointer moves a second",
            "resync": f"{self.settings.class_resyncs_per_minute} resyncs a minute, BACKPROP_CLASS_RESYNCS_PER_MINUTE",
            "questions": f"{self.settings.class_questions_per_minute} questions a minute, "
                         "BACKPROP_CLASS_QUESTIONS_PER_MINUTE",
        }
        outcome = "closing this connection" if close else "this one was ignored"
        return f"too many messages (limit {limits[kind]}): {outcome}"
