#!/usr/bin/env bash
# Gateway overhead, side by side with the peer bench's direct calls, Portkey and the bare Node floor:
# builds Warden, creates a fresh SQLite database with a bench account (limits high enough not to bite),
# then runs ../shared/peer-bench/run-peer-bench.sh with Warden started on the bench's mock upstream.
# Auth, rate limits, metering, the event log and the consumers are all on.
#
#   bench/gateway/run.sh [extra run-peer-bench.sh options, e.g. --duration 10 --rounds 1]
#
# shared/ is read-only here, so the peer bench is copied to a temporary folder first (its Portkey peer
# installs itself there with npm; set PEER_BENCH_COPY=DIR to keep and reuse the copy). Needs wrk
# (apt-get install -y wrk).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHARED="${PEER_BENCH:-$ROOT/../shared/peer-bench}"
WORK="$(mktemp -d -t warden-gateway-bench-XXXX)"
# A writable copy of the peer bench; PEER_BENCH_COPY reuses one (and its installed Portkey) across runs.
BENCH_COPY="${PEER_BENCH_COPY:-$WORK/peer-bench}"
if [ ! -d "$BENCH_COPY" ]; then
  cp -r "$SHARED" "$BENCH_COPY"
  chmod -R u+w "$BENCH_COPY"
fi

(cd "$ROOT" && npm run -s build:server)
DB="sqlite:$WORK/warden.db"
node "$ROOT/bin/warden.js" accounts create bench --rpm 100000000 --tpm 1000000000 --db "$DB" --json >/dev/null
KEY=$(node "$ROOT/bin/warden.js" keys create --account bench --db "$DB" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key))')
# The bootstrap credentials are created on first start; create an admin token now so none are printed.
node "$ROOT/bin/warden.js" admin-tokens create --role admin --db "$DB" --json >/dev/null

PORT=18899
exec "$BENCH_COPY/run-peer-bench.sh" "http://127.0.0.1:$PORT" "$KEY" --with-floor \
  --ours-cmd "env WARDEN_UPSTREAM_URL=\$MOCK_UPSTREAM_URL node $ROOT/bin/warden.js serve --port $PORT --db $DB --log-level warn" \
  --out "${OUT:-$WORK/results}" "$@"
