// SPDX-License-Identifier: MIT
//
// bench/zc_rtt.cpp - zc round trips, and its data path on one core:
//   rtt/zc    ping-pong on one channel, payload written and read both ways,
//             in every wait mode, thread or process
//   loop/zc   both ends driven from one thread: the instructions per message
#include "zc_side.hpp"

#include <benchmark/benchmark.h>

#include <thread>
#include <vector>

namespace zcb {
namespace {

// ---- round trip -----------------------------------------------------------------

int rtt_echo(const std::string &uri, Case c, Control *ctl)
{
	Side s;

	if (!peer_attach(s, uri, c, ctl, "echo"))
		return 1;
	uint64_t seq = 0;

	for (;;) {
		struct zc_buf in, out;
		int n = wait_receive(s, &in, 1, ctl);

		if (n < 0) {
			control_fail(ctl, zc_sentence("echo receive", n).c_str());
			break;
		}
		if (in.len == kEndLen) {
			zc_release_burst(s.ch(), &in, 1);
			break;
		}
		if (in.len != c.size || !verify(in.data, c.size, seed_of(seq)))
			control_fail(ctl, "ping payload mismatch");
		n = wait_reserve(s, &out, 1, ctl);
		if (n < 0) {
			control_fail(ctl, zc_sentence("echo reserve", n).c_str());
			break;
		}
		fill(out.data, c.size, seed_of(~seq));
		out.len = (uint32_t)c.size;
		// The pong goes out before the ping's slot goes back: latency first.
		int rc;

		if ((rc = zc_send_burst(s.ch(), &out, 1)) < 0 ||
		    (rc = zc_release_burst(s.ch(), &in, 1)) < 0) {
			control_fail(ctl, zc_sentence("echo send", rc).c_str());
			break;
		}
		seq++;
	}
	ctl->msgs.store(seq);
	ctl->done.store(1);
	return 0;
}

void rtt_zc(benchmark::State &st, Case c, const std::string &name)
{
	Duo duo(st);
	Side s;
	Histogram h;
	struct zc_params p;
	std::string uri = region_uri();
	Control *ctl = duo.ctl;

	geometry(c.size, c.huge, &p);
	p.chan_mode = c.seq ? ZC_CHAN_MODE_SEQ : ZC_CHAN_MODE_RING;
	if (!host_with_peer(duo, s, uri, &p, c,
			    [uri, c, ctl]() { return rtt_echo(uri, c, ctl); }))
		return;
	uint64_t seq = 0;
	int rc = 0;
	auto trip = [&]() {
		struct zc_buf out, in;

		rc = wait_reserve(s, &out, 1, ctl);
		if (rc >= 0) {
			fill(out.data, c.size, seed_of(seq));
			out.len = (uint32_t)c.size;
			rc = zc_send_burst(s.ch(), &out, 1);
		}
		if (rc >= 0)
			rc = wait_receive(s, &in, 1, ctl);
		if (rc < 0) {
			duo.fail(zc_sentence("round trip", rc));
			return false;
		}
		if (in.len != c.size || !verify(in.data, c.size, seed_of(~seq)))
			control_fail(ctl, "pong payload mismatch");
		rc = zc_release_burst(s.ch(), &in, 1);
		if (rc < 0) {
			duo.fail(zc_sentence("release", rc));
			return false;
		}
		seq++;
		return true;
	};
	bool ok = true;

	// Untimed warm-up: every slot touched once, the wait path primed.
	for (uint32_t i = 0; ok && i < 2 * p.slots; i++)
		ok = trip();
	uint64_t warm = seq;
	if (ok) {
		for (auto _ : st) {
			uint64_t t0 = ticks();

			if (!trip())
				break;
			h.add(ticks() - t0);
		}
	}
	if (send_end(s, ctl) == 0)
		duo.wait_done();
	duo.finish(seq, c.size, warm);
	report_latency(st, h, name);
}

// ---- one thread, both ends: the data path's own cost --------------------------

// Host and peer channels driven from one thread: no second core, no cache
// line moving, no waiting. What is left is the instructions of the data path
// per message, to hold against the same loop over a bare ring (limits.cpp).
void loop_zc(benchmark::State &st, size_t size, unsigned batch)
{
	Side host, peer;
	struct zc_params p;
	std::string uri = region_uri();

	geometry(size, false, &p);
	int rc = host.host(uri, &p, Wait::Busy);
	if (rc < 0) {
		st.SkipWithError(zc_sentence("zc_create", rc).c_str());
		return;
	}
	int peer_rc = 0;
	std::thread t([&]() { peer_rc = peer.peer(uri, Wait::Busy); });
	rc = host.wait_peer();
	t.join();
	if (rc < 0 || peer_rc < 0) {
		st.SkipWithError(zc_sentence("attach", rc < 0 ? rc : peer_rc).c_str());
		return;
	}
	struct zc_buf b[ZC_BURST_MAX];
	uint64_t seq = 0, bad = 0;

	for (auto _ : st) {
		int n = zc_reserve_burst(host.ch(), b, batch);
		for (int i = 0; i < n; i++) {
			fill(b[i].data, size, seed_of(seq + (uint64_t)i));
			b[i].len = (uint32_t)size;
		}
		int s = zc_send_burst(host.ch(), b, (unsigned)n);
		int m = zc_recv_burst(peer.ch(), b, batch);
		for (int i = 0; i < m; i++)
			bad += !verify(b[i].data, size, seed_of(seq + (uint64_t)i));
		int r = zc_release_burst(peer.ch(), b, (unsigned)m);
		if (n != (int)batch || s != n || m != n || r != m || bad) {
			st.SkipWithError("zc loop lost or corrupted a message");
			break;
		}
		seq += (uint64_t)n;
	}
	st.SetItemsProcessed((int64_t)seq);
	st.SetBytesProcessed((int64_t)(seq * size));
}
}  // namespace

void register_zc_rtt()
{
	for (size_t size : {(size_t)8, (size_t)64, (size_t)4096})
		for (int b : kBatches) {
			std::string n = "loop/zc/size:" + std::to_string(size) +
					"/batch:" + std::to_string(b);
			benchmark::RegisterBenchmark(n.c_str(), loop_zc, size, (unsigned)b);
		}
	for (bool huge : {false, true}) {
		if (huge && !g_cfg.hugepages)
			continue;
		for (bool process : {false, true})
			for (Wait w : {Wait::Busy, Wait::Spin, Wait::Sleep, Wait::Uring})
				for (size_t size : {(size_t)64, (size_t)4096}) {
					for (bool seq : {false, true}) {
						Case c = {size, 1, w, process, huge, seq};
						std::string n = case_name("rtt", seq ? "zc_seq" : "zc", c, false);
						benchmark::RegisterBenchmark(n.c_str(), rtt_zc, c, n)
							->UseRealTime();
					}
				}
	}
}

}  // namespace zcb
