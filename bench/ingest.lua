-- wrk script: POST every pre-generated batch exactly once, then stop.
--   wrk -t N -c N -d MAX -s bench/ingest.lua URL -- BATCH_DIR NBATCHES TOKEN N DONE_FILE
-- Run with as many threads as connections: thread k (0-based) sends
-- batches k, k+N, k+2N, ... over its one connection, one at a time, and
-- stops after the answer to its last one (an answer comes after commit).
-- The last thread to finish interrupts wrk (SIGINT, which ends its sleep
-- of -d seconds), so the run lasts as long as the ingest does. The figure
-- reported is from the first request sent to the last answer received,
-- on the monotonic clock.

local common = dofile("bench/wrk.lua")
local now_us = common.now_us

setup = common.setup
local threads = common.threads

local bodies = {}
local health
local next_i = 1
local answered = 0
local nthreads, done_file
-- wrk calls request() once on thread 0 before the run, to count the
-- requests in it (script_verify_request): that call must not use a batch.
local probed = false
ok, bad, accepted, duplicates = 0, 0, 0, 0
first_bad = ""
started_us, finished_us = 0, 0

function init(args)
	local dir, total, token = args[1], tonumber(args[2]), args[3]
	nthreads, done_file = tonumber(args[4]), args[5]
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["Authorization"] = "Bearer " .. token
	for b = tid, total - 1, nthreads do
		local f = assert(io.open(string.format("%s/%05d.json", dir, b), "rb"))
		table.insert(bodies, wrk.format("POST", "/v1/events", nil, f:read("*a")))
		f:close()
	end
	health = wrk.format("GET", "/healthz", {}, nil)
end

function request()
	if tid == 0 and not probed then
		probed = true
		return health
	end
	local r = bodies[next_i]
	if r == nil then
		-- Asked again after the last answer, before the thread stopped:
		-- a cheap request that is never counted.
		return health
	end
	if next_i == 1 then
		started_us = now_us()
	end
	next_i = next_i + 1
	return r
end

function response(status, headers, body)
	answered = answered + 1
	if answered > #bodies then
		return
	end
	if status == 200 then
		ok = ok + 1
		accepted = accepted + tonumber(body:match('"accepted":%s*(%d+)') or 0)
		duplicates = duplicates + tonumber(body:match('"duplicates":%s*(%d+)') or 0)
	else
		bad = bad + 1
		if first_bad == "" then
			first_bad = status .. " " .. body:sub(1, 300)
		end
	end
	if answered == #bodies then
		finished_us = now_us()
		common.finish(done_file, nthreads)
	end
end

function done(summary, latency, requests)
	local o, b, a, d, first, last = 0, 0, 0, 0, math.huge, 0
	local fb = ""
	for _, t in ipairs(threads) do
		o = o + t:get("ok")
		b = b + t:get("bad")
		a = a + t:get("accepted")
		d = d + t:get("duplicates")
		local s, f = t:get("started_us"), t:get("finished_us")
		if s > 0 and s < first then first = s end
		if f > last then last = f end
		if fb == "" then fb = t:get("first_bad") end
	end
	io.write(string.format("INGEST ok=%d bad=%d accepted=%d duplicates=%d " ..
	    "duration_us=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
	    o, b, a, d, last - first, latency:percentile(50) / 1000,
	    latency:percentile(99) / 1000, latency.max / 1000))
	if fb ~= "" then
		io.write("INGEST first error: " .. fb .. "\n")
	end
end
