// SPDX-License-Identifier: MIT
//
// bench/zc_tput.cpp - zc throughput through its public API:
//   tput/zc       zero-copy bursts: zc_reserve_burst, write every payload
//                 byte in the slot, zc_send_burst; zc_recv_burst, read every
//                 byte, zc_release_burst
//   tput/zc_copy  the copying calls, zc_write/zc_read (fragmenting what does
//                 not fit a slot): the drop-in for an rpmsg_char user
// wait: busy (spin), spin (spin then sleep), sleep (doorbell at once),
// uring (the library's multishot poll in our own io_uring); proc: thread or
// forked process; pages: normal or huge (when huge pages are reserved).
#include "zc_side.hpp"

#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace zcb {
namespace {

// ---- throughput, zero-copy -------------------------------------------------

int tput_consumer(const std::string &uri, Case c, Control *ctl)
{
	Side s;

	if (!peer_attach(s, uri, c, ctl, "consumer"))
		return 1;
	struct zc_buf b[ZC_BURST_MAX];
	uint64_t seq = 0, bytes = 0, bad = 0;
	bool end = false;

	while (!end) {
		int n = wait_receive(s, b, c.batch, ctl);

		if (n < 0) {
			control_fail(ctl, zc_sentence("consumer receive", n).c_str());
			break;
		}
		for (int i = 0; i < n; i++) {
			if (b[i].len == kEndLen) {
				end = true;
				continue;
			}
			if (b[i].len != c.size || !verify(b[i].data, c.size, seed_of(seq)))
				bad++;
			bytes += b[i].len;
			seq++;
		}
		int rc = zc_release_burst(s.ch(), b, (unsigned)n);

		if (rc < 0) {
			control_fail(ctl, zc_sentence("consumer release", rc).c_str());
			break;
		}
	}
	if (bad)
		control_fail(ctl, "zc payload mismatch");
	ctl->msgs.store(seq);
	ctl->bytes.store(bytes);
	ctl->done.store(1);
	return 0;
}

void tput_zc(benchmark::State &st, Case c)
{
	Duo duo(st);
	Side s;
	struct zc_params p;
	std::string uri = region_uri();
	Control *ctl = duo.ctl;

	geometry(c.size, c.huge, &p);
	p.chan_mode = c.seq ? ZC_CHAN_MODE_SEQ : ZC_CHAN_MODE_RING;
	if (!host_with_peer(duo, s, uri, &p, c,
			    [uri, c, ctl]() { return tput_consumer(uri, c, ctl); }))
		return;
	struct zc_buf b[ZC_BURST_MAX];
	uint64_t seq = 0;
	int rc = 0;

	// Untimed warm-up: one pass over every slot, so first-touch page
	// faults of the pool are not counted as the data path's cost.
	for (uint32_t i = 0; i < p.slots && rc >= 0; i++) {
		rc = wait_reserve(s, b, 1, ctl);
		if (rc > 0) {
			fill(b[0].data, c.size, seed_of(seq));
			b[0].len = (uint32_t)c.size;
			rc = zc_send_burst(s.ch(), b, 1);
			seq++;
		}
	}
	if (rc < 0) {
		duo.fail(zc_sentence("warm-up", rc));
		return duo.finish(0, c.size);
	}
	uint64_t warm = seq;

	for (auto _ : st) {
		unsigned left = c.batch;

		while (left) {
			int n = wait_reserve(s, b, left, ctl);
			if (n < 0) {
				rc = n;
				break;
			}
			for (int i = 0; i < n; i++) {
				fill(b[i].data, c.size, seed_of(seq + (uint64_t)i));
				b[i].len = (uint32_t)c.size;
			}
			rc = zc_send_burst(s.ch(), b, (unsigned)n);
			if (rc != n)
				break;
			seq += (uint64_t)n;
			left -= (unsigned)n;
			rc = 0;
		}
		if (rc < 0) {
			duo.fail(zc_sentence("producer", rc));
			break;
		}
		if (duo.last()) {
			rc = send_end(s, ctl);
			if (rc < 0) {
				duo.fail(zc_sentence("producer end marker", rc));
				break;
			}
			duo.wait_done();
		}
	}
	duo.finish(seq, c.size, warm);
	struct zc_region_stats rs;
	zc_region_stats(s.region(), &rs);
	st.counters["kicks"] = (double)rs.kicks_sent;
	st.counters["sleeps"] = (double)rs.sleeps;
}

// ---- throughput, copying API -------------------------------------------------

int copy_consumer(const std::string &uri, Case c, Control *ctl)
{
	Side s;

	if (!peer_attach(s, uri, c, ctl, "consumer"))
		return 1;
	std::vector<uint8_t> in(c.size);
	uint64_t seq = 0, bad = 0;
	int slices = 0;

	for (;;) {
		ssize_t n = zc_read(s.ch(), in.data(), in.size(), kSliceMs);

		if (n == -ETIMEDOUT) {
			ctl->stalls.fetch_add(1, std::memory_order_relaxed);
			if (ctl->abort.load() || ++slices >= kGiveUpSlices) {
				control_fail(ctl, "consumer: nothing arrived for 10 s");
				break;
			}
			continue;
		}
		if (n < 0) {
			control_fail(ctl, zc_sentence("zc_read", (int)n).c_str());
			break;
		}
		slices = 0;
		if (n == (ssize_t)kEndLen)
			break;
		if ((size_t)n != c.size || !verify(in.data(), c.size, seed_of(seq)))
			bad++;
		seq++;
	}
	if (bad)
		control_fail(ctl, "zc_read payload mismatch");
	ctl->msgs.store(seq);
	ctl->done.store(1);
	return 0;
}

void tput_zc_copy(benchmark::State &st, Case c)
{
	Duo duo(st);
	Side s;
	struct zc_params p;
	std::string uri = region_uri();
	Control *ctl = duo.ctl;

	// The geometry a user of the copying calls keeps: the defaults.
	zc_params_default(&p);
	p.channels = 2;
	p.hugepages = c.huge ? ZC_HUGE_REQUIRE : ZC_HUGE_NO;
	if (!host_with_peer(duo, s, uri, &p, c,
			    [uri, c, ctl]() { return copy_consumer(uri, c, ctl); }))
		return;
	std::vector<uint8_t> out(c.size);
	uint64_t seq = 0;

	for (auto _ : st) {
		fill(out.data(), c.size, seed_of(seq));
		ssize_t n = zc_write(s.ch(), out.data(), c.size, 10000);
		if (n != (ssize_t)c.size) {
			duo.fail(zc_sentence("zc_write", n < 0 ? (int)n : -EIO));
			break;
		}
		seq++;
		if (duo.last()) {
			uint8_t end = 0;
			if (zc_write(s.ch(), &end, kEndLen, 10000) != (ssize_t)kEndLen) {
				duo.fail("zc_write of the end marker failed");
				break;
			}
			duo.wait_done();
		}
	}
	duo.finish(seq, c.size);
}
}  // namespace

void register_zc_tput()
{
	for (bool huge : {false, true}) {
		if (huge && !g_cfg.hugepages)
			continue;
		for (bool process : {false, true})
			for (Wait w : {Wait::Busy, Wait::Spin, Wait::Sleep, Wait::Uring})
				for (size_t size : kSizes)
					for (int b : kBatches) {
						Case c = {size, (unsigned)b, w, process, huge};
						// A frame is one slot: 2 MiB messages need
						// fragments, i.e. the copying calls.
						// Both channel modes, side by side.
						for (bool seq : {false, true}) {
							c.seq = seq;
							if (size + 16 <= ZC_SLOT_MAX)
								benchmark::RegisterBenchmark(
									case_name("tput", seq ? "zc_seq" : "zc", c, true).c_str(),
									tput_zc, c)
									->UseRealTime();
						}
						c.seq = false;
						if (b == 1 && w != Wait::Uring)
							benchmark::RegisterBenchmark(
								case_name("tput", "zc_copy", c, true).c_str(),
								tput_zc_copy, c)
								->UseRealTime();
					}
	}
}

}  // namespace zcb
