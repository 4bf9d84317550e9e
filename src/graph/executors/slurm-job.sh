# Body of every Slurm job script of typespec-workers (src/graph/executors/slurm-job.sh in the
# package; docs/slurm.md). The lines above it are written for each job: #SBATCH options, the
# environment the executor exports, and these variables (single-quoted values: data, not code):
#   tw_worker, tw_task   the task's worker and name, for messages
#   tw_launcher          the worker's launcher; tw_via_bash=1 runs it with bash (it is not executable)
#   tw_timeout           the task's time limit in seconds, or empty
#   tw_launch            direct, srun or mpirun: how the launcher starts the program (TW_LAUNCH)
#   tw_modules           environment modules to load before anything runs (an array)
#   tw_setup_status      the exit status recorded for a task when the job cannot set up
# and, for one task: tw_node (its folder) and tw_definition (its call arguments), its contract
# variables exported above; for a job array: tw_list (`<node folder>\t<definition>` lines, each
# folder holding the task's job.env) and tw_per (the tasks each element runs, one after another).

# shellcheck shell=bash
: "${tw_worker:?}" "${tw_task:?}" "${tw_launcher:?}" "${tw_via_bash:?}" "${tw_launch:?}" "${tw_setup_status:?}"
: "${tw_timeout?}"
# shellcheck disable=SC2154 # an array, set above (bash has no unset check for an empty one)
declare -p tw_modules >/dev/null || exit 70

# Stopped by Slurm (scancel, time limit): leave no exit status, so the scheduler's reason counts.
trap 'exit 143' TERM

tw_problem='' # why this job cannot run its tasks, once tw_setup has run

# Loads tw_modules, in order, into this shell (so the launcher and its program inherit them). A
# batch shell is not a login shell: where the submitting environment did not bring the `module`
# function along, the site's own initialisation (Lmod, then Environment Modules) is sourced.
tw_load_modules() {
  local init messages module
  if ! type module >/dev/null 2>&1; then
    for init in ${MODULESHOME:+"$MODULESHOME/init/bash"} /usr/share/lmod/lmod/init/bash /etc/profile.d/lmod.sh \
      /usr/share/modules/init/bash /etc/profile.d/modules.sh; do
      if [[ -r $init ]]; then
        # shellcheck disable=SC1090 # the site's file
        source "$init" >/dev/null 2>&1
        break
      fi
    done
  fi
  if ! type module >/dev/null 2>&1; then
    tw_problem="worker $tw_worker: modules ${tw_modules[*]} were asked for, but node $(hostname) has no 'module' command (neither Lmod nor Environment Modules is set up there)"
    return 1
  fi
  messages=$(mktemp) || {
    tw_problem="worker $tw_worker: cannot make a temporary file to load modules ${tw_modules[*]}"
    return 1
  }
  for module in "${tw_modules[@]}"; do
    if ! module load "$module" 2>"$messages"; then
      tw_problem="worker $tw_worker: module '$module' could not be loaded on node $(hostname): $(tail -n 5 -- "$messages" | tr -s '\n' ' ')"
      rm -f -- "$messages"
      return 1
    fi
  done
  rm -f -- "$messages"
}

# Loads the modules, then makes sure the launch tool is there (a module often brings it).
tw_setup() {
  if ((${#tw_modules[@]} > 0)); then tw_load_modules || return 0; fi
  if [[ $tw_launch != direct ]] && ! command -v "$tw_launch" >/dev/null 2>&1; then
    tw_problem="worker $tw_worker: launch $tw_launch: '$tw_launch' was not found on node $(hostname) (PATH=$PATH)"
    return 0
  fi
  export TW_LAUNCH=$tw_launch
}

# tw_run_task NODE DEFINITION: runs the launcher on one task (its contract variables exported) and
# records its exit status in NODE/_exit; a job that could not set up records tw_setup_status
# and its reason in _error instead.
tw_run_task() {
  local node=$1 definition=$2 status
  : "${done_path:?contract variable}" "${error_path:?contract variable}"
  if [[ -n $tw_problem ]]; then
    printf 'typespec-workers: %s.%s: %s\n' "$tw_worker" "$tw_task" "$tw_problem" >&2
    printf '%s\n' "$tw_problem" >"$error_path"
    status=$tw_setup_status
  else
    local -a run=()
    # timeout(1) stops the launcher (TERM, then KILL 5 s later) at the task's own limit, to the
    # second; Slurm's --time is only a backstop because it counts minutes.
    if [[ -n $tw_timeout ]]; then run=(timeout --kill-after=5 "$tw_timeout"); fi
    if [[ $tw_via_bash == 1 ]]; then run+=(bash); fi
    "${run[@]}" "$tw_launcher" "$definition"
    status=$?
    # As upstream's `launcher && touch _done`: a launcher that exits 0 is done even if it did not say so.
    [[ $status -ne 0 || -e $done_path ]] || : >"$done_path"
  fi
  # Written atomically, so a poller never reads half a number.
  printf '%s\n' "$status" >"$node/_exit.tmp" && mv -f "$node/_exit.tmp" "$node/_exit"
  return "$status"
}

tw_setup
if [[ -z ${tw_list-} ]]; then
  tw_run_task "${tw_node:?}" "${tw_definition:?}"
  exit
fi
first=$((SLURM_ARRAY_TASK_ID * ${tw_per:?} + 1))
last=$((first + tw_per - 1))
while IFS=$'\t' read -r node definition; do
  # Each task in a subshell: its own environment, stdout and stderr, and not the list on stdin.
  # A missing node folder ends only this task, which then has no exit status.
  (
    exec </dev/null >"$node/stdout" 2>"$node/errors" || exit 70
    # shellcheck disable=SC1091 # written by the executor
    source "$node/job.env"
    tw_run_task "$node" "$definition"
  )
done < <(sed -n "${first},${last}p" "$tw_list")
