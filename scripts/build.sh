#!/usr/bin/env bash
# Build the single ampmeter executable with kodev (Debian's kore package).
# kodev wants the project directory to be named like conf/<name>.conf, so
# the build runs in build/ampmeter, which links back to the sources.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

stage=build/ampmeter
mkdir -p "$stage/conf" "$stage/assets" src/gen
ln -sfn "$top/src" "$stage/src"
ln -sfn "$top/conf/ampmeter.conf" "$stage/conf/ampmeter.conf"
ln -sfn "$top/conf/build.conf" "$stage/conf/build.conf"
cmp -s openapi.yaml "$stage/assets/openapi.yaml" ||
	cp openapi.yaml "$stage/assets/openapi.yaml"

# The schema this build expects; /readyz compares it with the database's.
version=$(scripts/schema-version.sh)
header="#define AMP_SCHEMA_VERSION \"$version\""
if [ ! -f src/gen/schema.h ] || [ "$(cat src/gen/schema.h)" != "$header" ]; then
	echo "$header" > src/gen/schema.h
fi

# The web assets (dashboard, API reference) are bundled from web/ with the
# npm packages package-lock.json pins, into src/gen/assets.c.
lock=$(sha256sum < package-lock.json)
if [ "$(cat node_modules/.lock.sum 2>/dev/null)" != "$lock" ]; then
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
	echo "$lock" > node_modules/.lock.sum
fi
node web/build.mjs

# kodev rebuilds a .c file when it changed, not when a header it includes
# did: when any header changes, every object is rebuilt.
headers=$(cat src/*.h src/core/*.h src/gen/*.h | sha256sum)
if [ "$(cat "$stage/headers.sum" 2>/dev/null)" != "$headers" ]; then
	rm -rf "$stage/.objs"
	echo "$headers" > "$stage/headers.sum"
fi

if ! (cd "$stage" && kodev build > build.log 2>&1); then
	grep -v '^compiling\|^building\|^adding\|^nothing to be done' \
	    "$stage/build.log" >&2 || true
	echo "build failed (full log: $stage/build.log)" >&2
	exit 1
fi
cp -f "$stage/ampmeter" ampmeter
echo "built ./ampmeter (schema version $version)"
