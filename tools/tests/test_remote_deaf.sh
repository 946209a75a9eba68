#!/bin/sh
# remote_check must fail for a remote that never notices its host left.
# The stand-in runs the real zc remote and then lingers, exiting with its
# status only when signalled (as zc remote once did on SIGTERM): before,
# remote_check's stop() sent SIGTERM after 10 s and took the 0 as a pass.
. "$(dirname "$0")/lib.sh"
: "${REMOTE_CHECK:?REMOTE_CHECK must point at remote_check}"

cat >"$TMP/deaf-zc" <<EOS
#!/bin/sh
"$ZC" "\$@"
rc=\$?
trap 'exit \$rc' TERM INT
while :; do sleep 0.1; done
EOS
chmod +x "$TMP/deaf-zc"
timeout 100 "$REMOTE_CHECK" "$TMP/deaf-zc" "cli-deaf-$$" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 1 ] ||
	fail "remote_check exited $rc with a remote that never leaves, want 1: $(cat "$TMP/out" "$TMP/err")"
grep -q "did not exit by itself" "$TMP/err" ||
	fail "remote_check did not say the remote had to be killed: $(cat "$TMP/err")"
echo "ok: a remote that never notices its host left fails: $(cat "$TMP/err")"
