#!/bin/sh
# zc remote --mode echo started before its host, then zc ping as the host:
# every round trip comes back intact, the remote leaves when the host does,
# and a ping with no remote core gives up with a sentence.
. "$(dirname "$0")/lib.sh"

name="cli-ping-$$"
timeout 30 "$ZC" remote "$name" --mode echo --timeout 10 2>"$TMP/remote.err" &
rpid=$!
PIDS="$rpid"
sleep 0.2
timeout 30 "$ZC" ping "$name" --count 20 --interval 0 --size 3000 >"$TMP/ping" 2>"$TMP/err" ||
	fail "ping exited non-zero: $(cat "$TMP/err")"
[ "$(grep -c '^3000 bytes from' "$TMP/ping")" -eq 20 ] || fail "want 20 replies: $(cat "$TMP/ping")"
grep -q "20 round trips" "$TMP/ping" || fail "no summary line"
wait "$rpid" || fail "the remote core exited non-zero: $(cat "$TMP/remote.err")"
grep -q "20 messages, 60000 bytes, 0 bad" "$TMP/remote.err" ||
	fail "remote's count is wrong: $(cat "$TMP/remote.err")"
echo "ok: 20 round trips through zc remote --mode echo"

# The same with both sides waiting in io_uring (multishot poll on the doorbell).
timeout 30 "$ZC" remote "$name-u" --mode echo --wait uring --quiet &
rpid=$!
sleep 0.2
timeout 30 "$ZC" ping "$name-u" --wait uring --count 20 --interval 0.001 >"$TMP/ping" 2>"$TMP/err" ||
	fail "ping --wait uring exited non-zero: $(cat "$TMP/err")"
[ "$(grep -c '^64 bytes from' "$TMP/ping")" -eq 20 ] || fail "uring: want 20 replies"
wait "$rpid" || fail "zc remote --wait uring exited non-zero"
echo "ok: 20 round trips with io_uring waits on both sides"

expect_clean_failure "ping with no remote" timeout 20 "$ZC" ping "cli-ping-none-$$" --timeout 0.5
grep -q "no remote core attached" "$TMP/err" || fail "message unclear"
expect_clean_failure "remote with no host" timeout 20 "$ZC" remote "cli-ping-none-$$" --timeout 0.3
echo "all ping checks passed"
