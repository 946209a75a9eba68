#!/bin/sh
# A zc send whose input is quiet or trickles must notice, within about a
# second (tested: 5 s), that its receiver was SIGKILLed: exit 1 with a
# sentence saying how much of the input was confirmed, and take no more
# input meanwhile (before, it kept reading ~4 MiB until the slots ran out).
. "$(dirname "$0")/lib.sh"

head -c 1048576 /dev/urandom >"$TMP/in" || fail "cannot make input"
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# peer_loss NAME TRICKLE(0|1) FIRST(recv|send): the first one is the host.
# The sender's stdin is the FIFO opened read-write, so opening it does not
# wait for the writer (and the input never ends by itself).
peer_loss() {
	name=$1
	rm -f "$TMP/fifo" "$TMP/partial"
	mkfifo "$TMP/fifo" || fail "mkfifo"
	if [ "$3" = send ]; then
		timeout 60 "$ZC" send "$name" 0<>"$TMP/fifo" 2>"$TMP/send.err" &
		spid=$!
		sleep 0.2
	fi
	# No timeout(1) in front: the SIGKILL must reach zc recv itself.
	"$ZC" recv "$name" >"$TMP/partial" 2>"$TMP/recv.err" &
	rpid=$!
	PIDS="$PIDS $rpid"
	if [ "$3" = recv ]; then
		sleep 0.2
		timeout 60 "$ZC" send "$name" 0<>"$TMP/fifo" 2>"$TMP/send.err" &
		spid=$!
	fi
	# 64 KiB at once, then either silence or the next 1000 bytes every 0.1 s, the
	# pipe held open for 30 s either way: the input never ends by itself.
	(
		head -c 65536 "$TMP/in"
		i=0
		while [ $i -lt 300 ]; do
			sleep 0.1
			[ "$2" = 1 ] && { tail -c +$((65537 + i * 1000)) "$TMP/in" | head -c 1000 || exit 0; }
			i=$((i + 1))
		done
	) >"$TMP/fifo" 2>/dev/null &
	wpid=$!
	PIDS="$PIDS $wpid"
	# Kill it once data flows: the first 64 KiB, and a few chunks trickled.
	want=65536
	[ "$2" = 1 ] && want=68536
	for _ in $(seq 300); do
		[ "$(wc -c <"$TMP/partial")" -ge $want ] && break
		sleep 0.05
	done
	[ "$(wc -c <"$TMP/partial")" -ge $want ] ||
		fail "trickle=$2: the receiver never got $want bytes: $(cat "$TMP/recv.err" "$TMP/send.err")"
	kill -9 "$rpid"
	t0=$(ms)
	while kill -0 "$spid" 2>/dev/null && [ $(( $(ms) - t0 )) -lt 5000 ]; do
		sleep 0.05
	done
	if kill -0 "$spid" 2>/dev/null; then
		kill "$spid"
		fail "trickle=$2: zc send did not notice its receiver was killed within 5 s"
	fi
	elapsed=$(( $(ms) - t0 ))
	wait "$spid"
	rc=$?
	kill "$wpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	[ "$rc" -eq 1 ] || fail "trickle=$2: zc send exited $rc, want 1: $(cat "$TMP/send.err")"
	[ "$(wc -l <"$TMP/send.err")" -eq 1 ] ||
		fail "trickle=$2: want one sentence, got: $(cat "$TMP/send.err")"
	grep -q "receiver on '$name' left before the end of the stream" "$TMP/send.err" ||
		fail "trickle=$2: message unclear: $(cat "$TMP/send.err")"
	# What it read from its input is what it says; beyond what reached the
	# receiver's output, no more than the chunks that raced the kill (64 KiB
	# at most here, a generous margin: before, it read on until 4 MiB).
	got=$(wc -c <"$TMP/partial")
	read=$(sed -n "s/.* all \([0-9]*\) bytes read so far.*/\1/p; s/.*of \([0-9]*\) bytes read from standard input.*/\1/p" "$TMP/send.err")
	[ -n "$read" ] || fail "trickle=$2: message gives no byte count: $(cat "$TMP/send.err")"
	[ "$read" -ge "$got" ] || fail "trickle=$2: says it read $read bytes, the receiver wrote $got"
	[ $((read - got)) -le 65536 ] ||
		fail "trickle=$2: read $read bytes but only $got reached the receiver: input taken after it died"
	head -c "$got" "$TMP/in" | cmp -s - "$TMP/partial" ||
		fail "trickle=$2: what the receiver wrote is not a prefix of the input"
	echo "ok: trickle=$2, $3 first: noticed in $elapsed ms: $(cat "$TMP/send.err")"
}

peer_loss "cli-pl-a-$$" 0 recv
peer_loss "cli-pl-b-$$" 1 recv
peer_loss "cli-pl-e-$$" 0 send
peer_loss "cli-pl-f-$$" 1 send

# The other way round: the sender SIGKILLed while its input is quiet. The
# receiver says so within 5 s, exits 1, and what it wrote is a prefix of
# the input, as long as it says.
name="cli-pl-c-$$"
rm -f "$TMP/fifo" "$TMP/partial"
mkfifo "$TMP/fifo" || fail "mkfifo"
timeout 60 "$ZC" recv "$name" >"$TMP/partial" 2>"$TMP/recv.err" &
rpid=$!
sleep 0.2
"$ZC" send "$name" <"$TMP/fifo" 2>"$TMP/send.err" &
spid=$!
PIDS="$PIDS $spid"
( head -c 65536 "$TMP/in"; sleep 30 ) >"$TMP/fifo" 2>/dev/null &
wpid=$!
PIDS="$PIDS $wpid"
for _ in $(seq 300); do
	[ "$(wc -c <"$TMP/partial")" -ge 65536 ] && break
	sleep 0.05
done
kill -9 "$spid"
t0=$(ms)
while kill -0 "$rpid" 2>/dev/null && [ $(( $(ms) - t0 )) -lt 5000 ]; do sleep 0.05; done
kill -0 "$rpid" 2>/dev/null && fail "zc recv did not notice its sender was killed within 5 s"
elapsed=$(( $(ms) - t0 ))
wait "$rpid"
rc=$?
kill "$wpid" 2>/dev/null
[ "$rc" -eq 1 ] || fail "zc recv exited $rc after its sender was killed, want 1"
grep -q "sender on '$name' left before the end of the stream, after 65536 bytes" "$TMP/recv.err" ||
	fail "recv's message unclear: $(cat "$TMP/recv.err")"
head -c 65536 "$TMP/in" | cmp -s - "$TMP/partial" || fail "recv's output is not the input's first 64 KiB"
echo "ok: the receiver noticed its sender's death in $elapsed ms: $(cat "$TMP/recv.err")"
# zc ping between two round trips of a long --interval: a remote core
# killed meanwhile is noticed within about a second, not at the next ping.
name="cli-pl-d-$$"
"$ZC" remote "$name" --mode echo --quiet 2>/dev/null &
epid=$!
PIDS="$PIDS $epid"
timeout 60 "$ZC" ping "$name" --count 3 --interval 30 >"$TMP/ping.out" 2>"$TMP/ping.err" &
ppid=$!
for _ in $(seq 200); do grep -q "bytes from" "$TMP/ping.out" && break; sleep 0.05; done
grep -q "bytes from" "$TMP/ping.out" || fail "no first round trip: $(cat "$TMP/ping.err")"
kill -9 "$epid"
t0=$(ms)
while kill -0 "$ppid" 2>/dev/null && [ $(( $(ms) - t0 )) -lt 5000 ]; do sleep 0.05; done
kill -0 "$ppid" 2>/dev/null && fail "zc ping did not notice its remote core was killed within 5 s"
elapsed=$(( $(ms) - t0 ))
wait "$ppid"
rc=$?
[ "$rc" -eq 1 ] || fail "zc ping exited $rc after its remote core was killed, want 1"
grep -q "remote core on '$name' left" "$TMP/ping.err" || fail "ping's message unclear: $(cat "$TMP/ping.err")"
echo "ok: zc ping noticed its remote core's death in $elapsed ms, mid-interval"
echo "all peer-loss checks passed"
