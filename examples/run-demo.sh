#!/bin/sh
# Runs the docs/api.md producer and consumer as two processes (a test).
set -e
name="demo-$$"
"$1" "$name" & p=$!
sleep 0.2
"$2" "$name"
wait $p
