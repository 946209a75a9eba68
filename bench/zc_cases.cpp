// SPDX-License-Identifier: MIT
//
// bench/zc_cases.cpp - zc through its public API, across the matrix:
//   tput/zc       zero-copy bursts: zc_reserve_burst, write every payload
//                 byte in the slot, zc_send_burst; zc_recv_burst, read every
//                 byte, zc_release_burst
//   tput/zc_copy  the copying calls, zc_write/zc_read (fragmenting what does
//                 not fit a slot): the drop-in for an rpmsg_char user
//   rtt/zc        ping-pong on one channel, payload written and read both ways
// wait: busy (spin), spin (spin then sleep), sleep (doorbell at once),
// uring (the library's multishot poll in our own io_uring); proc: thread or
// forked process; pages: normal or huge (when huge pages are reserved).
#include "util.hpp"

#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "zc/zc.h"
#include "zc/uring.h"

namespace zcb {
namespace {

enum class Wait { Busy, Spin, Sleep, Uring };

const char *wait_name(Wait w)
{
	switch (w) {
	case Wait::Busy: return "busy";
	case Wait::Spin: return "spin";
	case Wait::Sleep: return "sleep";
	case Wait::Uring: return "uring";
	}
	return "?";
}

struct Case {
	size_t size;
	unsigned batch;
	Wait wait;
	bool process;
	bool huge;
};

constexpr uint32_t kEndLen = 1;		// the end marker: sizes are >= 8
constexpr int kSliceMs = 100;		// waits time out this often...
constexpr int kGiveUpSlices = 100;	// ...and give up after this many in a row
constexpr uint64_t kUringTag = 0x7a63;

// A region name nobody else uses: parallel runs must not meet.
std::string region_uri()
{
	static unsigned n;

	return "zcb." + std::to_string(getpid()) + "." + std::to_string(n++);
}

// Geometry for a payload size: the smallest slot that holds it, and a pool
// of at most ~8 MiB per direction (at least 4 slots, at most 64).
void geometry(size_t size, bool huge, struct zc_params *p)
{
	uint32_t slot = 256;

	zc_params_default(p);
	while (slot < size + 16 && slot < (2u << 20))
		slot <<= 1;
	p->slot_size = slot;
	uint32_t slots = (8u << 20) / slot;
	p->slots = slots < 4 ? 4 : (slots > 64 ? 64 : slots);
	p->channels = 2;
	p->hugepages = huge ? ZC_HUGE_REQUIRE : ZC_HUGE_NO;
}

std::string zc_sentence(const char *what, int err)
{
	return std::string(what) + ": " + zc_strerror(err);
}

// One side: region, channel, and how it waits.
class Side {
public:
	~Side()
	{
		if (ch_)
			zc_channel_close(ch_);
		if (uring_)
			io_uring_queue_exit(&ring_);
		if (r_)
			zc_close(r_);
	}

	int host(const std::string &uri, const struct zc_params *p, Wait w)
	{
		int rc = zc_create(uri.c_str(), p, &r_);

		if (rc < 0)
			return rc;
		rc = zc_channel_create(r_, "bench", 1, &ch_);
		if (rc < 0)
			return rc;
		return set_wait(w);
	}

	int peer(const std::string &uri, Wait w)
	{
		int rc = zc_attach(uri.c_str(), 10000, &r_);

		if (rc < 0)
			return rc;
		rc = zc_channel_open(r_, "bench", 2, 10000, &ch_);
		if (rc < 0)
			return rc;
		return set_wait(w);
	}

	int wait_peer() { return zc_wait_peer(r_, 10000); }

	// Wait until a frame can be received (or, @tx, a slot reserved).
	// -ETIMEDOUT after one slice: the caller decides whether to go on.
	int wait(bool tx)
	{
		if (!uring_)
			return tx ? zc_wait_tx(ch_, kSliceMs) : zc_wait_rx(ch_, kSliceMs);
		int rc = zc_uring_prepare_wait(r_);
		if (rc != 0) {
			zc_uring_done_wait(r_);
			return rc < 0 ? rc : 0;
		}
		struct __kernel_timespec ts = {0, kSliceMs * 1000000LL};
		struct io_uring_cqe *cqe = nullptr;
		rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
		unsigned head, seen = 0;
		int err = 0;
		io_uring_for_each_cqe(&ring_, head, cqe) {
			if (cqe->user_data == kUringTag) {
				int h = zc_uring_handle(r_, &ring_, cqe);
				if (h < 0 && !err)
					err = h;
			}
			seen++;
		}
		io_uring_cq_advance(&ring_, seen);
		zc_uring_done_wait(r_);
		if (err)
			return err;
		if (rc == -ETIME || (rc < 0 && !seen && rc != -EINTR))
			return rc == -ETIME ? -ETIMEDOUT : rc;
		return 0;
	}

	zc_channel *ch() { return ch_; }
	zc_region *region() { return r_; }

private:
	int set_wait(Wait w)
	{
		static const enum zc_wait_mode modes[] = {
			ZC_WAIT_BUSY, ZC_WAIT_SPIN_SLEEP, ZC_WAIT_SLEEP, ZC_WAIT_SLEEP};
		int rc = zc_set_wait_mode(r_, modes[(int)w], 0);

		if (rc < 0 || w != Wait::Uring)
			return rc;
		rc = io_uring_queue_init(16, &ring_, 0);
		if (rc < 0)
			return rc;
		uring_ = true;
		rc = zc_uring_arm(r_, &ring_, kUringTag);
		if (rc < 0)
			return rc;
		rc = io_uring_submit(&ring_);
		return rc < 0 ? rc : 0;
	}

	zc_region *r_ = nullptr;
	zc_channel *ch_ = nullptr;
	struct io_uring ring_;
	bool uring_ = false;
};

// Retry a wait that timed out, unless the other party gave up or it has
// been too long. Returns 0 to go on, or a negative errno.
int keep_waiting(Side &s, bool tx, Control *ctl, int *slices)
{
	int rc = s.wait(tx);

	if (rc == 0) {
		*slices = 0;
		return 0;
	}
	if (rc != -ETIMEDOUT)
		return rc;
	ctl->stalls.fetch_add(1, std::memory_order_relaxed);
	if (ctl->abort.load() || ctl->errors.load() || ++*slices >= kGiveUpSlices)
		return -ETIMEDOUT;
	return 0;
}

// Reserve up to @n slots, waiting for at least one.
int reserve(Side &s, struct zc_buf *b, unsigned n, Control *ctl)
{
	int slices = 0;

	for (;;) {
		int got = zc_reserve_burst(s.ch(), b, n);

		if (got != 0)
			return got;
		int rc = keep_waiting(s, true, ctl, &slices);
		if (rc < 0)
			return rc;
	}
}

// Receive up to @n frames, waiting for at least one.
int receive(Side &s, struct zc_buf *b, unsigned n, Control *ctl)
{
	int slices = 0;

	for (;;) {
		int got = zc_recv_burst(s.ch(), b, n);

		if (got != 0)
			return got;
		int rc = keep_waiting(s, false, ctl, &slices);
		if (rc < 0)
			return rc;
	}
}

int send_end(Side &s, Control *ctl)
{
	struct zc_buf b;
	int rc = reserve(s, &b, 1, ctl);

	if (rc < 0)
		return rc;
	memset(b.data, 0, kEndLen);
	b.len = kEndLen;
	rc = zc_send_burst(s.ch(), &b, 1);
	return rc < 0 ? rc : 0;
}

// ---- throughput, zero-copy -------------------------------------------------

int tput_consumer(const std::string &uri, Case c, Control *ctl)
{
	Side s;
	int rc = s.peer(uri, c.wait);

	if (rc < 0) {
		control_fail(ctl, zc_sentence("consumer cannot attach", rc).c_str());
		ctl->ready.store(1);
		return 1;
	}
	ctl->ready.store(1);
	struct zc_buf b[ZC_BURST_MAX];
	uint64_t seq = 0, bytes = 0, bad = 0;
	bool end = false;

	while (!end) {
		int n = receive(s, b, c.batch, ctl);

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
		rc = zc_release_burst(s.ch(), b, (unsigned)n);
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
	int rc = s.host(uri, &p, c.wait);
	if (rc < 0) {
		duo.fail(zc_sentence("zc_create", rc));
		return;
	}
	if (!duo.start(c.process, [uri, c, ctl]() { return tput_consumer(uri, c, ctl); }, false))
		return duo.finish(0, c.size);
	// The peer's attach completes inside our zc_wait_peer.
	rc = s.wait_peer();
	if (rc < 0) {
		duo.fail(zc_sentence("zc_wait_peer", rc));
		return duo.finish(0, c.size);
	}
	if (!duo.ready())
		return duo.finish(0, c.size);
	struct zc_buf b[ZC_BURST_MAX];
	uint64_t seq = 0;

	// Untimed warm-up: one pass over every slot, so first-touch page
	// faults of the pool are not counted as the data path's cost.
	for (uint32_t i = 0; i < p.slots && rc >= 0; i++) {
		rc = reserve(s, b, 1, ctl);
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
			int n = reserve(s, b, left, ctl);
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
	int rc = s.peer(uri, c.wait);

	if (rc < 0) {
		control_fail(ctl, zc_sentence("consumer cannot attach", rc).c_str());
		ctl->ready.store(1);
		return 1;
	}
	ctl->ready.store(1);
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
	int rc = s.host(uri, &p, c.wait);
	if (rc < 0) {
		duo.fail(zc_sentence("zc_create", rc));
		return;
	}
	if (!duo.start(c.process, [uri, c, ctl]() { return copy_consumer(uri, c, ctl); }, false))
		return duo.finish(0, c.size);
	// The peer's attach completes inside our zc_wait_peer.
	rc = s.wait_peer();
	if (rc < 0) {
		duo.fail(zc_sentence("zc_wait_peer", rc));
		return duo.finish(0, c.size);
	}
	if (!duo.ready())
		return duo.finish(0, c.size);
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

// ---- round trip -----------------------------------------------------------------

int rtt_echo(const std::string &uri, Case c, Control *ctl)
{
	Side s;
	int rc = s.peer(uri, c.wait);

	if (rc < 0) {
		control_fail(ctl, zc_sentence("echo cannot attach", rc).c_str());
		ctl->ready.store(1);
		return 1;
	}
	ctl->ready.store(1);
	uint64_t seq = 0;

	for (;;) {
		struct zc_buf in, out;
		int n = receive(s, &in, 1, ctl);

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
		n = reserve(s, &out, 1, ctl);
		if (n < 0) {
			control_fail(ctl, zc_sentence("echo reserve", n).c_str());
			break;
		}
		fill(out.data, c.size, seed_of(~seq));
		out.len = (uint32_t)c.size;
		// The pong goes out before the ping's slot goes back: latency first.
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
	int rc = s.host(uri, &p, c.wait);
	if (rc < 0) {
		duo.fail(zc_sentence("zc_create", rc));
		return;
	}
	if (!duo.start(c.process, [uri, c, ctl]() { return rtt_echo(uri, c, ctl); }, false))
		return duo.finish(0, c.size);
	// The peer's attach completes inside our zc_wait_peer.
	rc = s.wait_peer();
	if (rc < 0) {
		duo.fail(zc_sentence("zc_wait_peer", rc));
		return duo.finish(0, c.size);
	}
	if (!duo.ready())
		return duo.finish(0, c.size);
	uint64_t seq = 0;
	auto trip = [&]() {
		struct zc_buf out, in;

		rc = reserve(s, &out, 1, ctl);
		if (rc >= 0) {
			fill(out.data, c.size, seed_of(seq));
			out.len = (uint32_t)c.size;
			rc = zc_send_burst(s.ch(), &out, 1);
		}
		if (rc >= 0)
			rc = receive(s, &in, 1, ctl);
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

std::string case_name(const char *kind, const char *tr, const Case &c, bool batch)
{
	std::string n = std::string(kind) + "/" + tr + "/wait:" + wait_name(c.wait) +
			"/proc:" + (c.process ? "process" : "thread") +
			"/pages:" + (c.huge ? "huge" : "normal") +
			"/size:" + std::to_string(c.size);
	if (batch)
		n += "/batch:" + std::to_string(c.batch);
	return n;
}

}  // namespace

void register_zc()
{
	const std::vector<size_t> rtt_sizes = {64, 4096};

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
			for (Wait w : {Wait::Busy, Wait::Spin, Wait::Sleep, Wait::Uring}) {
				for (size_t size : kSizes)
					for (int b : kBatches) {
						Case c = {size, (unsigned)b, w, process, huge};
						// A frame is one slot: 2 MiB messages need
						// fragments, i.e. the copying calls.
						if (size + 16 <= ZC_SLOT_MAX)
							benchmark::RegisterBenchmark(
								case_name("tput", "zc", c, true).c_str(),
								tput_zc, c)
								->UseRealTime();
						if (b == 1 && w != Wait::Uring)
							benchmark::RegisterBenchmark(
								case_name("tput", "zc_copy", c, true).c_str(),
								tput_zc_copy, c)
								->UseRealTime();
					}
				for (size_t size : rtt_sizes) {
					Case c = {size, 1, w, process, huge};
					std::string n = case_name("rtt", "zc", c, false);
					benchmark::RegisterBenchmark(n.c_str(), rtt_zc, c, n)
						->UseRealTime();
				}
			}
	}
}

}  // namespace zcb
