#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "zc bench" (tools/) on region URI $1, its table prefixed for run.sh.
set -o pipefail
zc bench --uri "$1" --seconds 0.5 --sizes 64,4K,64K --no-baselines --quiet 2>&1 |
	sed "s|^|ZC-ZCBENCH $1: |"
