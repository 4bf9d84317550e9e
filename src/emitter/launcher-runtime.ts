/**
 * The fixed part of every generated launcher: bash functions that read the call arguments,
 * export the contract variables, run programs and check and encode their outputs. Task
 * functions generated from the spec (see `launcher.ts`) only call these.
 *
 * Kept as bash text here (not a file beside the launcher) so a launcher is one self-contained
 * file that can be copied to a cluster. Escaped for a template literal: \\ \` \${.
 */
export const LAUNCHER_RUNTIME = `# ---------------------------------------------------------------------------------------------
# Launcher runtime (the same in every generated launcher). Values only ever live in variables
# and reach programs as single arguments, files or stdin: nothing re-reads them as shell code.

tkr_task=$tkr_worker  # prefix of every message; the task name once known
tkr_finished=0        # 1 once _done or _error is written: the EXIT trap's safety net stands down
tkr_ran=0             # 1 once the program started: only then is its stderr worth quoting
tkr_error_path=''
tkr_errors_file=''
tkr_errors_shared=0   # 1 when our stderr already is the errors file (the executor redirected it)
tkr_failed_at=''
tkr_timeout=''         # the spec's @timeout; TW_TIMEOUT_SECONDS (the run's limit) wins over it
tkr_timeout_run=\${TW_TIMEOUT_SECONDS-}
unset TW_TIMEOUT_SECONDS  # the run's limit is this task's, not that of launchers the program starts
tkr_child=''          # process (group) of the running program

# Fails the task: the message (and the tail of the program's stderr) go to _error, the message
# to stderr; the launcher exits non-zero.
tkr_fail() {
  local message="$tkr_task: $1" tail_text=''
  tkr_finished=1
  if [[ $tkr_ran == 1 && -n $tkr_errors_file && -s $tkr_errors_file ]]; then
    tail_text=$(tail -n 20 -- "$tkr_errors_file" || true)
  fi
  printf 'typespec-workers: %s\\n' "$message" >&2
  # The error file's folder may not exist (a wrong definition path): say so once, in our words.
  # ("! { ...; } >file" would not see a failed redirection: bash does not negate it.)
  if [[ -n $tkr_error_path ]]; then
    {
      printf '%s\\n' "$message"
      if [[ -n $tail_text ]]; then printf -- '--- last lines of stderr ---\\n%s\\n' "$tail_text"; fi
    } 2>/dev/null >"$tkr_error_path" ||
      printf 'typespec-workers: %s: cannot write %s\\n' "$tkr_task" "$tkr_error_path" >&2
  fi
  exit 1
}

# Whatever stops the launcher without a verdict (a failed command under \`set -e\`, a signal)
# still ends in _error: never in silence.
tkr_on_exit() {
  local status=$?
  if [[ $tkr_finished == 0 ]]; then
    tkr_fail "launcher stopped unexpectedly (status $status\${tkr_failed_at:+ at $tkr_failed_at})"
  fi
}
trap 'tkr_failed_at="line $LINENO: $BASH_COMMAND"' ERR
trap tkr_on_exit EXIT
# A signal to the launcher (a cancelled run, a scheduler) stops the program and all it started.
tkr_on_signal() {
  local stopped=''
  if [[ -n $tkr_child ]]; then
    kill -TERM -- -"$tkr_child" 2>/dev/null || true
    stopped='; the program was stopped'
  fi
  tkr_fail "launcher received SIG$1$stopped"
}
trap 'tkr_on_signal TERM' TERM
trap 'tkr_on_signal INT' INT
trap 'tkr_on_signal HUP' HUP

# tkr_abs VAR PATH: PATH made absolute against the checkpoints root, into VAR.
tkr_abs() {
  if [[ $2 == /* ]]; then printf -v "$1" '%s' "$2"; else printf -v "$1" '%s/%s' "$tkr_root" "$2"; fi
}

# Reads the definition (call arguments) with one jq call: NUL-separated fields, then \`ok\`.
tkr_read_call() {
  local filter='def s(field): if type == "string" and . != "" then . else error("\\(field) should be a path or name, not \\(tojson)") end;
    def entry(map): if (.value | type) == "string" and .value != "" then .value
      else error("\\(map).\\(.key) should be a path or name, not \\(.value | tojson)") end;
    if type != "object" then error("expected a JSON object, not \\(type)") else . end
    | (.function_name | s("function_name")), (.output_dir | s("output_dir")), (.done_path | s("done_path")),
      (.error_path | s("error_path")), (.logs_path // "-" | s("logs_path")),
      ((.inputs // {}) | to_entries[] | ("input:" + .key), entry("inputs")),
      ((.outputs // {}) | to_entries[] | ("output:" + .key), entry("outputs"))
    | . + "\\u0000"'
  local -a call=()
  mapfile -d '' -t call < <(jq -j "$filter" <"$1" 2>/dev/null && printf 'ok\\0')
  local n=\${#call[@]}
  if (( n < 6 )) || [[ \${call[n - 1]} != ok ]]; then
    local why
    why=$(jq -j "$filter" <"$1" 2>&1 >/dev/null | tail -n 1 || true)
    why=\${why#jq: error (at <stdin>:*): }
    tkr_fail "cannot read call arguments $1: \${why:-not a JSON object with function_name, output_dir, done_path and error_path}"
  fi
  function_name=\${call[0]}
  tkr_abs output_dir "\${call[1]}"
  tkr_abs done_path "\${call[2]}"
  tkr_abs error_path "\${call[3]}"
  # A null logs_path: the workflow's log beside the node folders, where upstream keeps it.
  if [[ \${call[4]} != - ]]; then tkr_abs logs_path "\${call[4]}"; else logs_path=\${tkr_node_dir%/*}/logs; fi
  local i
  for (( i = 5; i < n - 1; i += 2 )); do
    case \${call[i]} in
      input:*) tkr_inputs[\${call[i]#input:}]=\${call[i + 1]} ;;
      output:*) tkr_outputs[\${call[i]#output:}]=\${call[i + 1]} ;;
    esac
  done
}

# tkr_input PORT scalar|file required|optional [DEFAULT]: exports input_PORT_file and, for a
# scalar, input_PORT_value (plain text). An omitted input with a default gets the default
# (wire form) written to <node>/defaults/PORT; without one its variables stay unset.
tkr_input() {
  local port=$1 kind=$2 need=$3 path
  if [[ -v "tkr_inputs[$port]" ]]; then
    tkr_abs path "\${tkr_inputs[$port]}"
    [[ -f $path ]] || tkr_fail "input '$port': file $path does not exist"
  elif (( $# > 3 )); then
    path=$tkr_node_dir/defaults/$port
    mkdir -p -- "\${path%/*}"
    printf '%s' "$4" >"$path"
  elif [[ $need == optional ]]; then
    # Not inherited from an executor's environment either: unset means not given.
    unset "input_\${port}_file" "input_\${port}_value"
    tkr_unset[$port]="input '$port' was not given and has no default"
    return 0
  else
    tkr_fail "input '$port' is missing from the call arguments ($worker_call_args_file)"
  fi
  export "input_\${port}_file=$path"
  if [[ $kind == scalar ]]; then tkr_input_value "$port" "$path"; fi
}

# Exports input_PORT_value: the plain text of a scalar (a string without quotes and escapes, a
# number as written). Not set beyond $tkr_value_limit bytes or for a string holding NUL.
tkr_input_value() {
  local port=$1 path=$2 size text
  size=$(wc -c <"$path")
  if (( size > tkr_value_limit )); then
    unset "input_\${port}_value"
    tkr_unset[$port]="input '$port' has $size bytes, more than the $tkr_value_limit that pass as text (its file is input_\${port}_file)"
    return 0
  fi
  if ! tkr_plain_text text "$path"; then
    unset "input_\${port}_value"
    tkr_unset[$port]="input '$port' cannot pass as text (not valid JSON, or a string holding NUL)"
    return 0
  fi
  export "input_\${port}_value=$text"
}

# tkr_plain_text VAR PATH: the plain text of the scalar in wire form at PATH, into VAR.
tkr_plain_text() {
  local raw decoded
  IFS= read -r -d '' raw <"$2" || true
  if [[ $raw =~ ^[[:space:]]*\\" ]]; then
    # The trailing \`.\` keeps trailing newlines of the string through $(...).
    decoded=$(jq -j 'if type != "string" or (explode | any(. == 0)) then error("no text") else . + "." end' <<<"$raw" 2>/dev/null) || return 1
    printf -v "$1" '%s' "\${decoded%.}"
  else
    [[ $raw =~ ^[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]] && raw=\${BASH_REMATCH[1]}
    printf -v "$1" '%s' "$raw"
  fi
}

# Prints the plain text of a scalar input (the stdin of a @stdio task), without size limit.
tkr_cat_plain() {
  local text
  if [[ -v "input_\${1}_value" ]]; then
    local -n value="input_\${1}_value"
    printf '%s' "$value"
  elif tkr_plain_text text "$2"; then
    printf '%s' "$text"
  fi
}

# Fails unless a placeholder's variable is set (an omitted optional input, a value too large).
tkr_need() {
  if [[ ! -v $2 ]]; then
    local reason=\${tkr_unset[$1]-}
    tkr_fail "\${reason:-input $1 is not available}; the command line needs it"
  fi
}

# tkr_output PORT: exports output_PORT_file and removes what an earlier attempt left there, so
# only this run's program can make the output exist.
tkr_output() {
  local port=$1 path
  if [[ -v "tkr_outputs[$port]" ]]; then tkr_abs path "\${tkr_outputs[$port]}"; else path=$output_dir/$port; fi
  mkdir -p -- "\${path%/*}"
  rm -f -- "$path"
  export "output_\${port}_file=$path"
}

# tkr_run LABEL STDIN STDOUT -- ARGV...: runs one program, its stderr into <node>/errors and
# passed through, and fails with the reason unless it exits with status 0. Empty STDIN is
# /dev/null; empty STDOUT is ours. The program runs in its own process group (job control is on
# while it starts), so the time limit and a signal to the launcher stop it with all it started.
tkr_run() {
  local label=$1 stdin=\${2:-/dev/null} stdout=$3
  shift 4
  if ! command -v -- "$1" >/dev/null 2>&1; then
    tkr_fail "program '$1' was not found\${label:+ ($label)}"
  fi
  local out status=0 started=$SECONDS watchdog='' limit=\${tkr_timeout_run:-$tkr_timeout}
  if [[ -n $limit && ! $limit =~ ^([0-9]+[.]?[0-9]*|[.][0-9]+)$ ]]; then
    tkr_fail "time limit '$limit' (TW_TIMEOUT_SECONDS) is not a number of seconds"
  fi
  if [[ -n $stdout ]]; then exec {out}>"$stdout"; else exec {out}>&1; fi
  tkr_ran=1
  set -m
  if [[ $tkr_errors_shared == 1 ]]; then
    (set +m; exec "$@" <"$stdin" >&"$out") &
  else
    (set +m; "$@" <"$stdin" 2>&1 >&"$out" | tee -a -- "$tkr_errors_file" >&2; exit "\${PIPESTATUS[0]}") &
  fi
  tkr_child=$!
  if [[ -n $limit ]]; then
    (set +m; sleep "$limit"; kill -TERM -- -"$tkr_child"; sleep 10; kill -KILL -- -"$tkr_child") 2>/dev/null &
    watchdog=$!
  fi
  set +m
  wait "$tkr_child" || status=$?
  tkr_child=''
  if [[ -n $watchdog ]]; then kill -- -"$watchdog" 2>/dev/null || true; fi
  exec {out}>&-
  (( status != 0 )) || return 0
  local where=\${label:+ ($label)}
  local whole=\${limit%.*}
  if [[ -n $limit ]] && (( (status == 143 || status == 137) && SECONDS - started >= \${whole:-0} )); then
    tkr_fail "timed out after $limit s$where"
  fi
  if (( status > 128 && status < 160 )); then
    local name
    name=$(kill -l "$(( status - 128 ))" 2>/dev/null || true)
    tkr_fail "killed by signal $(( status - 128 ))\${name:+ (SIG$name)}$where"
  fi
  tkr_fail "exited with status $status$where"
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
  local -n path="output_\${1}_file"
  [[ -f $path ]] || tkr_fail "output '$1' was not written (expected $path)"
}

# tkr_read_trimmed VAR PORT: the output's text without surrounding white space.
tkr_read_trimmed() {
  local -n path="output_\${2}_file"
  local raw=''
  IFS= read -r -d '' raw <"$path" || true
  [[ $raw =~ ^[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]] && raw=\${BASH_REMATCH[1]}
  printf -v "$1" '%s' "$raw"
}

# tkr_replace PORT TEXT: the output file now holds exactly TEXT (its wire form).
tkr_replace() {
  local -n path="output_\${1}_file"
  printf '%s' "$2" >"$path"
}

# Scalar outputs are written by programs as plain text and stored in wire form (CONTRACT.md).
tkr_encode_int() {
  local text
  tkr_written "$1"
  tkr_read_trimmed text "$1"
  [[ $text =~ ^([+-]?)0*([0-9]+)$ ]] || tkr_fail "output '$1' should be an integer, but the program wrote '\${text:0:80}'"
  local sign=\${BASH_REMATCH[1]#+} digits=\${BASH_REMATCH[2]}
  [[ $digits != 0 ]] || sign=''
  tkr_replace "$1" "$sign$digits"
}

tkr_encode_float() {
  local text wire
  tkr_written "$1"
  tkr_read_trimmed text "$1"
  case \${text,,} in
    nan | +nan | -nan) wire=NaN ;;
    inf | +inf | infinity | +infinity) wire=Infinity ;;
    -inf | -infinity) wire=-Infinity ;;
    *)
      [[ $text =~ ^[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?$ ]] ||
        tkr_fail "output '$1' should be a number, but the program wrote '\${text:0:80}'"
      # Python's repr: the shortest digits that read back as the same double, \`.0\` on whole
      # numbers, exponent form from 1e16 and below 1e-4 (awk computes in doubles, as Python).
      wire=$(LC_ALL=C awk -v text="$text" 'BEGIN {
        x = text + 0
        for (p = 1; p <= 17; p++) { s = sprintf("%." (p - 1) "e", x); if (s + 0 == x) break }
        sign = ""; if (substr(s, 1, 1) == "-" || (x == 0 && text ~ /^-/)) sign = "-"; sub(/^-/, "", s)
        if (s ~ /inf/) { print sign "Infinity"; exit }
        split(s, part, "e"); e = part[2] + 0
        digits = part[1]; sub(/\\./, "", digits); sub(/0+$/, "", digits)
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
  case \${text,,} in
    true | 1) tkr_replace "$1" true ;;
    false | 0) tkr_replace "$1" false ;;
    *) tkr_fail "output '$1' should be true or false, but the program wrote '\${text:0:80}'" ;;
  esac
}

# A string output is the program's text minus one trailing newline (the line end \`echo\`
# writes), as JSON with \\uXXXX escapes like Python's json.dumps.
tkr_encode_string() {
  local -n path="output_\${1}_file"
  local wire
  tkr_written "$1"
  wire=$(jq -a -R -s 'if endswith("\\n") then .[:-1] else . end' <"$path") ||
    tkr_fail "output '$1' could not be read as text"
  tkr_replace "$1" "$wire"
}

# A task without a result (void) stores \`null\`, whether or not the program wrote it.
tkr_encode_null() {
  local -n path="output_\${1}_file"
  local text=''
  if [[ -f $path ]]; then tkr_read_trimmed text "$1"; fi
  [[ -z $text || $text == null ]] || tkr_fail "output '$1' should be empty or null, but the program wrote '\${text:0:80}'"
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
    allowed+="\${allowed:+, }$1"
    shift 2
  done
  tkr_fail "output '$port' should be one of $allowed, but the program wrote '\${text:0:80}'"
}

# Structs, lists, records and unions are written by the program in wire form (JSON).
tkr_check_json() {
  local -n path="output_\${1}_file"
  tkr_written "$1"
  jq -e 'true' <"$path" >/dev/null 2>&1 || tkr_fail "output '$1' is not valid JSON (structured values are written in the wire format)"
}

tkr_done() {
  : >"$done_path"
  tkr_finished=1
}

tkr_main() {
  local definition=\${1:-\${worker_call_args_file-}}
  if [[ -z $definition ]]; then
    printf 'usage: %s DEFINITION\\n  DEFINITION: the call-arguments file of a task, absolute or relative to the\\n  checkpoints root (TKR_DIR, else checkpoints_directory, else ~/.tierkreis/checkpoints)\\n' "$0" >&2
    tkr_finished=1
    exit 2
  fi
  # The checkpoints root: from the environment, else from an absolute definition path
  # (<root>/<workflow>/<node>/definition, as a batch job is started), else upstream's default.
  if [[ -n \${TKR_DIR-} ]]; then tkr_root=$TKR_DIR
  elif [[ -n \${checkpoints_directory-} ]]; then tkr_root=$checkpoints_directory
  elif [[ $definition == /* ]]; then tkr_root=\${definition%/*/*/*}
  else tkr_root=\${HOME:-~}/.tierkreis/checkpoints
  fi
  [[ $tkr_root == /* ]] || tkr_root=$PWD/$tkr_root
  [[ $definition == /* ]] || definition=$tkr_root/$definition
  tkr_node_dir=\${definition%/*}
  tkr_launcher_dir=$(readlink -f -- "\${BASH_SOURCE[0]}")
  tkr_launcher_dir=\${tkr_launcher_dir%/*}
  tkr_error_path=$tkr_node_dir/_error
  if (( BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] < 404 )); then
    tkr_fail "the launcher needs bash 4.4 or later (this is bash $BASH_VERSION)"
  fi
  shopt -s inherit_errexit
  # Port paths from the call arguments, and why a port's variable is unset (for messages).
  declare -gA tkr_inputs=() tkr_outputs=() tkr_unset=()
  command -v jq >/dev/null 2>&1 || tkr_fail "the launcher needs jq (to read call arguments), and jq was not found on PATH"
  [[ -f $definition ]] || tkr_fail "call arguments $definition do not exist"

  tkr_read_call "$definition"
  # Upstream executors pass the task as <root>/<task> or <worker>.<task>: the task is the name.
  function_name=\${function_name##*/}
  function_name=\${function_name#"$tkr_worker".}
  tkr_error_path=$error_path
  export TKR_DIR=$tkr_root checkpoints_directory=$tkr_root worker_call_args_file=$definition
  export function_name done_path error_path output_dir logs_path
  mkdir -p -- "$output_dir"
  rm -f -- "$done_path" "$error_path"
  tkr_errors_file=$tkr_node_dir/errors
  if [[ /dev/stderr -ef $tkr_errors_file ]]; then tkr_errors_shared=1; else : >"$tkr_errors_file"; fi
  tkr_dispatch
}
`;
