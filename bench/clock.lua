-- Shared by the wrk scripts (dofile("bench/clock.lua"); wrk runs from the
-- repository's top): the monotonic clock, and stopping wrk early (SIGINT
-- to itself ends its sleep of -d seconds once the work is done).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } amp_timespec;
int clock_gettime(int clk, amp_timespec *tp);
int getpid(void);
int kill(int pid, int sig);
]]
local CLOCK_MONOTONIC, SIGINT = 1, 2
local ts = ffi.new("amp_timespec")

local clock = {}

function clock.now_us()
	ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
	return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

function clock.now_ms()
	return clock.now_us() / 1e3
end

function clock.stop_wrk()
	ffi.C.kill(ffi.C.getpid(), SIGINT)
end

return clock
