#!/usr/bin/env bash
# Install the Debian 12 packages zc needs: `scripts/setup.sh [group ...]`
# with groups from scripts/packages.txt (default: all of them). Idempotent:
# packages already present are not fetched again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=($(awk '!/^#/ && NF {print $1}' "$here/packages.txt"))
pkgs=()
for g in "${groups[@]}"; do
	line=$(awk -v g="$g" '$1 == g {$1 = ""; print}' "$here/packages.txt")
	[ -n "$line" ] || { echo "setup.sh: no package group '$g' in packages.txt" >&2; exit 2; }
	pkgs+=($line)
done
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
