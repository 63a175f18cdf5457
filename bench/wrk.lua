-- Shared by the wrk scripts (dofile("bench/wrk.lua"); wrk runs from the
-- repository's top): numbering the threads (setup = common.setup; thread k
-- gets tid = k, and common.threads lists them for done()), splitting a
-- comma-separated argument, the monotonic clock, and stopping wrk early
-- (SIGINT to itself ends its sleep of -d seconds once the work is done).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } amp_timespec;
int clock_gettime(int clk, amp_timespec *tp);
int getpid(void);
int kill(int pid, int sig);
]]
local CLOCK_MONOTONIC, SIGINT = 1, 2
local ts = ffi.new("amp_timespec")

local common = {}

common.threads = {}
local counter = 0

function common.setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
	table.insert(common.threads, thread)
end

function common.split(s)
	local out = {}
	for v in string.gmatch(s, "[^,]+") do
		table.insert(out, v)
	end
	return out
end

function common.now_us()
	ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
	return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

function common.now_ms()
	return common.now_us() / 1e3
end

function common.stop_wrk()
	ffi.C.kill(ffi.C.getpid(), SIGINT)
end

-- This thread is done: it stops, and the last of NTHREADS to get here
-- (each adds a byte to DONE_FILE) stops wrk.
function common.finish(done_file, nthreads)
	wrk.thread:stop()
	local f = assert(io.open(done_file, "a"))
	f:write("x")
	f:flush()
	local n = f:seek("end")
	f:close()
	if n >= nthreads then
		common.stop_wrk()
	end
end

return common
