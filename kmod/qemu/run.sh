#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kmod/qemu/run.sh - build zc.ko against every Debian 12 kernel series apt
# offers (6.1 and 6.12: the newest of each), build its tests once, boot
# each kernel under QEMU (TCG) with them in an initramfs, and judge the
# result lines of each boot.
#
# Usage (from anywhere): bash kmod/qemu/run.sh
# Env: ZC_KMOD_BUILD (build dir, default build/kmod in the repository),
#      ZC_KMOD_CACHE (downloaded kernels, default /var/cache/zc-kmod when
#      writable, else $ZC_KMOD_BUILD/cache), ZC_KERNELS ("6.1 6.12": series
#      or exact releases to run, default every series found),
#      ZC_QEMU_TIMEOUT (s per boot, default 480: only reached on a hang),
#      ZC_SKIP_APT=1 (install no packages), ZC_ONLY="test ..." (run a
#      subset, for development), ZC_REPEAT=N (each boot runs the suite N
#      times; every round must pass), ZC_BUILD_ONLY=1 (build zc.ko for
#      every kernel and flavour, boot nothing).
# Exit status: 0 when every planned test passed on every kernel and each
# kernel log is clean.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KMOD=$(dirname "$HERE")
ROOT=$(dirname "$KMOD")
BUILD=${ZC_KMOD_BUILD:-$ROOT/build/kmod}
TIMEOUT=${ZC_QEMU_TIMEOUT:-$((480 * ${ZC_REPEAT:-1}))}
if [ -n "${ZC_KMOD_CACHE:-}" ]; then
	CACHE=$ZC_KMOD_CACHE
elif mkdir -p /var/cache/zc-kmod 2>/dev/null && [ -w /var/cache/zc-kmod ]; then
	# Outside the checkout, so CI's fresh clones reuse the downloads.
	CACHE=/var/cache/zc-kmod
else
	CACHE=$BUILD/cache
fi

say() { echo "kmod/qemu: $*" >&2; }
die() { echo "kmod/qemu: FAIL: $*" >&2; exit 1; }

t0=$(date +%s)
# The libzc tests (tests/test_*.c) that run over kmod:/dev/zc0. Not
# test_corrupt: its superblock cases fake an shm host on the UNIX socket.
LIBZC_TESTS="basic frag kicks peer uring seq stress"

# Other engineers' apt runs share the dpkg lock: wait for it.
APT="apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3"

# ---- 1. packages -----------------------------------------------------------
# The kernels built for here are not installed: each one's headers are
# unpacked into the cache (6.12's headers package would pull in its image,
# and with it systemd and an initramfs build). linux-headers-amd64 is for
# trace/tests/kmod_guest.sh, which builds against the installed 6.1.
PKGS="qemu-system-x86 busybox-static cpio gzip liburing-dev build-essential
      gcc-12 libc6-dev kmod pahole linux-headers-amd64"
if [ "${ZC_SKIP_APT:-0}" != 1 ]; then
	missing=
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		say "installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		$APT install -y --no-install-recommends $missing >/dev/null ||
			{ $APT update >/dev/null &&
			  $APT install -y --no-install-recommends $missing >/dev/null; } ||
			die "apt-get install$missing"
	fi
fi

# ---- 2. the kernels: the newest release of each series apt offers ----------
# linux-headers-<release>-amd64, e.g. 6.1.0-57-amd64, 6.12.118+deb12-amd64;
# not the cloud or rt flavours (no virtio-less TCG boot difference worth
# the download).
list_kernels() {
	apt-cache pkgnames linux-headers- 2>/dev/null |
		grep -E '^linux-headers-[0-9]+\.[0-9]+\.[0-9]+[-+].*-amd64$' |
		grep -vE -- '-(cloud|rt)-amd64$' | sed 's/^linux-headers-//' |
		sort -V | awk -F. '{ s = $1 "." $2; last[s] = $0 }
			END { for (s in last) print last[s] }' | sort -V
}
ALL=$(list_kernels)
# A release not in the cache is downloaded: ask for fresh lists first, as
# an old list names releases the archive may no longer have.
stale=
[ -n "$ALL" ] || stale=1
for k in $ALL; do
	[ -f "$CACHE/$k/.complete" ] || stale=1
done
if [ -n "$stale" ] && [ "${ZC_SKIP_APT:-0}" != 1 ]; then
	$APT update >/dev/null || die "apt-get update"
	ALL=$(list_kernels)
fi
[ -n "$ALL" ] || die "apt offers no linux-headers-*-amd64 (run apt-get update)"
KERNELS=
for k in $ALL; do
	series=$(echo "$k" | cut -d. -f1,2)
	if [ -z "${ZC_KERNELS:-}" ] || echo " $ZC_KERNELS " | grep -qF " $series " ||
		echo " $ZC_KERNELS " | grep -qF " $k "; then
		KERNELS="$KERNELS $k"
	fi
done
[ -n "$KERNELS" ] || die "no kernel matches ZC_KERNELS=$ZC_KERNELS (apt offers: $(echo $ALL))"
say "kernels:$KERNELS"

# Headers, kbuild and vmlinuz of release $1, unpacked (never installed)
# into $CACHE/$1 once: the headers, the common headers and kbuild they
# depend on, and (unless $2 is "headers") the image package's vmlinuz only.
fetch_kernel() {
	local kver=$1 dir=$CACHE/$1 pkgs deb img=linux-image-$1
	[ "${2:-}" != headers ] || img=
	[ -f "$dir/.complete" ] && return 0
	say "fetching the $kver headers${img:+ and image}"
	rm -rf "$dir"
	mkdir -p "$dir/debs" "$dir/root"
	pkgs=$(apt-cache depends "linux-headers-$kver" |
	       grep -oE 'linux-(headers|kbuild)-[^ ,]+' | sort -u)
	(cd "$dir/debs" && $APT download $pkgs $img >/dev/null 2>&1) ||
		(cd "$dir/debs" && $APT update >/dev/null &&
		 $APT download $pkgs $img >/dev/null 2>&1) ||
		die "apt-get download $pkgs $img"
	for deb in "$dir"/debs/*.deb; do
		case $deb in
		*/linux-image-*)
			dpkg-deb --fsys-tarfile "$deb" |
				tar -x -C "$dir/root" "./boot/vmlinuz-$kver" ;;
		*)
			dpkg-deb -x "$deb" "$dir/root" ;;
		esac
	done
	rm -rf "$dir/debs"
	# The flavour's Makefile includes the common tree by absolute path.
	sed -i "s|/usr/src/|$dir/root/usr/src/|" \
		"$dir/root/usr/src/linux-headers-$kver/Makefile"
	[ -z "$img" ] || [ -f "$dir/root/boot/vmlinuz-$kver" ] ||
		die "no vmlinuz in linux-image-$kver"
	touch "$dir/.complete"
}

# Where trace/tests/kmod_guest.sh looks for a guest kernel (the old layout).
link_old_layout() {
	mkdir -p "$BUILD/cache"
	ln -sfn "$CACHE/$1/root" "$BUILD/cache/img-$1"
}

# ---- 3. the module, built from a DKMS-shaped copy of the sources, per kernel
# The kernels booted, and (built only: DKMS must build there too) the same
# releases' other flavours, cloud and rt, where apt has them.
FLAVOURS=
for kver in $KERNELS; do
	for fl in cloud-amd64 rt-amd64; do
		f=${kver%-amd64}-$fl
		apt-cache show "linux-headers-$f" >/dev/null 2>&1 && FLAVOURS="$FLAVOURS $f"
	done
done
mkdir -p "$BUILD" "$CACHE"
for kver in $KERNELS $FLAVOURS; do
	case " $KERNELS " in
	*" $kver "*) fetch_kernel "$kver"; link_old_layout "$kver" ;;
	*) fetch_kernel "$kver" headers ;;
	esac
	MOD=$BUILD/$kver/mod
	rm -rf "$MOD"
	mkdir -p "$MOD/uapi" "$MOD/include"
	cp "$KMOD"/*.c "$KMOD"/*.h "$KMOD"/Kbuild "$MOD"/
	cp "$ROOT"/include/uapi/zc_kmod.h "$MOD"/uapi/
	cp -r "$ROOT"/include/zc "$MOD"/include/
	make -s -j2 -C "$CACHE/$kver/root/usr/src/linux-headers-$kver" M="$MOD" \
		modules >"$BUILD/$kver/kbuild.log" 2>&1 ||
		{ cat "$BUILD/$kver/kbuild.log" >&2; die "module build for $kver"; }
	if grep -E 'warning:|error:' "$BUILD/$kver/kbuild.log" >&2; then
		die "module build for $kver has warnings"
	fi
	say "zc.ko built for $kver"
done
if [ "${ZC_BUILD_ONLY:-0}" = 1 ]; then
	echo "kmod/qemu: zc.ko built without warnings for$KERNELS$FLAVOURS (ZC_BUILD_ONLY: no boot)"
	exit 0
fi

# ---- 4. static guest test programs ------------------------------------------
RD=$BUILD/initramfs
rm -rf "$RD"
mkdir -p "$RD"/{bin,dev,proc,sys,tmp,tests,mod,run}
for src in "$KMOD"/tests/*.c; do
	name=$(basename "$src" .c)
	gcc -static -O2 -g -Wall -Wextra -Werror -pthread -I"$ROOT/include/uapi" \
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

# The restart soak (tests/soak/), run over kmod:/dev/zc0 with fewer restarts.
gcc -static $LZFLAGS -o "$RD/tests/soak_restart" "$ROOT/tests/soak/soak_restart.c" \
	"$LZ/libzc.a" -luring -lpthread || die "building tests/soak/soak_restart.c"

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

# ---- 5. initramfs, 6. boot and 7. judge, once per kernel --------------------
cp /bin/busybox "$RD/bin/busybox"
cp "$HERE/init.sh" "$RD/init"
# ZC_ONLY="name ..." runs a subset (for development; the judge follows it).
if [ -n "${ZC_ONLY:-}" ]; then
	printf '%s\n' $ZC_ONLY >"$RD/only"
fi
# ZC_REPEAT=N runs the suite N times in each boot (hunting a flaky test):
# every round of every test must pass.
REPEAT=${ZC_REPEAT:-1}
[ "$REPEAT" = 1 ] || echo "$REPEAT" >"$RD/repeat"
chmod 755 "$RD/init" "$RD"/tests/*
mknod -m 600 "$RD/dev/console" c 5 1 2>/dev/null || true

# The plan is read from init.sh on the host, never from the guest's output.
plan=$(sed -n 's/^[[:space:]]*run_test \([a-z0-9_]*\) .*/\1/p' "$HERE/init.sh")
[ -z "${ZC_ONLY:-}" ] || plan=$ZC_ONLY

# Boot $1 with its zc.ko; print one PASS/FAIL/MISSING line per planned test
# and the run's figures; return 1 if anything failed.
boot_and_judge() {
	local kver=$1 log=$BUILD/$1/guest.log rc=0 fail=0 t1 t2 k s
	cp "$BUILD/$kver/mod/zc.ko" "$RD/mod/zc.ko"
	(cd "$RD" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) \
		>"$BUILD/$kver/initrd.gz"
	say "booting $kver (timeout ${TIMEOUT}s)"
	rm -f "$log"
	t1=$(date +%s)
	timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -nodefaults -display none \
		-serial file:"$log" -no-reboot -m 1024 -smp 2 \
		-kernel "$CACHE/$kver/root/boot/vmlinuz-$kver" \
		-initrd "$BUILD/$kver/initrd.gz" \
		-append "console=ttyS0 panic=-1 oops=panic slub_debug=FZPU page_poison=1" \
		</dev/null || rc=$?
	t2=$(date +%s)
	[ -f "$log" ] || { echo "FAIL [$kver] no guest log"; return 1; }
	# The serial console ends lines with CRLF.
	tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"
	[ "$rc" = 124 ] && say "$kver: QEMU timed out after ${TIMEOUT}s"
	grep -q "^ZC-GUEST-UP $kver\$" "$log" ||
		{ echo "FAIL [$kver] the guest did not run $kver"; fail=1; }

	for t in $plan; do
		want=$REPEAT
		[ "$t" != dmesg_clean ] || want=1	# after the last round only
		if [ "$(grep -c "^ZC-TEST PASS $t\$" "$log")" = "$want" ]; then
			echo "PASS $t [$kver]"
			npass=$((npass + 1))
		elif grep -q "^ZC-TEST FAIL $t" "$log"; then
			echo "FAIL $t [$kver]"
			nfail=$((nfail + 1))
			fail=1
		else
			echo "MISSING $t [$kver]"
			nfail=$((nfail + 1))
			fail=1
		fi
	done
	if grep -q '^ZC-TEST FAIL' "$log"; then
		fail=1
	fi
	grep -q '^ZC-TESTS-DONE$' "$log" ||
		{ echo "MISSING [$kver] ZC-TESTS-DONE"; fail=1; }
	if grep -nE 'WARNING:|BUG:|Oops|Call Trace|general protection|Kernel panic|UBSAN|KASAN|refcount_t|list_del corruption|detected stalls|soft lockup|blocked for more than' "$log"; then
		echo "FAIL [$kver] kernel log shows a warning, oops, stall or BUG"
		fail=1
	fi

	# Same stream, same guest, both backends: the data path never enters
	# the driver, so the ratio should be near 1 (TCG timings are relative).
	k=$(sed -n 's/^zc_lstream kmod.* \([0-9]*\) msg\/s.*/\1/p' "$log")
	s=$(sed -n 's/^zc_lstream shm.* \([0-9]*\) msg\/s.*/\1/p' "$log")
	if [ -n "$k" ] && [ -n "$s" ] && [ "$s" -gt 0 ]; then
		echo "kmod/qemu: [$kver] libzc stream kmod $k msg/s, shm $s msg/s, ratio kmod/shm $(awk "BEGIN { printf \"%.2f\", $k / $s }")"
	fi
	sed -n "s/^ZC-BENCH /kmod\/qemu: [$kver] /p" "$log"
	sed -n "s/^ZC-ZCBENCH /kmod\/qemu: [$kver] zc bench /p" "$log"
	sed -n "s/^\(harden\|khost\|uringbuf\): /kmod\/qemu: [$kver] \1: /p" "$log"
	sed -n "s/^\(soak [a-z]*: .*\)/kmod\/qemu: [$kver] \1/p" "$log"
	echo "kmod/qemu: [$kver] boot+tests $((t2 - t1))s, log $log"
	if [ "$fail" != 0 ]; then
		echo "---- [$kver] guest log (tail) ----"
		tail -n 80 "$log"
		return 1
	fi
	return 0
}

npass=0
nfail=0
bad=
for kver in $KERNELS; do
	boot_and_judge "$kver" || bad="$bad $kver"
done
echo "kmod/qemu: zc.ko built without warnings for$KERNELS$FLAVOURS"
echo "kmod/qemu: total $(( $(date +%s) - t0 ))s for$KERNELS"
echo "kmod/qemu: $npass passed, $nfail failed"
[ -z "$bad" ] || die "failed on$bad (logs in $BUILD/<kernel>/guest.log)"
echo "kmod/qemu: ALL PASS ($(echo $plan | wc -w) tests on each of$KERNELS)"
