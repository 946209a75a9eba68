#!/usr/bin/env bash
# Every test zc has, on a fresh Debian 12 machine: installs the packages,
# then runs the test suite in a -Werror build, again under ASan+UBSan, the
# threaded and multi-process tests under TSan, the kernel driver's tests in
# a Debian kernel under QEMU, and the firmware's Cortex-M cross build.
# Exits non-zero if anything failed; prints a summary either way.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

# Huge pages for the hugetlb tests, when we may reserve them.
if [ -w /proc/sys/vm/nr_hugepages ] && [ "$(cat /proc/sys/vm/nr_hugepages)" -lt 64 ]; then
	echo 64 > /proc/sys/vm/nr_hugepages || true
fi

declare -a results
failed=0
step() {
	local name=$1; shift
	echo "=== $name: $*"
	local t0=$SECONDS
	if "$@"; then
		results+=("PASS $name ($((SECONDS - t0)) s)")
	else
		results+=("FAIL $name ($((SECONDS - t0)) s)")
		failed=1
	fi
}

build_and_test() {
	local dir=$1; shift
	local suites=$1; shift
	[ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null || return 1
	ninja -C "$dir" || return 1
	local args=()
	for s in $suites; do args+=(--suite "$s"); done
	meson test -C "$dir" --print-errorlogs --num-processes 2 "${args[@]}"
}

step "tests (-Werror)" build_and_test build-ci "" --buildtype=debugoptimized
# The quick start builds optimised: -O3 finds warnings -O2 does not.
release_build() {
	[ -f build-release-ci/build.ninja ] || meson setup build-release-ci --buildtype=release >/dev/null || return 1
	ninja -C build-release-ci
}
step "release build (-O3 -Werror)" release_build
# Sanitized runs: fewer stress messages (ASan/TSan are 5-15x slower), same checks.
export ZC_STRESS_MSGS=2000000
step "tests under ASan+UBSan" build_and_test build-asan "" \
	-Db_sanitize=address,undefined -Db_lundef=false -Dparts=tools,firmware,tests,examples
step "threaded and multi-process tests under TSan" build_and_test build-tsan "threads process firmware" \
	-Db_sanitize=thread -Db_lundef=false -Dparts=tests,firmware
unset ZC_STRESS_MSGS
if [ -f kmod/qemu/run.sh ]; then
	step "kernel driver in QEMU" bash kmod/qemu/run.sh
fi
if [ -f firmware/cross/build.sh ]; then
	step "firmware Cortex-M4F cross build" bash firmware/cross/build.sh
fi

echo
echo "=== summary"
printf '%s\n' "${results[@]}"
exit $failed
