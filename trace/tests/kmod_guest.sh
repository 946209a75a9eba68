#!/bin/bash
# SPDX-License-Identifier: MIT
#
# trace/tests/kmod_guest.sh - zc-trace counts zc.ko's tracepoints, checked
# in a QEMU guest running Debian's kernel (the host kernel cannot load a
# module built for it): the guest runs the kmod ping-pong test while both
# zc-trace and ftrace watch the zc events, and every count zc-trace reports
# must equal what ftrace recorded. Then, since this is the kernel Debian 12
# ships, USDT tracing with histograms is checked on it too (probe_emitter).
#
# Usage: kmod_guest.sh SOURCE_ROOT SKELETON_DIR WORK_DIR
#   SKELETON_DIR holds zc_trace.skel.h (the meson build's trace/ directory).
# Exit 0 pass, 1 fail, 77 skip (the reason on stdout).
set -euo pipefail

ROOT=$1
SKEL=$2
WORK=$3
TIMEOUT=${ZC_QEMU_TIMEOUT:-300}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(uname -m)" = x86_64 ] || skip "the guest is x86_64 only"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
[ -x /bin/busybox ] || skip "busybox-static is not installed"
[ -f "$SKEL/zc_trace.skel.h" ] || fail "no zc_trace.skel.h in $SKEL"
[ -f "$ROOT/kmod/Kbuild" ] || skip "no kmod/ sources in $ROOT"
for lib in libbpf.a libelf.a libz.a liburing.a; do
	[ -f /usr/lib/x86_64-linux-gnu/$lib ] ||
		skip "no static $lib for the guest programs"
done

KPKG=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
       grep -o 'linux-headers-[0-9][^ ,]*-amd64' | head -n1) || true
[ -n "$KPKG" ] || skip "linux-headers-amd64 is not installed"
KVER=${KPKG#linux-headers-}
KDIR=/usr/src/linux-headers-$KVER
[ -d "$KDIR" ] || skip "$KDIR is missing"

mkdir -p "$WORK"
# The guest kernel: from the kmod harness's cache when it ran, else ours.
# (build/kmod since test-all.sh keeps every build product under build/).
VMLINUZ=
for c in "${ZC_KMOD_BUILD:-$ROOT/build/kmod}" "$ROOT/kmod/build"; do
	[ -f "$c/cache/img-$KVER/boot/vmlinuz-$KVER" ] &&
		{ VMLINUZ=$c/cache/img-$KVER/boot/vmlinuz-$KVER; break; }
done
if [ -z "$VMLINUZ" ]; then
	VMLINUZ=$WORK/img-$KVER/boot/vmlinuz-$KVER
	if [ ! -f "$VMLINUZ" ]; then
		rm -f "$WORK"/linux-image-"$KVER"_*.deb
		(cd "$WORK" && apt-get download "linux-image-$KVER" >/dev/null 2>&1) ||
			skip "cannot download linux-image-$KVER for the guest"
		dpkg-deb -x "$WORK"/linux-image-"$KVER"_*.deb "$WORK/img-$KVER"
		rm -f "$WORK"/linux-image-"$KVER"_*.deb
	fi
fi
[ -f "$VMLINUZ" ] || fail "no guest kernel image"

# zc.ko for the guest kernel, from a DKMS-shaped copy of the sources (the
# shape kmod/Kbuild expects outside the tree, as the kmod harness builds it).
MOD=$WORK/mod
rm -rf "$MOD"
mkdir -p "$MOD/uapi" "$MOD/include"
cp "$ROOT"/kmod/*.c "$ROOT"/kmod/*.h "$ROOT"/kmod/Kbuild "$MOD"/
cp "$ROOT"/include/uapi/zc_kmod.h "$MOD"/uapi/
cp -r "$ROOT"/include/zc "$MOD"/include/
make -s -C "$KDIR" M="$MOD" modules >"$WORK/kbuild.log" 2>&1 ||
	{ tail -20 "$WORK/kbuild.log"; fail "zc.ko does not build"; }

# Static guest programs: zc-trace and the driver's ping-pong test.
RD=$WORK/initramfs
rm -rf "$RD"
mkdir -p "$RD"/{bin,dev,proc,sys,tmp,mod}
gcc -static -O2 -D_GNU_SOURCE -I"$SKEL" -I"$ROOT/trace/src" \
	-o "$RD/bin/zc-trace" "$ROOT"/trace/src/*.c -lbpf -lelf -lz \
	2>"$WORK/static.log" || { cat "$WORK/static.log"; fail "static zc-trace"; }
gcc -static -O2 -pthread -I"$ROOT/include/uapi" -I"$ROOT/include" -I"$ROOT/kmod/tests" \
	-o "$RD/bin/zc_pingpong" "$ROOT/kmod/tests/zc_pingpong.c" -luring ||
	fail "static zc_pingpong"
# USDT on the guest's (Debian 12's own) kernel too: the probe emitter.
gcc -static -O2 -pthread -o "$RD/bin/probe_emitter" \
	"$ROOT/trace/tests/probe_emitter.c" || fail "static probe_emitter"
cp /bin/busybox "$RD/bin/busybox"
cp "$MOD/zc.ko" "$RD/mod/"
cp "$ROOT/trace/tests/kmod_guest_init.sh" "$RD/init"
chmod 755 "$RD/init"
(cd "$RD" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) \
	>"$WORK/initrd.gz"

LOG=$WORK/guest.log
rm -f "$LOG"
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -nodefaults -display none \
	-serial file:"$LOG" -no-reboot -m 1024 -smp 2 \
	-kernel "$VMLINUZ" -initrd "$WORK/initrd.gz" \
	-append "console=ttyS0 panic=-1 oops=panic quiet" </dev/null || true
[ -f "$LOG" ] || fail "no guest log"
tr -d '\r' <"$LOG" >"$LOG.txt" && mv "$LOG.txt" "$LOG"
grep '^ZT-' "$LOG" || true
if grep -nE 'WARNING:|BUG:|Oops|Call Trace|Kernel panic' "$LOG"; then
	fail "the guest kernel log shows a warning or oops (see $LOG)"
fi
grep -q '^ZT-GUEST-SKIP' "$LOG" &&
	skip "$(sed -n 's/^ZT-GUEST-SKIP //p' "$LOG" | head -n1)"
grep -q '^ZT-GUEST-PASS$' "$LOG" || { tail -30 "$LOG"; fail "see $LOG"; }
echo "zc.ko tracepoints: zc-trace agrees with ftrace"
