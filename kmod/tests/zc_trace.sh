#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The zc tracepoints fire on bind, unbind, kick, doorbell and mmap.
fail() { echo "zc_trace: $*"; exit 1; }
T=/sys/kernel/tracing
[ -d $T/events/zc ] || fail "no events/zc in tracefs"
echo 0 > $T/tracing_on
echo > $T/trace
echo 1 > $T/events/zc/enable || fail "enable"
echo 1 > $T/tracing_on
zc_pingpong 0 50 >/dev/null || fail "pingpong under tracing"
echo 0 > $T/tracing_on
echo 0 > $T/events/zc/enable
for ev in zc_bind zc_unbind zc_kick zc_doorbell zc_mmap; do
	n=$(grep -c " $ev: " $T/trace)
	[ "$n" -gt 0 ] || fail "no $ev events"
	echo "zc_trace: $ev x$n"
done
n=$(grep -c " zc_kick: link=0 from=remote" $T/trace)
[ "$n" -eq 50 ] || fail "$n remote kicks traced, want 50"
n=$(grep -c " zc_doorbell: link=0 to=host delivered=1" $T/trace)
[ "$n" -eq 50 ] || fail "$n host doorbells traced, want 50"
exit 0
