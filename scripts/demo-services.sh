#!/usr/bin/env bash
# make demo-services: the two services alone, without Kubernetes or the operator: both on
# loopback, the failure scenario played with the client's load generator, a results table.
# Stops everything it started. (make demo runs the operator's experiments; scripts/demo.sh.)
set -euo pipefail
BUILD_DIR=${1:-build}
BIN="$BUILD_DIR/bin"
source "$(dirname "$0")/lib/services.sh"

RPS=${DEMO_RPS:-200}
SECONDS_PER_PHASE=${DEMO_SECONDS:-3}

start_service backend backend-service
start_service client client-service --backend-url="$BACKEND_URL"
echo "backend-service $BACKEND_URL   client-service $CLIENT_URL"
echo "load: $RPS requests/s for ${SECONDS_PER_PHASE}s per phase"
echo

ROWS=()
# row PHASE MODE STATS_JSON
row() {
  ROWS+=("$(jq -r --arg phase "$1" --arg mode "$2" '
    def pct(n): if .requests > 0 then (100 * n / .requests * 10 | round / 10) else 0 end;
    [$phase, $mode, .requests,
     pct(.successes.backend + .successes.retry),
     pct(.successes.backend + .successes.retry + .successes.fallback),
     (.latency_ms.p50 * 100 | round / 100), (.latency_ms.p99 * 100 | round / 100)] | @tsv' <<<"$3")")
}
mode() { post "$CLIENT_URL/config/resilience" "{\"mode\":\"$1\"}"; }

echo "1/5 healthy backend"
mode resilient
row "healthy" resilient "$(run_load "$CLIENT_URL" "$RPS" "$SECONDS_PER_PHASE")"

echo "2/5 backend answers 503 to half the requests: patterns off, then on"
post "$BACKEND_URL/config/failure" '{"failure_rate":0.5,"status_code":503}'
mode baseline
row "50% 503" baseline "$(run_load "$CLIENT_URL" "$RPS" "$SECONDS_PER_PHASE")"
mode resilient
row "50% 503" resilient "$(run_load "$CLIENT_URL" "$RPS" "$SECONDS_PER_PHASE")"

echo "3/5 backend answers 500 to every request: the circuit opens and fails fast"
post "$BACKEND_URL/config/failure" '{"failure_rate":1.0,"status_code":500}'
row "100% 500" resilient "$(run_load "$CLIENT_URL" "$RPS" "$SECONDS_PER_PHASE")"
CIRCUIT=$(get_json "$CLIENT_URL/circuit-status" | jq -r '.state')

echo "4/5 backend heals: half-open, then closed"
post "$CLIENT_URL/load/start" "{\"rps\":$RPS,\"duration_seconds\":60}"
HEALED_AT=$(date +%s.%N)
post "$BACKEND_URL/config/reset" '{}'
RECOVERED=""
for _ in $(seq 1 1200); do
  if [[ $(get_json "$CLIENT_URL/circuit-status" | jq -r '.state') == "closed" ]]; then
    RECOVERED=$(date +%s.%N)
    break
  fi
  sleep 0.05
done
post "$CLIENT_URL/load/stop" '{}'
[[ -n "$RECOVERED" ]] || { echo "the circuit did not close within 60 s"; exit 1; }
RECOVERY_SECONDS=$(awk -v a="$HEALED_AT" -v b="$RECOVERED" 'BEGIN { printf "%.2f", b - a }')

echo "5/5 healed"
row "healed" resilient "$(run_load "$CLIENT_URL" "$RPS" "$SECONDS_PER_PHASE")"

echo
{
  printf 'PHASE\tMODE\tCALLS\tFRESH %%\tANSWERED %%\tP50 ms\tP99 ms\n'
  printf '%s\n' "${ROWS[@]}"
} | column -t -s $'\t'
echo
echo "circuit during the 100% 500 phase: $CIRCUIT"
echo "time from backend healed to circuit closed: ${RECOVERY_SECONDS}s"
echo "(FRESH: served by the backend, first try or after retries; ANSWERED: fresh or stale fallback)"
