#!/usr/bin/env bash
# Brings up a real, secured Kubernetes control plane on loopback:
#   etcd, kube-apiserver (TLS, client certificates, tokens, RBAC, service-account keys),
#   kube-controller-manager, kube-scheduler, and KWOK with fake Ready nodes.
#
# Usage: up.sh [STATE_DIR]     (default: a new folder under ${TMPDIR:-/tmp})
# Every port is free and chosen at start, so clusters can run side by side. Each process's pid
# is in STATE_DIR/pids/, which down.sh uses to stop exactly these processes. The last line
# printed is `export KUBECONFIG=STATE_DIR/kubeconfig`.
#
# Environment: AFTERSHOCK_CLUSTER_NODES (fake nodes, default 2),
#              AFTERSHOCK_CLUSTER_OWNER_PID (stop the cluster when that process exits).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
started=$(date +%s.%N)
log() { echo "cluster-up: $*" >&2; }
fail() { log "$*"; exit 1; }

state=${1:-$(mktemp -d "${TMPDIR:-/tmp}/aftershock-cluster.XXXXXX")}
mkdir -p "$state/pids" "$state/logs" "$state/pki"
state=$(cd "$state" && pwd)
[[ -z "$(ls -A "$state/pids")" ]] || fail "$state already holds a running cluster (stop it with down.sh $state)"

bin=$("$here/binaries.sh")
kwok_stages=$("$here/binaries.sh" --kwok-stages)
# A machine without kubectl uses one built once at the control plane's version.
command -v kubectl >/dev/null || PATH="$PATH:$("$here/binaries.sh" --kubectl)"
for tool in openssl curl kubectl python3; do
  command -v "$tool" >/dev/null || fail "$tool is needed (make deps installs it)"
done

# If anything below fails, stop what was already started.
cleanup_on_error() { "$here/down.sh" "$state" >/dev/null 2>&1 || true; }
trap 'status=$?; ((status == 0)) || { log "failed; logs were in $state/logs"; tail -n 20 "$state"/logs/*.log >&2 2>/dev/null || true; cleanup_on_error; }' EXIT

free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
sockets = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    sockets.append(s)
print(" ".join(str(s.getsockname()[1]) for s in sockets))
PY
}
read -r etcd_port etcd_peer_port api_port kwok_port <<<"$(free_ports 4)"

# --- certificates and keys: a throwaway CA, a serving certificate, client identities --------
pki=$state/pki
make_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
sign() {  # sign NAME SUBJECT EXTENSIONS
  local name=$1 subject=$2 extensions=$3
  make_key "$pki/$name.key"
  openssl req -new -key "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -out "$pki/$name.crt" -extfile <(printf '%s\n' "$extensions") 2>/dev/null
  rm -f "$pki/$name.csr"
}
make_key "$pki/ca.key"
openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=aftershock-local-ca" -days 2 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$pki/ca.crt" 2>/dev/null
client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
sign apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
sign admin "/O=system:masters/CN=aftershock-admin" "$client_ext"
sign controller-manager "/CN=system:kube-controller-manager" "$client_ext"
sign scheduler "/CN=system:kube-scheduler" "$client_ext"
openssl genrsa -out "$pki/service-account.key" 2048 2>/dev/null
openssl rsa -in "$pki/service-account.key" -pubout -out "$pki/service-account.pub" 2>/dev/null

# Bearer-token users: one with full rights, one with none (for RBAC tests).
admin_token=$(openssl rand -hex 16)
nobody_token=$(openssl rand -hex 16)
cat >"$pki/tokens.csv" <<CSV
$admin_token,aftershock-token-admin,token-admin,"system:masters"
$nobody_token,aftershock-nobody,nobody
CSV

server=https://127.0.0.1:$api_port
b64() { base64 -w0 <"$1"; }
write_kubeconfig() {  # write_kubeconfig FILE CERT_NAME  (a client-certificate user as current)
  local file=$1 cert=$2
  cat >"$file" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: aftershock
  cluster:
    server: $server
    certificate-authority-data: $(b64 "$pki/ca.crt")
users:
- name: $cert
  user:
    client-certificate-data: $(b64 "$pki/$cert.crt")
    client-key-data: $(b64 "$pki/$cert.key")
- name: token-admin
  user:
    token: $admin_token
- name: nobody
  user:
    token: $nobody_token
contexts:
- name: aftershock
  context: {cluster: aftershock, user: $cert, namespace: default}
- name: aftershock-token
  context: {cluster: aftershock, user: token-admin, namespace: default}
- name: aftershock-nobody
  context: {cluster: aftershock, user: nobody, namespace: default}
current-context: aftershock
YAML
  chmod 600 "$file"
}
write_kubeconfig "$state/kubeconfig" admin
write_kubeconfig "$state/controller-manager.kubeconfig" controller-manager
write_kubeconfig "$state/scheduler.kubeconfig" scheduler

# --- processes ----------------------------------------------------------------------------------
start() {  # start NAME COMMAND...: detached from this shell, pid recorded, output to a log
  local name=$1
  shift
  setsid "$@" >"$state/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$state/pids/$name"
}

# etcd keeps its data on tmpfs when there is one: nothing of a test cluster needs to survive.
data_root=/dev/shm
[[ -d $data_root && -w $data_root ]] || data_root=$state
etcd_data=$(mktemp -d "$data_root/aftershock-etcd.XXXXXX")
echo "$etcd_data" >"$state/etcd-data-dir"
start etcd "$bin/etcd" --name=aftershock --data-dir="$etcd_data" --unsafe-no-fsync \
  --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
  --listen-peer-urls="http://127.0.0.1:$etcd_peer_port" \
  --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer_port" \
  --initial-cluster="aftershock=http://127.0.0.1:$etcd_peer_port" \
  --listen-metrics-urls="" --log-level=warn --quota-backend-bytes=2147483648

# podtemplates skip the watch cache so that a watch from a compacted version fails with 410
# Gone at once: the integration tests use them to exercise relisting.
start kube-apiserver "$bin/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$etcd_port" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" --token-auth-file="$pki/tokens.csv" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$pki/service-account.pub" \
  --service-account-signing-key-file="$pki/service-account.key" \
  --service-cluster-ip-range=10.0.0.0/24 --authorization-mode=Node,RBAC \
  --allow-privileged=true --profiling=false --v=0 \
  --watch-cache-sizes=podtemplates#0

start kube-controller-manager "$bin/kube-controller-manager" \
  --kubeconfig="$state/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$state/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$state/controller-manager.kubeconfig" \
  --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/service-account.key" \
  --use-service-account-credentials=true --leader-elect=false --controllers='*' \
  --bind-address=127.0.0.1 --secure-port=0 --profiling=false --v=0

start kube-scheduler "$bin/kube-scheduler" \
  --kubeconfig="$state/scheduler.kubeconfig" \
  --authentication-kubeconfig="$state/scheduler.kubeconfig" \
  --authorization-kubeconfig="$state/scheduler.kubeconfig" \
  --leader-elect=false --bind-address=127.0.0.1 --secure-port=0 --profiling=false --v=0

# KWOK's stages: nodes initialise at once and renew a Lease (so the node controller keeps them
# Ready), pods become Ready at once and finish when deleted.
kwok_configs=()
for stage in "$kwok_stages"/*.yaml; do kwok_configs+=(--config="$stage"); done
start kwok "$bin/kwok" --kubeconfig="$state/kubeconfig" "${kwok_configs[@]}" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --server-address="127.0.0.1:$kwok_port" --cidr=10.244.0.0/16 --node-ip=127.0.0.1 \
  --node-lease-duration-seconds=40

if [[ -n "${AFTERSHOCK_CLUSTER_OWNER_PID:-}" ]]; then
  # A watchdog so a crashed test cannot leave a cluster behind.
  setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec "$2" "$3"' \
    watchdog "$AFTERSHOCK_CLUSTER_OWNER_PID" "$here/down.sh" "$state" >/dev/null 2>&1 </dev/null &
  echo $! >"$state/watchdog-pid"
fi

# --- readiness ----------------------------------------------------------------------------------
alive() {
  local name
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    kill -0 "$(cat "$state/pids/$name")" 2>/dev/null || fail "$name exited at start (log: $state/logs/$name.log)"
  done
}
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    alive
    ((SECONDS < deadline)) || fail "timed out waiting for $what"
    sleep 0.1
  done
}
api() { curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$server$1"; }
export KUBECONFIG=$state/kubeconfig
wait_for 60 "kube-apiserver /readyz" api /readyz

nodes=${AFTERSHOCK_CLUSTER_NODES:-2}
for ((i = 0; i < nodes; i++)); do
  cat <<YAML
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {type: kwok, kubernetes.io/hostname: kwok-node-$i, kubernetes.io/os: linux}
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
YAML
done >"$state/nodes.yaml"
kubectl apply -f "$state/nodes.yaml" >/dev/null
wait_for 60 "nodes Ready" kubectl wait --for=condition=Ready node --all --timeout=1s
# Pods are admitted only once the namespace's default ServiceAccount exists.
wait_for 60 "the default ServiceAccount" kubectl get serviceaccount default -n default

cat >"$state/cluster.env" <<ENV
KUBECONFIG=$state/kubeconfig
API_SERVER=$server
ETCD_ENDPOINT=http://127.0.0.1:$etcd_port
ADMIN_TOKEN=$admin_token
NOBODY_TOKEN=$nobody_token
ENV
trap - EXIT
log "ready in $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$started" "$(date +%s.%N)") s: $server, $nodes node(s), state in $state"
echo "export KUBECONFIG=$state/kubeconfig"
