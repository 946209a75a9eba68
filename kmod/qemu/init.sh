#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# Guest /init: mount, run the zc tests, print result lines, power off.
# run.sh reads the plan from the run_test lines below: each must print
# "ZC-TEST PASS <name>" or the run fails.
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

# A test killed on a hang leaves its children holding /dev/zcN: stop every
# program from /tests so the next test starts clean.
kill_leftovers() {
	for p in /tests/*; do
		killall -9 "${p##*/}" 2>/dev/null
	done
	sleep 1
}

# Every test runs once: a test that fails, hangs past its 120 s or passes
# only on a second try is a bug in the test or in the code, and fails the
# run. A failed test's leftovers are killed so they cannot take the tests
# after it down too; the failure itself stands.
run_test() {
	name=$1
	shift
	if [ -f /only ] && ! grep -qx "$name" /only; then
		return
	fi
	echo "ZC-TEST START $name"
	timeout 120 "$@"
	rc=$?
	if [ "$rc" = 0 ]; then
		echo "ZC-TEST PASS $name"
		return
	fi
	kill_leftovers
	echo "ZC-TEST FAIL $name rc=$rc"
}

# The suite; run.sh may ask for it several times over (ZC_REPEAT), to
# hunt an intermittent failure: each round loads and unloads the module.
suite() {
	# Contiguous pools, two links.
	run_test insmod zc_load.sh load links=2 pool_size=1048576 slot_size=4096
	run_test smoke zc_smoke
	run_test ioctl zc_ioctl
	run_test mmap zc_mmap 0
	run_test mmap_link1 zc_mmap 1
	run_test pingpong zc_pingpong 0 3000
	run_test wiring zc_wiring 0
	run_test uringbuf zc_uringbuf 0
	run_test peer zc_peer 0
	run_test evict zc_evict 0
	run_test evict_link1 zc_evict 1
	run_test race zc_race
	# Attacks on the kick path and the role rules (zc_harden.c), one per line.
	run_test harden_semaphore zc_harden semaphore
	run_test harden_bigkick zc_harden bigkick
	run_test harden_fullcounter zc_harden fullcounter
	run_test harden_readonly zc_harden readonly
	run_test harden_relay zc_harden relay
	run_test harden_cycle zc_harden cycle
	run_test trace zc_trace.sh
	# Unload refused while busy, bad parameters refused, reload with vmalloc.
	run_test unload zc_unload "links=1 contig=0 pool_size=2097152 slot_size=1024"
	run_test vmalloc_params zc_load.sh check contig=N pool_size=2097152 slot_size=1024 contiguous=0
	run_test mmap_vmalloc zc_mmap 0
	run_test pingpong_vmalloc zc_pingpong 0 1000
	run_test peer_vmalloc zc_peer 0
	run_test evict_vmalloc zc_evict 0
	# A pool above the page allocator's limit falls back to vmalloc.
	run_test big_pool zc_load.sh reload pool_size=16777216 contiguous=0
	run_test mmap_big zc_mmap 0
	# libzc over the kmod backend: a 192 MiB pool fits libzc's default region.
	run_test libzc_load zc_load.sh reload links=1 pool_size=201326592 contiguous=0
	run_test lstream_kmod zc_libzc.sh zc_lstream kmod:/dev/zc0 100000
	run_test lstream_shm zc_lstream shm:lstream 100000
	run_test libzc_basic zc_libzc.sh test_basic
	run_test libzc_frag zc_libzc.sh test_frag
	run_test libzc_kicks zc_libzc.sh test_kicks
	run_test libzc_peer zc_libzc.sh test_peer
	run_test libzc_uring zc_libzc.sh test_uring
	run_test libzc_seq zc_libzc.sh test_seq
	run_test libzc_evict zc_libzc.sh zc_levict kmod:/dev/zc0
	# The two-process stress stream (CRC on every message), shortened for TCG.
	export ZC_STRESS_MSGS=200000
	run_test libzc_stress zc_libzc.sh test_stress
	# Again with SEQ channels: libzc's data path over the driver's memory.
	export ZC_CHAN_MODE=seq
	run_test libzc_frag_seq zc_libzc.sh test_frag
	run_test libzc_peer_seq zc_libzc.sh test_peer
	run_test libzc_stress_seq zc_libzc.sh test_stress
	unset ZC_CHAN_MODE ZC_STRESS_MSGS
	# The restart soak over the driver: each remote SIGKILLed mid-stream and
	# restarted, every message accounted for; 200 per mode (~10-20 s each).
	run_test soak_kmod_ring zc_libzc.sh soak_restart --mode ring --restarts 200 --uri kmod:/dev/zc0
	run_test soak_kmod_seq zc_libzc.sh soak_restart --mode seq --restarts 200 --uri kmod:/dev/zc0
	run_test zcbench_kmod zc_libzc.sh zc_bench.sh kmod:/dev/zc0
	run_test zcbench_shm zc_bench.sh shm:bench
	# The /dev/rpmsgX way: link 1 hosted by the kernel, two endpoints, echoed
	# by a libzc remote.
	run_test rpmsg_load zc_load.sh reload links=2 rpmsg_link=1 rpmsg_chans=2 pool_size=4194304 slot_size=4096
	run_test rpmsg zc_rpmsg 1
	run_test rpmsg_bench zc_rtbench 3000
	run_test rpmsg_bench2 zc_rtbench 1000
	# The kernel host against stalled copies and a hostile remote (zc_khost.c).
	run_test khost_uffd zc_khost 1 uffd
	run_test khost_remote zc_khost 1 remote
	# The rpmsg notes' example program against the emulated firmware's echo
	# (firmware/examples/echo.c), which serves a host channel named "echo".
	run_test fw_load zc_load.sh reload links=2 rpmsg_link=1 rpmsg_names=echo pool_size=4194304 slot_size=4096
	run_test rpmsg_example zc_rpmsg_example.sh
	run_test rmmod zc_load.sh unload
}

rounds=$(cat /repeat 2>/dev/null || echo 1)
round=1
while [ "$round" -le "$rounds" ]; do
	[ "$rounds" = 1 ] || echo "ZC-ROUND $round"
	suite
	round=$((round + 1))
done

echo "ZC-DMESG-BEGIN"
dmesg
echo "ZC-DMESG-END"
run_test dmesg_clean zc_load.sh dmesg_clean
echo "ZC-TESTS-DONE"
poweroff -f
