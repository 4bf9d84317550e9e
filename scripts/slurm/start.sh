#!/usr/bin/env bash
# Start a single-node Slurm cluster on localhost for tests and benchmarks, installing it from the
# Debian packages first when needed. Idempotent: when the cluster already answers and its node
# accepts jobs it returns in well under a second. Needs root (or passwordless sudo); no systemd.
#
# Environment:
#   TKR_SLURM_CONF_FORCE=1  rewrite /etc/slurm/slurm.conf even if it was not written by this script
#   TKR_SLURM_TIMEOUT=<s>   how long to wait for the daemons to come up (default 60)
#   TKR_SLURM_SLOTS=<n>     job slots (CPUs) the node offers (default: the cores, at least 8)
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -n -E "$0" "$@"
  fi
  echo "start.sh: needs root (or passwordless sudo) to install and start Slurm" >&2
  exit 2
fi

CONF=/etc/slurm/slurm.conf
MARK="# Written by typespec-workers scripts/slurm/start.sh"
LOG_DIR=/var/log/slurm
STATE_DIR=/var/lib/slurm
TIMEOUT=${TKR_SLURM_TIMEOUT:-60}

say() { echo "slurm: $*" >&2; }

# Several test files may call this at once; one does the work, the others wait and find it up.
LOCK_DIR=/run/lock
[[ -d $LOCK_DIR ]] || LOCK_DIR=/tmp
exec 9>"$LOCK_DIR/typespec-workers-slurm.lock"
# Generous: the first caller may be installing packages (apt-get update included).
flock -w 600 9 || { say "could not take the start lock within 600 s"; exit 1; }

node_state() { sinfo -h -n localhost -o %t 2>/dev/null | head -n1 || true; }

node_ready() {
  case "$(node_state)" in
    idle | mix | alloc | comp | idle~ | mix- | alloc+ | comp*) return 0 ;;
    *) return 1 ;;
  esac
}

# --- install -------------------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge from the Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends slurm-wlm munge >/tmp/typespec-workers-slurm-apt.log 2>&1; then
    apt-get update >>/tmp/typespec-workers-slurm-apt.log 2>&1
    apt-get install -y --no-install-recommends slurm-wlm munge >>/tmp/typespec-workers-slurm-apt.log 2>&1 || {
      say "apt-get install failed; see /tmp/typespec-workers-slurm-apt.log"
      tail -n 20 /tmp/typespec-workers-slurm-apt.log >&2
      exit 1
    }
  fi
fi

# --- munge ---------------------------------------------------------------------------------------
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  if [[ ! -s /etc/munge/munge.key ]]; then
    mkdir -p /etc/munge
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile=/etc/munge/munge.key --force
    else
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
  fi
  chown munge:munge /etc/munge /etc/munge/munge.key
  chmod 0700 /etc/munge
  chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  # A pid file left by a daemon that is gone makes munged refuse to start.
  rm -f /run/munge/munged.pid
  say "starting munged"
  runuser -u munge -- /usr/sbin/munged 9>&-
  for _ in $(seq 1 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.1
  done
  munge -n | unmunge >/dev/null || { say "munged does not answer"; exit 1; }
fi

# --- configuration -------------------------------------------------------------------------------
render_conf() {
  # Memory comes from slurmd's own view of the hardware, declared a little lower than measured so
  # the node never registers as INVALID.
  local hw cores mem slots
  hw=$(slurmd -C | head -n1)
  cores=$(sed -n 's/.*\bCPUs=\([0-9]*\).*/\1/p' <<<"$hw")
  mem=$(sed -n 's/.*\bRealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
  mem=$((mem * 9 / 10))
  # Test jobs mostly sleep or take milliseconds: the node offers at least 8 slots even on a
  # 2-core machine (config_overrides), so a job sitting out a time limit, or a second test run,
  # does not starve the others.
  slots=${TKR_SLURM_SLOTS:-8}
  ((slots >= cores)) || slots=$cores
  cat <<EOF
$MARK
# Single-node test cluster. Scheduling on cores only (no cgroups here, so memory is not enforced).
ClusterName=tkr
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# The node line below, not the hardware, says how many job slots there are.
SlurmdParameters=config_overrides
SchedulerType=sched/backfill
# Start a submitted batch job at once instead of batching submissions for a few seconds.
SchedulerParameters=batch_sched_delay=0
# Reject at submission a job that can never run (more CPUs or memory than the partition has).
EnforcePartLimits=ALL
# Keep finished jobs visible to squeue/scontrol for 10 minutes (there is no accounting daemon).
MinJobAge=600
MaxJobCount=20000
MaxArraySize=10001
KillWait=5
OverTimeLimit=0
InactiveLimit=0
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$STATE_DIR/slurmctld
SlurmdSpoolDir=$STATE_DIR/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
NodeName=localhost CPUs=$slots Boards=1 SocketsPerBoard=1 CoresPerSocket=$slots ThreadsPerCore=1 RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

restart=0
if [[ ! -f $CONF ]] || head -n1 "$CONF" | grep -qF "$MARK" || [[ ${TKR_SLURM_CONF_FORCE:-} == 1 ]]; then
  desired=$(render_conf)
  if [[ ! -f $CONF ]] || [[ $(cat "$CONF") != "$desired" ]]; then
    mkdir -p /etc/slurm
    printf '%s\n' "$desired" >"$CONF.new"
    mv "$CONF.new" "$CONF"
    # Daemons running with another configuration are restarted (jobs survive in the state files).
    restart=1
  fi
else
  say "keeping $CONF (not written by this script; TKR_SLURM_CONF_FORCE=1 rewrites it)"
fi

# Fast path: everything is already up with this configuration.
if [[ $restart == 0 ]] && scontrol ping 2>/dev/null | grep -q 'is UP' && node_ready; then
  exit 0
fi

mkdir -p "$LOG_DIR" "$STATE_DIR/slurmctld" "$STATE_DIR/slurmd"

# --- daemons -------------------------------------------------------------------------------------
alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_daemon() {
  alive "$1" || return 0
  local pid
  pid=$(cat "$1")
  kill "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

if [[ $restart == 1 ]] && { alive /run/slurmd.pid || alive /run/slurmctld.pid; }; then
  say "configuration changed: restarting slurmd and slurmctld"
  stop_daemon /run/slurmd.pid
  stop_daemon /run/slurmctld.pid
fi

if ! alive /run/slurmctld.pid; then
  say "starting slurmctld"
  # -i: ignore state files from an older configuration instead of refusing to start.
  setsid slurmctld -i </dev/null 9>&- >>"$LOG_DIR/slurmctld.out" 2>&1
fi
for _ in $(seq 1 $((TIMEOUT * 10))); do
  scontrol ping 2>/dev/null | grep -q 'is UP' && break
  sleep 0.1
done
scontrol ping 2>/dev/null | grep -q 'is UP' || {
  say "slurmctld does not answer; last lines of $LOG_DIR/slurmctld.log:"
  tail -n 20 "$LOG_DIR/slurmctld.log" >&2 || true
  exit 1
}

if ! alive /run/slurmd.pid; then
  say "starting slurmd"
  setsid slurmd -N localhost </dev/null 9>&- >>"$LOG_DIR/slurmd.out" 2>&1
fi
for _ in $(seq 1 $((TIMEOUT * 10))); do
  node_ready && break
  case "$(node_state)" in
    # A node that was down (daemons restarted, configuration changed) is put back in service.
    down* | drain* | drng* | fail*) scontrol update nodename=localhost state=resume 2>/dev/null || true ;;
  esac
  sleep 0.1
done
node_ready || {
  say "node localhost is not ready (state: $(node_state)); last lines of $LOG_DIR/slurmd.log:"
  tail -n 20 "$LOG_DIR/slurmd.log" >&2 || true
  exit 1
}
say "cluster up: $(sinfo -h -o '%P %D node(s) %c cpus %t')"
