"""The Redis store's key schema and its Lua scripts (app/classroom/redis_store.py uses them).

Keys, all under "bp:" and all with a TTL (nothing grows without bound):
- `room:{code}` hash: epoch, token digest, lifecycle, changed_at (wall clock: processes share it), head,
  state_seq, question id and count, the secret `seed` of the students' own numbers, `variants` (the preset whose
  variants students get, "" when off), `seated` (places given) and `log_bytes` (the log's frames);
  `state:{code}` the presenter's encoded state;
- `log:{code}` stream of the ordered frames, entry id "{seq}-0", trimmed to the log size and, with the state,
  to the room's bytes; `APPEND` does HINCRBY head and XADD together, so seq stays dense and in log order
  whichever process appends;
- `vol:{code}` stream of latest-wins frames (pointer, tally, presence), trimmed to a few entries;
- `students:{code}` hash, student id → place (1, 2, 3 … in order of first join; `ADD_STUDENT`);
  `addresses:{code}` hash, student id → client address; `present:{code}` / `exploring:{code}` sorted sets, score = when the student's
  presence lapses unless a heartbeat renews it (a process that dies stops renewing);
- `questions:{code}` hash; `answers:{code}:{question}` one hash per question, field = student id (HSET
  replaces: one answer per student, never read-modify-write), the TTL on the whole key (Redis 7.0 has
  no per-field expiry);
- `names:{code}` hash, student id → the name given at joining; `results:{code}` list of JSON records (one per
  answer, oldest first) and `resultsmeta:{code}` hash (presenter token digest, bytes used, records dropped):
  `RECORD` appends and drops the oldest past the byte bound. These three outlive the room: `expire` sets their
  TTL to the results' time after the end (BACKPROP_CLASS_IDLE_SECONDS) instead of deleting them;
- `rooms` sorted set of live codes (score = when the room lapses; the key's TTL is renewed with every room's),
  `ended:{code}`, `joins:{address}:{minute}`.
"""

from __future__ import annotations

PREFIX = "bp:"
ROOM_KEYS = ("room", "log", "vol", "state", "students", "addresses", "questions", "present", "exploring")  # a room's
RESULT_KEYS = ("names", "results", "resultsmeta")  # kept a while after the room ends


def key(*parts: str) -> str:
    return PREFIX + ":".join(parts)


def room_keys(code: str) -> list[str]:
    return [key(name, code) for name in ROOM_KEYS]


def result_keys(code: str) -> list[str]:
    return [key(name, code) for name in RESULT_KEYS]


# KEYS: room, students. ARGV: student id, ttl seconds. A new student takes the room's next place; a known one
# keeps theirs. Returns the place (0 when the room is gone).
ADD_STUDENT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local place = redis.call('HGET', KEYS[2], ARGV[1])
if place then return tonumber(place) end
place = redis.call('HINCRBY', KEYS[1], 'seated', 1)
redis.call('HSET', KEYS[2], ARGV[1], place)
redis.call('EXPIRE', KEYS[2], ARGV[2])
return place
"""

# The room's bound, shared by both scripts (log size in ARGV[2], bytes in ARGV[4]): after an append, the oldest
# frames go while the log is over its length, or its frames (the room hash's `log_bytes`) and the state together
# are over the bytes; the newest frame always stays. Like the in-memory store's.
TRIM = """
local function trim(room, log, state, log_size, room_bytes)
  local state_bytes = redis.call('STRLEN', state)
  while true do
    local length = redis.call('XLEN', log)
    local bytes = tonumber(redis.call('HGET', room, 'log_bytes') or '0')
    if length <= 1 or (length <= log_size and bytes + state_bytes <= room_bytes) then return end
    local oldest = redis.call('XRANGE', log, '-', '+', 'COUNT', 1)[1]
    redis.call('XDEL', log, oldest[1])
    redis.call('HINCRBY', room, 'log_bytes', -string.len(oldest[2][2]))
  end
end
"""

# KEYS: room, log, state. ARGV: frame without its closing brace, log size, ttl seconds, room bytes.
# Returns the new seq, or 0 when the room is gone.
APPEND = TRIM + """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'head', 1)
local frame = ARGV[1] .. ',"seq":' .. seq .. '}'
redis.call('XADD', KEYS[2], seq .. '-0', 'frame', frame)
redis.call('HINCRBY', KEYS[1], 'log_bytes', string.len(frame))
trim(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[2]), tonumber(ARGV[4]))
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return seq
"""

# KEYS: room, log, state. ARGV: frame without its closing brace, log size, ttl seconds, room bytes, state.
# The state frame's seq and the state as of that seq, together. Returns the seq, or 0 when the room is gone.
APPEND_STATE = TRIM + """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'head', 1)
local frame = ARGV[1] .. ',"seq":' .. seq .. '}'
redis.call('XADD', KEYS[2], seq .. '-0', 'frame', frame)
redis.call('HINCRBY', KEYS[1], 'log_bytes', string.len(frame))
redis.call('HSET', KEYS[1], 'state_seq', seq)
redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[3])
trim(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[2]), tonumber(ARGV[4]))
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return seq
"""

# KEYS: room, results, resultsmeta. ARGV: record, byte bound, ttl seconds.
# Appends the record and drops the oldest ones past the bound. Returns 1, or 0 when the room is gone.
RECORD = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
local used = redis.call('HINCRBY', KEYS[3], 'bytes', string.len(ARGV[1]))
while used > tonumber(ARGV[2]) do
  local oldest = redis.call('LPOP', KEYS[2])
  if not oldest then break end
  used = redis.call('HINCRBY', KEYS[3], 'bytes', -string.len(oldest))
  redis.call('HINCRBY', KEYS[3], 'dropped', 1)
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 1
"""

# KEYS: present, addresses. ARGV: now, address. How many students present now connect from the address.
SEATED_FROM = """
local count = 0
for _, student in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')) do
  if redis.call('HGET', KEYS[2], student) == ARGV[2] then count = count + 1 end
end
return count
"""
