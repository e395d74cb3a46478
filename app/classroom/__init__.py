"""Classroom mode, server side: a presenter drives, every student's page follows, the class answers questions.

- `store`: the room-store interface and its in-process implementation (rooms, ordered command log, state,
  presence, questions and answers); a Redis-backed store can replace it (see its docstring).
- `service`: one process's side of a class: sessions, local fan-out, heartbeats, expiry.
- `fanout`: one connection's bounded queue and sender task.
- `protocol`: the messages on the wire (docs/contract.md, "Classroom protocol").
- `questions`: question kinds, answer checks and tallies (pure).
- `http` / `ws`: the HTTP routes and the WebSocket endpoint.
- `addresses`: which address students can reach; `tokens`: codes, tokens and ids; `ratelimit`: token buckets.
"""
