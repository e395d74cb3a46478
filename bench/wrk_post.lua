-- wrk script: POST the JSON bodies in the file named by $BENCH_BODY_FILE, one per line, in turn
-- (bench/bench_trace.py writes it; one line means the same body every time).
local path = os.getenv("BENCH_BODY_FILE")
local file = assert(io.open(path, "rb"), "cannot open BENCH_BODY_FILE " .. tostring(path))
local bodies = {}
for line in file:lines() do
  if #line > 0 then bodies[#bodies + 1] = line end
end
file:close()
assert(#bodies > 0, "no body in BENCH_BODY_FILE " .. path)

local headers = { ["Content-Type"] = "application/json" }
local next_body = 0

request = function()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", nil, headers, bodies[next_body])
end
