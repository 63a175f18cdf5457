-- wrk script: GET one path with a bearer token, counting answers by status.
--   wrk -t N -c N -d SECS -s bench/count.lua URL -- PATH TOKENS [ETAGS] [ENCODING]
-- One connection per thread (-t N -c N). TOKENS is a comma-separated list:
-- thread k (0-based) asks as the org of token k mod their count, with
-- If-None-Match: the ETag at the same place in ETAGS when given ("-" for
-- none), and Accept-Encoding: ENCODING when given. Prints one line:
-- GET requests= requests_per_s= p50_ms= p99_ms= statuses=CODE:COUNT,...

local common = dofile("bench/wrk.lua")

setup = common.setup
local threads = common.threads

statuses = {}

local split = common.split

function init(args)
	local tokens = split(args[2])
	local k = tid % #tokens + 1
	local headers = { Authorization = "Bearer " .. tokens[k] }
	if args[3] ~= nil and args[3] ~= "-" then
		headers["If-None-Match"] = split(args[3])[k]
	end
	if args[4] ~= nil then
		headers["Accept-Encoding"] = args[4]
	end
	-- The same request every time: formatted once.
	req = wrk.format("GET", args[1], headers, nil)
end

function request()
	return req
end

function response(status, headers, body)
	local code = tostring(status)
	statuses[code] = (statuses[code] or 0) + 1
end

function done(summary, latency, reqs)
	local st = {}
	for _, t in ipairs(threads) do
		for code, n in pairs(t:get("statuses")) do
			st[code] = (st[code] or 0) + n
		end
	end
	local codes = {}
	for code, n in pairs(st) do
		table.insert(codes, code .. ":" .. n)
	end
	table.sort(codes)
	io.write(string.format("GET requests=%d requests_per_s=%.1f " ..
	    "p50_ms=%.1f p99_ms=%.1f statuses=%s\n", summary.requests,
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    table.concat(codes, ",")))
end
