"""Who may join a room: the hello's room, the presenter's token, a student's id, join rates and room size."""

from __future__ import annotations

from app.classroom import protocol
from app.classroom.protocol import Hello, Refused
from app.classroom.ratelimit import Cooldowns
from app.classroom.rooms import LocalRooms
from app.classroom.store import Room, RoomStore
from app.classroom.tokens import new_student_id, normalize_join_code, token_matches
from app.settings import Settings


class Admission:
    def __init__(self, settings: Settings, store: RoomStore, rooms: LocalRooms) -> None:
        self.settings, self.store, self.rooms = settings, store, rooms
        self._limited = Cooldowns()  # addresses refused a join just now
        self._rate_closed = Cooldowns()  # students closed for their rate: their next reconnect is a join

    async def join_allowed(self, address: str) -> bool:
        """A join attempt from `address` (a code lookup, a new student): within BACKPROP_CLASS_JOINS_PER_MINUTE?
        Counted in the store, so the limit holds across every process sharing it."""
        per_minute = self.settings.class_joins_per_minute
        if await self.store.allow_join(address, per_minute):
            return True
        self._limited.start(address, 60 / per_minute)
        return False

    def closed_for_rate(self, student_id: str) -> None:
        """A student's socket was closed for its rate: reconnecting within a minute costs a join (a flood
        cannot go on through reconnects)."""
        self._rate_closed.start(student_id, 60)

    def join_limited(self, address: str) -> bool:
        """Whether `address` was refused a join just now: every lookup from it is then answered 429 alike."""
        return self._limited.active(address)

    def join_refusal(self) -> str:
        return (f"too many join attempts from this address (limit {self.settings.class_joins_per_minute} a minute, "
                "BACKPROP_CLASS_JOINS_PER_MINUTE); wait a little and try again")

    async def admit(self, hello: Hello, address: str) -> tuple[Room, str | None]:
        """The hello's room and the student's id (None for the presenter); Refused when it cannot join."""
        room = await self._room_for(hello, address)
        if hello.role == "presenter":
            if not token_matches(hello.token or "", room.token_digest):
                await self.join_allowed(address)  # a wrong token uses up one of the address's join attempts
                raise Refused("bad_token", "this is not the class's presenter token", protocol.CLOSE_BAD_TOKEN, "token")
            return room, None
        return room, await self._admit_student(room, hello, address)

    async def _room_for(self, hello: Hello, address: str) -> Room:
        code = normalize_join_code(hello.code)
        room = await self.store.room(code) if code else None
        if room is not None:
            return room
        # A miss is a join attempt whatever the hello says, so codes cannot be probed faster than joins.
        if not await self.join_allowed(address):
            raise Refused("rate_limited", self.join_refusal(), protocol.CLOSE_RATE_LIMITED)
        if code and (hello.epoch is not None or await self.store.has_ended(code)):
            # A page that was in a class (it knows an epoch) or a code that existed: the class is over.
            raise Refused("class_ended", "this class has ended (or the server was restarted)", protocol.CLOSE_ENDED)
        raise Refused("unknown_class", f"no class with code {hello.code.strip().upper()[:16]!r}: check the code",
                      protocol.CLOSE_UNKNOWN_CLASS, "code")

    async def _admit_student(self, room: Room, hello: Hello, address: str) -> str:
        """A known student's id back (a reconnect, not a join), or a new one; within the room's caps either way."""
        known = hello.student_id is not None and await self.store.known_student(room.code, hello.student_id)
        costs_a_join = not known or self._rate_closed.active(hello.student_id or "")
        if costs_a_join and not await self.join_allowed(address):
            raise Refused("rate_limited", self.join_refusal(), protocol.CLOSE_RATE_LIMITED)
        local = self.rooms.get(room.code)
        if not (known and local is not None and hello.student_id in local.students):  # not a reload: a new seat
            presence = await self.store.presence(room.code)
            limit = self.settings.class_max_students
            if presence.students >= limit:
                raise Refused("room_full", f"this class is full ({limit} students, BACKPROP_CLASS_MAX_STUDENTS)",
                              protocol.CLOSE_ROOM_FULL)
            await self._check_seats_of(room.code, address)
        student_id = hello.student_id if known and hello.student_id else new_student_id()
        if not known:
            await self.store.add_student(room.code, student_id)
        await self.store.seat(room.code, student_id, address)
        return student_id

    async def _check_seats_of(self, code: str, address: str) -> None:
        """One address seats at most BACKPROP_CLASS_JOINS_PER_MINUTE students in a room (no room of fakes), counted
        in the store: in every process that serves the room."""
        limit = self.settings.class_joins_per_minute
        if await self.store.seated_from(code, address) >= limit:
            raise Refused("room_full", f"{limit} students of this class already connect from this address "
                          "(BACKPROP_CLASS_JOINS_PER_MINUTE; behind a NAT, raise it to the hall's size)",
                          protocol.CLOSE_ROOM_FULL)
