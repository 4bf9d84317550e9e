#!/usr/bin/env bash
# Stop the single-node test cluster started by start.sh: cancel every job, then stop slurmd,
# slurmctld and munged. Safe to run when nothing is running.
set -uo pipefail

if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -n -E "$0" "$@"
  fi
  echo "stop.sh: needs root (or passwordless sudo)" >&2
  exit 2
fi

if command -v scancel >/dev/null && scontrol ping 2>/dev/null | grep -q 'is UP'; then
  scancel --full --state=PENDING 2>/dev/null || true
  scancel --full --state=RUNNING 2>/dev/null || true
fi

stop_pidfile() {
  local file=$1 name=$2
  [[ -f $file ]] || return 0
  local pid
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "slurm: stopped $name" >&2
  fi
  rm -f "$file"
}

stop_pidfile /run/slurmd.pid slurmd
stop_pidfile /run/slurmctld.pid slurmctld
if [[ ${1:-} != --keep-munge ]]; then
  stop_pidfile /run/munge/munged.pid munged
fi
