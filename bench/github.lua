-- wrk script: one request per delivery, every one with a new id.
--   wrk ... -s bench/github.lua URL -- hook ITEMS_FILE ORG RUN
--       GitHub deliveries, round-robin over ITEMS_FILE (lines of
--       event TAB X-Hub-Signature-256 TAB body), signed, JSON.
--   wrk ... -s bench/github.lua URL -- events TOKEN[,TOKEN...] RUN
--       the baseline: POST /v1/events with a batch of one event, each
--       thread as the org of its own token (each org has a request limit).
-- RUN makes the ids of one run unlike any other's.

local common = dofile("bench/wrk.lua")

setup = common.setup

local mode, items, path, token, run
local n = 0

function init(args)
	mode = args[1]
	if mode == "hook" then
		items = {}
		for line in io.lines(args[2]) do
			local ev, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
			items[#items + 1] = { ev, sig, body }
		end
		path = "/v1/hooks/github/" .. args[3]
		run = args[4]
	else
		local tokens = {}
		for t in args[2]:gmatch("[^,]+") do
			tokens[#tokens + 1] = t
		end
		token = tokens[tid % #tokens + 1]
		run = args[3]
	end
end

function request()
	n = n + 1
	local id = string.format("%s-%d-%d", run, tid, n)
	if mode == "hook" then
		local it = items[(n + tid * 37) % #items + 1]
		return wrk.format("POST", path, {
			["Content-Type"] = "application/json",
			["X-GitHub-Event"] = it[1],
			["X-GitHub-Delivery"] = id,
			["X-Hub-Signature-256"] = it[2],
		}, it[3])
	end
	return wrk.format("POST", "/v1/events", {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. token,
	}, string.format('{"events":[{"id":"%s","member":"github:m%d",'
	    .. '"channel":"github:octo-org/octo-repo","action":"issues.opened",'
	    .. '"kind":"create","occurred_at":"2019-05-15T15:20:33Z",'
	    .. '"initiative":"self","rewarded":false,"beneficiary":"community"}]}',
	    id, n % 500))
end
