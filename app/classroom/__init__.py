"""Classroom mode, server side: a presenter drives, every student's page follows, the class answers questions.

- `store`: the room-store interface and its in-process implementation (rooms, ordered command log, state,
  presence, questions and answers); a Redis-backed store can replace it (see its docstring).
- `service`: one process's side of a class, the routes' entry point; it composes `admission` (who may join),
  `catchup` (welcome, missed frames, snapshots), `handlers` (what each message does), `rooms` (this
  process's sessions and fan-out; latest-wins frames through `throttle`) and `heartbeat` (expiry, beats).
- `redis_store`: the store in Redis; `redis_keys` its key schema and Lua scripts, `redis_reader` the
  reader loop of each room, `codecs` questions and answers as bytes.
- `fanout`: one connection's bounded queue and sender task.
- `protocol`: the messages on the wire (docs/contract.md, "Classroom protocol").
- `questions`: question kinds, answer checks and tallies (pure).
- `http` / `ws`: the HTTP routes and the WebSocket endpoint.
- `addresses`: which address students can reach; `tokens`: codes, tokens and ids; `ratelimit`: token buckets.
"""
