#!/usr/bin/env bash
# The bash process helper, used where perl is not on the PATH (protocol in spawner.ts; the Perl
# helper is the faster one). Requests on stdin, one a line, fields separated by \x1f:
#   id, cwd, stdin file, stdout file, stdout mode (w|a), stderr file, n, n × NAME=value, command...
# Reports on fd 3 (stdout): `S <id> <pid>` once started, `E <id> <status>` when it ended (a signal
# as 128 + its number, as a shell reports it).
#
# Each task gets a reporter subshell that starts it in a process group of its own (job control),
# waits for it, kills what it left running in its group, and reports. No wakeup can be lost: the
# reporter blocks in `wait`, that is waitpid(2) on its child, and an ended child stays a zombie
# until reaped, a state the kernel keeps rather than an event a signal could miss.
#
# When stdin closes (the controller is gone), running tasks are stopped as a timeout stops them:
# SIGTERM to their groups, SIGKILL after a grace.
grace_ms=${1:-2000} # between SIGTERM and SIGKILL (KILL_GRACE_MS in spawner.ts)
exec 3>&1
while IFS=$'\x1f' read -r -a f; do
  id=${f[0]} cwd=${f[1]} in=${f[2]} out=${f[3]} mode=${f[4]} err=${f[5]} n=${f[6]}
  envs=("${f[@]:7:n}")
  cmd=("${f[@]:7+n}")
  (
    p=
    stopping=0
    # From the helper at shutdown: stop the task's group; USR1 once the grace is over.
    trap 'stopping=1; [ -z "$p" ] || kill -TERM -- "-$p" 2>/dev/null' TERM
    trap 'stopping=1; [ -z "$p" ] || kill -KILL -- "-$p" 2>/dev/null' USR1
    # Job control: the command below gets its own process group, which a kill can reach whole.
    set -m
    cd "$cwd" || {
      echo "E $id 127" >&3
      exit
    }
    if [ "$n" -gt 0 ]; then export "${envs[@]}"; fi
    if [ "$mode" = w ]; then
      "${cmd[@]}" <"$in" >"$out" 2>>"$err" 3>&- &
    else
      "${cmd[@]}" <"$in" >>"$out" 2>>"$err" 3>&- &
    fi
    p=$!
    echo "S $id $p" >&3
    # A trapped signal ends `wait` early; wait again until the task itself has ended.
    while :; do
      stopping=0
      wait "$p"
      status=$?
      [ "$stopping" = 1 ] || break
    done
    kill -KILL -- "-$p" 2>/dev/null
    echo "E $id $status" >&3
  ) &
done
reporters=$(jobs -pr)
if [ -n "$reporters" ]; then
  trap '' PIPE # nobody may read the reports any more
  # shellcheck disable=SC2086 # one pid a word
  kill -TERM $reporters 2>/dev/null
  for ((i = 0; i < grace_ms / 100; i++)); do
    [ -n "$(jobs -pr)" ] || break
    sleep 0.1
  done
  reporters=$(jobs -pr)
  # shellcheck disable=SC2086
  [ -z "$reporters" ] || kill -USR1 $reporters 2>/dev/null
  wait
fi
