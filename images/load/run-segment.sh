#!/bin/sh
# Runs segment i of N of one k6 script on the embedded engine: i from the indexed Job's
# JOB_COMPLETION_INDEX (0..N-1), N from SEGMENTS (the Job's completions). The N pods together run
# the script's whole schedule once, as k6's execution segments divide it:
#   --execution-segment "i/N:(i+1)/N" --execution-segment-sequence "0,1/N,2/N,...,1"
# (the first start written 0 and the last end 1, as the sequence writes them).
#   run-segment.sh [k6 run options] <script>
set -eu

die() { printf 'run-segment: %s\n' "$*" >&2; exit 2; }

i=${JOB_COMPLETION_INDEX:-}
n=${SEGMENTS:-}
case $n in '' | *[!0-9]*) die "SEGMENTS='$n' is not a whole number: set it to the Job's completions" ;; esac
case $i in '' | *[!0-9]*) die "JOB_COMPLETION_INDEX='$i' is not a whole number: run this in a Job with completionMode: Indexed" ;; esac
[ "$n" -ge 1 ] || die "SEGMENTS=$n: give at least 1"
[ "$i" -lt "$n" ] || die "JOB_COMPLETION_INDEX=$i is not below SEGMENTS=$n: set SEGMENTS to the Job's completions"

point() { # k/N, written 0 and 1 at the ends
  if [ "$1" -eq 0 ]; then echo 0; elif [ "$1" -eq "$n" ]; then echo 1; else echo "$1/$n"; fi
}
sequence=0
k=1
while [ "$k" -le "$n" ]; do
  sequence="$sequence,$(point "$k")"
  k=$((k + 1))
done
segment="$(point "$i"):$(point $((i + 1)))"

exec "${ENGINE_NODE:-/app/node_modules/.bin/node}" --max-semi-space-size=64 "${ENGINE_CLI:-/app/load/cli.ts}" run \
  --execution-segment "$segment" --execution-segment-sequence "$sequence" \
  --tag "faultline_segment=$i" "$@"
