#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Shell-level checks run inside the guest: loading with parameters,
# unloading, and the kernel log.
fail() { echo "zc_load: $*"; exit 1; }

# rmmod, and if the module is busy, say who holds it: a test that leaks a
# process (or a file) is a bug to fix, not a reason to retry.
unload_zc() {
	rmmod zc && return 0
	echo "zc_load: rmmod failed; refcnt $(cat /sys/module/zc/refcnt 2>/dev/null)"
	for d in /proc/[0-9]*; do
		if ls -l "$d/fd" 2>/dev/null | grep -q '/dev/zc' ||
			grep -q '/dev/zc' "$d/maps" 2>/dev/null; then
			echo "zc_load: held by pid ${d#/proc/}: $(tr '\0' ' ' <"$d/cmdline")"
		fi
	done
	return 1
}

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
	unload_zc || fail "rmmod"
	insmod /mod/zc.ko $(params "$@") || fail "insmod $*"
	check "$@"
	;;
unload)
	unload_zc || fail "rmmod"
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
