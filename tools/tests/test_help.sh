#!/bin/sh
# Help and documentation agree with the program: every command's --help
# exits 0 (zc trace too, when zc-trace is not built); every option a help
# lists is one the command takes and is in docs/cli.md and docs/zc.1, and
# every option cli.md gives a command is in its help; an integer range a
# help states (A..B) is the one enforced; SEQ slot counts are checked; and
# cli.md's `zc --help` and `zc info` examples match what the program prints.
. "$(dirname "$0")/lib.sh"
: "${DOCS:?DOCS must point at docs/}"
CLI="$DOCS/cli.md"
MAN="$DOCS/zc.1"

# zc --help, verbatim in cli.md after "$ zc --help".
"$ZC" --help >"$TMP/help" || fail "zc --help exited non-zero"
awk '/^\$ zc --help$/ { on = 1; next } on && /^```/ { exit } on' "$CLI" >"$TMP/doc"
cmp -s "$TMP/help" "$TMP/doc" ||
	fail "cli.md's zc --help differs from the program's: $(diff "$TMP/doc" "$TMP/help")"
echo "ok: zc --help as in cli.md"

# The section of cli.md about a command ("## zc send / zc recv" for both).
section() {
	awk -v c="$1" '
		/^## / { on = ($0 ~ ("zc " c "( |$)")) ; next }
		on' "$CLI"
}

for cmd in bench send recv info remote ping; do
	"$ZC" "$cmd" --help >"$TMP/help" 2>"$TMP/err" || fail "zc $cmd --help exited $?"
	grep -q "^usage: zc $cmd" "$TMP/help" || fail "zc $cmd --help shows no usage"
	[ -s "$TMP/err" ] && fail "zc $cmd --help wrote to stderr: $(cat "$TMP/err")"
	opts=$(grep -o -- '^  --[a-z][a-z-]*' "$TMP/help" | sed 's/^ *//')
	cd "$TMP"	# nothing a mistaken run writes lands in the build tree
	[ -n "$opts" ] || fail "zc $cmd --help lists no options"
	section "$cmd" >"$TMP/sec"
	[ -s "$TMP/sec" ] || fail "cli.md has no section for zc $cmd"
	for o in $opts; do
		# "--opt VALUE" in the help: without its value, zc must say it
		# needs one; a flag must be taken as one.
		if grep -Eq -- "^  $o [A-Z]" "$TMP/help"; then
			"$ZC" "$cmd" "$o" >/dev/null 2>"$TMP/err" </dev/null
			grep -q "needs a value" "$TMP/err" ||
				fail "zc $cmd --help lists $o with a value, but zc $cmd $o says: $(cat "$TMP/err")"
		else
			"$ZC" "$cmd" "$o" --help >/dev/null 2>"$TMP/err" ||
				fail "zc $cmd --help lists the flag $o, but zc $cmd $o --help says: $(cat "$TMP/err")"
		fi
		grep -q -- "$o\b" "$TMP/sec" || fail "cli.md's zc $cmd section does not mention $o"
		mo=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
		grep -q -- "$mo" "$MAN" || fail "docs/zc.1 does not mention $o (zc $cmd)"
	done
	# What cli.md's section gives as this command's options, it must take.
	for o in $(grep -o -- '`--[a-z][a-z-]*' "$TMP/sec" | tr -d '`' | sort -u); do
		printf '%s\n' $opts | grep -qx -- "$o" ||
			fail "cli.md's zc $cmd section gives $o, which zc $cmd --help does not list"
	done
	# Integer ranges stated in the help, on the option's own line.
	grep -E '^  --[a-z-]+ N ' "$TMP/help" | while read -r o _ rest; do
		range=$(printf '%s\n' "$rest" | grep -oE '(^|[ (,])[0-9]+\.\.[0-9]+([^0-9.]|$)' |
			head -n 1 | grep -oE '[0-9]+\.\.[0-9]+')
		[ -n "$range" ] || continue
		lo=${range%..*}
		hi=${range#*..}
		for v in "$lo" "$hi"; do
			"$ZC" "$cmd" "$o" "$v" --help >/dev/null 2>"$TMP/err" ||
				fail "zc $cmd: help says $o $range, but $v is refused: $(cat "$TMP/err")"
		done
		for v in $((lo - 1)) $((hi + 1)); do
			[ "$v" -lt 0 ] && continue
			"$ZC" "$cmd" "$o" "$v" --help >/dev/null 2>"$TMP/err"
			[ $? -eq 2 ] || fail "zc $cmd: help says $o $range, but $v is taken"
		done
		echo "ok: zc $cmd $o takes exactly $range"
	done || exit 1
	echo "ok: zc $cmd --help: $(echo $opts)"
done

# SEQ channels need a power-of-two slot count (up to 32768): said at once.
expect_clean_failure "SEQ send with 48 slots" env ZC_CHAN_MODE=seq timeout 20 \
	"$ZC" send "cli-help-$$" --slots 48 --timeout 0.1
[ "$rc" -eq 2 ] && grep -q "power of two" "$TMP/err" || fail "want exit 2 and 'power of two'"
expect_clean_failure "SEQ bench with 65536 slots" timeout 20 \
	"$ZC" bench --chan-mode seq --slots 65536 --sizes 64 --seconds 0.01 --no-baselines
[ "$rc" -eq 2 ] && grep -q "power of two" "$TMP/err" || fail "want exit 2 and 'power of two'"

# zc trace --help with no zc-trace anywhere: a copy of zc outside the build
# tree, PATH emptied. It must still answer, exit 0, and say why.
mkdir -p "$TMP/alone"
cp "$ZC" "$TMP/alone/zc"
LD_LIBRARY_PATH="$(dirname "$ZC")/../libzc${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
	PATH=/nonexistent "$TMP/alone/zc" trace --help >"$TMP/help" 2>"$TMP/err" ||
	fail "zc trace --help without zc-trace exited $?: $(cat "$TMP/help" "$TMP/err")"
grep -q "^usage: zc trace" "$TMP/help" || fail "zc trace --help shows no usage: $(cat "$TMP/help")"
grep -q "zc-trace is not built" "$TMP/help" || fail "zc trace --help does not say zc-trace is not built"
echo "ok: zc trace --help without zc-trace: exit 0, says it is not built"
expect_clean_failure "zc trace without zc-trace" env \
	LD_LIBRARY_PATH="$(dirname "$ZC")/../libzc${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
	PATH=/nonexistent "$TMP/alone/zc" trace -p 1
[ "$rc" -eq 1 ] || fail "zc trace without zc-trace exited $rc, want 1"

# cli.md's zc info example: the format line and the channel table's header
# are what zc info prints today.
"$MKREGION" "cli-help-info-$$" "$TMP/region.zc" 0 >/dev/null || fail "mkregion failed"
"$ZC" info "$TMP/region.zc" >"$TMP/info" || fail "zc info on a region file failed"
for pat in '^  format ' '^#   channel '; do
	want=$(grep -- "$pat" "$TMP/info")
	[ -n "$want" ] || fail "zc info prints no line matching '$pat'"
	section info | grep -- "$pat" | while IFS= read -r line; do
		[ "$line" = "$want" ] || fail "cli.md's zc info example shows
  $line
but zc info prints
  $want"
	done || exit 1
done
echo "ok: cli.md's zc info example matches zc info"
echo "all help checks passed"
