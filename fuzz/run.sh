#!/bin/bash
# SPDX-License-Identifier: MIT
#
# fuzz/run.sh - run the libFuzzer targets (docs/fuzzing.md).
#
#   fuzz/run.sh [--build DIR] [SECONDS] [TARGET...]   fuzz each for SECONDS (20)
#   fuzz/run.sh [--build DIR] --replay TARGET         run its corpus once
#
# DIR is a meson build configured with CC=clang and -Dfuzz=true (default
# build/fuzz; set up and built here when missing). The committed corpus
# fuzz/corpus/TARGET is only read: new inputs go to DIR/fuzz-corpus/TARGET,
# crashes to DIR/fuzz-artifacts/ (printed with the command that replays
# them). One line per target, "PASS name" or "FAIL name", also in
# DIR/fuzz-results.txt; exits 1 if any target crashed or broke an invariant.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$top/build/fuzz
replay=
secs=20
targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift ;;
	--replay) replay=$2; shift ;;
	[0-9]*) secs=$1 ;;
	-*) echo "usage: $0 [--build DIR] [SECONDS | --replay TARGET] [TARGET...]" >&2; exit 2 ;;
	*) targets+=("$1") ;;
	esac
	shift
done
all=(fuzz_geom fuzz_dataplane fuzz_chantab fuzz_fw)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
opts=(-rss_limit_mb=2048 -timeout=10 -max_len=4096)

if [ -n "$replay" ]; then
	exec "$build/fuzz/$replay" "${opts[@]}" -runs=0 "$here/corpus/$replay"
fi

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true -Dparts=none >/dev/null || exit 1
fi
ninja -C "$build" $(printf 'fuzz/%s ' "${targets[@]}") >/dev/null || exit 1

results=$build/fuzz-results.txt
: >"$results"
fail=0
for t in "${targets[@]}"; do
	out=$build/fuzz-corpus/$t
	art=$build/fuzz-artifacts/$t-
	log=$build/fuzz-$t.log
	mkdir -p "$out" "$(dirname "$art")"
	echo "== $t: ${secs} s (corpus fuzz/corpus/$t, new inputs in $out)"
	if "$build/fuzz/$t" "${opts[@]}" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$art" "$out" "$here/corpus/$t" >"$log" 2>&1; then
		grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "$log" | tail -2
		echo "PASS $t" | tee -a "$results"
	else
		grep -A40 -E '^==[0-9]+==ERROR|invariant broken|^SUMMARY' "$log" | head -60
		ls "$build"/fuzz-artifacts/"$t"-* 2>/dev/null | sed "s|^|replay: $build/fuzz/$t |"
		echo "FAIL $t (log: $log)" | tee -a "$results"
		fail=1
	fi
done
exit $fail
