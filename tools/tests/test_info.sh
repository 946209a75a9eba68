#!/bin/sh
# zc info on a live region and on region files: a good one is shown, every
# kind of damaged one gets one sentence and exit 1, never a crash.
. "$(dirname "$0")/lib.sh"
: "${MKREGION:?MKREGION must point at the mkregion helper}"

name="cli-info-$$"
"$MKREGION" "$name" "$TMP/good.zc" 30 >"$TMP/mk.out" &
mk=$!
PIDS="$mk"
for _ in $(seq 200); do grep -q ready "$TMP/mk.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$TMP/mk.out" || fail "mkregion did not start"

# Live, read through the host's memory: geometry, sides, the two channels.
"$ZC" info "$name" >"$TMP/live" 2>"$TMP/err" || fail "info on a live region: $(cat "$TMP/err")"
grep -q "host pid $mk (read from its memory" "$TMP/live" || fail "live info did not read the host's memory: $(cat "$TMP/live")"
grep -q "8 x 4 KiB per channel" "$TMP/live" || fail "live info lacks the geometry"
grep -q "^remote  absent" "$TMP/live" || fail "live info shows a remote that is not there"
grep -q "stream" "$TMP/live" && grep -q "control" "$TMP/live" || fail "live info lacks the channels"
echo "ok: live region, read without attaching"

# --attach: zc info itself is the remote side while it looks.
"$ZC" info "$name" --attach >"$TMP/att" 2>"$TMP/err" || fail "info --attach: $(cat "$TMP/err")"
grep -q "^remote  up" "$TMP/att" || fail "info --attach does not show itself as the remote"
echo "ok: live region, attached"

# Both sides busy (zc remote + zc ping): read without disturbing them.
busy="cli-info-busy-$$"
timeout 30 "$ZC" remote "$busy" --mode echo --quiet &
rpid=$!
# No `timeout` wrapper on ping: the SIGINT below must reach ping itself.
"$ZC" ping "$busy" --count 0 --interval 0.01 >"$TMP/ping.out" 2>"$TMP/ping.err" &
ppid=$!
PIDS="$mk $rpid $ppid"
# Look only once round trips flow: both sides are attached then.
for _ in $(seq 200); do grep -q "bytes from" "$TMP/ping.out" && break; sleep 0.1; done
grep -q "bytes from" "$TMP/ping.out" ||
	fail "no round trip within 20 s: $(cat "$TMP/ping.out" "$TMP/ping.err")"
"$ZC" info "$busy" >"$TMP/busy" 2>"$TMP/err" || fail "info on a busy region: $(cat "$TMP/err")"
sleep 0.2
kill -INT "$ppid"
# ping ends at its next round trip; a watchdog turns a hang into a message.
( sleep 10; kill -KILL "$ppid" ) >/dev/null 2>&1 &
wd=$!
wait "$ppid"
st=$?
kill "$wd" 2>/dev/null
[ "$st" -ne 137 ] || fail "ping did not stop within 10 s of SIGINT; last output: $(tail -2 "$TMP/ping.out")"
[ "$st" -eq 0 ] || fail "ping was disturbed by zc info: exit $st, stderr: $(cat "$TMP/ping.err"), last output: $(tail -2 "$TMP/ping.out")"
wait "$rpid" || fail "zc remote was disturbed by zc info"
grep -q "^host    up" "$TMP/busy" && grep -q "^remote  up" "$TMP/busy" ||
	fail "busy region does not show both sides up: $(cat "$TMP/busy")"
grep -q "echo .*open    open" "$TMP/busy" || fail "busy region lacks the open echo channel"
echo "ok: busy region read without disturbing it"

# The snapshot mkregion wrote, and one taken by zc info --save.
"$ZC" info "$TMP/good.zc" >"$TMP/file" || fail "info on a good region file failed"
grep -q "^host    up" "$TMP/file" || fail "file info does not show the host"
"$ZC" info "$name" --save "$TMP/saved.zc" >/dev/null || fail "info --save failed"
"$ZC" info "$TMP/saved.zc" >/dev/null || fail "info on a saved region failed"
echo "ok: region files"

size=$(wc -c <"$TMP/good.zc")
patch() {	# patch FILE OFFSET HEXBYTES: overwrite bytes in place
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

head -c $((size / 2)) "$TMP/good.zc" >"$TMP/half.zc"
expect_clean_failure "truncated region" "$ZC" info "$TMP/half.zc"
grep -q truncated "$TMP/err" || fail "truncation not named"
head -c 100 "$TMP/good.zc" >"$TMP/tiny.zc"
expect_clean_failure "file shorter than a superblock" "$ZC" info "$TMP/tiny.zc"
: >"$TMP/empty.zc"
expect_clean_failure "empty file" "$ZC" info "$TMP/empty.zc"
head -c "$size" /dev/urandom >"$TMP/random.zc"
expect_clean_failure "random bytes" "$ZC" info "$TMP/random.zc"
cp "$TMP/good.zc" "$TMP/magic.zc"; patch "$TMP/magic.zc" 0 '\0\0\0\0'
expect_clean_failure "bad magic" "$ZC" info "$TMP/magic.zc"
cp "$TMP/good.zc" "$TMP/version.zc"; patch "$TMP/version.zc" 4 '\011\0'
expect_clean_failure "unknown major version" "$ZC" info "$TMP/version.zc"
cp "$TMP/good.zc" "$TMP/slot.zc"; patch "$TMP/slot.zc" 24 '\0\0\020\0'	# slot_size 4096 -> 1 MiB
expect_clean_failure "slot size beyond the file" "$ZC" info "$TMP/slot.zc"
cp "$TMP/good.zc" "$TMP/pool.zc"; patch "$TMP/pool.zc" 72 '\010\0\0\0'	# pool_off -> 8
expect_clean_failure "pool offset inside the header" "$ZC" info "$TMP/pool.zc"
cp "$TMP/good.zc" "$TMP/chans.zc"; patch "$TMP/chans.zc" 36 '\377\377\0\0'
expect_clean_failure "channel count out of range" "$ZC" info "$TMP/chans.zc"
# Geometry intact but a ring index and a side state scribbled on: shown
# as corrupt, and the exit status says so.
cp "$TMP/good.zc" "$TMP/ring.zc"; patch "$TMP/ring.zc" 8192 '\377\377\377\177'
patch "$TMP/ring.zc" 256 '\011\0\0\0'
"$ZC" info "$TMP/ring.zc" >"$TMP/out" 2>"$TMP/err" && fail "corrupt ring index accepted"
grep -q corrupt "$TMP/out" || fail "corrupt ring index not marked"
grep -q "2 corrupt fields" "$TMP/err" || fail "corrupt fields not counted: $(cat "$TMP/err")"
echo "ok: corrupt ring index and side state marked"
# A channel mode nobody knows (entry 0's mode word, at chan_off + 0x34).
chan_off=$(od -An -t u8 -j 48 -N 8 "$TMP/good.zc" | tr -d ' ')
cp "$TMP/good.zc" "$TMP/mode.zc"; patch "$TMP/mode.zc" $((chan_off + 52)) '\011'
"$ZC" info "$TMP/mode.zc" >"$TMP/out" 2>"$TMP/err" && fail "unknown channel mode accepted"
grep -q "corrupt (9)" "$TMP/out" || fail "unknown channel mode not marked: $(cat "$TMP/out")"
echo "ok: unknown channel mode marked"

expect_clean_failure "no such region" "$ZC" info "cli-info-none-$$" --timeout 0.5
expect_clean_failure "a directory" "$ZC" info "$TMP"
expect_clean_failure "a missing file" "$ZC" info "$TMP/missing/x.zc"
echo "all info checks passed"
