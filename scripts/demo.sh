#!/usr/bin/env bash
# make demo: Aftershock end to end on a local Kubernetes control plane.
#
# Brings up the control plane (scripts/cluster/up.sh: etcd, kube-apiserver, controller-manager,
# scheduler, KWOK fake nodes), installs the ChaosExperiment CRD and the demo services'
# Deployments, runs backend-service, client-service and aftershock-operator as processes on
# loopback, applies every sample through the config/local overlay (which points the samples'
# in-cluster URLs at those processes and shortens them), waits until every experiment has a
# verdict, and prints `kubectl get chaosexperiments -A` and a summary. Everything it started is
# stopped when it exits, by pid.
#
# Usage: scripts/demo.sh [BUILD_DIR]     (make demo builds first)
# Environment: DEMO_TIMEOUT (seconds to wait for the experiments, default 270).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${1:-build}
[[ -d "$BUILD_DIR/bin" ]] || { echo "demo: no $BUILD_DIR/bin; run make build first" >&2; exit 1; }
BIN=$(cd "$BUILD_DIR/bin" && pwd)
TIMEOUT=${DEMO_TIMEOUT:-270}
# Fixed because config/local/kustomization.yaml names them (see the comment there).
BACKEND_PORT=18000
CLIENT_PORT=19090
PARTITION_EXPERIMENT=client-backend-partition
PARTITION_POLICY=aftershock-$PARTITION_EXPERIMENT

log() { printf '[%5.1fs] %s\n' "$(elapsed)" "$*"; }
fail() { echo "demo: $*" >&2; exit 1; }
STARTED_AT=$(date +%s.%N)
elapsed() { awk -v a="$STARTED_AT" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# A machine without kubectl uses the one make cluster-binaries built.
command -v kubectl >/dev/null || PATH="$PATH:$("$ROOT/scripts/cluster/binaries.sh" --kubectl)"
for tool in kubectl jq curl python3 awk column; do
  command -v "$tool" >/dev/null || fail "$tool is needed (make deps installs it)"
done
for binary in aftershock-operator backend-service client-service; do
  [[ -x "$BIN/$binary" ]] || fail "$BIN/$binary is missing; run make build first"
done

port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
}
for port in $BACKEND_PORT $CLIENT_PORT; do
  port_free "$port" || fail "127.0.0.1:$port is in use, and config/local points the samples at it.
Free it and run again (ss -ltnp 'sport = :$port' shows what holds it)."
done

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/aftershock-demo.XXXXXX")
STATE_DIR=$RUN_DIR/cluster
OPERATOR_PID="" CLIENT_PID="" BACKEND_LOOP_PID=""
KEEP_LOGS=1

# stop PID NAME: SIGTERM, up to 10 s to exit, then SIGKILL. Only processes this script started.
stop() {
  local pid=$1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop "$OPERATOR_PID"
  stop "$CLIENT_PID"
  stop "$BACKEND_LOOP_PID"
  if [[ -d "$STATE_DIR/pids" ]]; then "$ROOT/scripts/cluster/down.sh" "$STATE_DIR" 2>/dev/null || true; fi
  if ((status != 0 || KEEP_LOGS)); then
    echo "demo: logs kept in $RUN_DIR (operator.log, backend.log, client.log)" >&2
  else
    rm -rf "$RUN_DIR"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the control plane ---------------------------------------------------------------------------
log "starting the local control plane (scripts/cluster/up.sh)"
# The owner pid makes up.sh's watchdog stop the cluster even if this script is killed -9.
AFTERSHOCK_CLUSTER_OWNER_PID=$$ "$ROOT/scripts/cluster/up.sh" "$STATE_DIR" >"$RUN_DIR/cluster-up.log" 2>&1 ||
  { cat "$RUN_DIR/cluster-up.log" >&2; fail "the control plane did not come up"; }
export KUBECONFIG=$STATE_DIR/kubeconfig
# A discovery cache of our own: one left by an earlier cluster on the same port would not know
# the CRD.
k() { kubectl --cache-dir="$RUN_DIR/kubectl-cache" "$@"; }
log "control plane up: $(k config view -o jsonpath='{.clusters[0].cluster.server}'), nodes: $(k get nodes -o name | tr '\n' ' ')"

k apply -k "$ROOT/crds" >/dev/null
k wait --for=condition=Established --timeout=60s crd/chaosexperiments.chaos.aftershock.dev >/dev/null
# The demo namespace (opted in to chaos), the backend and client Deployments (pods Running on
# KWOK's fake nodes, no container behind them), and the operator's control ConfigMap.
k apply -k "$ROOT/config/services" >/dev/null
k apply -f "$ROOT/config/manager/namespace.yaml" -f "$ROOT/config/manager/control_config_map.yaml" >/dev/null
k -n demo rollout status deployment/backend-service --timeout=60s >/dev/null
k -n demo rollout status deployment/client-service --timeout=60s >/dev/null
log "CRD installed; demo/backend-service (2 pods) and demo/client-service (1 pod) are Running on KWOK nodes"

# --- the services and the operator, on loopback ------------------------------------------------
wait_http() {  # wait_http URL SECONDS NAME LOG
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || { tail -n 20 "$4" >&2 || true; fail "$3 did not answer $1 within $2 s"; }
    sleep 0.1
  done
}

# A kubelet restarts a crashed container; nothing does that for a local process, so the backend
# runs in this loop (ProcessCrash makes it exit on purpose). Chaos cooldown off: the samples run
# one after another faster than its default 5 s guard allows.
backend_loop() {
  local child="" code starts=0
  trap 'if [[ -n $child ]]; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi; exit 0' TERM
  while true; do
    "$BIN/backend-service" --bind=127.0.0.1 --port="$BACKEND_PORT" --chaos-cooldown-ms=0 \
      --log-level=warn >>"$RUN_DIR/backend.log" 2>&1 &
    child=$!
    starts=$((starts + 1))
    echo "$starts" >"$RUN_DIR/backend.starts"
    code=0
    wait "$child" || code=$?
    echo "backend-service exited with status $code; restarting it" >>"$RUN_DIR/backend.log"
    sleep 0.5
  done
}
backend_loop &
BACKEND_LOOP_PID=$!
wait_http "http://127.0.0.1:$BACKEND_PORT/health" 10 backend-service "$RUN_DIR/backend.log"

"$BIN/client-service" --bind=127.0.0.1 --port="$CLIENT_PORT" \
  --backend-url="http://127.0.0.1:$BACKEND_PORT" --log-level=warn >"$RUN_DIR/client.log" 2>&1 &
CLIENT_PID=$!
wait_http "http://127.0.0.1:$CLIENT_PORT/health" 10 client-service "$RUN_DIR/client.log"
log "backend-service on 127.0.0.1:$BACKEND_PORT (in a restart loop), client-service on 127.0.0.1:$CLIENT_PORT"

"$BIN/aftershock-operator" --kubeconfig="$KUBECONFIG" \
  --metrics-bind-address=127.0.0.1:0 --metrics-port-file="$RUN_DIR/metrics.port" \
  --health-probe-bind-address=127.0.0.1:0 --health-port-file="$RUN_DIR/health.port" \
  >"$RUN_DIR/operator.log" 2>&1 &
OPERATOR_PID=$!
for _ in $(seq 100); do [[ -s "$RUN_DIR/health.port" && -s "$RUN_DIR/metrics.port" ]] && break; sleep 0.1; done
[[ -s "$RUN_DIR/health.port" ]] || { tail -n 20 "$RUN_DIR/operator.log" >&2; fail "aftershock-operator did not start"; }
wait_http "http://127.0.0.1:$(cat "$RUN_DIR/health.port")/readyz" 60 aftershock-operator "$RUN_DIR/operator.log"
METRICS_URL="http://127.0.0.1:$(cat "$RUN_DIR/metrics.port")/metrics"
log "aftershock-operator ready (pid $OPERATOR_PID, metrics $METRICS_URL)"

# --- the experiments -------------------------------------------------------------------------------
k apply -k "$ROOT/config/local" >/dev/null
TOTAL=$(k get chaosexperiments -n demo -o name | wc -l)
log "applied $TOTAL experiments (kubectl apply -k config/local); they share one target, so they run one at a time"

declare -A LAST_PHASE=()
PARTITION_POLICY_SEEN=no
deadline=$((SECONDS + TIMEOUT))
while true; do
  json=$(k get chaosexperiments -n demo -o json)
  while read -r name phase verdict; do
    if [[ "${LAST_PHASE[$name]:-}" != "$phase" ]]; then
      LAST_PHASE[$name]=$phase
      log "$name: $phase${verdict:+ ($verdict)}"
    fi
  done < <(jq -r '.items[] | "\(.metadata.name) \(.status.phase // "Pending") \(.status.verdict // "")"' <<<"$json")
  # No CNI enforces a NetworkPolicy here: what can be checked is that the operator created it
  # for the fault and deleted it on rollback.
  if [[ "${LAST_PHASE[$PARTITION_EXPERIMENT]:-}" == FaultActive ]] &&
    k -n demo get networkpolicy "$PARTITION_POLICY" >/dev/null 2>&1; then
    PARTITION_POLICY_SEEN=yes
  fi
  running=$(jq '[.items[] | select((.status.phase // "Pending") as $p
                 | ["Completed", "Failed", "Aborted"] | index($p) | not)] | length' <<<"$json")
  ((running == 0)) && break
  if ((SECONDS >= deadline)); then
    echo
    k get chaosexperiments -n demo
    echo
    echo "operator log (last 20 lines):"
    tail -n 20 "$RUN_DIR/operator.log"
    fail "$running of $TOTAL experiments still running after ${TIMEOUT}s (DEMO_TIMEOUT raises the limit)"
  fi
  sleep 1
done
log "every experiment has finished"

# --- results ---------------------------------------------------------------------------------------
echo
echo "\$ kubectl get chaosexperiments -A"
k get chaosexperiments -A
echo
json=$(k get chaosexperiments -n demo -o json)
{
  printf 'EXPERIMENT\tFAULT\tPHASE\tVERDICT\tDETECT s\tRECOVER s\tAVAILABILITY\tMESSAGE\n'
  jq -r '.items | sort_by(.status.completionTime // "") | .[]
    | [.metadata.name, .spec.fault.type, (.status.phase // "-"), (.status.verdict // "-"),
       (.status.timeToDetectSeconds // "-"), (.status.timeToRecoverSeconds // "-"),
       (.status.availability // "-"), (.status.message // "")] | @tsv' <<<"$json"
} | column -t -s $'\t'
echo
jq -r '.items[] | select(.status.summary != null) | .status as $s
  | "\(.metadata.name): \($s.runs | length) runs; recovery mean \($s.summary.meanRecoverySeconds // "-")s, p95 \($s.summary.p95RecoverySeconds // "-")s, worst \($s.summary.worstRecoverySeconds // "-")s; \(($s.summary.sloCompliance // 0) * 100 | round)% of runs met the hypothesis"' <<<"$json"

if k -n demo get networkpolicy "$PARTITION_POLICY" >/dev/null 2>&1; then
  PARTITION_POLICY_AFTER="still there (a leak)"
else
  PARTITION_POLICY_AFTER="gone"
fi
echo "NetworkPartition: NetworkPolicy demo/$PARTITION_POLICY seen during the fault: $PARTITION_POLICY_SEEN;" \
  "after rollback: $PARTITION_POLICY_AFTER. (No CNI enforces it locally, so the client kept reaching the backend.)"
echo "ProcessCrash: backend-service was restarted $(($(cat "$RUN_DIR/backend.starts") - 1)) time(s) by the demo's restart loop (a kubelet's job in a cluster)."
echo "backend-service replicas after the experiments: $(k -n demo get deployment backend-service -o jsonpath='{.spec.replicas} desired, {.status.readyReplicas} ready')"
echo
echo "operator metrics:"
curl -fsS "$METRICS_URL" | grep -E '^aftershock_(experiments_total|fault_injections_total|rollbacks_total)' | sed 's/^/  /' || true
echo
log "done; stopping the operator, the services and the control plane"
KEEP_LOGS=0
[[ $PARTITION_POLICY_AFTER == gone ]]
