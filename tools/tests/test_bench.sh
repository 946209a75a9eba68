#!/bin/sh
# zc bench in its quick mode: valid JSON with every size and both
# baselines, every rate and latency non-zero, and the table on stdout.
# Structure only: timings on a shared machine are never thresholds.
. "$(dirname "$0")/lib.sh"

timeout 120 "$ZC" bench --seconds 0.2 --json "$TMP/b.json" >"$TMP/table" 2>"$TMP/err" ||
	fail "zc bench exited non-zero: $(cat "$TMP/err")"
python3 - "$TMP/b.json" <<'PY' || fail "bench JSON is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
sizes = [r["size"] for r in d["results"]]
want = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576]
assert sizes == want, "sizes %s" % sizes
for r in d["results"]:
    assert r["messages"] > 0 and r["msgs_per_s"] > 0 and r["gb_per_s"] > 0, r
    assert r["bytes"] == r["messages"] * r["size"], r
    assert r["slot_size"] >= r["size"] + 16, r
    assert isinstance(r["contended"], bool), r
    assert r["cacheline_rtt_ns"] > 0, r
    assert r["host_run_s"] > 0 and r["remote_run_s"] > 0, r
    assert r["host_wait_s"] >= 0 and r["remote_wait_s"] >= 0, r
    lat = r["latency_us"]
    assert lat["samples"] >= 10, r
    assert 0 < lat["p50"] <= lat["p99"] <= lat["p999"] <= lat["max"], r
base = {b["name"]: b for b in d["baselines"]}
names = sorted(base)
assert names == ["pipe", "spsc16", "stream", "unix socket"], names
for b in d["baselines"]:
    assert b["msgs_per_s"] > 0 and b["gb_per_s"] > 0 and b["zc_ratio"] > 0, b
    assert b["bytes"] == b["messages"] * b["size"], b
    assert b["cacheline_rtt_ns"] > 0, b
for n in ("pipe", "unix socket"):
    assert base[n]["size"] == 4096 and base[n]["compare_size"] == 4096
    assert base[n]["latency_us"]["p50"] > 0, base[n]
assert base["spsc16"]["size"] == 16 and base["spsc16"]["compare_size"] == 64
assert base["stream"]["size"] == base["stream"]["compare_size"] == 1048576
print("ok: JSON has %d sizes and %d baselines" % (len(sizes), len(names)))
PY
for s in "64 B" "1 MiB" "pipe 4 KiB" "unix socket" "spsc16" "stream 1 MiB" "vs pipe"; do
	grep -q "$s" "$TMP/table" || fail "table lacks '$s'"
done
grep -q '\[8/8\] 1 MiB' "$TMP/err" || fail "no progress lines on stderr"
echo "ok: table and progress"

# --repeat 3: every row and baseline carries its three rounds, and the
# reported rate is one of them (the median one).
timeout 120 "$ZC" bench --seconds 0.05 --sizes 64,4K --repeat 3 --quiet --json "$TMP/r.json" >/dev/null 2>"$TMP/err" ||
	fail "zc bench --repeat 3: $(cat "$TMP/err")"
python3 - "$TMP/r.json" <<'PY' || fail "--repeat JSON is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["repeat"] == 3
for r in d["results"] + d["baselines"]:
    rounds = r["rounds_msgs_per_s"]
    assert len(rounds) == 3 and all(x > 0 for x in rounds), r
    assert abs(sorted(rounds)[1] - r["msgs_per_s"]) <= 0.1, r
print("ok: --repeat 3 reports the median round")
PY

# Other wait modes and the CRC check, two sizes, no baselines.
for w in busy sleep uring; do
	timeout 60 "$ZC" bench --seconds 0.05 --sizes 64,64K --wait "$w" --check crc \
		--no-baselines --quiet --json "$TMP/w.json" >/dev/null 2>"$TMP/err" ||
		fail "zc bench --wait $w --check crc: $(cat "$TMP/err")"
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['wait']=='$w' and len(d['results'])==2 and all(r['msgs_per_s']>0 for r in d['results'])" "$TMP/w.json" ||
		fail "JSON for --wait $w is wrong"
	echo "ok: --wait $w --check crc"
done

# SEQ channels, spin and sleep, CRC-checked: the JSON says which mode ran.
for w in spin sleep; do
	timeout 60 "$ZC" bench --seconds 0.05 --sizes 64,4K,64K --chan-mode seq --wait "$w" \
		--check crc --no-baselines --quiet --json "$TMP/s.json" >/dev/null 2>"$TMP/err" ||
		fail "zc bench --chan-mode seq --wait $w: $(cat "$TMP/err")"
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['chan_mode']=='seq' and len(d['results'])==3 and all(r['msgs_per_s']>0 for r in d['results'])" "$TMP/s.json" ||
		fail "JSON for --chan-mode seq is wrong"
	echo "ok: --chan-mode seq --wait $w --check crc"
done
"$ZC" bench --chan-mode fifo >/dev/null 2>"$TMP/err" && fail "--chan-mode fifo accepted"
grep -q "ring or seq" "$TMP/err" || fail "bad --chan-mode not explained: $(cat "$TMP/err")"

# --huge: huge pages when reserved, else normal pages and the library's
# message; the JSON says which backend each size ran on.
timeout 60 "$ZC" bench --seconds 0.05 --sizes 64 --huge --no-baselines --quiet --json "$TMP/h.json" >/dev/null 2>"$TMP/err" ||
	fail "zc bench --huge: $(cat "$TMP/err")"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['huge'] is True and d['results'][0]['backend'] in ('shm', 'shm-hugetlb'), d" "$TMP/h.json" ||
	fail "JSON for --huge is wrong"
echo "ok: --huge ran on $(grep -o 'shm[a-z-]*' "$TMP/h.json" | tail -1)"
