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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from app.classroom.issued import IssuedCodes
from app.classroom.questions import Answer, Question
from app.classroom.ratelimit import KeyedBuckets
from app.classroom.tokens import new_epoch, new_join_code, new_presenter_token, new_seed, token_digest
from app.settings import Settings
from app.web.json import dumps

FLAGS = ("locked", "projector")  # a room's flags (`set_flag`), fields of Room
QUESTIONS_KEPT = 20  # per room, the latest (BACKPROP_CLASS_QUESTIONS_KEPT)
ROOM_BYTES = 32 * 1024 * 1024  # a room's log and state (BACKPROP_CLASS_ROOM_BYTES)
RESULTS_BYTES = 4 * 1024 * 1024  # a room's results log (BACKPROP_CLASS_RESULTS_BYTES)
RESULTS_SECONDS = 1800  # how long results and names outlive the room (BACKPROP_CLASS_IDLE_SECONDS)


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
    seed: str = field(default="", repr=False)  # secret: draws each student's own numbers; never in a frame
    variants: str = ""  # the preset whose variants every student gets ("each student their own numbers"); "" off


@dataclass(frozen=True)
class Delivery:
    """One frame for a room's connections, encoded once: `seq` for the ordered log, None for volatile ones."""

    frame: str
    seq: int | None = None
    kind: str = ""  # the frame's "type"
    audience: str = "all"  # "all" or "presenters"


@dataclass(frozen=True)
class Results:
    """A room's results log, as the presenter downloads it (during the class and for a while after it)."""

    token_digest: bytes  # the presenter's: only they may read it
    records: list[bytes]  # JSON records (app/classroom/results.py), oldest first
    names: dict[str, str]  # student id → the name given at joining
    dropped: int = 0  # the oldest records let go to stay within the byte bound
    ended: bool = False


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
        """Whether a room with this code existed and has ended, in the last ENDED_SECONDS (app/classroom/issued.py),
        before a restart of the server too: a page with that code is told the class ended, not "no such class"."""

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
    async def add_student(self, code: str, student_id: str) -> None:
        """A new student of the room: it gets the room's next place (1, 2, 3 … in order of first join), kept
        as long as the room."""

    @abstractmethod
    async def places(self, code: str) -> dict[str, int]:
        """Student id → place, for every student who joined the room."""

    async def place(self, code: str, student_id: str) -> int | None:
        """The student's place in the room (None: not one of its students)."""
        return (await self.places(code)).get(student_id)

    @abstractmethod
    async def set_variants(self, code: str, preset_id: str) -> None:
        """Each student their own numbers of `preset_id` ("" turns it off)."""

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
    async def set_name(self, code: str, student_id: str, name: str) -> None:
        """The name a student gave ("" for none): kept with the room's results, as long as they are."""

    @abstractmethod
    async def names(self, code: str) -> dict[str, str]:
        """Student id → name, for the students who gave one."""

    @abstractmethod
    async def name(self, code: str, student_id: str) -> str:
        """One student's name ("" for none): a welcome asks for one, not the whole class's."""

    @abstractmethod
    async def record_result(self, code: str, record: bytes) -> None:
        """Append one record to the room's results log; past the byte bound the oldest records go first."""

    @abstractmethod
    async def results(self, code: str) -> Results | None:
        """The room's results log, while the room lives and for `results_seconds` after it ends; else None."""

    @abstractmethod
    async def expire(self, code: str) -> None:
        """End the room now: it is gone, its code remembered as ended (its results kept `results_seconds`)."""

    @abstractmethod
    async def expire_idle(self, idle_seconds: float) -> list[str]:
        """Expire rooms without a presenter (created or idle) for `idle_seconds`; their codes."""


@dataclass
class _MemoryRoom:
    room: Room
    log: deque[Delivery]
    state: bytes | None = None
    students: dict[str, int] = field(default_factory=dict)  # student id → place
    presence: dict[str, bool] = field(default_factory=dict)  # student id → exploring
    addresses: dict[str, str] = field(default_factory=dict)  # student id → client address
    questions: dict[str, Question] = field(default_factory=dict)
    answers: dict[str, dict[str, Answer]] = field(default_factory=dict)
    listeners: list[Listener] = field(default_factory=list)
    question_count: int = 0
    log_bytes: int = 0  # the log's frames


@dataclass
class _MemoryResults:
    token_digest: bytes
    records: deque[bytes] = field(default_factory=deque)
    names: dict[str, str] = field(default_factory=dict)
    size: int = 0
    dropped: int = 0
    until: float | None = None  # set when the room ends


class MemoryRoomStore(RoomStore):
    """The in-process store (the default): nothing outside this process, lost when it stops. Each room keeps at
    most `log_size` commands and `room_bytes` of log and state (the oldest commands go first), its latest
    `questions_kept` questions with their answers, and `results_bytes` of results (kept `results_seconds` after
    the room ends)."""

    def __init__(self, log_size: int, clock: Callable[[], float] = time.monotonic, *, room_bytes: int = ROOM_BYTES,
                 questions_kept: int = QUESTIONS_KEPT, issued: IssuedCodes | None = None,
                 results_bytes: int = RESULTS_BYTES, results_seconds: float = RESULTS_SECONDS) -> None:
        self.log_size, self.room_bytes, self.questions_kept = log_size, room_bytes, questions_kept
        self.results_bytes, self.results_seconds = results_bytes, results_seconds
        self.clock = clock
        self._rooms: dict[str, _MemoryRoom] = {}
        # Every code issued lately, live or not: one that is not live has ended (here, or before a restart).
        self._issued = issued if issued is not None else IssuedCodes(None)
        self._results: dict[str, _MemoryResults] = {}
        self._joins: KeyedBuckets | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> MemoryRoomStore:
        return cls(settings.class_log_size, room_bytes=settings.class_room_bytes,
                   questions_kept=settings.class_questions_kept, issued=IssuedCodes.in_dir(settings.state_dir),
                   results_bytes=settings.class_results_bytes, results_seconds=settings.class_idle_seconds)

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
        while code in self._rooms or self._issued.knows(code):
            code = new_join_code()
        self._issued.write(code)
        token = new_presenter_token()
        room = Room(code, new_epoch(), token_digest(token), Lifecycle.CREATED, self.clock(), seed=new_seed())
        self._rooms[code] = _MemoryRoom(room, deque(maxlen=self.log_size))
        self._results[code] = _MemoryResults(room.token_digest)
        return room, token

    async def room(self, code: str) -> Room | None:
        entry = self._rooms.get(code)
        return entry.room if entry else None

    async def has_ended(self, code: str) -> bool:
        return code not in self._rooms and self._issued.knows(code)

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
        students = self._get(code).students
        students.setdefault(student_id, len(students) + 1)

    async def places(self, code: str) -> dict[str, int]:
        entry = self._rooms.get(code)
        return dict(entry.students) if entry else {}

    async def set_variants(self, code: str, preset_id: str) -> None:
        entry = self._get(code)
        entry.room = replace(entry.room, variants=preset_id)

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

    async def set_name(self, code: str, student_id: str, name: str) -> None:
        self._get(code)
        names = self._results[code].names
        if name:
            names[student_id] = name
        else:
            names.pop(student_id, None)

    async def names(self, code: str) -> dict[str, str]:
        results = self._live_results(code)
        return dict(results.names) if results else {}

    async def name(self, code: str, student_id: str) -> str:
        results = self._live_results(code)
        return results.names.get(student_id, "") if results else ""

    async def record_result(self, code: str, record: bytes) -> None:
        self._get(code)
        results = self._results[code]
        results.records.append(record)
        results.size += len(record)
        while results.size > self.results_bytes and results.records:
            results.size -= len(results.records.popleft())
            results.dropped += 1

    async def results(self, code: str) -> Results | None:
        results = self._live_results(code)
        if results is None:
            return None
        return Results(results.token_digest, list(results.records), dict(results.names), results.dropped,
                       results.until is not None)

    def _live_results(self, code: str) -> _MemoryResults | None:
        """A room's results unless their time after the room's end is over (then they are deleted)."""
        results = self._results.get(code)
        if results is not None and results.until is not None and results.until <= self.clock():
            del self._results[code]
            return None
        return results

    async def expire(self, code: str) -> None:
        entry = self._rooms.pop(code, None)
        if entry is None:
            return
        if code in self._results:
            self._results[code].until = self.clock() + self.results_seconds
        entry.listeners.clear()
        self._issued.write(code)

    async def expire_idle(self, idle_seconds: float) -> list[str]:
        cutoff = self.clock() - idle_seconds
        expired = [
            code for code, entry in self._rooms.items()
            if entry.room.lifecycle in (Lifecycle.CREATED, Lifecycle.IDLE) and entry.room.changed_at <= cutoff
        ]
        for code in expired:
            await self.expire(code)
        for code in [code for code, results in self._results.items() if results.until is not None]:
            self._live_results(code)  # results past their time after the room's end go
        return expired
