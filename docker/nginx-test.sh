#!/bin/sh
# Validates docker/nginx.conf with the local nginx (`nginx -t`): the
# upstream host `ampmeter` exists only inside compose, so the copy tested
# points at 127.0.0.1. Usage: docker/nginx-test.sh [UPSTREAM_HOST:PORT]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s/server ampmeter:8080;/server ${1:-127.0.0.1:8080};/" "$here/nginx.conf" > "$tmp/nginx.conf"
nginx -t -q -e stderr -c "$tmp/nginx.conf"
echo "docker/nginx.conf: ok"
