#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The rpmsg notes' example program (device path /dev/zc1-echo) against the
# emulated firmware's echo, attached to /dev/zc1 as the remote.
fail() { echo "zc_rpmsg_example: $*"; kill $echo 2>/dev/null; exit 1; }
zc-fw-echo --quiet kmod:/dev/zc1 &
echo=$!
out=$(rpmsg_example) || fail "example failed: $out"
echo "$out"
echo "$out" | grep -qx "Received message: Hello from userspace" ||
	fail "no echo in the output"
kill $echo
wait $echo 2>/dev/null
exit 0
