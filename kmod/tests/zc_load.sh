#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Shell-level checks run inside the guest: loading with parameters,
# unloading, and the kernel log.
fail() { echo "zc_load: $*"; exit 1; }

# check k=v ...: module parameters, or (contiguous=) link 0's sysfs
check() {
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		if [ "$k" = contiguous ]; then
			got=$(cat /sys/class/misc/zc0/contiguous)
		else
			got=$(cat /sys/module/zc/parameters/$k)
		fi
		[ "$got" = "$v" ] || fail "$k: $got != $v"
	done
	n=$(cat /sys/module/zc/parameters/links)
	i=0
	while [ $i -lt $n ]; do
		[ -c /dev/zc$i ] || fail "/dev/zc$i missing"
		ps=$(cat /sys/class/misc/zc$i/pool_size)
		[ "$ps" = "$(cat /sys/module/zc/parameters/pool_size)" ] ||
			fail "zc$i pool_size $ps"
		[ "$(cat /sys/class/misc/zc$i/mailbox)" = sw ] ||
			fail "zc$i mailbox"
		i=$((i + 1))
	done
	[ ! -e /dev/zc$n ] || fail "/dev/zc$n exists"
}

params() {
	for kv in "$@"; do
		case "$kv" in contiguous=*) ;; *) echo "$kv" ;; esac
	done
}

case "$1" in
load)
	shift
	insmod /mod/zc.ko $(params "$@") || fail "insmod $*"
	check "$@"
	;;
check)
	shift
	check "$@"
	;;
reload)
	shift
	rmmod zc || fail "rmmod"
	insmod /mod/zc.ko $(params "$@") || fail "insmod $*"
	check "$@"
	;;
unload)
	rmmod zc || fail "rmmod"
	[ ! -e /sys/module/zc ] || fail "/sys/module/zc remains"
	[ ! -e /dev/zc0 ] || fail "/dev/zc0 remains"
	;;
dmesg_clean)
	if dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection|UBSAN|KASAN'; then
		fail "kernel log is not clean"
	fi
	;;
*)
	fail "unknown command $1"
	;;
esac
exit 0
