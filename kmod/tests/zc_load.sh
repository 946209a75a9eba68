#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Shell-level checks run inside the guest: loading with parameters and the
# kernel log.
set -e
fail() { echo "zc_load: $*"; exit 1; }

case "$1" in
load)
	shift
	insmod /mod/zc.ko "$@" || fail "insmod $*"
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		got=$(cat /sys/module/zc/parameters/$k)
		[ "$got" = "$v" ] || fail "param $k: $got != $v"
	done
	n=$(cat /sys/module/zc/parameters/links)
	i=0
	while [ $i -lt $n ]; do
		[ -c /dev/zc$i ] || fail "/dev/zc$i missing"
		ps=$(cat /sys/class/misc/zc$i/pool_size)
		[ "$ps" = "$(cat /sys/module/zc/parameters/pool_size)" ] ||
			fail "zc$i pool_size $ps"
		i=$((i + 1))
	done
	[ ! -e /dev/zc$n ] || fail "/dev/zc$n exists"
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
