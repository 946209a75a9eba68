#!/bin/sh
# Bad flags and arguments: one sentence and a non-zero exit, never a crash;
# --help works for every command.
. "$(dirname "$0")/lib.sh"

expect_clean_failure "no command" "$ZC"
expect_clean_failure "unknown command" "$ZC" frobnicate
expect_clean_failure "unknown bench option" "$ZC" bench --frob
expect_clean_failure "unknown short option" "$ZC" bench -x
expect_clean_failure "missing option value" "$ZC" bench --seconds
expect_clean_failure "bad number" "$ZC" bench --seconds fast
expect_clean_failure "negative seconds" "$ZC" bench --seconds -1
expect_clean_failure "bad size" "$ZC" bench --sizes 4X
expect_clean_failure "size too large" "$ZC" bench --sizes 64,3M
expect_clean_failure "empty size list item" "$ZC" bench --sizes 64,,1K
expect_clean_failure "batch out of range" "$ZC" bench --batch 65
expect_clean_failure "bad wait mode" "$ZC" bench --wait nap
expect_clean_failure "repeat out of range" "$ZC" bench --repeat 10
expect_clean_failure "bad remote wait mode" "$ZC" remote x --wait epoll
expect_clean_failure "bad check" "$ZC" bench --check md5
expect_clean_failure "stray bench argument" "$ZC" bench extra
expect_clean_failure "unwritable json" "$ZC" bench --json /nonexistent/dir/f.json
expect_clean_failure "send without URI" "$ZC" send
expect_clean_failure "recv with two URIs" "$ZC" recv a b
expect_clean_failure "slot size not a power of two" "$ZC" send x --slot-size 3000
expect_clean_failure "slot size too small" "$ZC" recv x --slot-size 128
expect_clean_failure "remote bad mode" "$ZC" remote x --mode juggle
expect_clean_failure "remote channel with two modes" "$ZC" remote x --mode echo,sink --channel c
expect_clean_failure "remote channel name too long" "$ZC" remote x --channel 0123456789012345678901234567890123
expect_clean_failure "ping without URI" "$ZC" ping
expect_clean_failure "ping size too large" "$ZC" ping x --size 4M
expect_clean_failure "remote size beyond a slot" "$ZC" remote x --size 3M
expect_clean_failure "bench slots out of range" "$ZC" bench --slots 65537
expect_clean_failure "send slots out of range" "$ZC" send x --slots 0
expect_clean_failure "info without target" "$ZC" info
expect_clean_failure "info bad timeout" "$ZC" info x --timeout soon

for cmd in bench send recv info remote ping; do
	"$ZC" "$cmd" --help >"$TMP/help" 2>&1 || fail "zc $cmd --help exited non-zero"
	grep -q "usage: zc $cmd" "$TMP/help" || fail "zc $cmd --help shows no usage"
done
"$ZC" --help | grep -q "commands:" || fail "zc --help lists no commands"

# zc trace hands over to zc-trace when it is built, else says it is not.
if [ -x "$(dirname "$ZC")/../trace/zc-trace" ]; then
	"$ZC" trace --help >"$TMP/help" 2>&1 || fail "zc trace --help exited non-zero"
	grep -q "usage: zc-trace" "$TMP/help" || fail "zc trace did not run zc-trace"
	echo "ok: zc trace runs zc-trace"
else
	# --help still answers (exit 0) and says why there is no tracer.
	PATH=/nonexistent "$ZC" trace --help >"$TMP/help" 2>&1 ||
		fail "zc trace --help without zc-trace exited non-zero"
	grep -q "not built" "$TMP/help" || fail "zc trace --help does not say zc-trace is not built"
	expect_clean_failure "zc trace without zc-trace" env PATH=/nonexistent "$ZC" trace -p 1
fi
echo "all flag checks passed"
