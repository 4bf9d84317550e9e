#!/usr/bin/env bash
# Coverage-guided fuzzing of the compiled string codec (src/graph/executors/native-codec.c) with
# AFL++, under AddressSanitizer, with blocks of 64 bytes (decode, value) and 16 bytes (encode) so
# that escapes and characters meet block ends; then every input AFL kept is run through the Perl
# codec too, and any difference in verdict or output is printed. A longer, deeper complement to
# the differential tests in test/launchers/native-codec.test.ts (npm test, npm run soak).
# Usage: scripts/fuzz-codec.sh [SECONDS per mode, default 300] [WORK DIR, default a new temporary one]
# Needs afl++ (Debian: apt-get install afl++). Exits 1 on a crash, a hang or a difference.
set -euo pipefail
seconds=${1:-300}
work=${2:-$(mktemp -d -t tw-fuzz-codec-XXXXXX)}
here=$(cd "$(dirname "$0")/.." && pwd)
source=$here/src/graph/executors/native-codec.c
perl_codec=$here/src/emitter/runtime/string-codec.pl
if ! command -v afl-fuzz >/dev/null || ! command -v afl-clang-fast >/dev/null; then
  echo "fuzz-codec: needs afl++ (apt-get install afl++)" >&2
  exit 2
fi
mkdir -p "$work"
cd "$work"
echo "fuzz-codec: working in $work, $seconds s per mode" >&2

for block in 16 64; do
  AFL_USE_ASAN=1 afl-clang-fast -O1 -g -std=c99 -DBLOCK=$block -o "afl$block" "$source"
  cc -O2 -std=c99 -DBLOCK=$block -o "plain$block" "$source"
done

# Seeds: a JSON string with every kind of escape; text with every kind of character.
mkdir -p seeds/decode seeds/encode
printf '"abc\\u00e9\\ud83d\\ude00 \\n \\\\ \\" \\/ \\b\\f\\r\\t x"' >seeds/decode/escapes
printf ' "plain text long enough to cross a block of sixty-four bytes, and more"\n' >seeds/decode/plain
printf '"\\u0000\\t\\"q\\" \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"' >seeds/decode/raw-utf8
printf 'h\xc3\xa9llo "q" \\ \t\x01\x7f \xf0\x9f\x98\x80 end\n' >seeds/encode/mixed
printf 'plain text long enough to cross a block of sixteen bytes, several times over\n' >seeds/encode/plain

# Three fuzzers share the cores there are (AFL binds each to a core of its own by default).
export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:symbolize=0
pids=()
for run in decode:64 value:64 encode:16; do
  mode=${run%:*} block=${run#*:}
  seeds=seeds/decode
  [[ $mode == encode ]] && seeds=seeds/encode
  output=/dev/null
  [[ $mode == value ]] && output=''
  timeout "$seconds" afl-fuzz -i "$seeds" -o "out-$mode" -m none -- "./afl$block" "$mode" ${output:+"$output"} \
    >"afl-$mode.log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done

status=0
for mode in decode value encode; do
  stats=out-$mode/default/fuzzer_stats
  [[ -f $stats ]] || { echo "fuzz-codec: afl-fuzz did not start for $mode (see $work/afl-$mode.log)" >&2; status=1; continue; }
  execs=$(awk '$1 == "execs_done" { print $3 }' "$stats")
  crashes=$(awk '$1 == "saved_crashes" { print $3 }' "$stats")
  hangs=$(awk '$1 == "saved_hangs" { print $3 }' "$stats")
  echo "$mode: $execs runs, $crashes crashes, $hangs hangs (out-$mode/default)"
  ((crashes == 0 && hangs == 0)) || status=1
done

# Every input AFL kept, through both codecs: the same verdict, and the same result when accepted.
checks=0 differences=0
shopt -s nullglob
for entry in out-*/default/queue/id*; do
  case $entry in out-encode/*) modes=(encode) ;; *) modes=(decode decode-line value) ;; esac
  for mode in "${modes[@]}"; do
    checks=$((checks + 1))
    if [[ $mode == value ]]; then
      # `ok` NUL text, or `no` NUL reason.
      a=$(PERL5OPT='' PERL_UNICODE=0 perl "$perl_codec" value <"$entry" 2>/dev/null | od -An -c | tr -d ' \n') || true
      b=$(./plain64 value <"$entry" 2>/dev/null | od -An -c | tr -d ' \n') || true
      verdict_a=${a:0:2} verdict_b=${b:0:2}
    else
      verdict_a=0 verdict_b=0 a='' b=''
      PERL5OPT='' PERL_UNICODE=0 perl "$perl_codec" "$mode" perl.out <"$entry" 2>/dev/null || verdict_a=$?
      ./plain64 "$mode" native.out <"$entry" 2>/dev/null || verdict_b=$?
      [[ $verdict_a != 0 ]] || a=$(sha1sum <perl.out)
      [[ $verdict_b != 0 ]] || b=$(sha1sum <native.out)
    fi
    [[ $verdict_a == ok || $verdict_a == 0 ]] || a=''
    [[ $verdict_b == ok || $verdict_b == 0 ]] || b=''
    if [[ $verdict_a != "$verdict_b" || $a != "$b" ]]; then
      differences=$((differences + 1))
      echo "difference in $mode: $entry (Perl: $verdict_a, compiled: $verdict_b)"
    fi
  done
done
echo "corpus against the Perl codec: $checks checks, $differences differences"
((differences == 0)) || status=1
exit "$status"
