# tools/tests/lib.sh - shared by the CLI tests: where zc is, how to fail.
# Sourced; $ZC and $MKREGION come from meson (tools/tests/meson.build).
set -u
: "${ZC:?ZC must point at the built zc}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zc-cli.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Run a command that must fail cleanly: exit 1 or 2 (not a signal, not
# success) and exactly one line on stderr mentioning "zc".
# expect_clean_failure DESCRIPTION CMD...
expect_clean_failure() {
	desc=$1
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] ||
		fail "$desc: exit status $rc, want 1 or 2 (stderr: $(cat "$TMP/err"))"
	lines=$(wc -l <"$TMP/err")
	[ "$lines" -eq 1 ] ||
		fail "$desc: $lines lines on stderr, want one sentence: $(cat "$TMP/err")"
	grep -q '^zc' "$TMP/err" || fail "$desc: message does not name zc: $(cat "$TMP/err")"
	echo "ok: $desc: $(cat "$TMP/err")"
}
