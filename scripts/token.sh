#!/usr/bin/env bash
# Print an HS256 bearer token signed with AMP_JWT_SECRET.
#   scripts/token.sh ORG "SCOPES" [TTL_SECONDS] [SUB]
set -euo pipefail
org=$1 scopes=$2 ttl=${3:-86400} sub=${4:-dev}
: "${AMP_JWT_SECRET:?AMP_JWT_SECRET must be set}"

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
claims=$(printf '{"org":"%s","sub":"%s","scope":"%s","iat":%d,"exp":%d}' \
    "$org" "$sub" "$scopes" "$now" "$((now + ttl))" | b64url)
sig=$(printf '%s.%s' "$header" "$claims" |
    openssl dgst -sha256 -hmac "$AMP_JWT_SECRET" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$claims" "$sig"
