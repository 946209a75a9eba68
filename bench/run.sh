#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/run.sh - build zc-bench (release), run the whole matrix with
# repetitions, and write docs/performance-bench.md and its charts.
#
#   bench/run.sh [FILTER]
#
# Environment: REPS (5), MIN_TIME (0.2 s per case), BUILD (build-bench),
# ZC_BENCH_CPUS (producer,consumer CPUs; default the first two), OUT
# (results directory, default $BUILD/bench-results), DOCS (docs), WRAP (a
# command to run zc-bench under, e.g. "nice -n -10" or "chrt -f 10" on a
# shared machine: a busy-poller that loses its core measures the scheduler).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD:-build-bench}
reps=${REPS:-5}
min_time=${MIN_TIME:-0.2}
filter=${1:-.}
out=${OUT:-$build/bench-results}
docs=${DOCS:-docs}

# The charts need matplotlib (Debian: python3-matplotlib): prefer the
# system interpreter, which has it, over one first on PATH that may not.
py=python3
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import matplotlib' 2>/dev/null; then
		py=$p
		break
	fi
done

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release -Db_ndebug=true -Dbench=enabled
fi
ninja -C "$build" bench/zc-bench
mkdir -p "$out"
rm -f "$out/hist.jsonl"

load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
if [ "${load%%.*}" -ge 1 ] 2>/dev/null; then
	echo "bench/run.sh: load average is $load: other work will share the cores and busy-poll figures will suffer." >&2
fi

# shellcheck disable=SC2086 # WRAP is a command line, split on purpose
set -- ${WRAP:-} "$build/bench/zc-bench" "--benchmark_filter=$filter" \
	"--benchmark_repetitions=$reps" "--benchmark_min_time=$min_time" \
	"--benchmark_out=$out/results.json" "--benchmark_out_format=json" \
	"--benchmark_enable_random_interleaving=true" \
	"--hist-out=$out/hist.jsonl"
echo "bench/run.sh: $*" >&2
"$@"
"$py" bench/report --json "$out/results.json" --hist "$out/hist.jsonl" \
	--command "REPS=$reps MIN_TIME=$min_time${WRAP:+ WRAP='$WRAP'} bench/run.sh '$filter'
# which ran: $*" \
	--findings bench/findings.md --out "$docs"
