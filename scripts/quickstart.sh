#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what zc needs, build it
# (optimised), and run `zc bench` against an emulated remote core over the
# embedded default backend (shared memory, no kernel module).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh core bench
if [ ! -d build-release ]; then
	meson setup build-release --buildtype=release -Dparts=tools,firmware >/dev/null
fi
ninja -C build-release
exec build-release/tools/zc bench "$@"
