#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# Guest /init for kmod_guest.sh: zc-trace and ftrace both watch zc.ko's
# tracepoints during a ping-pong; zc-trace's totals must equal ftrace's.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
exec </dev/console >/dev/console 2>&1
dmesg -n 1
T=/sys/kernel/tracing
# Left unmounted on purpose: zc-trace mounts tracefs itself when zc.ko is
# loaded and no tracefs is (checked below).

result() {
	echo "$1"
	echo "ZT-GUEST-DONE"
	poweroff -f
}

insmod /mod/zc.ko links=1 pool_size=1048576 slot_size=4096 ||
	result "ZT-GUEST-FAIL insmod"
HIST=-H
if [ ! -e /sys/kernel/btf/vmlinux ]; then
	echo "ZT-NOTE the guest kernel has no BTF: no histograms"
	HIST=
fi

zc-trace -j $HIST -v -i 0.5 >/tmp/zt.json 2>/tmp/zt.err &
ZT=$!
i=0
while ! grep -q '"type":"attached"' /tmp/zt.json 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 $ZT 2>/dev/null; then
		tail -n 40 /tmp/zt.err
		grep -q "must run as root\|cannot run BPF\|no uprobes" /tmp/zt.err &&
			result "ZT-GUEST-SKIP $(cat /tmp/zt.err)"
		result "ZT-GUEST-FAIL zc-trace did not attach"
	fi
	sleep 0.1
done
grep -q '"kmod":true' /tmp/zt.json || result "ZT-GUEST-FAIL zc-trace did not attach to zc.ko"
[ -d $T/events/zc ] || result "ZT-GUEST-FAIL tracefs was not mounted"

echo > $T/trace
echo 1 > $T/events/zc/enable
echo 1 > $T/tracing_on
zc_pingpong 0 50 >/tmp/pp.out 2>&1 || { cat /tmp/pp.out; result "ZT-GUEST-FAIL zc_pingpong"; }
echo 0 > $T/tracing_on
echo 0 > $T/events/zc/enable
kill -INT $ZT
wait $ZT || result "ZT-GUEST-FAIL zc-trace exited with $?"

total=$(grep '"type":"total"' /tmp/zt.json)
[ -n "$total" ] || result "ZT-GUEST-FAIL no totals from zc-trace"
# zc-trace's count of one (event, side) on link 0.
zt() {
	echo "$total" | grep -o "{\"link\":0,\"event\":\"$1\",\"side\":\"$2\",\"count\":[0-9]*}" |
		sed 's/.*"count":\([0-9]*\)}/\1/' | head -n1
}
ok=1
check() {	# event side ftrace-pattern
	want=$(grep -c " $3" $T/trace)
	got=$(zt "$1" "$2")
	got=${got:-0}
	echo "ZT-CHECK $1 $2: zc-trace $got ftrace $want"
	[ "$got" = "$want" ] || ok=0
}
check kick remote "zc_kick: link=0 from=remote"
check kick host "zc_kick: link=0 from=host"
check doorbell host "zc_doorbell: link=0 to=host delivered=1"
check doorbell remote "zc_doorbell: link=0 to=remote delivered=1"
check doorbell_undelivered host "zc_doorbell: link=0 to=host delivered=0"
check doorbell_undelivered remote "zc_doorbell: link=0 to=remote delivered=0"
check bind host "zc_bind: link=0 role=host"
check bind remote "zc_bind: link=0 role=remote"
check unbind host "zc_unbind: link=0 role=host"
check unbind remote "zc_unbind: link=0 role=remote"
check mmap - "zc_mmap: link=0"
[ "$(zt kick remote)" = 50 ] || ok=0
if [ -n "$HIST" ]; then
	# Every delivered doorbell answers a kick: one kick->doorbell sample each.
	want=$(grep -c " zc_doorbell: link=0 to=[a-z]* delivered=1" $T/trace)
	got=$(echo "$total" | grep -o '"kind":"kmod_kick_doorbell","link":0,"count":[0-9]*' |
		sed 's/.*"count"://')
	echo "ZT-CHECK kick->doorbell samples: zc-trace ${got:-0} delivered doorbells $want"
	[ "${got:-0}" = "$want" ] || ok=0
fi
[ $ok = 1 ] || result "ZT-GUEST-FAIL counts differ"

# USDT on this kernel: the emitter's hand-made probes (see trace_check.py).
probe_emitter >/tmp/pe.out &
PE=$!
i=0
until grep -q ready /tmp/pe.out; do
	i=$((i + 1)); [ $i -lt 100 ] || result "ZT-GUEST-FAIL probe_emitter"; sleep 0.1
done
zc-trace -j $HIST -p $PE >/tmp/pe.json 2>/tmp/pe.err &
ZT=$!
i=0
until grep -q '"type":"attached"' /tmp/pe.json 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 $ZT 2>/dev/null; then
		tail -n 40 /tmp/pe.err
		result "ZT-GUEST-FAIL zc-trace did not attach to probe_emitter"
	fi
	sleep 0.1
done
kill -USR1 $PE
wait $PE || result "ZT-GUEST-FAIL probe_emitter failed"
wait $ZT || result "ZT-GUEST-FAIL zc-trace exited with $? after probe_emitter"
total=$(grep '"type":"total"' /tmp/pe.json)
row=$(echo "$total" | grep -o "{\"pid\":$PE,\"chan\":1,\"tx_msgs\":16,\"tx_bytes\":160,\"rx_msgs\":16,\"rx_bytes\":160,\"releases\":16,\"kicks\":2,")
echo "ZT-CHECK usdt chan 1: ${row:-missing}"
[ -n "$row" ] || result "ZT-GUEST-FAIL USDT counts on this kernel"
if [ -n "$HIST" ]; then
	n=$(echo "$total" | grep -o '"kind":"send_recv","chan":1,"count":[0-9]*' | sed 's/.*://')
	echo "ZT-CHECK usdt send->recv chan 1 samples: ${n:-0}"
	[ "$n" = 16 ] || result "ZT-GUEST-FAIL send->recv matching on this kernel"
fi
result "ZT-GUEST-PASS"
