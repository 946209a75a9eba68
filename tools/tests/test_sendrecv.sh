#!/bin/sh
# zc send / zc recv between two processes: a random multi-megabyte file
# arrives byte-exact whichever side starts first; empty input works; a
# missing peer times out with a sentence.
. "$(dirname "$0")/lib.sh"

# 24 MiB plus an odd tail, so the last slot is partly filled.
head -c 25165907 /dev/urandom >"$TMP/in" || fail "cannot make input"

roundtrip() {	# roundtrip NAME FIRST(send|recv) INPUT
	name=$1
	if [ "$2" = recv ]; then
		timeout 60 "$ZC" recv "$name" >"$TMP/got" 2>"$TMP/recv.err" &
		rpid=$!
		sleep 0.2
		timeout 60 "$ZC" send "$name" <"$3" 2>"$TMP/send.err"
		src=$?
	else
		timeout 60 "$ZC" send "$name" <"$3" 2>"$TMP/send.err" &
		spid=$!
		sleep 0.2
		timeout 60 "$ZC" recv "$name" >"$TMP/got" 2>"$TMP/recv.err" &
		rpid=$!
		wait "$spid"
		src=$?
	fi
	wait "$rpid"
	rrc=$?
	[ "$src" -eq 0 ] || fail "$2 first: send exited $src: $(cat "$TMP/send.err")"
	[ "$rrc" -eq 0 ] || fail "$2 first: recv exited $rrc: $(cat "$TMP/recv.err")"
	cmp -s "$3" "$TMP/got" || fail "$2 first: output differs from input"
	echo "ok: $2 first, $(wc -c <"$3") bytes byte-exact"
}

roundtrip "cli-sr-a-$$" recv "$TMP/in"
roundtrip "cli-sr-b-$$" send "$TMP/in"
: >"$TMP/empty"
roundtrip "cli-sr-c-$$" recv "$TMP/empty"

# Through a pipe on both ends (short reads, partial slots).
timeout 60 "$ZC" recv "cli-sr-d-$$" 2>"$TMP/recv.err" | sha256sum >"$TMP/sum.got" &
rpid=$!
sleep 0.2
cat "$TMP/in" | timeout 60 "$ZC" send "cli-sr-d-$$" 2>"$TMP/send.err" ||
	fail "piped send failed: $(cat "$TMP/send.err")"
wait "$rpid"
sha256sum <"$TMP/in" >"$TMP/sum.want"
cmp -s "$TMP/sum.want" "$TMP/sum.got" || fail "piped round trip differs"
echo "ok: piped round trip"

# Nobody on the other side: a clear sentence after --timeout, no hang.
start=$(date +%s)
expect_clean_failure "recv with no peer" timeout 20 "$ZC" recv "cli-sr-e-$$" --timeout 0.5
grep -q "nobody attached" "$TMP/err" || fail "recv timeout message unclear"
expect_clean_failure "send with no peer" timeout 20 "$ZC" send "cli-sr-f-$$" --timeout 0.5 </dev/null
[ $(( $(date +%s) - start )) -lt 10 ] || fail "timeouts took too long"

# Two senders on one region: each learns the other is no receiver.
timeout 20 "$ZC" send "cli-sr-g-$$" </dev/null 2>"$TMP/s1.err" &
s1=$!
sleep 0.2
expect_clean_failure "second sender" timeout 20 "$ZC" send "cli-sr-g-$$" </dev/null
wait "$s1" && fail "first of two senders exited 0"
grep -q "not a 'zc recv'" "$TMP/s1.err" || fail "first sender's message unclear: $(cat "$TMP/s1.err")"

# The receiver killed midway: the sender says so instead of hanging.
timeout 60 "$ZC" recv "cli-sr-h-$$" >"$TMP/partial" 2>/dev/null &
rpid=$!
sleep 0.2
( cat "$TMP/in"; sleep 3; cat "$TMP/in" ) | timeout 30 "$ZC" send "cli-sr-h-$$" 2>"$TMP/send.err" &
spid=$!
# Kill it only once data flows, so the sender really is mid-stream.
for _ in $(seq 200); do [ -s "$TMP/partial" ] && break; sleep 0.1; done
kill "$rpid"
wait "$spid"
rc=$?
[ "$rc" -eq 1 ] || fail "sender exited $rc after the receiver was killed"
grep -q "left before the end" "$TMP/send.err" || fail "sender's message unclear: $(cat "$TMP/send.err")"
echo "ok: sender noticed the receiver's death"
echo "all send/recv checks passed"
