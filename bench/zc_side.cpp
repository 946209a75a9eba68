// SPDX-License-Identifier: MIT
//
// bench/zc_side.cpp - one side of a zc benchmark and its waiting helpers.
#include "zc_side.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

namespace zcb {

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
	// ZC_BENCH_SLOTS overrides the depth, to try deeper rings.
	const char *env = getenv("ZC_BENCH_SLOTS");
	if (env && *env) {
		unsigned long n = strtoul(env, nullptr, 10);
		if (n >= 1 && n <= ZC_SLOTS_MAX)
			p->slots = (uint32_t)n;
	}
	p->channels = 2;
	p->hugepages = huge ? ZC_HUGE_REQUIRE : ZC_HUGE_NO;
}

std::string zc_sentence(const char *what, int err)
{
	return std::string(what) + ": " + zc_strerror(err);
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

Side::~Side()
{
	if (ch_)
		zc_channel_close(ch_);
	if (uring_)
		io_uring_queue_exit(&ring_);
	if (r_)
		zc_close(r_);
}

int Side::host(const std::string &uri, const struct zc_params *p, Wait w)
{
	int rc = zc_create(uri.c_str(), p, &r_);

	if (rc < 0)
		return rc;
	rc = zc_channel_create(r_, "bench", 1, &ch_);
	if (rc < 0)
		return rc;
	return set_wait(w);
}

bool peer_attach(Side &s, const std::string &uri, const Case &c,
		 Control *ctl, const char *who)
{
	int rc = s.peer(uri, c.wait);

	if (rc < 0)
		control_fail(ctl, zc_sentence((std::string(who) + " cannot attach").c_str(),
					      rc).c_str());
	ctl->ready.store(1);
	return rc >= 0;
}

bool host_with_peer(Duo &duo, Side &s, const std::string &uri,
		    const struct zc_params *p, const Case &c,
		    std::function<int()> peer)
{
	int rc = s.host(uri, p, c.wait);

	if (rc < 0) {
		duo.fail(zc_sentence("zc_create", rc));
		return false;
	}
	if (!duo.start(c.process, std::move(peer), false)) {
		duo.finish(0, c.size);
		return false;
	}
	// The peer's attach completes inside our zc_wait_peer.
	rc = s.wait_peer();
	if (rc < 0) {
		duo.fail(zc_sentence("zc_wait_peer", rc));
		duo.finish(0, c.size);
		return false;
	}
	if (!duo.ready()) {
		duo.finish(0, c.size);
		return false;
	}
	return true;
}

int Side::peer(const std::string &uri, Wait w)
{
	int rc = zc_attach(uri.c_str(), 10000, &r_);

	if (rc < 0)
		return rc;
	rc = zc_channel_open(r_, "bench", 2, 10000, &ch_);
	if (rc < 0)
		return rc;
	return set_wait(w);
}

int Side::wait(bool tx)
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

int Side::set_wait(Wait w)
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

namespace {

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

}  // namespace

// Reserve up to @n slots, waiting for at least one.
int wait_reserve(Side &s, struct zc_buf *b, unsigned n, Control *ctl)
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
int wait_receive(Side &s, struct zc_buf *b, unsigned n, Control *ctl)
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
	int rc = wait_reserve(s, &b, 1, ctl);

	if (rc < 0)
		return rc;
	memset(b.data, 0, kEndLen);
	b.len = kEndLen;
	rc = zc_send_burst(s.ch(), &b, 1);
	return rc < 0 ? rc : 0;
}

}  // namespace zcb
