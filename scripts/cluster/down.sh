#!/usr/bin/env bash
# Stops a cluster started by up.sh: each process by its recorded pid (never by name), then
# removes the state folder and etcd's data.  Usage: down.sh STATE_DIR
set -uo pipefail

state=${1:?usage: down.sh STATE_DIR}
[[ -d "$state/pids" ]] || { echo "cluster-down: no cluster state in $state" >&2; exit 1; }

# Stop in reverse order of start, each with SIGTERM first and SIGKILL after 10 s.
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  file=$state/pids/$name
  [[ -f $file ]] || continue
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$file"
done
if [[ -f $state/watchdog-pid ]]; then
  watchdog=$(cat "$state/watchdog-pid")
  # The watchdog may be what is running this script; only stop it when it is not our parent.
  [[ $watchdog == "$PPID" ]] || kill -TERM "$watchdog" 2>/dev/null
fi
[[ -f $state/etcd-data-dir ]] && rm -rf "$(cat "$state/etcd-data-dir")"
rm -rf "$state"
echo "cluster-down: stopped $state" >&2
