"""The room store: where a class's state lives, behind one async interface.

`RoomStore` is the interface; `MemoryRoomStore`, the default, keeps everything in this process and needs
nothing else. Every method is async so that `RedisRoomStore` (app/classroom/redis_store.py, chosen by
BACKPROP_REDIS_URL) can replace it, and several server processes then serve the same classes; both pass
one contract suite (tests/classroom/test_store.py).

Callers never hold a store object's internals: everything crosses as plain values (strings, bytes,
dataclasses), which a Redis store can (de)serialise.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from app.classroom.questions import Answer, Question
from app.classroom.ratelimit import KeyedBuckets
from app.classroom.tokens import new_epoch, new_join_code, new_presenter_token, token_digest
from app.settings import Settings
from app.web.json import dumps

FLAGS = ("locked", "projector")  # a room's flags (`set_flag`), fields of Room
ENDED_CODES_KEPT = 10_000  # codes of ended rooms remembered, so a returning page hears "ended", not "unknown"
QUESTIONS_KEPT = 20  # per room, the latest (BACKPROP_CLASS_QUESTIONS_KEPT)
ROOM_BYTES = 32 * 1024 * 1024  # a room's log and state (BACKPROP_CLASS_ROOM_BYTES)


class Lifecycle(str, Enum):
    """created → live (a presenter is connected) ⇄ idle (none is) → expired; any state → expired on `end`."""

    CREATED = "created"
    LIVE = "live"
    IDLE = "idle"
    EXPIRED = "expired"


_TRANSITIONS = {
    Lifecycle.CREATED: {Lifecycle.LIVE, Lifecycle.EXPIRED},
    Lifecycle.LIVE: {Lifecycle.IDLE, Lifecycle.EXPIRED},
    Lifecycle.IDLE: {Lifecycle.LIVE, Lifecycle.EXPIRED},
    Lifecycle.EXPIRED: set(),
}


class StoreError(Exception):
    """A store refuses: `code` says which rule (e.g. "too_many_rooms"), the message says it in words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Room:
    code: str
    epoch: str  # drawn when the room's log is created; another epoch means the log was lost
    token_digest: bytes
    lifecycle: Lifecycle
    changed_at: float  # when the lifecycle last changed (monotonic seconds)
    head: int = 0  # the last seq given out; 0 before the first command
    state_seq: int = 0  # the seq the stored state reflects (0: no state yet)
    question_id: str | None = None  # the current question, if any
    locked: bool = False  # students follow only (no exploring)
    projector: bool = False  # the presenter's projector layout


@dataclass(frozen=True)
class Delivery:
    """One frame for a room's connections, encoded once: `seq` for the ordered log, None for volatile ones."""

    frame: str
    seq: int | None = None
    kind: str = ""  # the frame's "type"
    audience: str = "all"  # "all" or "presenters"


@dataclass(frozen=True)
class Presence:
    students: int = 0
    exploring: int = 0


Listener = Callable[[Delivery], None]


class RoomStore(ABC):
    """Rooms, their ordered logs and state, presence, questions and answers. See the module docstring."""

    # Whether the store can be reached now; a broker-backed store calls `on_link(up)` when that changes.
    link_up: bool = True
    on_link: Callable[[bool], Any] | None = None
    # What the store raises while it cannot be reached (the service answers "class paused" then).
    unavailable_errors: tuple[type[Exception], ...] = ()

    async def close(self) -> None:
        """Let go of connections (at the server's shutdown)."""

    async def keep_alive(self, code: str, presenter: bool = False) -> None:
        """A process still serves this room (its heartbeat), with its presenter connected or not: a store with
        TTLs renews them; a store shared by processes renews the presenter's lease (a dead process stops)."""

    async def touch_presence(self, code: str, student_ids: list[str]) -> None:
        """These students are still connected (the heartbeat): a store with expiring presence renews it."""

    @abstractmethod
    async def allow_join(self, address: str, per_minute: int) -> bool:
        """One join attempt from `address`: within `per_minute`? (Counts across every process sharing the store.)"""

    @abstractmethod
    async def create_room(self, max_rooms: int) -> tuple[Room, str]:
        """A new room and its presenter token (the store keeps only the token's digest)."""

    @abstractmethod
    async def room(self, code: str) -> Room | None:
        """The room, or None when there is none (never was, or expired)."""

    @abstractmethod
    async def has_ended(self, code: str) -> bool:
        """Whether a room with this code existed and expired (a returning page is told the class ended)."""

    @abstractmethod
    async def set_lifecycle(self, code: str, lifecycle: Lifecycle) -> None: ...

    @abstractmethod
    async def append(self, code: str, message: dict[str, Any]) -> Delivery:
        """Give `message` the room's next seq, keep it in the bounded log and deliver it to subscribers."""

    @abstractmethod
    async def since(self, code: str, seq: int) -> list[Delivery] | None:
        """The log's frames after `seq`, in order; None when some of them are no longer kept."""

    @abstractmethod
    async def state(self, code: str) -> tuple[int, bytes | None]:
        """(state_seq, encoded state or None)."""

    @abstractmethod
    async def append_state(self, code: str, state: bytes) -> Delivery:
        """The presenter's whole shared state, as one step of the log: a `{"type": "state"}` frame gets the next
        seq and the state is kept as of that seq, together (a page that hears the frame finds the state)."""

    @abstractmethod
    async def set_flag(self, code: str, name: str, value: bool) -> None:
        """One of the room's flags ("locked", "projector")."""

    @abstractmethod
    async def subscribe(self, code: str, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every delivery of the room, in seq order; returns the unsubscribe function."""

    @abstractmethod
    async def publish_volatile(self, code: str, message: dict[str, Any], audience: str = "all") -> None:
        """Deliver a latest-wins frame (pointer, tally, presence): no seq, not logged."""

    @abstractmethod
    async def add_student(self, code: str, student_id: str) -> None: ...

    @abstractmethod
    async def known_student(self, code: str, student_id: str) -> bool: ...

    @abstractmethod
    async def seat(self, code: str, student_id: str, address: str) -> None:
        """The client address a student of the room connects from (its latest), for `seated_from`."""

    @abstractmethod
    async def seated_from(self, code: str, address: str) -> int:
        """How many students present in the room connect from `address`, in every process sharing the store."""

    @abstractmethod
    async def set_presence(self, code: str, student_id: str, exploring: bool) -> None: ...

    @abstractmethod
    async def drop_presence(self, code: str, student_id: str) -> None: ...

    @abstractmethod
    async def presence(self, code: str) -> Presence: ...

    @abstractmethod
    async def put_question(self, code: str, question: Question) -> None:
        """Store a question (new or revealed) and make it the room's current one."""

    @abstractmethod
    async def question(self, code: str, question_id: str) -> Question | None: ...

    @abstractmethod
    async def clear_question(self, code: str) -> None:
        """The room has no current question any more (its answers stay until the room ends)."""

    @abstractmethod
    async def next_question_id(self, code: str) -> str: ...

    @abstractmethod
    async def put_answer(self, code: str, question_id: str, student_id: str, answer: Answer) -> None:
        """One answer per student per question: a second one replaces the first."""

    @abstractmethod
    async def answers(self, code: str, question_id: str) -> dict[str, Answer]: ...

    @abstractmethod
    async def expire(self, code: str) -> None:
        """End the room now: it is gone, its code remembered as ended."""

    @abstractmethod
    async def expire_idle(self, idle_seconds: float) -> list[str]:
        """Expire rooms without a presenter (created or idle) for `idle_seconds`; their codes."""


@dataclass
class _MemoryRoom:
    room: Room
    log: deque[Delivery]
    state: bytes | None = None
    students: set[str] = field(default_factory=set)
    presence: dict[str, bool] = field(default_factory=dict)  # student id → exploring
    addresses: dict[str, str] = field(default_factory=dict)  # student id → client address
    questions: dict[str, Question] = field(default_factory=dict)
    answers: dict[str, dict[str, Answer]] = field(default_factory=dict)
    listeners: list[Listener] = field(default_factory=list)
    question_count: int = 0
    log_bytes: int = 0  # the log's frames


class MemoryRoomStore(RoomStore):
    """The in-process store (the default): nothing outside this process, lost when it stops. Each room keeps at
    most `log_size` commands and `room_bytes` of log and state (the oldest commands go first), and its latest
    `questions_kept` questions with their answers."""

    def __init__(self, log_size: int, clock: Callable[[], float] = time.monotonic, *, room_bytes: int = ROOM_BYTES,
                 questions_kept: int = QUESTIONS_KEPT) -> None:
        self.log_size, self.room_bytes, self.questions_kept = log_size, room_bytes, questions_kept
        self.clock = clock
        self._rooms: dict[str, _MemoryRoom] = {}
        self._ended: OrderedDict[str, None] = OrderedDict()
        self._joins: KeyedBuckets | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> MemoryRoomStore:
        return cls(settings.class_log_size, room_bytes=settings.class_room_bytes,
                   questions_kept=settings.class_questions_kept)

    async def allow_join(self, address: str, per_minute: int) -> bool:
        if self._joins is None or self._joins.burst != per_minute:
            self._joins = KeyedBuckets(per_minute / 60, per_minute, clock=self.clock)
        return self._joins.allow(address)

    def _get(self, code: str) -> _MemoryRoom:
        entry = self._rooms.get(code)
        if entry is None:
            raise StoreError("unknown_class", f"no class with code {code}")
        return entry

    async def create_room(self, max_rooms: int) -> tuple[Room, str]:
        if len(self._rooms) >= max_rooms:
            raise StoreError(
                "too_many_rooms",
                f"this server already runs {max_rooms} classes, its limit (BACKPROP_CLASS_MAX_ROOMS); "
                "end one or raise the limit",
            )
        code = new_join_code()
        while code in self._rooms or code in self._ended:
            code = new_join_code()
        token = new_presenter_token()
        room = Room(code, new_epoch(), token_digest(token), Lifecycle.CREATED, self.clock())
        self._rooms[code] = _MemoryRoom(room, deque(maxlen=self.log_size))
        return room, token

    async def room(self, code: str) -> Room | None:
        entry = self._rooms.get(code)
        return entry.room if entry else None

    async def has_ended(self, code: str) -> bool:
        return code in self._ended

    async def set_lifecycle(self, code: str, lifecycle: Lifecycle) -> None:
        entry = self._get(code)
        current = entry.room.lifecycle
        if lifecycle == current:
            return
        if lifecycle not in _TRANSITIONS[current]:
            raise StoreError("bad_transition", f"a {current.value} room cannot become {lifecycle.value}")
        entry.room = replace(entry.room, lifecycle=lifecycle, changed_at=self.clock())

    async def append(self, code: str, message: dict[str, Any]) -> Delivery:
        entry = self._get(code)
        seq = entry.room.head + 1
        delivery = Delivery(dumps({**message, "seq": seq}).decode(), seq, message["type"])
        size = len(delivery.frame)
        while entry.log and (len(entry.log) >= self.log_size
                             or entry.log_bytes + size + len(entry.state or b"") > self.room_bytes):
            entry.log_bytes -= len(entry.log.popleft().frame)
        entry.log.append(delivery)
        entry.log_bytes += size
        entry.room = replace(entry.room, head=seq)
        self._deliver(entry, delivery)
        return delivery

    async def since(self, code: str, seq: int) -> list[Delivery] | None:
        entry = self._get(code)
        if seq >= entry.room.head:
            return []
        oldest = entry.log[0].seq if entry.log else entry.room.head + 1
        if seq + 1 < oldest:
            return None
        return list(entry.log)[seq + 1 - oldest:]

    async def state(self, code: str) -> tuple[int, bytes | None]:
        entry = self._get(code)
        return entry.room.state_seq, entry.state

    async def append_state(self, code: str, state: bytes) -> Delivery:
        entry = self._get(code)
        seq = entry.room.head + 1
        entry.state = state
        entry.room = replace(entry.room, state_seq=seq)
        return await self.append(code, {"type": "state"})

    async def set_flag(self, code: str, name: str, value: bool) -> None:
        if name not in FLAGS:
            raise ValueError(f"unknown room flag {name!r}")
        entry = self._get(code)
        entry.room = replace(entry.room, **{name: value})

    async def subscribe(self, code: str, listener: Listener) -> Callable[[], None]:
        listeners = self._get(code).listeners
        listeners.append(listener)

        def unsubscribe() -> None:
            if listener in listeners:
                listeners.remove(listener)

        return unsubscribe

    async def publish_volatile(self, code: str, message: dict[str, Any], audience: str = "all") -> None:
        entry = self._rooms.get(code)
        if entry is not None:
            self._deliver(entry, Delivery(dumps(message).decode(), None, message["type"], audience))

    @staticmethod
    def _deliver(entry: _MemoryRoom, delivery: Delivery) -> None:
        for listener in list(entry.listeners):
            listener(delivery)

    async def add_student(self, code: str, student_id: str) -> None:
        self._get(code).students.add(student_id)

    async def known_student(self, code: str, student_id: str) -> bool:
        entry = self._rooms.get(code)
        return entry is not None and student_id in entry.students

    async def seat(self, code: str, student_id: str, address: str) -> None:
        self._get(code).addresses[student_id] = address

    async def seated_from(self, code: str, address: str) -> int:
        entry = self._rooms.get(code)
        return sum(1 for student in entry.presence if entry.addresses.get(student) == address) if entry else 0

    async def set_presence(self, code: str, student_id: str, exploring: bool) -> None:
        self._get(code).presence[student_id] = exploring

    async def drop_presence(self, code: str, student_id: str) -> None:
        entry = self._rooms.get(code)
        if entry is not None:
            entry.presence.pop(student_id, None)

    async def presence(self, code: str) -> Presence:
        entry = self._rooms.get(code)
        if entry is None:
            return Presence()
        return Presence(len(entry.presence), sum(entry.presence.values()))

    async def put_question(self, code: str, question: Question) -> None:
        entry = self._get(code)
        entry.questions[question.id] = question
        entry.answers.setdefault(question.id, {})
        while len(entry.questions) > self.questions_kept:
            forgotten = next(iter(entry.questions))
            del entry.questions[forgotten]
            entry.answers.pop(forgotten, None)
        entry.room = replace(entry.room, question_id=question.id)

    async def question(self, code: str, question_id: str) -> Question | None:
        entry = self._rooms.get(code)
        return entry.questions.get(question_id) if entry else None

    async def clear_question(self, code: str) -> None:
        entry = self._get(code)
        entry.room = replace(entry.room, question_id=None)

    async def next_question_id(self, code: str) -> str:
        entry = self._get(code)
        entry.question_count += 1
        return f"q{entry.question_count}"

    async def put_answer(self, code: str, question_id: str, student_id: str, answer: Answer) -> None:
        self._get(code).answers.setdefault(question_id, {})[student_id] = answer

    async def answers(self, code: str, question_id: str) -> dict[str, Answer]:
        entry = self._rooms.get(code)
        return dict(entry.answers.get(question_id, {})) if entry else {}

    async def expire(self, code: str) -> None:
        entry = self._rooms.pop(code, None)
        if entry is None:
            return
        entry.listeners.clear()
        self._ended[code] = None
        if len(self._ended) > ENDED_CODES_KEPT:
            self._ended.popitem(last=False)

    async def expire_idle(self, idle_seconds: float) -> list[str]:
        cutoff = self.clock() - idle_seconds
        expired = [
            code for code, entry in self._rooms.items()
            if entry.room.lifecycle in (Lifecycle.CREATED, Lifecycle.IDLE) and entry.room.changed_at <= cutoff
        ]
        for code in expired:
            await self.expire(code)
        return expired
