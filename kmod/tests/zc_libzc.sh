#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run a libzc program with its regions on kmod:/dev/zc0, and check that it
# really used the driver (a test that silently fell back to shm would pass
# without testing anything here).
fail() { echo "zc_libzc: $*"; exit 1; }
m0=$(cat /sys/class/misc/zc0/mmaps)
ZC_TEST_URI=kmod:/dev/zc0 "$@" || fail "$1 failed"
m1=$(cat /sys/class/misc/zc0/mmaps)
[ "$m1" -gt "$m0" ] || fail "$1 never mapped /dev/zc0"
[ "$(cat /sys/class/misc/zc0/host_bound)" = 0 ] || fail "host left bound"
[ "$(cat /sys/class/misc/zc0/remote_bound)" = 0 ] || fail "remote left bound"
exit 0
