-- wrk script: POST /v1/events batches of new events, built as they are sent
-- from bench/fragments.py's templates, for as long as wrk runs (-d) or
-- until each thread has sent BATCHES of them.
--   wrk -t N -c N -d SECS --timeout 60s -s bench/live.lua URL -- \
--       FRAGMENTS TOKENS SPAN_S EPS BATCH BATCHES PREFIX DEADLINE_MS N DONE_FILE
-- One connection per thread (-t N -c N). TOKENS is a comma-separated list:
-- thread k (0-based) sends as the org of token k mod their count. Each
-- event is a random template with a new id (PREFIX, thread, batch, index),
-- a member drawn as the templates' first line says, and an occurred_at
-- spread over the SPAN_S seconds before it is sent. EPS > 0 paces the
-- whole run at about EPS events/s (each thread at its share; a thread that
-- falls behind sends at once, never more than one batch early); 0 sends as
-- fast as the answers come. With BATCHES > 0 the last thread to finish
-- interrupts wrk (SIGINT), as in ingest.lua; DONE_FILE counts finishers.
-- Prints one line: LIVE requests= events= duplicates= duration_us= p50_ms=
-- p99_ms= max_ms= over_deadline= statuses=CODE:COUNT,... (over_deadline:
-- answers that took longer than DEADLINE_MS from the moment the batch was
-- handed to wrk), and the first answer that was not a 200.

local common = dofile("bench/wrk.lua")
local now_ms = common.now_ms

setup = common.setup
local threads = common.threads

local frags = {}
local members, skew, member_fmt
local span, batch, batches, prefix, deadline, nthreads, done_file
local interval, next_at = 0, 0
local health
local probed = false
local sent, answered, sent_at = 0, 0, 0
-- Read by done() through thread:get.
requests, events, duplicates, over_deadline = 0, 0, 0, 0
statuses = {}
first_bad = ""
started_ms, finished_ms = 0, 0

local split = common.split

function init(args)
	local f = assert(io.open(args[1], "r"))
	local meta = f:read("*l")
	members = tonumber(meta:match('"members":%s*(%d+)'))
	skew = tonumber(meta:match('"skew":%s*([%d.]+)'))
	member_fmt = meta:match('"format":%s*"([^"]*)"')
	for line in f:lines() do
		table.insert(frags, line)
	end
	f:close()
	local tokens = split(args[2])
	span = tonumber(args[3])
	local eps = tonumber(args[4])
	batch = tonumber(args[5])
	batches = tonumber(args[6])
	prefix = args[7]
	deadline = tonumber(args[8])
	nthreads = tonumber(args[9])
	done_file = args[10]
	if eps > 0 then
		interval = 1000 * nthreads * batch / eps
	end
	math.randomseed(os.time() * 1000 + tid)
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["Authorization"] = "Bearer " .. tokens[tid % #tokens + 1]
	health = wrk.format("GET", "/healthz", {}, nil)
end

local function make_batch()
	local parts = {}
	local now = os.time()
	for i = 1, batch do
		local frag = frags[math.random(#frags)]
		local id = string.format("%s%d-%d-%d", prefix, tid, sent, i)
		local member = string.format(member_fmt,
		    math.floor(members * math.random() ^ skew))
		local at = os.date("!%Y-%m-%dT%H:%M:%SZ",
		    now - math.floor(math.random() * span))
		parts[i] = string.format(frag, id, member, at)
	end
	return '{"events":[' .. table.concat(parts, ",") .. ']}'
end

function delay()
	if interval == 0 then
		return 0
	end
	local now = now_ms()
	next_at = math.max(next_at + interval, now - interval)
	return math.max(0, next_at - now)
end

function request()
	-- wrk calls request() once on thread 0 before the run, to count the
	-- requests in it (script_verify_request): that one is never sent.
	if tid == 0 and not probed then
		probed = true
		return health
	end
	if batches > 0 and sent >= batches then
		-- Asked again after the last answer, before the thread stopped.
		return health
	end
	local body = make_batch()
	sent = sent + 1
	sent_at = now_ms()
	if started_ms == 0 then
		started_ms = sent_at
		next_at = sent_at
	end
	return wrk.format("POST", "/v1/events", nil, body)
end

function response(status, headers, body)
	answered = answered + 1
	if answered > sent then
		return		-- a /healthz after the last batch
	end
	local took = now_ms() - sent_at
	requests = requests + 1
	finished_ms = now_ms()
	local code = tostring(status)
	statuses[code] = (statuses[code] or 0) + 1
	if took > deadline then
		over_deadline = over_deadline + 1
	end
	if status == 200 then
		events = events + tonumber(body:match('"accepted":%s*(%d+)') or 0)
		duplicates = duplicates +
		    tonumber(body:match('"duplicates":%s*(%d+)') or 0)
	elseif first_bad == "" then
		first_bad = status .. " " .. body:sub(1, 300)
	end
	if batches > 0 and answered == batches then
		common.finish(done_file, nthreads)
	end
end

function done(summary, latency, reqs)
	local r, e, d, o, first, last = 0, 0, 0, 0, math.huge, 0
	local st, fb = {}, ""
	for _, t in ipairs(threads) do
		r = r + t:get("requests")
		e = e + t:get("events")
		d = d + t:get("duplicates")
		o = o + t:get("over_deadline")
		for code, n in pairs(t:get("statuses")) do
			st[code] = (st[code] or 0) + n
		end
		local s, f = t:get("started_ms"), t:get("finished_ms")
		if s > 0 and s < first then first = s end
		if f > last then last = f end
		if fb == "" then fb = t:get("first_bad") end
	end
	local codes = {}
	for code, n in pairs(st) do
		table.insert(codes, code .. ":" .. n)
	end
	table.sort(codes)
	io.write(string.format("LIVE requests=%d events=%d duplicates=%d " ..
	    "duration_us=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f " ..
	    "over_deadline=%d statuses=%s\n", r, e, d,
	    last > first and (last - first) * 1000 or 0,
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    latency.max / 1000, o, table.concat(codes, ",")))
	if fb ~= "" then
		io.write("LIVE first error: " .. fb .. "\n")
	end
end
