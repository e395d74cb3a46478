-- wrk script: POST the JSON body stored in the file named by $BENCH_BODY_FILE (bench/bench_trace.py sets it).
local path = os.getenv("BENCH_BODY_FILE")
local file = assert(io.open(path, "rb"), "cannot open BENCH_BODY_FILE " .. tostring(path))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
