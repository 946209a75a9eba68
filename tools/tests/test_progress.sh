#!/bin/sh
# zc send / zc recv progress: nothing on a stderr that is no terminal
# (scripts see only errors); --progress forces one line a second with the
# bytes and the rate, then the totals; on a terminal (a pty from script(1))
# one line rewritten in place, which --no-progress turns off.
. "$(dirname "$0")/lib.sh"

head -c 1048576 /dev/urandom >"$TMP/in" || fail "cannot make input"
head -c 1048576 /dev/urandom >"$TMP/in2" || fail "cannot make input"
cat "$TMP/in" "$TMP/in2" >"$TMP/want"

# slow_pair NAME SEND-FLAGS RECV-FLAGS: 1 MiB, 2.5 s of silence, 1 MiB.
slow_pair() {
	timeout 60 "$ZC" recv "$1" $3 >"$TMP/got" 2>"$TMP/recv.err" &
	rpid=$!
	sleep 0.2
	( cat "$TMP/in"; sleep 2.5; cat "$TMP/in2" ) |
		timeout 60 "$ZC" send "$1" $2 2>"$TMP/send.err"
	src=$?
	wait "$rpid"
	rrc=$?
	[ "$src" -eq 0 ] || fail "send exited $src: $(cat "$TMP/send.err")"
	[ "$rrc" -eq 0 ] || fail "recv exited $rrc: $(cat "$TMP/recv.err")"
	cmp -s "$TMP/want" "$TMP/got" || fail "output differs from input"
}

slow_pair "cli-pg-a-$$" "" ""
[ -s "$TMP/send.err" ] && fail "send printed on a non-terminal stderr: $(cat "$TMP/send.err")"
[ -s "$TMP/recv.err" ] && fail "recv printed on a non-terminal stderr: $(cat "$TMP/recv.err")"
echo "ok: nothing on stderr by default when it is no terminal"

slow_pair "cli-pg-b-$$" --progress --progress
for side in send recv; do
	what=sent
	[ $side = recv ] && what=received
	grep -Eq "^zc $side: [0-9.]+ (B|KiB|MiB) $what in [0-9]+ s, [0-9.]+ (B|KiB|MiB|GiB)/s$" "$TMP/$side.err" ||
		fail "--progress: no progress line from zc $side: $(cat "$TMP/$side.err")"
	tail -n 1 "$TMP/$side.err" |
		grep -Eq "^zc $side: 2\.00 MiB \(2097152 bytes\) $what in [0-9.]+ s, .*/s on average\.$" ||
		fail "--progress: zc $side's last line is no total: $(tail -n 1 "$TMP/$side.err")"
	grep -q "$(printf '\r')" "$TMP/$side.err" &&
		fail "--progress on a non-terminal rewrites a line in place"
	echo "ok: zc $side --progress: $(head -n 1 "$TMP/$side.err") ... $(tail -n 1 "$TMP/$side.err")"
done

# On a terminal: script(1) runs the sender with a pty as its stderr.
if ! command -v script >/dev/null 2>&1; then
	echo "no script(1): terminal checks skipped"
	echo "all progress checks passed"
	exit 0
fi
on_tty() {	# on_tty NAME SEND-FLAGS: the sender's terminal output in $TMP/tty
	timeout 60 "$ZC" recv "$1" >"$TMP/got" 2>"$TMP/recv.err" &
	rpid=$!
	sleep 0.2
	IN="$TMP/in" IN2="$TMP/in2" timeout 60 script -qec \
		"( cat \"\$IN\"; sleep 2.5; cat \"\$IN2\" ) | \"$ZC\" send '$1' $2 >/dev/null" \
		/dev/null >"$TMP/tty" </dev/null
	src=$?
	wait "$rpid" || fail "recv exited $?: $(cat "$TMP/recv.err")"
	[ "$src" -eq 0 ] || fail "send on a terminal exited $src: $(cat "$TMP/tty")"
	cmp -s "$TMP/want" "$TMP/got" || fail "output differs from input"
}
on_tty "cli-pg-c-$$" ""
grep -q "$(printf '\r')zc send: .* sent in [0-9]* s, .*/s$(printf '\033')\[K" "$TMP/tty" ||
	fail "terminal: no progress line rewritten in place: $(od -c "$TMP/tty" | head)"
grep -q "(2097152 bytes) sent in .* on average" "$TMP/tty" ||
	fail "terminal: no totals at the end: $(cat "$TMP/tty")"
echo "ok: a progress line in place on a terminal"
on_tty "cli-pg-d-$$" --no-progress
[ -s "$TMP/tty" ] && fail "terminal: --no-progress still printed: $(cat "$TMP/tty")"
echo "ok: --no-progress on a terminal prints nothing"

# A recv writing its data to the terminal shows no line over it.
name="cli-pg-e-$$"
timeout 60 script -qec "\"$ZC\" recv '$name'" /dev/null >"$TMP/tty" </dev/null &
rpid=$!
sleep 0.3
( echo "first line"; sleep 1.5; echo "second line" ) |
	timeout 60 "$ZC" send "$name" 2>"$TMP/send.err" || fail "send exited $?: $(cat "$TMP/send.err")"
wait "$rpid" || fail "recv on a terminal exited $?: $(cat "$TMP/tty")"
grep -q "second line" "$TMP/tty" || fail "recv on a terminal lost its data: $(cat "$TMP/tty")"
grep -q "received" "$TMP/tty" && fail "recv writing to a terminal drew a progress line: $(cat -v "$TMP/tty")"
echo "ok: no progress line over data written to the terminal"
echo "all progress checks passed"
