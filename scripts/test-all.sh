#!/usr/bin/env bash
# Every test zc has, on a fresh Debian 12 machine: installs the packages,
# then runs the test suite in a -Werror build (bench and trace required),
# again under ASan+UBSan, the threaded and multi-process tests under TSan,
# the restart soak, the libFuzzer targets for a short fixed time, the kernel
# driver's tests in a Debian kernel under QEMU, and the firmware's Cortex-M
# cross build. Every build product goes under build/ (build/ci, build/release,
# build/asan, build/tsan, build/fuzz, build/cross; kmod/qemu/run.sh uses
# build/kmod); nothing else is written inside the checkout.
#
# It ends with one line "N passed, N failed, N skipped" counted over every
# test of every step (meson's testlog.json of each build, the QEMU guest's
# per-test verdicts), and exits non-zero if anything failed, if a step ran no
# test at all, or if a step that must run here (trace, bench, QEMU, cross
# build, huge pages, fuzz) skipped. Env:
#   ZC_ALLOW_SKIP=1  a developer machine without root/BPF/QEMU: skips are
#                    counted and shown but do not fail the run (never on CI)
#   ZC_SKIP_KMOD=1   leave the QEMU step out (counted as a skipped step, so
#                    it fails the run unless ZC_ALLOW_SKIP=1)
#   ZC_FUZZ_SECONDS  seconds per fuzz target (default 20)
#   ZC_BUILD=DIR     put the build products in DIR instead of build/ (a
#                    second run beside another one)
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
B=${ZC_BUILD:-$top/build}
scripts/setup.sh || exit 1
strict=1
[ "${ZC_ALLOW_SKIP:-0}" = 1 ] && strict=0

# Huge pages for the hugetlb tests; test_huge must then use them.
if [ -w /proc/sys/vm/nr_hugepages ] && [ "$(cat /proc/sys/vm/nr_hugepages)" -lt 64 ]; then
	echo 64 > /proc/sys/vm/nr_hugepages || true
fi
[ $strict = 1 ] && export ZC_REQUIRE_HUGE=1

declare -a results
failed=0
n_pass=0 n_fail=0 n_skip=0
step_pass=0 step_fail=0 step_skip=0	# of the step running now

# Tally meson's per-test results of build dir $1 into the step's counts.
# Prints the failed and skipped tests by name.
tally_meson() {
	local log=$1/meson-logs/testlog.json counts
	[ -f "$log" ] || { echo "test-all: no $log" >&2; return 1; }
	counts=$(python3 - "$log" <<-'EOF'
	import json, sys
	p = f = s = 0
	for line in open(sys.argv[1]):
	    if not line.strip():
	        continue
	    t = json.loads(line)
	    r = t.get("result", "")
	    if r in ("OK", "EXPECTEDFAIL"):
	        p += 1
	    elif r == "SKIP":
	        s += 1
	        print("  skipped: " + t["name"], file=sys.stderr)
	    else:
	        f += 1
	        print("  failed: %s (%s)" % (t["name"], r), file=sys.stderr)
	print(p, f, s)
	EOF
	) || return 1
	read -r p f s <<<"$counts"
	step_pass=$((step_pass + p)) step_fail=$((step_fail + f)) step_skip=$((step_skip + s))
}

# step NAME REQUIRED CMD...: REQUIRED=1 means a skip or no test fails the
# run (unless ZC_ALLOW_SKIP=1). CMD adds its tests to step_*; a CMD that
# counts none counts as one test itself (pass or fail by its exit code, 77
# skip).
step() {
	local name=$1 required=$2; shift 2
	local t0=$SECONDS rc verdict
	step_pass=0 step_fail=0 step_skip=0
	echo "=== $name: $*"
	"$@"
	rc=$?
	if [ $((step_pass + step_fail + step_skip)) = 0 ]; then
		case $rc in
		0) step_pass=1 ;;
		77) step_skip=1 ;;
		*) step_fail=1 ;;
		esac
	elif [ $rc != 0 ] && [ $rc != 77 ] && [ $step_fail = 0 ]; then
		step_fail=1	# the step failed outside any test (build, setup)
	fi
	verdict=PASS
	if [ $step_fail != 0 ]; then
		verdict=FAIL
	elif [ $step_skip != 0 ] && [ $required = 1 ]; then
		verdict=SKIP
		[ $strict = 1 ] && verdict="FAIL (skipped on a machine where it must run)"
	fi
	case $verdict in FAIL*) failed=1 ;; esac
	results+=("$verdict $name: $step_pass passed, $step_fail failed, $step_skip skipped ($((SECONDS - t0)) s)")
	n_pass=$((n_pass + step_pass)) n_fail=$((n_fail + step_fail)) n_skip=$((n_skip + step_skip))
}

setup_build() {	# dir meson-args...
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; return 1; }
	else
		meson configure "$dir" "$@" >/dev/null || return 1
	fi
	ninja -C "$dir" >"$dir.ninja.log" 2>&1 || { tail -50 "$dir.ninja.log"; return 1; }
}

# Build in $1 with meson args $3..., run the suites $2 (all if empty,
# "!name" leaves suite name out);
# meson test's exit code says nothing of what ran: the tally does.
build_and_test() {
	local dir=$1 suites=$2; shift 2
	mkdir -p "$B"
	setup_build "$dir" "$@" || return 1
	local args=() s
	for s in $suites; do
		case $s in
		!*) args+=(--no-suite "${s#!}") ;;
		*) args+=(--suite "$s") ;;
		esac
	done
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --print-errorlogs --num-processes 2 "${args[@]}"
	local rc=$? before=$((step_pass + step_fail + step_skip))
	tally_meson "$dir" || return 1
	if [ $((step_pass + step_fail + step_skip)) = "$before" ]; then
		echo "test-all: no test matched in $dir (suites: ${suites:-all})" >&2
		return 1
	fi
	return $rc
}

# The suites that must run on CI, one step each (so their skips count).
# On CI a missing bench or trace dependency is a configure error, not a
# quiet "not built".
need=enabled
[ $strict = 1 ] || need=auto
ci_args=(--buildtype=debugoptimized -Dbench=$need -Dtrace=$need)
step "tests (-Werror)" 0 build_and_test "$B/ci" "!trace !bench !soak !python" "${ci_args[@]}"
step "Python binding (pytest)" 1 build_and_test "$B/ci" "python" "${ci_args[@]}"
step "zc-trace tests" 1 build_and_test "$B/ci" "trace" "${ci_args[@]}"
step "benchmarks as tests" 1 build_and_test "$B/ci" "bench" "${ci_args[@]}"
step "restart soak (shm, RING and SEQ)" 1 build_and_test "$B/ci" "soak" "${ci_args[@]}"
# The quick start builds optimised: -O3 finds warnings -O2 does not.
step "release build (-O3 -Werror)" 0 setup_build "$B/release" --buildtype=release
# Sanitized runs: fewer stress messages (ASan/TSan are 5-15x slower), same checks.
export ZC_STRESS_MSGS=2000000
step "tests under ASan+UBSan" 0 build_and_test "$B/asan" "!soak" \
	-Db_sanitize=address,undefined -Db_lundef=false -Dparts=tools,firmware,tests,examples
step "threaded and multi-process tests under TSan" 0 build_and_test "$B/tsan" "threads process firmware !soak" \
	-Db_sanitize=thread -Db_lundef=false -Dparts=tests,firmware
unset ZC_STRESS_MSGS
fuzz_step() {
	mkdir -p "$B"
	CC=clang setup_build "$B/fuzz" -Dfuzz=true -Dparts=none || return 1
	fuzz/run.sh --build "$B/fuzz" "${ZC_FUZZ_SECONDS:-20}"
	local rc=$?
	[ -f "$B/fuzz/fuzz-results.txt" ] && tally_lines "$B/fuzz/fuzz-results.txt"
	return $rc
}
# Lines "PASS|FAIL|SKIP|MISSING name" of file $1 into the step's counts.
tally_lines() {
	local v
	while read -r v _; do
		case $v in
		PASS) step_pass=$((step_pass + 1)) ;;
		FAIL|MISSING) step_fail=$((step_fail + 1)) ;;
		SKIP) step_skip=$((step_skip + 1)) ;;
		esac
	done < <(grep -E '^(PASS|FAIL|MISSING|SKIP) [A-Za-z0-9_.-]+' "$1")
}
step "libFuzzer targets (${ZC_FUZZ_SECONDS:-20} s each)" 1 fuzz_step
kmod_step() {
	if [ "${ZC_SKIP_KMOD:-0}" = 1 ]; then
		echo "ZC_SKIP_KMOD=1: the QEMU step is left out"
		return 77
	fi
	[ -f kmod/qemu/run.sh ] || { echo "test-all: kmod/qemu/run.sh is missing" >&2; return 1; }
	mkdir -p "$B/kmod"
	ZC_KMOD_BUILD="$B/kmod" bash kmod/qemu/run.sh 2>&1 | tee "$B/kmod.out"
	local rc=${PIPESTATUS[0]}
	# run.sh judges each planned test: "PASS name", "FAIL name", "MISSING name".
	tally_lines "$B/kmod.out"
	return "$rc"
}
# The installed headers and library as a user meets them (gcc and clang,
# -std=c99 -pedantic -Werror, out of tree, through pkg-config).
install_step() {
	mkdir -p "$B"
	scripts/check-install.sh "$B/check-install" 2>&1 | tee "$B/check-install.out"
	local rc=${PIPESTATUS[0]}
	sed -E 's/^(PASS|FAIL|SKIP): /\1 /' "$B/check-install.out" > "$B/check-install.tally"
	tally_lines "$B/check-install.tally"
	return "$rc"
}
step "installed library, out of tree (-pedantic)" 1 install_step
step "kernel driver in QEMU" 1 kmod_step
cross_step() {
	[ -f firmware/cross/build.sh ] || { echo "test-all: firmware/cross/build.sh is missing" >&2; return 1; }
	bash firmware/cross/build.sh "$B/cross"
}
step "firmware Cortex-M4F cross build" 1 cross_step

echo
echo "=== summary"
printf '%s\n' "${results[@]}"
echo "$n_pass passed, $n_fail failed, $n_skip skipped"
exit $failed
