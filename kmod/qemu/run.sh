#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kmod/qemu/run.sh - build zc.ko and its tests, boot Debian's kernel under
# QEMU (TCG) with them in an initramfs, and judge the result lines.
#
# Usage (from anywhere): bash kmod/qemu/run.sh
# Env: ZC_KMOD_BUILD (build dir, default kmod/build), ZC_QEMU_TIMEOUT (s,
#      default 480: only reached on a hang), ZC_SKIP_APT=1 (do not touch
#      packages), ZC_ONLY="test ..." (run a subset, for development).
# Exit status: 0 when every planned test passed and the kernel log is clean.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KMOD=$(dirname "$HERE")
ROOT=$(dirname "$KMOD")
BUILD=${ZC_KMOD_BUILD:-$KMOD/build}
CACHE=$BUILD/cache
TIMEOUT=${ZC_QEMU_TIMEOUT:-480}
LOG=$BUILD/guest.log

say() { echo "kmod/qemu: $*" >&2; }
die() { echo "kmod/qemu: FAIL: $*" >&2; exit 1; }

t0=$(date +%s)
# The libzc tests (tests/test_*.c) that run over kmod:/dev/zc0. Not
# test_corrupt: its superblock cases fake an shm host on the UNIX socket.
# Not test_basic yet: under TCG it fails over shm as well (see init.sh).
LIBZC_TESTS="frag kicks peer uring seq stress"

# ---- 1. packages -----------------------------------------------------------
PKGS="qemu-system-x86 busybox-static linux-headers-amd64 cpio gzip liburing-dev
      build-essential libc6-dev kmod"
if [ "${ZC_SKIP_APT:-0}" != 1 ]; then
	missing=
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		say "installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y --no-install-recommends $missing >/dev/null ||
			{ apt-get update >/dev/null &&
			  apt-get install -y --no-install-recommends $missing >/dev/null; } ||
			die "apt-get install$missing"
	fi
fi

# The kernel we build for and boot: the one linux-headers-amd64 points at.
KPKG=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
       grep -o 'linux-headers-[0-9][^ ,]*-amd64' | head -n1) ||
	die "linux-headers-amd64 is not installed"
[ -n "$KPKG" ] || KPKG=$(apt-cache depends linux-headers-amd64 |
	grep -o 'linux-headers-[0-9][^ ,]*-amd64' | head -n1)
KVER=${KPKG#linux-headers-}
KDIR=/usr/src/linux-headers-$KVER
[ -d "$KDIR" ] || die "$KDIR missing (install $KPKG)"
say "kernel $KVER"

# ---- 2. the kernel image (downloaded once, never installed) -----------------
mkdir -p "$CACHE"
VMLINUZ=$CACHE/img-$KVER/boot/vmlinuz-$KVER
if [ ! -f "$VMLINUZ" ]; then
	say "fetching linux-image-$KVER"
	rm -f "$CACHE"/linux-image-"$KVER"_*.deb
	(cd "$CACHE" && apt-get download "linux-image-$KVER" >/dev/null 2>&1) ||
		(cd "$CACHE" && apt-get update >/dev/null &&
		 apt-get download "linux-image-$KVER" >/dev/null 2>&1) ||
		die "apt-get download linux-image-$KVER"
	rm -rf "$CACHE/img-$KVER"
	dpkg-deb -x "$CACHE"/linux-image-"$KVER"_*.deb "$CACHE/img-$KVER"
	rm -f "$CACHE"/linux-image-"$KVER"_*.deb
	[ -f "$VMLINUZ" ] || die "no vmlinuz in linux-image-$KVER"
fi

# ---- 3. the module, built from a DKMS-shaped copy of the sources -------------
MOD=$BUILD/mod
rm -rf "$MOD"
mkdir -p "$MOD/uapi"
cp "$KMOD"/*.c "$KMOD"/*.h "$KMOD"/Kbuild "$MOD"/
cp "$ROOT"/include/uapi/zc_kmod.h "$MOD"/uapi/
mkdir -p "$MOD/include"
cp -r "$ROOT"/include/zc "$MOD"/include/
make -s -C "$KDIR" M="$MOD" modules >"$BUILD/kbuild.log" 2>&1 ||
	{ cat "$BUILD/kbuild.log" >&2; die "module build"; }
if grep -E 'warning:|error:' "$BUILD/kbuild.log" >&2; then
	die "module build has warnings"
fi

# ---- 4. static guest test programs ------------------------------------------
RD=$BUILD/initramfs
rm -rf "$RD"
mkdir -p "$RD"/{bin,dev,proc,sys,tmp,tests,mod,run}
for src in "$KMOD"/tests/*.c; do
	name=$(basename "$src" .c)
	gcc -static -O2 -g -Wall -Wextra -pthread -I"$ROOT/include/uapi" \
		-o "$RD/tests/$name" "$src" -luring ||
		die "building test $name"
done
cp "$KMOD"/tests/*.sh "$RD/tests/" 2>/dev/null || true

# ---- 4b. libzc (with the kmod backend) and its tests, static --------------
# The libzc test programs name their region with harness.h's test_name(),
# which returns $ZC_TEST_URI when it is set (the guest sets kmod:/dev/zc0);
# zc_libzc.sh checks the driver was used.
LZ=$BUILD/libzc
rm -rf "$LZ"
mkdir -p "$LZ/obj" "$LZ/tests"
LZFLAGS="-O2 -g -std=gnu11 -D_GNU_SOURCE -DZC_NO_PROBES -DZC_HAVE_KMOD_BACKEND -I$ROOT/include -I$ROOT/libzc"
for src in "$ROOT"/libzc/*.c; do
	gcc $LZFLAGS -c -o "$LZ/obj/$(basename "$src" .c).o" "$src" ||
		die "building libzc ($src)"
done
ar rcs "$LZ/libzc.a" "$LZ"/obj/*.o
for src in "$KMOD"/tests/lib/*.c; do
	gcc -static $LZFLAGS -Wall -Wextra -o "$RD/tests/$(basename "$src" .c)" \
		"$src" "$LZ/libzc.a" -luring -lpthread ||
		die "building $src"
done
for t in $LIBZC_TESTS; do
	gcc -static $LZFLAGS -o "$RD/tests/test_$t" "$ROOT/tests/test_$t.c" \
		"$LZ/libzc.a" -luring -lpthread || die "building tests/test_$t.c"
done

# The zc CLI, for "zc bench" over kmod and over shm in the same guest.
mkdir -p "$LZ/tool"
for src in "$ROOT"/tools/*.c; do
	gcc $LZFLAGS -I"$ROOT/tools" -DZC_VERSION='"kmod-qemu"' -c \
		-o "$LZ/tool/$(basename "$src" .c).o" "$src" ||
		die "building the zc tool ($src)"
done
gcc -static -o "$RD/tests/zc" "$LZ"/tool/*.o "$LZ/libzc.a" -luring -lpthread -lm ||
	die "linking the zc tool"

# ---- 4c. the emulated firmware's echo (firmware/), a libzc remote ----------
FW=$BUILD/fw
rm -rf "$FW"
mkdir -p "$FW"
FWINC="-I$ROOT/include -I$ROOT/firmware/include -I$ROOT/firmware/examples -I$ROOT/firmware/host"
for src in "$ROOT"/firmware/lib/*.c "$ROOT"/firmware/examples/echo.c; do
	gcc -c -O2 -g -ffreestanding $FWINC -o "$FW/$(basename "$src" .c).o" \
		"$src" || die "building the firmware ($src)"
done
gcc -c -O2 -g -D_GNU_SOURCE $FWINC -o "$FW/hal_linux.o" \
	"$ROOT/firmware/host/hal_linux.c" || die "building firmware/host/hal_linux.c"
gcc -static -O2 -g -D_GNU_SOURCE $FWINC -DZC_FW_APP=zc_fw_echo_app \
	-o "$RD/tests/zc-fw-echo" "$ROOT/firmware/host/fw_main.c" "$FW"/*.o \
	"$LZ/libzc.a" -luring -lpthread || die "building zc-fw-echo"

# ---- 5. initramfs -----------------------------------------------------------
cp /bin/busybox "$RD/bin/busybox"
cp "$MOD/zc.ko" "$RD/mod/"
cp "$HERE/init.sh" "$RD/init"
# ZC_ONLY="name ..." runs a subset (for development; the judge follows it).
if [ -n "${ZC_ONLY:-}" ]; then
	printf '%s\n' $ZC_ONLY >"$RD/only"
fi
chmod 755 "$RD/init" "$RD"/tests/*
mknod -m 600 "$RD/dev/console" c 5 1 2>/dev/null || true
(cd "$RD" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) \
	>"$BUILD/initrd.gz"

# ---- 6. boot ----------------------------------------------------------------
say "booting (timeout ${TIMEOUT}s)"
rm -f "$LOG"
t1=$(date +%s)
rc=0
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -nodefaults -display none \
	-serial file:"$LOG" -no-reboot -m 1024 -smp 2 \
	-kernel "$VMLINUZ" -initrd "$BUILD/initrd.gz" \
	-append "console=ttyS0 panic=-1 oops=panic slub_debug=FZPU page_poison=1" \
	</dev/null || rc=$?
t2=$(date +%s)
[ -f "$LOG" ] || die "no guest log"
# The serial console ends lines with CRLF.
tr -d '\r' <"$LOG" >"$LOG.txt" && mv "$LOG.txt" "$LOG"
[ "$rc" = 124 ] && say "QEMU timed out after ${TIMEOUT}s"

# ---- 7. judge ---------------------------------------------------------------
# The plan is read from init.sh on the host, never from the guest's output.
plan=$(sed -n 's/^[[:space:]]*run_test \([a-z0-9_]*\) .*/\1/p' "$HERE/init.sh")
[ -z "${ZC_ONLY:-}" ] || plan=$ZC_ONLY
fail=0
for t in $plan; do
	if grep -q "^ZC-TEST RETRIED $t\$" "$LOG"; then
		echo "PASS $t (on its second attempt: see the first one's output in $LOG)"
	elif grep -q "^ZC-TEST PASS $t\$" "$LOG"; then
		echo "PASS $t"
	elif grep -q "^ZC-TEST FAIL $t" "$LOG"; then
		echo "FAIL $t"
		fail=1
	else
		echo "MISSING $t"
		fail=1
	fi
done
if grep -q '^ZC-TEST FAIL' "$LOG"; then
	fail=1
fi
grep -q '^ZC-TESTS-DONE$' "$LOG" || { echo "MISSING ZC-TESTS-DONE"; fail=1; }
if grep -nE 'WARNING:|BUG:|Oops|Call Trace|general protection|Kernel panic|UBSAN|KASAN|refcount_t|list_del corruption' "$LOG"; then
	echo "FAIL kernel log shows a warning, oops or BUG"
	fail=1
fi

# Same stream, same guest, both backends: the data path never enters the
# driver, so the ratio should be near 1 (TCG timings are only relative).
k=$(sed -n 's/^zc_lstream kmod.* \([0-9]*\) msg\/s.*/\1/p' "$LOG")
s=$(sed -n 's/^zc_lstream shm.* \([0-9]*\) msg\/s.*/\1/p' "$LOG")
if [ -n "$k" ] && [ -n "$s" ] && [ "$s" -gt 0 ]; then
	echo "kmod/qemu: libzc stream kmod $k msg/s, shm $s msg/s, ratio kmod/shm $(awk "BEGIN { printf \"%.2f\", $k / $s }")"
fi
sed -n 's/^ZC-BENCH /kmod\/qemu: /p' "$LOG"
sed -n 's/^ZC-ZCBENCH /kmod\/qemu: zc bench /p' "$LOG"
echo "kmod/qemu: boot+tests $((t2 - t1))s, total $(( $(date +%s) - t0 ))s, log $LOG"
if [ "$fail" != 0 ]; then
	echo "---- guest log (tail) ----"
	tail -n 80 "$LOG"
	die "see $LOG"
fi
echo "kmod/qemu: ALL PASS ($(echo $plan | wc -w) tests)"
