#!/usr/bin/env bash
# Install the Debian packages a task needs, only those missing.
# Usage: scripts/deps.sh GROUP...   (build db test fuzz web bench demo runtime citus)
# The Dockerfile calls this same script, so its steps are exercised in CI.
set -euo pipefail

pkgs=()
for group in "$@"; do
	case "$group" in
	build)	pkgs+=(kore libjansson-dev libjwt-dev libpq-dev zlib1g-dev
		    build-essential patch dpkg-dev pkg-config ca-certificates) ;;
	db)	pkgs+=(postgresql-15 postgresql-client-15) ;;
	# chromium: the browser test of CORS (tests/browser, playwright-core).
	test)	pkgs+=(libcmocka-dev python3-pytest python3-requests
		    python3-jsonschema python3-jwt python3-hypothesis
		    python3-psycopg2 python3-yaml openssl chromium) ;;
	# libFuzzer's runtime (libclang_rt.fuzzer) is in libclang-rt-14-dev,
	# which the clang package does not pull in.
	fuzz)	pkgs+=(clang libclang-rt-14-dev) ;;
	# Headless Chromium, driven by playwright-core in the web tests.
	web)	pkgs+=(chromium fonts-dejavu-core) ;;
	bench)	pkgs+=(wrk time curl python3) ;;
	demo)	pkgs+=(python3) ;;
	# Citus is built from ../shared/vendor (Debian has no package): the
	# server headers must match the installed postgresql-15, and they
	# include gssapi/gssapi.h.
	citus)	pkgs+=(postgresql-15 postgresql-server-dev-15 liblz4-dev libzstd-dev
		    libkrb5-dev build-essential) ;;
	runtime) pkgs+=(libjansson4 libjwt0 libpq5 libssl3 postgresql-client-15
		    curl openssl ca-certificates) ;;
	*)	echo "deps.sh: unknown group $group" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done
# The build bundles the web assets (esbuild) and the tests lint the spec
# with Node.js; machines of this kind ship it, Debian's will do elsewhere.
for group in "$@"; do
	case "$group" in
	build|test)
		if ! command -v npm >/dev/null; then
			missing+=(nodejs npm)
			break
		fi ;;
	esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]} (run as root, or install them)" >&2
	exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
