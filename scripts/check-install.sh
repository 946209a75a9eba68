#!/usr/bin/env bash
# Check the installed zc as a user meets it: build libzc alone, install it
# with `meson install --destdir` into build/check-install/dest, then compile
# every installed header on its own and the programs in tests/install/
# against the *installed* headers and library only (pkg-config with
# PKG_CONFIG_SYSROOT_DIR), with gcc and with clang, as
# -std=c99 -pedantic -Wall -Wextra -Werror; link and run the programs.
# Exits non-zero on any failure. `scripts/check-install.sh [build-dir]`.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$src/build/check-install}")
dest=$build/dest
log=$build/check-install.log
flags=(-std=c99 -pedantic -Wall -Wextra -Werror)
pass=0 fail=0 skip=0

mkdir -p "$build"
: > "$log"
run() {	# run a step quietly; its output goes to the log, shown on failure
	if "$@" >> "$log" 2>&1; then return 0; fi
	echo "check-install: failed: $*" >&2
	tail -n 30 "$log" >&2
	return 1
}

if [ ! -f "$build/meson-private/coredata.dat" ]; then
	run meson setup "$build" "$src" -Dparts= --prefix=/usr --libdir=lib \
		--buildtype=debugoptimized
fi
run meson compile -C "$build"
rm -rf "$dest"
run meson install -C "$build" --destdir "$dest" --quiet

pcdir=$dest/usr/lib/pkgconfig
[ -f "$pcdir/libzc.pc" ] || { echo "check-install: no libzc.pc under $pcdir" >&2; exit 1; }
export PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$pcdir
cflags=$(pkg-config --cflags libzc)
libs=$(pkg-config --libs libzc)
uring_libs=$(pkg-config --libs liburing)
case " $cflags " in *" -I$dest/usr/include "*) ;; *)
	echo "check-install: pkg-config gives '$cflags', not the installed headers" >&2; exit 1;;
esac
export LD_LIBRARY_PATH=$dest/usr/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

ok() { pass=$((pass + 1)); echo "PASS: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

tmp=$build/tu
mkdir -p "$tmp"
for cc in gcc clang; do
	if ! command -v "$cc" > /dev/null; then
		skip=$((skip + 1)); echo "SKIP: $cc not installed"; continue
	fi
	# Each installed header alone (and twice: include guards).
	for h in "$dest"/usr/include/zc/*.h; do
		name=zc/$(basename "$h")
		printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' \
			"$name" "$name" > "$tmp/hdr.c"
		# shellcheck disable=SC2086
		if run "$cc" "${flags[@]}" $cflags -c "$tmp/hdr.c" -o "$tmp/hdr.o"; then
			ok "$cc $name"
		else
			ko "$cc $name"
		fi
	done
	for prog in "$src"/tests/install/*.c; do
		exe=$tmp/$(basename "$prog" .c)-$cc
		# shellcheck disable=SC2086
		if run "$cc" "${flags[@]}" $cflags "$prog" -o "$exe" $libs $uring_libs -pthread &&
		   run "$exe"; then
			ok "$cc $(basename "$prog") (built, linked, ran)"
		else
			ko "$cc $(basename "$prog")"
		fi
	done
done
echo "check-install: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
