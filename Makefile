# ampmeter — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash

PORT ?= 8080
PGPORT ?= 5499
ORG ?= demo
SCOPES ?= events:write events:read indicators:read surveys:write admin
TTL ?= 86400

# DEVELOPMENT DEFAULT ONLY: the HS256 secret `make run`, `make test` and
# `make token` use when none is given. Never deploy with it.
AMP_JWT_SECRET ?= ampmeter-development-secret-not-for-production
export AMP_JWT_SECRET PORT PGPORT

.PHONY: all build run demo test test-citus unit api lint ts fuzz bench \
	bench-citus token stop clean

all: build

build:
	@scripts/deps.sh build
	@scripts/build.sh

run:
	@scripts/run.sh

# Erase org "demo" and load the demo community again (into the ampmeter
# serving on PORT if there is one, else as `make run` does, then serve).
demo:
	@AMP_DEMO=reload scripts/run.sh

test:
	@scripts/test.sh

# The API tests against a Citus coordinator with two workers (Citus is
# built from ../shared/vendor the first time).
test-citus:
	@scripts/test.sh citus

# Parts of `make test`, for quicker loops.
unit:
	@scripts/test.sh unit
api:
	@scripts/test.sh api
lint:
	@scripts/test.sh lint
ts:
	@scripts/test.sh ts

# libFuzzer targets of tests/fuzz, FUZZ_SECONDS each (`make test` runs 10).
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

bench:
	@scripts/deps.sh build db bench
	@scripts/build.sh
	@bench/run.sh

# ampmeter on a Citus coordinator with two workers against plain
# PostgreSQL, same machine (bench/sections/citus.sh): ingest CPU per event
# and the 90-day indicators p95.
BENCH_CITUS_EVENTS ?= 50000
BENCH_CITUS_ROUNDS ?= 3
bench-citus:
	@scripts/deps.sh build db bench citus
	@scripts/build.sh
	@BENCH_EVENTS=$(BENCH_CITUS_EVENTS) BENCH_ROUNDS=$(BENCH_CITUS_ROUNDS) \
	    BENCH_RESULTS=bench/results-citus.md bench/run.sh citus

token:
	@scripts/token.sh "$(ORG)" "$(SCOPES)" "$(TTL)"

stop:
	@scripts/pg.sh stop var/pg

clean:
	rm -rf build ampmeter src/gen
