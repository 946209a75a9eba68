#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what zc needs, build it
# (optimised) into build/quickstart, and run `zc bench` against an emulated
# remote core over the embedded default backend (shared memory, no kernel
# module). The build is quiet: its log (build/quickstart.log) is shown only
# when it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh core bench
dir=build/quickstart
log=build/quickstart.log
mkdir -p build
echo "quickstart: building zc into $dir (log: $log)..." >&2
if ! {
	if [ ! -f "$dir/build.ninja" ]; then
		rm -rf "$dir"	# a setup that failed half-way
		meson setup "$dir" --buildtype=release -Dparts=tools,firmware
	fi
	ninja -C "$dir"
} >"$log" 2>&1; then
	cat "$log" >&2
	echo "quickstart: the build failed; its log is above and in $log." >&2
	exit 1
fi
exec "$dir/tools/zc" bench "$@"
