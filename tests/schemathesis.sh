#!/usr/bin/env bash
# The API keeps its own contract: schemathesis generates requests from /api/openapi.json and
# checks every answer against the document (status codes, content types, schemas, `Allow` on 405,
# invalid input refused, valid input accepted). It runs against the real server, on a fresh SQLite
# data folder, as a logged-in platform admin, so that the guarded routes answer past their guard.
# Any failure makes this script (and so tests/run.sh) fail.
#
# SCHEMATHESIS_MAX_EXAMPLES (default 10) bounds the cases per operation, and so the run time.
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
venv="${ETALAGE_SCHEMATHESIS_VENV:-$HOME/.cache/etalage-schemathesis}"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$version"
fi

cargo build --quiet -p etalage --bin etalage
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
etalage="$target_dir/debug/etalage"

work=$(mktemp -d "${TMPDIR:-/tmp}/etalage-schemathesis.XXXXXX")
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

email=admin@winwinwerkt.nl
password="schemathesis $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$password" |
  "$etalage" admin create --email "$email" --name Beheerder --password-stdin --data-dir "$work/data" >/dev/null

# The admin logs in with a password alone (the two-factor policy, on by default, would let the
# session reach only the enrolment API); the two-factor operations are still exercised.
ETALAGE_SECURITY__REQUIRE_TWO_FACTOR='[]' "$etalage" serve --listen 127.0.0.1:0 --data-dir "$work/data" --labels-dir tenants/labels \
  >"$work/server.out" 2>"$work/server.log" &
server=$!
# The banner names the port once the server listens.
port=""
for _ in $(seq 1 600); do
  port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/server.out" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; echo "the server exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "the server did not print its address within 60 s" >&2; exit 1; }

# Every API route lives under a label; the path prefix reaches one on the loopback address.
origin="http://127.0.0.1:$port"
base="$origin/l/winwinwerkt"
status=$(curl --silent --show-error --output /dev/null --write-out '%{http_code}' \
  --dump-header "$work/login.headers" \
  --header 'Content-Type: application/json' \
  --data "$(python3 -c 'import json, sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' "$email" "$password")" \
  "$base/api/v1/session")
[ "$status" = 200 ] || { echo "the platform admin could not log in: $status" >&2; exit 1; }
# Whatever cookies the login set (their names depend on the deployment), as one Cookie header.
cookie=$(grep -i '^set-cookie:' "$work/login.headers" | sed -E 's/^[^:]*:[[:space:]]*([^;]*).*/\1/' | tr -d '\r' | paste -sd ';' - | sed 's/;/; /g')
[ -n "$cookie" ] || { echo "the login set no cookie" >&2; exit 1; }

# Logging out would end the session the rest of the run depends on.
"$venv/bin/schemathesis" run "$origin/api/openapi.json" \
  --url "$base" \
  --checks all \
  --header "Cookie: $cookie" \
  --exclude-path /api/v1/session --exclude-method DELETE \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-10}" \
  --seed "${SCHEMATHESIS_SEED:-7}" \
  --no-color
