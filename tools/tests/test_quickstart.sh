#!/bin/sh
# scripts/quickstart.sh in a scratch copy of the tree, with stand-ins for
# setup.sh, meson, ninja and the built zc: the build is quiet (no ninja
# lines before the bench's table), its products go under build/quickstart,
# the arguments reach zc bench, and a failed build shows its log and exits 1.
. "$(dirname "$0")/lib.sh"
: "${QUICKSTART:?QUICKSTART must point at scripts/quickstart.sh}"

tree="$TMP/tree"
mkdir -p "$tree/scripts" "$TMP/bin"
cp "$QUICKSTART" "$tree/scripts/quickstart.sh"
printf '#!/bin/sh\nexit 0\n' >"$tree/scripts/setup.sh"
cat >"$TMP/bin/meson" <<'EOS'
#!/bin/sh
[ "$1" = setup ] || exit 2
mkdir -p "$2" && : >"$2/build.ninja"
for i in 1 2 3 4 5 6 7 8; do echo "meson: configuring line $i"; done
EOS
cat >"$TMP/bin/ninja" <<'EOS'
#!/bin/sh
[ "$1" = -C ] || exit 2
i=1
while [ $i -le 68 ]; do echo "[$i/68] Compiling C object $i.o"; i=$((i + 1)); done
if [ -n "${FAIL_BUILD:-}" ]; then
	echo "tools/zc.c:1:1: error: boom"
	exit 1
fi
mkdir -p "$2/tools"
printf '#!/bin/sh\necho "BENCH TABLE $*"\n' >"$2/tools/zc"
chmod +x "$2/tools/zc"
EOS
chmod +x "$tree/scripts/"*.sh "$TMP/bin/meson" "$TMP/bin/ninja"

PATH="$TMP/bin:$PATH" bash "$tree/scripts/quickstart.sh" --seconds 0.1 \
	>"$TMP/out" 2>"$TMP/err" || fail "quickstart exited $?: $(cat "$TMP/out" "$TMP/err")"
grep -q "Compiling\|meson: configuring" "$TMP/out" "$TMP/err" &&
	fail "the build was not quiet: $(cat "$TMP/out" "$TMP/err")"
[ "$(cat "$TMP/out")" = "BENCH TABLE bench --seconds 0.1" ] ||
	fail "zc bench did not run with the arguments: $(cat "$TMP/out")"
[ "$(wc -l <"$TMP/err")" -le 1 ] || fail "more than one line before the table: $(cat "$TMP/err")"
[ -x "$tree/build/quickstart/tools/zc" ] || fail "zc was not built under build/quickstart"
extra=$(cd "$tree" && ls -A | grep -v '^build$\|^scripts$')
[ -z "$extra" ] || fail "quickstart left build products outside build/: $extra"
echo "ok: quiet build under build/quickstart: $(cat "$TMP/err")"

# A second run builds again, still quietly, in the same place.
PATH="$TMP/bin:$PATH" bash "$tree/scripts/quickstart.sh" >"$TMP/out" 2>"$TMP/err" ||
	fail "second quickstart exited $?"
grep -q "Compiling" "$TMP/out" "$TMP/err" && fail "the second build was not quiet"
echo "ok: a second run is quiet too"

rm -rf "$tree/build"
FAIL_BUILD=1 PATH="$TMP/bin:$PATH" bash "$tree/scripts/quickstart.sh" \
	>"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 1 ] || fail "a failed build exited $rc, want 1"
grep -q "error: boom" "$TMP/err" || fail "a failed build did not show its log: $(cat "$TMP/err")"
grep -q "the build failed" "$TMP/err" || fail "a failed build was not said to have failed"
grep -q "BENCH" "$TMP/out" && fail "zc bench ran after a failed build"
echo "ok: a failed build shows its log and exits 1"
echo "all quickstart checks passed"
