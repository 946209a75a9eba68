#!/bin/sh
# SPDX-License-Identifier: MIT
#
# trace/tests/preflight_verdicts.sh - trace_check.py's preflight turns only
# a machine that cannot trace into SKIP: a zc-trace --check that crashes,
# dies of a signal or fails with an unknown message must fail the test.
#
# Usage: preflight_verdicts.sh TRACE_CHECK.PY
set -u
CHECK=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0

fake() {	# name exit-code message
	printf '#!/bin/sh\n[ "$1" = --check ] || exit 99\necho "%s" >&2\n%s\n' "$3" "$2" >"$T/$1"
	chmod +x "$T/$1"
}
verdict() {	# fake-tracer expected-exit what
	python3 "$CHECK" --scenario emitter --tracer "$T/$1" --emitter /bin/true >"$T/out" 2>&1
	rc=$?
	if [ "$rc" = "$2" ]; then
		echo "ok   $3 (exit $rc)"
	else
		echo "FAIL $3: exit $rc, want $2"
		sed 's/^/    /' "$T/out"
		fail=1
	fi
}
fake noroot "exit 1" "zc-trace: zc-trace must run as root (or with CAP_BPF and CAP_PERFMON) to load BPF programs: try sudo"
fake nobtf "exit 1" "zc-trace: this kernel has no BTF (/sys/kernel/btf/vmlinux is missing: CONFIG_DEBUG_INFO_BTF), which the kick->wake histogram needs; run without -H for counts only"
fake segv 'kill -SEGV $$' "zc-trace: starting"
fake abort "exit 134" "zc-trace: this kernel has no uprobes"
fake unknown "exit 1" "zc-trace: something else went wrong"
fake empty "exit 2" ""

verdict noroot 77 "not root: SKIP"
verdict nobtf 77 "no BTF: SKIP"
verdict segv 1 "a crash (SIGSEGV) fails"
verdict abort 1 "an abnormal exit code fails even with a known message"
verdict unknown 1 "an unknown message fails"
verdict empty 1 "a failure with no message fails"
exit $fail
