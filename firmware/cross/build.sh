#!/bin/bash
# SPDX-License-Identifier: MIT
#
# firmware/cross/build.sh - cross-build the firmware for a Cortex-M4F with
# Debian's arm-none-eabi toolchain, print every image's size, and run the
# loopback self-test image under QEMU (mps2-an386, semihosting).
#
#   firmware/cross/build.sh [--no-install | --skip-missing] [--no-qemu] [OUTDIR]
#
# Installs gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm
# with apt-get when they are missing (as root). Exits non-zero if anything
# fails to build or link (-Wall -Wextra -Werror), or if the self-test fails;
# with --skip-missing (the meson test), exits 77 (skip) instead of
# installing missing tools.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fw=$(cd "$here/.." && pwd)
top=$(cd "$fw/.." && pwd)
install=1
skip_missing=0
qemu=1
out=
for a in "$@"; do
	case "$a" in
	--no-install) install=0 ;;
	--skip-missing) install=0; skip_missing=1 ;;
	--no-qemu) qemu=0 ;;
	-*) echo "usage: $0 [--no-install | --skip-missing] [--no-qemu] [OUTDIR]" >&2; exit 2 ;;
	*) out=$a ;;
	esac
done
out=${out:-$top/build/cross}
mkdir -p "$out"

need=()
command -v arm-none-eabi-gcc >/dev/null || need+=(gcc-arm-none-eabi)
[ -d /usr/lib/arm-none-eabi/newlib ] || need+=(libnewlib-arm-none-eabi)
[ $qemu = 0 ] || command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
if [ ${#need[@]} -gt 0 ]; then
	if [ $skip_missing = 1 ]; then
		echo "build.sh: skipped: ${need[*]} not installed" >&2
		exit 77
	fi
	if [ $install = 0 ] || [ "$(id -u)" != 0 ]; then
		echo "build.sh: missing ${need[*]}; install them with apt-get (as root)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

CC=arm-none-eabi-gcc
cpu=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
cflags=("${cpu[@]}" -std=gnu11 -Os -g -Wall -Wextra -Werror
	-ffreestanding -fno-common -ffunction-sections -fdata-sections
	-I"$top/include" -I"$fw/include" -I"$fw/examples" -I"$fw/selftest"
	-I"$here")
ldflags=("${cpu[@]}" -nostdlib -T "$here/cm4.ld" -Wl,--gc-sections
	 -Wl,-Map,"$out/link.map")

lib=("$fw"/lib/fw_link.c "$fw"/lib/fw_msg.c "$fw"/lib/fw_run.c
     "$fw"/lib/fw_util.c "$here"/fw_mem.c)
boot=("$here"/startup_cm4.c "$here"/hal_cm4.c "$here"/boot_cm4.c)

compile() {	# out.o src [extra flags]
	local o=$1 s=$2
	shift 2
	$CC "${cflags[@]}" "$@" -c "$s" -o "$o"
}

# The library alone, as an archive: proof it needs nothing but the compiler.
objs=()
for s in "${lib[@]}"; do
	o="$out/$(basename "${s%.c}").o"
	compile "$o" "$s"
	objs+=("$o")
done
rm -f "$out/libzcfw.a"
arm-none-eabi-ar rcs "$out/libzcfw.a" "${objs[@]}"

link() {	# image app-define sources...
	local img=$1 app=$2
	shift 2
	local o=() s
	for s in "$@"; do
		local obj="$out/$img-$(basename "${s%.c}").o"
		compile "$obj" "$s" -DZC_FW_APP="$app" ${extra_cflags[@]+"${extra_cflags[@]}"}
		o+=("$obj")
	done
	$CC "${ldflags[@]}" -o "$out/$img.elf" "${o[@]}" "$out/libzcfw.a" -lgcc
}

link zc-fw-echo zc_fw_echo_app "${boot[@]}" "$fw/examples/echo.c"
link zc-fw-source zc_fw_source_app "${boot[@]}" "$fw/examples/source.c"
link zc-fw-fir zc_fw_fir_app "${boot[@]}" "$fw/examples/fir.c" \
	"$fw/examples/fir_core.c"
# The board model has no mailbox: the self-test puts its registers in spare RAM.
extra_cflags=(-DZC_CM4_MBOX_KICK=0x203ffff0u -DZC_CM4_MBOX_ACK=0x203ffff4u)
link zc-fw-loopback none "$here/startup_cm4.c" "$here/hal_cm4.c" "$here/loopback_cm4.c" \
	"$fw/selftest/loopback.c" "$fw/examples/echo.c" "$fw/examples/fir.c" \
	"$fw/examples/fir_core.c"

echo "== Cortex-M4F images (arm-none-eabi-gcc -Os, bytes) =="
arm-none-eabi-size "$out/libzcfw.a" | awk 'NR == 1 || !/fw_mem/ { print }' \
	> "$out/sizes-lib.txt"
arm-none-eabi-size "$out"/zc-fw-*.elf | tee "$out/sizes.txt"
echo "== library objects =="
cat "$out/sizes-lib.txt"

# Nothing from a C library may have crept in: only libgcc's helpers.
for img in "$out"/zc-fw-*.elf; do
	if arm-none-eabi-nm "$img" | grep -qwE 'T (printf|malloc|free|puts|_sbrk|_write)'; then
		echo "build.sh: $img links C library code" >&2
		exit 1
	fi
done

if [ $qemu = 1 ]; then
	echo "== loopback self-test on qemu-system-arm -M mps2-an386 =="
	log="$out/qemu-loopback.log"
	if ! timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none \
		-serial none -semihosting-config enable=on,target=native \
		-kernel "$out/zc-fw-loopback.elf" > "$log" 2>&1; then
		cat "$log"
		echo "build.sh: the loopback self-test failed under QEMU" >&2
		exit 1
	fi
	cat "$log"
	grep -q 'zc loopback: PASS' "$log"
fi
echo "build.sh: ok"
