# Shared by demo.sh and bench.sh: start the project's services on loopback ports the kernel
# picks, talk to them with curl, and stop everything this script started when it exits.
# Source it after setting BIN (the directory holding the binaries).

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/aftershock-run.XXXXXX")
STARTED_PIDS=()

stop_started() {
  for pid in "${STARTED_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STARTED_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$RUN_DIR"
}
trap stop_started EXIT

# start_service NAME BINARY [ARGS...] — starts BINARY on 127.0.0.1:0, waits for its port
# file, and sets the variable NAME_URL (e.g. BACKEND_URL) to http://127.0.0.1:<port>.
start_service() {
  local name=$1 binary=$2
  shift 2
  local port_file="$RUN_DIR/$name.port"
  "$BIN/$binary" --bind=127.0.0.1 --port=0 --port-file="$port_file" --log-level=warn "$@" \
    2>"$RUN_DIR/$name.log" &
  STARTED_PIDS+=($!)
  for _ in $(seq 1 500); do
    [[ -s "$port_file" ]] && break
    sleep 0.01
  done
  [[ -s "$port_file" ]] || { echo "$binary did not start:"; cat "$RUN_DIR/$name.log"; exit 1; }
  printf -v "${name^^}_URL" 'http://127.0.0.1:%s' "$(cat "$port_file")"
}

# start_plain NAME COMMAND... — a server that takes its port on the command line: picks a
# free port, starts it, waits until it accepts connections, sets NAME_URL.
start_plain() {
  local name=$1
  shift
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$@" "$port" 2>"$RUN_DIR/$name.log" &
  STARTED_PIDS+=($!)
  for _ in $(seq 1 500); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.01
  done
  printf -v "${name^^}_URL" 'http://127.0.0.1:%s' "$port"
}

post() { curl -sf -X POST -H 'Content-Type: application/json' -d "$2" "$1" >/dev/null; }
get_json() { curl -sf "$1"; }

# run_load CLIENT_URL RPS SECONDS — runs the client's load generator to completion and
# prints its final /load/stats JSON.
run_load() {
  local url=$1 rps=$2 seconds=$3
  post "$url/load/start" "{\"rps\":$rps,\"duration_seconds\":$seconds}"
  for _ in $(seq 1 $((seconds * 20 + 200))); do
    sleep 0.1
    [[ $(get_json "$url/load/stats" | jq -r '.running') == "false" ]] && break
  done
  get_json "$url/load/stats"
}
