#!/usr/bin/env bash
# make bench: every figure side by side in one run on this machine.
#  1. backend /data throughput and latency vs minimal reference servers (wrk, 1 and 64 conns)
#  2. client /fetch-data: fail-fast latency with the circuit open; resilience-path overhead
#     (end to end with wrk, and in-process with bench/resilience_overhead.cc)
#  3. success rates under random 503s, resilient vs baseline, against 1-p^3 and 1-p
#  4. Kubernetes client on a local control plane: create → watch event latency, ours vs kubectl
#  5. resident memory of an informer cache of 10,000 objects
#  6. the operator on its own local control plane: reaction, recovery-measurement precision,
#     footprint, scale (bench/operator_bench.cc; about 7 minutes on 2 cores)
# `scripts/bench.sh BUILD_DIR [services] [kube] [operator]` runs only the named groups
# (default: all three).
set -euo pipefail
BUILD_DIR=${1:-build}
shift || true
GROUPS_WANTED=${*:-services kube operator}
BIN="$BUILD_DIR/bin"
source "$(dirname "$0")/lib/services.sh"
DURATION=${BENCH_SECONDS:-5}
wants() { [[ " $GROUPS_WANTED " == *" $1 "* ]]; }

# wrk_run URL CONNECTIONS -> "requests_per_second p50_us p99_us"
wrk_run() {
  wrk -t1 -c"$2" -d"${DURATION}s" --latency "$1" | awk '
    function micros(text) {
      if (text ~ /us$/) return text + 0
      if (text ~ /ms$/) return text * 1000
      if (text ~ /s$/) return text * 1000000
      return text
    }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = micros($2) }
    $1 == "99%" { p99 = micros($2) }
    END { printf "%d %.0f %.0f\n", rps, p50, p99 }'
}

if wants services; then
echo "== 1. HTTP server: backend-service /data vs minimal reference servers (wrk -t1, ${DURATION}s)"
start_service backend backend-service
start_plain refbeast "$BIN/reference-beast-server"
start_plain refcpprest "$BIN/reference-cpprest-server"
printf '%-28s %6s %12s %9s %9s %10s\n' SERVER CONNS REQ/S P50_US P99_US VS_BEAST
for conns in 1 64; do
  read -r ref_rps ref_p50 ref_p99 <<<"$(wrk_run "$REFBEAST_URL/" "$conns")"
  read -r be_rps be_p50 be_p99 <<<"$(wrk_run "$BACKEND_URL/data" "$conns")"
  read -r cp_rps cp_p50 cp_p99 <<<"$(wrk_run "$REFCPPREST_URL/" "$conns")"
  ratio() { awk -v a="$1" -v b="$ref_rps" 'BEGIN { printf "%.2f", a / b }'; }
  printf '%-28s %6s %12s %9s %9s %10s\n' "reference (bare Beast)" "$conns" "$ref_rps" "$ref_p50" "$ref_p99" "1.00"
  printf '%-28s %6s %12s %9s %9s %10s\n' "backend-service /data" "$conns" "$be_rps" "$be_p50" "$be_p99" "$(ratio "$be_rps")"
  printf '%-28s %6s %12s %9s %9s %10s\n' "cpprestsdk http_listener" "$conns" "$cp_rps" "$cp_p50" "$cp_p99" "$(ratio "$cp_rps")"
done
echo "goal: backend >= 40000 req/s at 64 connections"
echo

echo "== 2. client-service /fetch-data latency (wrk -t1, ${DURATION}s)"
start_service client client-service --backend-url="$BACKEND_URL"
post "$BACKEND_URL/config/reset" '{}'
printf '%-44s %6s %12s %9s %9s\n' PATH CONNS REQ/S P50_US P99_US
read -r d_rps d_p50 d_p99 <<<"$(wrk_run "$BACKEND_URL/data" 1)"
printf '%-44s %6s %12s %9s %9s\n' "backend /data direct (no client)" 1 "$d_rps" "$d_p50" "$d_p99"
post "$CLIENT_URL/config/resilience" '{"mode":"baseline"}'
read -r b_rps b_p50 b_p99 <<<"$(wrk_run "$CLIENT_URL/fetch-data" 1)"
printf '%-44s %6s %12s %9s %9s\n' "client, patterns off (baseline), healthy" 1 "$b_rps" "$b_p50" "$b_p99"
post "$CLIENT_URL/config/resilience" '{"mode":"resilient"}'
read -r r_rps r_p50 r_p99 <<<"$(wrk_run "$CLIENT_URL/fetch-data" 1)"
printf '%-44s %6s %12s %9s %9s\n' "client, patterns on (resilient), healthy" 1 "$r_rps" "$r_p50" "$r_p99"
post "$CLIENT_URL/config/resilience" '{"circuit_breaker":{"forced_state":"forced_open"}}'
for conns in 1 64; do
  read -r o_rps o_p50 o_p99 <<<"$(wrk_run "$CLIENT_URL/fetch-data" "$conns")"
  printf '%-44s %6s %12s %9s %9s\n' "client, circuit open (fail fast + fallback)" "$conns" "$o_rps" "$o_p50" "$o_p99"
done
post "$CLIENT_URL/config/resilience" '{"circuit_breaker":{"forced_state":"none"}}'
echo "resilience-path overhead at p50 (patterns on - patterns off): $((r_p50 - b_p50)) us   (goal < 100 us)"
echo "whole client hop at p50 (patterns on - backend direct):      $((r_p50 - d_p50)) us"
echo "goal: circuit-open p99 < 1000 us"
echo
"$BIN/resilience-overhead" "${BENCH_OVERHEAD_CALLS:-20000}"
echo

echo "== 3. share of calls served fresh under random 503s (client load generator, default settings)"
CALLS_RPS=${BENCH_RPS:-500}
CALLS_SECONDS=${BENCH_LOAD_SECONDS:-6}
printf '%-8s %-10s %7s %9s %9s %11s %10s\n' "503 p" MODE CALLS FRESH EXPECTED "WITHIN 3σ" ANSWERED
for p in 0.3 0.5; do
  for mode in resilient baseline; do
    post "$BACKEND_URL/config/failure" "{\"failure_rate\":$p,\"status_code\":503}"
    post "$CLIENT_URL/config/resilience" "{\"mode\":\"$mode\"}"
    # Each scenario starts from a fresh circuit and a warm stale cache.
    post "$BACKEND_URL/config/reset" '{}'
    curl -sf -o /dev/null "$CLIENT_URL/fetch-data"
    post "$BACKEND_URL/config/failure" "{\"failure_rate\":$p,\"status_code\":503}"
    stats=$(run_load "$CLIENT_URL" "$CALLS_RPS" "$CALLS_SECONDS")
    jq -r --arg p "$p" --arg mode "$mode" '
      (if $mode == "resilient" then 1 - ($p|tonumber) * ($p|tonumber) * ($p|tonumber)
       else 1 - ($p|tonumber) end) as $expected
      | .requests as $n
      | ((.successes.backend + .successes.retry) / $n) as $fresh
      | (3 * (($expected * (1 - $expected) / $n) | sqrt)) as $bound
      | [$p, $mode, $n, "\($fresh * 1000 | round / 10)%", "\($expected * 1000 | round / 10)%",
         (if (($fresh - $expected) | fabs) <= $bound then "yes" else "NO" end),
         "\((.successes.backend + .successes.retry + .successes.fallback) / $n * 1000 | round / 10)%"]
      | @tsv' <<<"$stats" | awk -F'\t' '{ printf "%-8s %-10s %7s %9s %9s %11s %10s\n", $1, $2, $3, $4, $5, $6, $7 }'
  done
done
post "$BACKEND_URL/config/reset" '{}'
echo "(FRESH: answered by the backend, first try or after retries; ANSWERED: fresh or stale fallback)"
echo
fi

if wants kube; then
  echo "== 4. Kubernetes watch: create → event, ${BENCH_WATCH_OBJECTS:-1000} ConfigMaps created one at a time, both watchers at once"
  cluster_dir=$(mktemp -d "${TMPDIR:-/tmp}/aftershock-bench-cluster.XXXXXX")
  trap 'scripts/cluster/down.sh "$cluster_dir" >/dev/null 2>&1 || true; stop_started' EXIT
  started=$(date +%s.%N)
  scripts/cluster/up.sh "$cluster_dir" >"$RUN_DIR/cluster-up.log" 2>&1 ||
    { cat "$RUN_DIR/cluster-up.log"; exit 1; }
  awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "(cluster-up with cached binaries: %.1f s)\n", e - s }'
  "$BIN/kube-watch-bench" latency "$cluster_dir/kubeconfig" "${BENCH_WATCH_OBJECTS:-1000}"
  echo
  echo "== 5. Informer cache: resident memory of a fresh process holding ${BENCH_CACHE_OBJECTS:-10000} small ConfigMaps"
  "$BIN/kube-watch-bench" cache "$cluster_dir/kubeconfig" "${BENCH_CACHE_OBJECTS:-10000}"
fi

if wants operator; then
  echo
  echo "== 6. Operator: reaction, recovery precision, footprint and scale on its own local control plane"
  # One control plane at a time on this machine: the kube group's is done with.
  if [[ -n ${cluster_dir:-} && -d $cluster_dir/pids ]]; then
    scripts/cluster/down.sh "$cluster_dir" >/dev/null 2>&1 || true
  fi
  "$BIN/operator-bench" --source-dir="$(pwd)" \
    --reaction="${BENCH_OPERATOR_REACTIONS:-200}" --scale="${BENCH_OPERATOR_SCALE:-500}" \
    --cache="${BENCH_OPERATOR_CACHE:-1000}"
fi
