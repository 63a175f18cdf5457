#!/usr/bin/env bash
# The SQL files in the order scripts/migrate.sh applies them, and the
# schema version they make: <number of migrations>-<first 12 hex digits of
# the sha256 over every file's sha256 and name, in that order>. The build
# compiles the version into the service (src/gen/schema.h) and the
# migrator stores it in amp.schema_version; /readyz compares the two.
#   scripts/schema-version.sh          print the version
#   scripts/schema-version.sh files    print the files, one a line
# Run from anywhere; names are relative to the directory above scripts/.
set -euo pipefail
cd "$(dirname "$0")/.."

files() {
	LC_ALL=C ls sql/migrations/[0-9]*.sql
	LC_ALL=C ls sql/functions/[0-9]*.sql
}

case "${1:-version}" in
files)
	files
	;;
version)
	n=$(LC_ALL=C ls sql/migrations/[0-9]*.sql | wc -l)
	sum=$(files | xargs sha256sum | sha256sum | cut -c1-12)
	echo "$n-$sum"
	;;
*)
	echo "usage: schema-version.sh [version|files]" >&2
	exit 2
	;;
esac
