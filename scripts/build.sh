#!/usr/bin/env bash
# Build the single ampmeter executable with kodev (Debian's kore package).
# kodev wants the project directory to be named like conf/<name>.conf, so
# the build runs in build/ampmeter, which links back to the sources.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

stage=build/ampmeter
mkdir -p "$stage/conf" "$stage/assets" src/gen

# Kore is built from a copy of Debian's sources (/usr/share/kore) with
# patches/kore/*.patch applied in order (see the header of each patch).
# conf/build.conf names the copy (kore_source=../kore-src: kodev resolves it
# from $stage). The copy is remade only when the patches or the kore
# package change, and Kore's objects with it.
kore_pkg=/usr/share/kore
kore_src=build/kore-src
stamp=$( (dpkg-query -W -f='${Version}' kore 2>/dev/null || cat "$kore_pkg/RELEASE"
	cat patches/kore/*.patch) | sha256sum | cut -d' ' -f1)
if [ ! -f "$kore_src/.patched" ] || [ "$(cat "$kore_src/.patched")" != "$stamp" ]; then
	rm -rf "$kore_src" "$kore_src.new" "$stage/.objs"
	# cp -r, not -a: fresh times, so make rebuilds every object.
	cp -r "$kore_pkg" "$kore_src.new"
	for p in patches/kore/*.patch; do
		[ -e "$p" ] || continue
		if ! patch -d "$kore_src.new" -p1 -s --no-backup-if-mismatch \
		    -r - < "$p"; then
			echo "build: $p does not apply to $kore_pkg" >&2
			exit 1
		fi
	done
	echo "$stamp" > "$kore_src.new/.patched"
	mv "$kore_src.new" "$kore_src"
	echo "patched Kore sources in $kore_src"
fi
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
