#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The rpmsg notes' example program against the emulated firmware's echo.
fail() { echo "zc_rpmsg_example: $*"; kill $echo 2>/dev/null; exit 1; }
zc_echo kmod:/dev/zc1 2 &
echo=$!
out=$(rpmsg_example) || fail "example failed: $out"
echo "$out"
echo "$out" | grep -qx "Received message: Hello from userspace" ||
	fail "no echo in the output"
kill $echo
wait $echo 2>/dev/null
exit 0
