#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# Guest /init: mount, run the zc tests, print result lines, power off.
# run.sh reads the plan from the run_test lines below.
/bin/busybox --install -s /bin
export PATH=/bin:/tests
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t tmpfs tmp /tmp
exec </dev/console >/dev/console 2>&1
# Keep printk off the console while tests print; the log is dumped at the end.
dmesg -n 1
echo "ZC-GUEST-UP $(uname -r)"

run_test() {
	name=$1
	shift
	echo "ZC-TEST START $name"
	if timeout 120 "$@"; then
		echo "ZC-TEST PASS $name"
	else
		echo "ZC-TEST FAIL $name rc=$?"
	fi
}

run_test insmod zc_load.sh load links=2 pool_size=1048576 slot_size=4096
run_test smoke zc_smoke

echo "ZC-DMESG-BEGIN"
dmesg
echo "ZC-DMESG-END"
run_test dmesg_clean zc_load.sh dmesg_clean
echo "ZC-TESTS-DONE"
poweroff -f
