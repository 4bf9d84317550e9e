# Launcher runtime of typespec-workers (https://www.npmjs.com/package/typespec-workers): the
# fixed part of every generated launcher `<worker>/main.sh`, inlined there or sourced from
# `_runtime/launcher.sh` beside the worker folders. Documented in docs/launchers.md of the package.
#
# The launcher sets tkr_worker and tkr_value_limit, then runs `tkr_main "$@"` with the worker's
# task table on stdin (see tkr_dispatch). Values only ever live in variables and reach programs
# as single arguments, files or stdin: nothing re-reads them as shell code.

# shellcheck shell=bash
: "${tkr_worker:?set by the launcher}" "${tkr_value_limit:?set by the launcher}"

tkr_task=$tkr_worker  # prefix of every message; the task name once known
tkr_finished=0        # 1 once _done or _error is written: the EXIT trap's safety net stands down
tkr_ran=0             # 1 once the program started: only then is its stderr worth quoting
tkr_error_path=''
tkr_errors_file=''
tkr_errors_shared=0   # 1 when our stderr already is the errors file (the executor redirected it)
tkr_failed_at=''
tkr_timeout=''        # the spec's @timeout; TW_TIMEOUT_SECONDS (the run's limit) wins over it
tkr_timeout_run=${TW_TIMEOUT_SECONDS-}
unset TW_TIMEOUT_SECONDS  # the run's limit is this task's, not that of launchers the program starts
tkr_launch_mode=${TW_LAUNCH:-direct}  # how a Slurm job starts the program (docs/slurm.md, "Launch")
unset TW_LAUNCH           # as the time limit: this task's only
tkr_launch=()             # the words before each program: srun or mpirun and the task count
tkr_child=''          # process (group) of the running program
tkr_pid=$BASHPID      # the launcher itself: its traps act here only, never in a subshell
tkr_why=''            # why the last check failed (for messages)
tkr_stdin=''          # the file a @stdio task's scalar input is decoded into
tkr_watch_stderr=0    # 1 for @stdio tasks: an empty output with stderr written is a failure
tkr_stderr_before=0   # size of the errors file before the program started
tkr_stderr_grew=0     # 1 when the program wrote to stderr
tkr_output_files=()   # this run's outputs: removed on failure, so no partial value remains
tkr_temp_files=()     # removed when the launcher ends

# Fails the task: the message (and the tail of the program's stderr) go to _error, the message
# to stderr; the launcher exits non-zero.
tkr_fail() {
  local message="$tkr_task: $1" tail_text=''
  tkr_finished=1
  # Nothing half-written stays where a finished value would be; on a full disk this also frees
  # the room _error needs.
  rm -f -- "${tkr_output_files[@]}" "${tkr_temp_files[@]}" 2>/dev/null || true
  if [[ $tkr_ran == 1 && -n $tkr_errors_file && -s $tkr_errors_file ]]; then
    tail_text=$(tail -n 20 -- "$tkr_errors_file" || true)
  fi
  printf 'typespec-workers: %s\n' "$message" >&2
  # The error file's folder may not exist (a wrong definition path): say so once, in our words.
  # ("! { ...; } >file" would not see a failed redirection: bash does not negate it.)
  if [[ -n $tkr_error_path ]]; then
    {
      printf '%s\n' "$message"
      if [[ -n $tail_text ]]; then printf -- '--- last lines of stderr ---\n%s\n' "$tail_text"; fi
    } 2>/dev/null >"$tkr_error_path" ||
      printf 'typespec-workers: %s: cannot write %s\n' "$tkr_task" "$tkr_error_path" >&2
  fi
  exit 1
}

# Whatever stops the launcher without a verdict (a failed command under `set -e`, a signal)
# still ends in _error: never in silence.
# Subshells (the watchdog, a program not yet started) can run these traps too when a signal
# comes before they reset them: there they do nothing but end the subshell.
tkr_on_exit() {
  local status=$?
  if [[ $BASHPID == "$tkr_pid" && $tkr_finished == 0 ]]; then
    tkr_fail "launcher stopped unexpectedly (status $status${tkr_failed_at:+ at $tkr_failed_at})"
  fi
}
trap 'tkr_failed_at="line $LINENO: $BASH_COMMAND"' ERR
trap tkr_on_exit EXIT
# A signal to the launcher (a cancelled run, a scheduler) stops the program and all it started.
tkr_on_signal() {
  local stopped=''
  [[ $BASHPID == "$tkr_pid" ]] || exit 143
  if [[ -n $tkr_child ]]; then
    tkr_stop_program
    stopped='; the program was stopped'
  fi
  tkr_fail "launcher received SIG$1$stopped"
}
# SIGTERM to the program's group, SIGKILL 1 s later (within the controller's grace before it
# kills the launcher), and SIGKILL to whatever the program left behind.
tkr_stop_program() {
  local timer
  kill -TERM -- -"$tkr_child" 2>/dev/null || return 0
  (
    trap - EXIT ERR TERM INT HUP
    sleep 1
    kill -KILL -- -"$tkr_child"
  ) </dev/null >/dev/null 2>&1 &
  timer=$!
  wait "$tkr_child" 2>/dev/null || true
  kill -KILL -- -"$tkr_child" 2>/dev/null || true
  kill -KILL "$timer" 2>/dev/null || true
  wait "$timer" 2>/dev/null || true
  jobs >/dev/null 2>&1
}
trap 'tkr_on_signal TERM' TERM
trap 'tkr_on_signal INT' INT
trap 'tkr_on_signal HUP' HUP

# tkr_abs VAR PATH: PATH made absolute against the checkpoints root, into VAR.
tkr_abs() {
  if [[ $2 == /* ]]; then printf -v "$1" '%s' "$2"; else printf -v "$1" '%s/%s' "$tkr_root" "$2"; fi
}

# Reads the definition (call arguments) with one jq call: NUL-separated fields, then `ok`.
tkr_read_call() {
  local filter='def s(field): if type == "string" and . != "" then . else error("\(field) should be a path or name, not \(tojson)") end;
    def entry(map): if (.value | type) == "string" and .value != "" then .value
      else error("\(map).\(.key) should be a path or name, not \(.value | tojson)") end;
    if type != "object" then error("expected a JSON object, not \(type)") else . end
    | (.function_name | s("function_name")), (.output_dir | s("output_dir")), (.done_path | s("done_path")),
      (.error_path | s("error_path")), (.logs_path // "-" | s("logs_path")),
      ((.inputs // {}) | to_entries[] | ("input:" + .key), entry("inputs")),
      ((.outputs // {}) | to_entries[] | ("output:" + .key), entry("outputs"))
    | . + "\u0000"'
  local -a call=()
  mapfile -d '' -t call < <(jq -j "$filter" <"$1" 2>/dev/null && printf 'ok\0')
  local n=${#call[@]}
  if (( n < 6 )) || [[ ${call[n - 1]} != ok ]]; then
    local why
    why=$(jq -j "$filter" <"$1" 2>&1 >/dev/null | tail -n 1 || true)
    why=${why#jq: error (at <stdin>:*): }
    tkr_fail "cannot read call arguments $1: ${why:-not a JSON object with function_name, output_dir, done_path and error_path}"
  fi
  function_name=${call[0]}
  tkr_abs output_dir "${call[1]}"
  tkr_abs done_path "${call[2]}"
  tkr_abs error_path "${call[3]}"
  # A null logs_path: the workflow's log beside the node folders, where upstream keeps it.
  if [[ ${call[4]} != - ]]; then tkr_abs logs_path "${call[4]}"; else logs_path=${tkr_node_dir%/*}/logs; fi
  local i
  for (( i = 5; i < n - 1; i += 2 )); do
    case ${call[i]} in
      input:*) tkr_inputs[${call[i]#input:}]=${call[i + 1]} ;;
      output:*) tkr_outputs[${call[i]#output:}]=${call[i + 1]} ;;
    esac
  done
}

# tkr_input PORT scalar|file required|optional [DEFAULT]: exports input_PORT_file and, for a
# scalar, input_PORT_value (plain text). An omitted input with a default gets the default
# (wire form) written to <node>/defaults/PORT; without one its variables stay unset.
tkr_input() {
  local port=$1 kind=$2 need=$3 path
  if [[ $kind == scalar ]]; then tkr_port_vars[$port]=input_${port}_value; else tkr_port_vars[$port]=input_${port}_file; fi
  if [[ -v "tkr_inputs[$port]" ]]; then
    tkr_abs path "${tkr_inputs[$port]}"
    [[ -f $path ]] || tkr_fail "input '$port': file $path does not exist"
  elif (( $# > 3 )); then
    path=$tkr_node_dir/defaults/$port
    mkdir -p -- "${path%/*}"
    tkr_write "$path" "$4"
  elif [[ $need == optional ]]; then
    # Not inherited from an executor's environment either: unset means not given.
    unset "input_${port}_file" "input_${port}_value"
    tkr_unset[$port]="input '$port' was not given and has no default"
    return 0
  else
    tkr_fail "input '$port' is missing from the call arguments ($worker_call_args_file)"
  fi
  export "input_${port}_file=$path"
  if [[ $kind == scalar ]]; then tkr_input_value "$port" "$path"; fi
}

# Exports input_PORT_value: the plain text of a scalar (a string without quotes and escapes, a
# number as written). Not set beyond $tkr_value_limit bytes, for a string holding NUL (no
# argument or environment value can) or a lone surrogate (no UTF-8 text can).
tkr_input_value() {
  local port=$1 path=$2 size text
  size=$(wc -c <"$path")
  if (( size > tkr_value_limit )); then
    unset "input_${port}_value"
    tkr_unset[$port]="input '$port' has $size bytes, more than the $tkr_value_limit that pass as text (its file is input_${port}_file)"
    return 0
  fi
  if ! tkr_plain_text text "$path"; then
    unset "input_${port}_value"
    tkr_unset[$port]="input '$port' $tkr_why"
    return 0
  fi
  export "input_${port}_value=$text"
}

# tkr_plain_text VAR PATH: the plain text of the scalar in wire form at PATH, into VAR; else
# returns 1 with the reason in tkr_why.
tkr_plain_text() {
  local raw decoded
  IFS= read -r -d '' raw <"$2" || true
  if [[ $raw =~ ^[[:space:]]*\" ]]; then
    if tkr_have_codec; then
      local -a result=()
      mapfile -d '' -t result < <(tkr_codec value <"$2" 2>/dev/null)
      if [[ ${result[0]-} != ok ]]; then
        tkr_why=${result[1]:-could not be decoded (the string codec failed)}
        return 1
      fi
      printf -v "$1" '%s' "${result[1]-}"
      return 0
    fi
    { tkr_utf8_string "$2" && tkr_utf8_text "$2"; } || return 1
    # The trailing `.` keeps trailing newlines of the string through $(...); `N` marks a NUL.
    decoded=$(jq -sj 'if length != 1 or (.[0] | type) != "string" then error("no string")
      elif (.[0] | explode | any(. == 0)) then "N" else .[0] + "." end' <<<"$raw" 2>/dev/null) || {
      tkr_why="is not a valid JSON string"
      return 1
    }
    if [[ $decoded == N ]]; then
      tkr_why="holds a NUL character, which no argument or environment value can hold"
      return 1
    fi
    printf -v "$1" '%s' "${decoded%.}"
  else
    [[ $raw =~ ^[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]] && raw=${BASH_REMATCH[1]}
    printf -v "$1" '%s' "$raw"
  fi
}

# String values are converted by the string codec: the compiled one (native-codec.c of the
# package) when the controller hands its path in TW_STRING_CODEC_BIN, else string-codec.pl when
# perl is on the PATH. Both stream, check UTF-8 strictly and give the same results; the compiled
# one is several times faster. Without either (or with TW_STRING_CODEC=jq) jq converts them, at
# a tenth of Perl's speed, with the checks below around it. tkr_string_codec (native, perl or
# jq) is set by tkr_main; native becomes perl if the program does not run here (another machine
# kind on a shared file system).
tkr_string_codec=''
tkr_native_checked=0

# tkr_codec MODE [FILE]: runs the string codec on stdin (its modes are described in the file).
# The emitter writes string-codec.pl into the here-document; the environment's Perl options
# cannot change how it reads bytes.
# Ask tkr_have_codec first, outside any subshell.
tkr_codec() {
  if [[ $tkr_string_codec == native ]]; then
    "$TW_STRING_CODEC_BIN" "$@"
    return
  fi
  PERL5OPT='' PERL_UNICODE=0 perl /dev/fd/3 "$@" 3<<'TKR_CODEC'
die "typespec-workers: string-codec.pl belongs here; the emitter puts it in\n";
TKR_CODEC
}

# Whether string values go through tkr_codec (the compiled or the Perl codec), else jq. The
# compiled codec is tried once, at its first use: where it does not run (or speaks another
# protocol version), perl takes over, or jq without perl, unless TW_STRING_CODEC insists on it.
tkr_have_codec() {
  if [[ $tkr_string_codec == native && $tkr_native_checked == 0 ]]; then
    tkr_native_checked=1
    if [[ $("$TW_STRING_CODEC_BIN" version 2>/dev/null) != 1 ]]; then
      if [[ ${TW_STRING_CODEC-} == native ]]; then
        tkr_fail "the string codec $TW_STRING_CODEC_BIN (TW_STRING_CODEC_BIN) does not run here"
      fi
      if command -v perl >/dev/null 2>&1; then tkr_string_codec=perl; else tkr_string_codec=jq; fi
    fi
  fi
  [[ $tkr_string_codec != jq ]]
}

# tkr_convert WHAT FILE MODE OUT [NAME]: runs the codec (after tkr_have_codec) on FILE into OUT,
# or fails naming WHAT ("input 'text'") or, when OUT cannot be written, NAME (the file OUT is
# renamed to, else OUT).
tkr_convert() {
  local why status=0
  why=$(tkr_codec "$3" "$4" <"$2" 2>&1) || status=$?
  case $status in
    0) ;;
    1) tkr_fail "$1 $why" ;;
    2) tkr_fail_write "${5:-$4}" "$why" ;;
    *) tkr_fail "$1 could not be converted: the string codec ($tkr_string_codec) stopped with status $status${why:+: $why}" ;;
  esac
}

# Returns 1 (reason in tkr_why) when the JSON string at PATH holds a lone surrogate escape
# (`\ud800` without its pair), which no UTF-8 text can carry (jq would turn it into U+FFFD or
# refuse it). Only files with such escapes at all are read in full, once: awk's records are the
# pieces between backslashes, so an empty record is the second backslash of `\\`.
tkr_utf8_string() {
  LC_ALL=C grep -q '\\u[dD][89a-fA-F]' "$1" 2>/dev/null || return 0
  local lone
  lone=$(LC_ALL=C awk '
    function lone(e) { print e; found = 1; exit }
    BEGIN { RS = "\\" }
    NR == 1 { leader = 1; next }
    # After an escaped backslash: plain text, and the next backslash starts an escape.
    !leader { leader = 1; next }
    {
      if ($0 == "") { if (high != "") lone(high); leader = 0; next }
      e = "\\" substr($0, 1, 5)
      if (high != "") {
        if ($0 !~ /^u[dD][c-fC-F][0-9a-fA-F][0-9a-fA-F]/) lone(high)
        high = ""
      } else if ($0 ~ /^u[dD][89abAB][0-9a-fA-F][0-9a-fA-F]/) {
        if (length($0) > 5) lone(e)
        high = e
      } else if ($0 ~ /^u[dD][c-fC-F][0-9a-fA-F][0-9a-fA-F]/) lone(e)
    }
    END { if (!found && high != "") print high }
  ' "$1")
  [[ -n $lone ]] || return 0
  tkr_why="holds a lone surrogate ($lone), which no UTF-8 text can carry"
  return 1
}

# Returns 1 (reason in tkr_why) unless the file at PATH is UTF-8 text, where jq reads it: jq
# would silently turn what is not into U+FFFD. jq copies a file of UTF-8 text unchanged; only
# files with bytes beyond ASCII are read again. (--rawfile: jq 1.6's -R breaks characters that
# straddle its 8 KiB reads.)
tkr_utf8_text() {
  LC_ALL=C grep -aq $'[\x80-\xff]' "$1" 2>/dev/null || return 0
  # shellcheck disable=SC2016 # $text is jq's variable
  if ! cmp -s -- "$1" <(jq -nj --rawfile text "$1" '$text' 2>/dev/null); then
    tkr_why="is not valid UTF-8 text"
    return 1
  fi
}

# tkr_stdin_text PORT: the stdin of a @stdio task whose input is a scalar: its plain text,
# byte for byte (NUL included), as one line: followed by a newline unless it is empty or ends
# with one. Decoded into <node>/stdin in one pass (no bash loop over the text).
tkr_stdin_text() {
  local port=$1 head=''
  local -n file="input_${port}_file"
  tkr_stdin=$tkr_node_dir/stdin
  tkr_temp_files+=("$tkr_stdin")
  IFS= read -r -N 256 head <"$file" || true
  if [[ $head =~ ^[[:space:]]*\" ]] && tkr_have_codec; then
    tkr_convert "input '$port'" "$file" decode-line "$tkr_stdin"
  elif [[ $head =~ ^[[:space:]]*\" ]]; then
    { tkr_utf8_string "$file" && tkr_utf8_text "$file"; } || tkr_fail "input '$port' $tkr_why"
    local filter='if length != 1 or (.[0] | type) != "string" then error("no string")
      else .[0] | if . == "" or endswith("\n") then . else . + "\n" end end'
    if ! jq -sj "$filter" <"$file" 2>/dev/null >"$tkr_stdin"; then
      jq -se 'length == 1 and (.[0] | type) == "string"' <"$file" >/dev/null 2>&1 ||
        tkr_fail "input '$port' is not a valid JSON string"
      # Not the input then, but the writing: again, for the system's reason.
      tkr_fail_write "$tkr_stdin" "$(jq -sj "$filter" <"$file" 2>&1 >"$tkr_stdin")"
    fi
  else
    local text
    tkr_plain_text text "$file" || tkr_fail "input '$port' $tkr_why"
    printf '%s\n' "$text" 2>/dev/null >"$tkr_stdin" ||
      tkr_fail_write "$tkr_stdin" "$( { printf '%s\n' "$text" >"$tkr_stdin"; } 2>&1)"
  fi
}

# tkr_need PORT VAR: fails unless a placeholder's variable is set (an omitted optional input, a
# value too large or not representable as text).
tkr_need() {
  if [[ ! -v $2 ]]; then
    local reason=${tkr_unset[$1]-}
    tkr_fail "${reason:-input $1 is not available}; the command line needs it"
  fi
}

# tkr_var NAME int|float|string|bool [DEFAULT]: template variable NAME (`{var.NAME}`) from
# $var_NAME when set (even empty), else its default; exported, so the program and its scripts see
# the value the command line got. Without either its placeholder fails the task (tkr_need).
tkr_var() {
  local name=$1 type=$2 env=var_$1 ok=0 want
  tkr_port_vars[var.$name]=$env
  if [[ ! -v $env ]]; then
    if (( $# < 3 )); then
      tkr_unset[var.$name]="template variable '$name' has no default and $env is not set"
      return 0
    fi
    printf -v "$env" '%s' "$3"
  fi
  local -n value=$env
  case $type in
    int) [[ $value =~ ^[+-]?[0-9]+$ ]] && ok=1 ;;
    float) [[ $value =~ ^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$ ]] && ok=1 ;;
    bool) [[ $value == true || $value == false ]] && ok=1 ;;
    string) ok=1 ;;
  esac
  if (( ! ok )); then
    case $type in int) want='an integer' ;; float) want='a number' ;; *) want='true or false' ;; esac
    tkr_fail "template variable '$name' should be $want, but $env is '${value:0:80}'"
  fi
  export "${env?}"
}

# tkr_output PORT: exports output_PORT_file and removes what an earlier attempt left there, so
# only this run's program can make the output exist.
tkr_output() {
  local port=$1 path
  if [[ -v "tkr_outputs[$port]" ]]; then tkr_abs path "${tkr_outputs[$port]}"; else path=$output_dir/$port; fi
  mkdir -p -- "${path%/*}"
  rm -f -- "$path"
  tkr_output_files+=("$path")
  tkr_port_vars[$port]=output_${port}_file
  export "output_${port}_file=$path"
}

# tkr_run LABEL STDIN STDOUT -- ARGV...: runs one program, its stderr into <node>/errors and
# passed through, and fails with the reason unless it exits with status 0. Empty STDIN is
# /dev/null; empty STDOUT is ours. The program runs in its own process group (job control is on
# while it starts): the time limit and a signal to the launcher stop it with all it started, and
# when it ends, whatever it left running in its group is killed. The tee copying its stderr
# stays outside that group, so a background child holding stderr open cannot keep the task alive.
tkr_run() {
  local label=$1 stdin=${2:-/dev/null} stdout=$3
  shift 4
  if ! command -v -- "$1" >/dev/null 2>&1; then
    tkr_fail "program '$1' was not found${label:+ ($label)}"
  fi
  local out err status=0 started=$SECONDS watchdog='' copier='' limit=${tkr_timeout_run:-$tkr_timeout}
  if [[ -n $limit && ! $limit =~ ^([0-9]+[.]?[0-9]*|[.][0-9]+)$ ]]; then
    tkr_fail "time limit '$limit' (TW_TIMEOUT_SECONDS) is not a number of seconds"
  fi
  if [[ -n $stdout ]]; then exec {out}>"$stdout"; else exec {out}>&1; fi
  if [[ $tkr_errors_shared == 1 ]]; then
    exec {err}>&2
  else
    exec {err}> >(exec tee -a -- "$tkr_errors_file" >&2)
    copier=$!
  fi
  tkr_ran=1
  if [[ $tkr_watch_stderr == 1 ]]; then tkr_stderr_before=$(wc -c <"$tkr_errors_file"); fi
  set -m
  (
    trap - EXIT ERR TERM INT HUP
    set +m
    exec "${tkr_launch[@]}" "$@" <"$stdin" >&"$out" 2>&"$err" {out}>&- {err}>&-
  ) &
  tkr_child=$!
  if [[ -n $limit ]]; then
    (
      trap - EXIT ERR TERM INT HUP
      set +m
      sleep "$limit"
      kill -TERM -- -"$tkr_child"
      sleep 10
      kill -KILL -- -"$tkr_child"
    ) </dev/null >/dev/null 2>&1 {out}>&- {err}>&- &
    watchdog=$!
  fi
  set +m
  wait "$tkr_child" 2>/dev/null || status=$?
  kill -KILL -- -"$tkr_child" 2>/dev/null || true
  tkr_child=''
  # SIGKILL: a subshell that has not yet reset the launcher's traps would swallow a SIGTERM.
  if [[ -n $watchdog ]]; then
    kill -KILL -- -"$watchdog" 2>/dev/null || true
    wait "$watchdog" 2>/dev/null || true
  fi
  # Job control would report each job killed by a signal ("Killed") on stderr at exit: not ours.
  jobs >/dev/null 2>&1
  exec {out}>&- {err}>&-
  # All of the program's stderr is in the errors file before its tail is quoted.
  if [[ -n $copier ]]; then wait "$copier" 2>/dev/null || true; fi
  if [[ $tkr_watch_stderr == 1 ]] && (( $(wc -c <"$tkr_errors_file") > tkr_stderr_before )); then tkr_stderr_grew=1; fi
  (( status != 0 )) || return 0
  local where=${label:+ ($label)}
  local whole=${limit%.*}
  if [[ -n $limit ]] && (( (status == 143 || status == 137) && SECONDS - started >= ${whole:-0} )); then
    tkr_fail "timed out after $limit s$where"
  fi
  if (( status > 128 && status < 160 )); then
    local name
    name=$(kill -l "$(( status - 128 ))" 2>/dev/null || true)
    tkr_fail "killed by signal $(( status - 128 ))${name:+ (SIG$name)}$where"
  fi
  tkr_fail "exited with status $status$where$(tkr_full_note)"
}

# "; the file system of <output_dir> is full" when it is: a program's write error (ENOSPC) is
# often all its stderr holds, and stderr may not fit on that disk either.
tkr_full_note() {
  local avail
  avail=$(df -P -- "$output_dir" 2>/dev/null | awk 'NR == 2 { print $4 }') || return 0
  if [[ $avail == 0 ]]; then printf '; the file system of %s is full' "$output_dir"; fi
}

# tkr_script PATH STDIN STDOUT: runs a user script (with bash when it is not executable).
tkr_script() {
  if [[ ! -f $1 ]]; then
    tkr_fail "script $1 was not found (write it, or declare the task's command line with @command)"
  fi
  if [[ -x $1 ]]; then tkr_run '' "$2" "$3" -- "$1"; else tkr_run '' "$2" "$3" -- bash "$1"; fi
}

# tkr_written PORT: fails unless the program wrote output PORT.
tkr_written() {
  local -n path="output_${1}_file"
  [[ -f $path ]] || tkr_fail "output '$1' was not written (expected $path)"
}

# tkr_read_trimmed VAR PORT: the output's text without surrounding white space.
tkr_read_trimmed() {
  local -n path="output_${2}_file"
  local raw=''
  IFS= read -r -d '' raw <"$path" || true
  [[ $raw =~ ^[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]] && raw=${BASH_REMATCH[1]}
  printf -v "$1" '%s' "$raw"
}

# tkr_replace PORT TEXT: the output file now holds exactly TEXT (its wire form).
tkr_replace() {
  local -n path="output_${1}_file"
  tkr_write "$path" "$2"
}

# tkr_write PATH TEXT: PATH holds exactly TEXT, or the task fails naming the file. Written to a
# temporary file beside it and renamed into place: PATH never holds part of a value.
tkr_write() {
  local tmp="$1.tkr-tmp"
  tkr_temp_files+=("$tmp")
  { printf '%s' "$2" >"$tmp" && mv -f -- "$tmp" "$1"; } 2>/dev/null && return 0
  # Once more, for the system's reason (a failure is rare: the success path has no subshell).
  tkr_fail_write "$1" "$( { printf '%s' "$2" >"$tmp" && mv -f -- "$tmp" "$1"; } 2>&1)"
}

# tkr_fail_write PATH ERROR: fails naming PATH and the reason at the end of a tool's ERROR message
# (`...: No space left on device`).
tkr_fail_write() {
  local why=${2##*: }
  tkr_fail "cannot write $1${why:+: $why}"
}

# An empty output of a @stdio task whose program wrote to stderr fails the task: programs such as
# bc report a bad input on stderr and exit 0.
tkr_stdio_output() {
  local -n path="output_${1}_file"
  if [[ $tkr_stderr_grew == 1 && -f $path && ! -s $path ]]; then
    tkr_fail "output '$1' is empty and the program wrote to stderr"
  fi
}

# Scalar outputs are written by programs as plain text and stored in the wire format (JSON as
# Python's json.dumps writes it; docs/launchers.md, "After the program").
tkr_encode_int() {
  local text
  tkr_written "$1"
  tkr_read_trimmed text "$1"
  [[ $text =~ ^([+-]?)0*([0-9]+)$ ]] || tkr_fail "output '$1' should be an integer, but the program wrote '${text:0:80}'"
  local sign=${BASH_REMATCH[1]#+} digits=${BASH_REMATCH[2]}
  [[ $digits != 0 ]] || sign=''
  tkr_replace "$1" "$sign$digits"
}

tkr_encode_float() {
  local text wire
  tkr_written "$1"
  tkr_read_trimmed text "$1"
  case ${text,,} in
    nan | +nan | -nan) wire=NaN ;;
    inf | +inf | infinity | +infinity) wire=Infinity ;;
    -inf | -infinity) wire=-Infinity ;;
    *)
      [[ $text =~ ^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$ ]] ||
        tkr_fail "output '$1' should be a number, but the program wrote '${text:0:80}'"
      # Python's repr: the shortest digits that read back as the same double, `.0` on whole
      # numbers, exponent form from 1e16 and below 1e-4 (awk computes in doubles, as Python).
      wire=$(LC_ALL=C awk -v text="$text" 'BEGIN {
        x = text + 0
        for (p = 1; p <= 17; p++) { s = sprintf("%." (p - 1) "e", x); if (s + 0 == x) break }
        sign = ""; if (substr(s, 1, 1) == "-" || (x == 0 && text ~ /^-/)) sign = "-"; sub(/^-/, "", s)
        if (s ~ /inf/) { print sign "Infinity"; exit }
        split(s, part, "e"); e = part[2] + 0
        digits = part[1]; sub(/\./, "", digits); sub(/0+$/, "", digits)
        if (digits == "") { print sign "0.0"; exit }
        if (e < -4 || e >= 16) {
          out = substr(digits, 1, 1); if (length(digits) > 1) out = out "." substr(digits, 2)
          a = e < 0 ? -e : e
          out = out "e" (e < 0 ? "-" : "+") (a < 10 ? "0" a : a)
        } else if (e < 0) {
          out = "0."; for (i = 1; i < -e; i++) out = out "0"; out = out digits
        } else {
          whole = substr(digits, 1, e + 1); while (length(whole) < e + 1) whole = whole "0"
          frac = substr(digits, e + 2); if (frac == "") frac = "0"
          out = whole "." frac
        }
        print sign out
      }')
      ;;
  esac
  tkr_replace "$1" "$wire"
}

tkr_encode_bool() {
  local text
  tkr_written "$1"
  tkr_read_trimmed text "$1"
  case ${text,,} in
    true | 1) tkr_replace "$1" true ;;
    false | 0) tkr_replace "$1" false ;;
    *) tkr_fail "output '$1' should be true or false, but the program wrote '${text:0:80}'" ;;
  esac
}

# A string output is the program's text minus one trailing newline (the line end `echo`
# writes), as JSON with \uXXXX escapes like Python's json.dumps, streamed into a temporary file
# that is renamed into place. Text that is not UTF-8 fails the task (use bytes for binary data).
tkr_encode_string() {
  local -n path="output_${1}_file"
  local tmp="$path.tkr-tmp"
  tkr_written "$1"
  tkr_temp_files+=("$tmp")
  if tkr_have_codec; then
    tkr_convert "output '$1'" "$path" encode "$tmp" "$path"
  else
    tkr_utf8_text "$path" || tkr_fail "output '$1' $tkr_why"
    # shellcheck disable=SC2016 # $text is jq's variable
    local filter='$text | if endswith("\n") then .[:-1] else . end'
    if ! jq -n -a --rawfile text "$path" "$filter" 2>/dev/null >"$tmp"; then
      tkr_fail_write "$path" "$(jq -n -a --rawfile text "$path" "$filter" 2>&1 >"$tmp")"
    fi
    # jq's own line end goes.
    truncate -s -1 -- "$tmp" 2>/dev/null || tkr_fail_write "$tmp" "$(truncate -s -1 -- "$tmp" 2>&1)"
  fi
  mv -f -- "$tmp" "$path" 2>/dev/null || tkr_fail_write "$path" "$(mv -f -- "$tmp" "$path" 2>&1)"
}

# A task without a result (void) stores `null`, whether or not the program wrote it.
tkr_encode_null() {
  local -n path="output_${1}_file"
  local text=''
  if [[ -f $path ]]; then tkr_read_trimmed text "$1"; fi
  [[ -z $text || $text == null ]] || tkr_fail "output '$1' should be empty or null, but the program wrote '${text:0:80}'"
  tkr_replace "$1" null
}

# tkr_encode_literal PORT TEXT WIRE...: one of the declared values, by its plain text.
tkr_encode_literal() {
  local port=$1 text
  tkr_written "$port"
  tkr_read_trimmed text "$port"
  shift
  local allowed=''
  while (( $# > 0 )); do
    if [[ $text == "$1" ]]; then tkr_replace "$port" "$2"; return 0; fi
    allowed+="${allowed:+, }$1"
    shift 2
  done
  tkr_fail "output '$port' should be one of $allowed, but the program wrote '${text:0:80}'"
}

# Structs, lists, records and unions are written by the program in wire form (JSON).
tkr_check_json() {
  local -n path="output_${1}_file"
  tkr_written "$1"
  jq -e 'true' <"$path" >/dev/null 2>&1 || tkr_fail "output '$1' is not valid JSON (structured values are written in the wire format)"
}

tkr_done() {
  rm -f -- "${tkr_temp_files[@]}"
  : 2>/dev/null >"$done_path" || tkr_fail "cannot write $done_path"
  tkr_finished=1
}

# ---------------------------------------------------------------------------------------------
# The task table. The launcher passes it on stdin, one line per task: the task name, then
# directives, all separated by single spaces. Each field is text with printf %b escapes (`\\`,
# `\xHH` for spaces and control characters); `-` alone is the empty text. Directives, in order:
#   in PORT scalar|file required|optional          an input (tkr_input)
#   default PORT scalar|file required|optional WIRE an input with a default in wire form
#   out PORT                                        an output (tkr_output)
#   timeout SECONDS                                 the time limit of each program
#   stdin PORT                                      a @stdio task's scalar input, decoded (tkr_stdin_text)
#   watch                                           an empty output with stderr written fails (@stdio)
#   run LABEL STDIN STDOUT COUNT WORD...            runs a command line (tkr_run)
#   script PATH STDIN STDOUT                        runs a script, relative to the launcher's folder
#   check PORT written|int|float|bool|string|null|json|stdio   checks and encodes an output
#   literal PORT COUNT TEXT WIRE...                 an output that is one of COUNT declared values
#   var NAME TYPE default TEXT | var NAME TYPE required   a template variable (tkr_var)
# A row named `@vars` (before the tasks; no task has that name) holds the worker's `var`
# directives, which run first for every task.
# A WORD (and STDIN, STDOUT) is a command-line word: `{port}` stands for the port's value (scalar
# input) or path (other inputs, outputs), `{var.NAME}` for a template variable's value, `{{` and
# `}}` for braces. STDIN `-` is /dev/null, `<` the decoded input; STDOUT `-` is the launcher's.
# Kept as data in a quoted here-document, so a worker of thousands of tasks adds no code to read
# (or to shellcheck).

# Reads the table on stdin and runs the task named $function_name.
tkr_dispatch() {
  local row='' name names='' vars=''
  while IFS= read -r row; do
    name=${row%% *}
    # The worker's template variables come before the tasks: every task gets their directives.
    # (Checked first: a call naming the task `@vars` finds no task.)
    if [[ $name == @vars ]]; then vars=${row#* } row=''; continue; fi
    [[ $name != "$function_name" ]] || break
    names+=${names:+, }$name
    row=''
  done
  exec </dev/null
  if [[ -z $row ]]; then tkr_fail "no task '$function_name' in this worker (tasks: ${names:-none})"; fi
  tkr_task=$function_name
  row=${vars:+$vars }${row#* }
  local -a fields=()
  local i
  read -r -a fields <<<"$row"
  for i in "${!fields[@]}"; do
    if [[ ${fields[i]} == - ]]; then fields[i]=''; else printf -v "fields[$i]" '%b' "${fields[i]}"; fi
  done
  tkr_run_task "${fields[@]}"
}

# tkr_run_task DIRECTIVE...: runs a task from its table row (without the name). Every placeholder
# of every command line is checked before the first program starts.
tkr_run_task() {
  local -a f=("$@") argv=()
  local i=0 n=$# checked=0 stdin stdout count
  while (( i < n )); do
    case ${f[i]} in
      in) tkr_input "${f[i + 1]}" "${f[i + 2]}" "${f[i + 3]}"; (( i += 4 )) ;;
      default) tkr_input "${f[i + 1]}" "${f[i + 2]}" "${f[i + 3]}" "${f[i + 4]}"; (( i += 5 )) ;;
      out) tkr_output "${f[i + 1]}"; (( i += 2 )) ;;
      timeout) tkr_timeout=${f[i + 1]}; (( i += 2 )) ;;
      var)
        if [[ ${f[i + 3]} == default ]]; then
          tkr_var "${f[i + 1]}" "${f[i + 2]}" "${f[i + 4]}"; (( i += 5 ))
        else
          tkr_var "${f[i + 1]}" "${f[i + 2]}"; (( i += 4 ))
        fi
        ;;
      stdin)
        tkr_need "${f[i + 1]}" "input_${f[i + 1]}_file"
        tkr_stdin_text "${f[i + 1]}"
        (( i += 2 ))
        ;;
      watch) tkr_watch_stderr=1; (( i += 1 )) ;;
      run | script)
        if (( checked == 0 )); then tkr_check_runs "$i" "$@"; checked=1; fi
        tkr_stream stdin "${f[i + 2]}"
        tkr_stream stdout "${f[i + 3]}"
        if [[ ${f[i]} == script ]]; then
          local path=${f[i + 1]}
          [[ $path == /* ]] || path=$tkr_launcher_dir/$path
          tkr_script "$path" "$stdin" "$stdout"
          (( i += 4 ))
        else
          count=${f[i + 4]}
          tkr_words argv "$(( i + 5 ))" "$count" "$@"
          tkr_run "${f[i + 1]}" "$stdin" "$stdout" -- "${argv[@]}"
          (( i += 5 + count ))
        fi
        ;;
      check)
        case ${f[i + 2]} in
          written) tkr_written "${f[i + 1]}" ;;
          json) tkr_check_json "${f[i + 1]}" ;;
          stdio) tkr_stdio_output "${f[i + 1]}" ;;
          int | float | bool | string | null) "tkr_encode_${f[i + 2]}" "${f[i + 1]}" ;;
          *) tkr_fail "launcher table: unknown output check '${f[i + 2]}'" ;;
        esac
        (( i += 3 ))
        ;;
      literal)
        count=${f[i + 2]}
        tkr_encode_literal "${f[i + 1]}" "${f[@]:i + 3:2 * count}"
        (( i += 3 + 2 * count ))
        ;;
      *) tkr_fail "launcher table: unknown directive '${f[i]}'" ;;
    esac
  done
  tkr_done
}

# tkr_check_runs FROM FIELD...: expands the words of the run directives from FIELD number FROM on
# (discarding them): a placeholder whose value is missing fails before any program starts.
tkr_check_runs() {
  local i=$1 count
  shift
  local -a f=("$@") argv=()
  while (( i < $# )) && [[ ${f[i]} == run || ${f[i]} == script ]]; do
    if [[ ${f[i]} == script ]]; then (( i += 4 )); continue; fi
    count=${f[i + 4]}
    tkr_words argv "$(( i + 5 ))" "$count" "$@"
    (( i += 5 + count ))
  done
}

# tkr_words ARRAY FROM COUNT FIELD...: COUNT words from FIELD number FROM on, expanded, into ARRAY.
tkr_words() {
  local -n words=$1
  local from=$2 count=$3 j
  shift 3
  local -a f=("$@")
  words=()
  for (( j = from; j < from + count; j++ )); do
    tkr_expand "${f[j]}"
    words+=("$tkr_word")
  done
}

# tkr_stream VAR FIELD: STDIN or STDOUT of a run directive into VAR ('' for the default).
tkr_stream() {
  case $2 in
    '') printf -v "$1" '%s' '' ;;
    '<') printf -v "$1" '%s' "$tkr_stdin" ;;
    *) tkr_expand "$2"; printf -v "$1" '%s' "$tkr_word" ;;
  esac
}

# tkr_expand WORD: WORD with each {port} replaced by the port's value or path, and each
# {var.NAME} by the variable's value, into tkr_word. The value is appended as data: it is never
# scanned for placeholders itself.
tkr_expand() {
  local rest=$1 text token name var
  local re='^([^{}]*)(\{\{|\}\}|\{((var\.)?[A-Za-z_][A-Za-z0-9_]*)\})(.*)$'
  tkr_word=''
  while [[ $rest =~ $re ]]; do
    text=${BASH_REMATCH[1]} token=${BASH_REMATCH[2]} name=${BASH_REMATCH[3]} rest=${BASH_REMATCH[5]}
    tkr_word+=$text
    case $token in
      '{{') tkr_word+='{' ;;
      '}}') tkr_word+='}' ;;
      *)
        var=${tkr_port_vars[$name]-}
        [[ -n $var ]] || tkr_fail "launcher table: '{$name}' names no port or variable of the task"
        tkr_need "$name" "$var"
        tkr_word+=${!var}
        ;;
    esac
  done
  tkr_word+=$rest
}

tkr_main() {
  local definition=${1:-${worker_call_args_file-}}
  if [[ -z $definition ]]; then
    printf 'usage: %s DEFINITION\n  DEFINITION: the call-arguments file of a task, absolute or relative to the\n  checkpoints root (TKR_DIR, else checkpoints_directory, else ~/.tierkreis/checkpoints)\n' "$0" >&2
    tkr_finished=1
    exit 2
  fi
  # The checkpoints root: from the environment, else from an absolute definition path
  # (<root>/<workflow>/<node>/definition, as a batch job is started), else upstream's default.
  if [[ -n ${TKR_DIR-} ]]; then tkr_root=$TKR_DIR
  elif [[ -n ${checkpoints_directory-} ]]; then tkr_root=$checkpoints_directory
  elif [[ $definition == /* ]]; then tkr_root=${definition%/*/*/*}
  else tkr_root=${HOME:-~}/.tierkreis/checkpoints
  fi
  [[ $tkr_root == /* ]] || tkr_root=$PWD/$tkr_root
  [[ $definition == /* ]] || definition=$tkr_root/$definition
  tkr_node_dir=${definition%/*}
  # The launcher (main.sh), also when this runtime is sourced from a file of its own.
  tkr_launcher_dir=$(readlink -f -- "${BASH_SOURCE[-1]}")
  tkr_launcher_dir=${tkr_launcher_dir%/*}
  tkr_error_path=$tkr_node_dir/_error
  if (( BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] < 404 )); then
    tkr_fail "the launcher needs bash 4.4 or later (this is bash $BASH_VERSION)"
  fi
  shopt -s inherit_errexit
  # srun runs the program as each of the job's tasks (a job step); mpirun starts the job's task
  # count of ranks. In a Slurm job, the job script has checked that the tool is there.
  case $tkr_launch_mode in
    direct) ;;
    srun)
      tkr_launch=(srun)
      if [[ -n ${SLURM_NTASKS-} ]]; then tkr_launch+=("--ntasks=$SLURM_NTASKS"); fi
      # Slurm 22.05 to 23.02 do not hand the job's --cpus-per-task to its steps.
      if [[ -n ${SLURM_CPUS_PER_TASK-} ]]; then tkr_launch+=("--cpus-per-task=$SLURM_CPUS_PER_TASK"); fi
      ;;
    mpirun)
      tkr_launch=(mpirun)
      if [[ -n ${SLURM_NTASKS-} ]]; then tkr_launch+=(-n "$SLURM_NTASKS"); fi
      ;;
    *) tkr_fail "TW_LAUNCH '$tkr_launch_mode' is not direct, srun or mpirun" ;;
  esac
  # Port paths from the call arguments, and why a port's variable is unset (for messages).
  declare -gA tkr_inputs=() tkr_outputs=() tkr_unset=()
  # The variable each port's placeholder stands for (input_P_value, input_P_file, output_P_file).
  declare -gA tkr_port_vars=()
  command -v jq >/dev/null 2>&1 || tkr_fail "the launcher needs jq (to read call arguments), and jq was not found on PATH"
  case ${TW_STRING_CODEC-} in
    '')
      if [[ -n ${TW_STRING_CODEC_BIN-} && -x $TW_STRING_CODEC_BIN ]]; then
        tkr_string_codec=native
      elif command -v perl >/dev/null 2>&1; then
        tkr_string_codec=perl
      else
        tkr_string_codec=jq
      fi
      ;;
    native)
      [[ -n ${TW_STRING_CODEC_BIN-} && -x $TW_STRING_CODEC_BIN ]] ||
        tkr_fail "TW_STRING_CODEC is native, and TW_STRING_CODEC_BIN${TW_STRING_CODEC_BIN:+ ($TW_STRING_CODEC_BIN)} is not an executable file"
      tkr_string_codec=native
      ;;
    perl) command -v perl >/dev/null 2>&1 || tkr_fail "TW_STRING_CODEC is perl, and perl was not found on PATH"; tkr_string_codec=perl ;;
    jq) tkr_string_codec=jq ;;
    *) tkr_fail "TW_STRING_CODEC '$TW_STRING_CODEC' is not native, perl or jq" ;;
  esac
  [[ -f $definition ]] || tkr_fail "call arguments $definition do not exist"

  tkr_read_call "$definition"
  # Upstream executors pass the task as <root>/<task> or <worker>.<task>: the task is the name.
  function_name=${function_name##*/}
  function_name=${function_name#"$tkr_worker".}
  tkr_error_path=$error_path
  export TKR_DIR=$tkr_root checkpoints_directory=$tkr_root worker_call_args_file=$definition
  export function_name done_path error_path output_dir logs_path
  mkdir -p -- "$output_dir"
  rm -f -- "$done_path" "$error_path"
  tkr_errors_file=$tkr_node_dir/errors
  if [[ /dev/stderr -ef $tkr_errors_file ]]; then tkr_errors_shared=1; else : 2>/dev/null >"$tkr_errors_file" || tkr_fail "cannot write $tkr_errors_file"; fi
  tkr_dispatch
}
