// SPDX-License-Identifier: MIT
//
// bench/zc_side.hpp - one side of a zc benchmark (region, channel, and how
// it waits), and the waiting helpers every zc case shares.
#ifndef ZC_BENCH_ZC_SIDE_HPP
#define ZC_BENCH_ZC_SIDE_HPP

#include "util.hpp"

#include <functional>
#include <string>

#include "zc/zc.h"
#include "zc/uring.h"

namespace zcb {

enum class Wait { Busy, Spin, Sleep, Uring };
const char *wait_name(Wait w);

// One cell of the matrix.
struct Case {
	size_t size;
	unsigned batch;
	Wait wait;
	bool process;
	bool huge;
	bool seq = false;	// SEQ channel (ZC_CHAN_MODE_SEQ); transport "zc_seq"
};

constexpr uint32_t kEndLen = 1;		// the end marker: sizes are >= 8
constexpr int kSliceMs = 100;		// waits time out this often...
constexpr int kGiveUpSlices = 100;	// ...and give up after this many in a row
constexpr uint64_t kUringTag = 0x7a63;

// A region name nobody else uses: parallel runs must not meet.
std::string region_uri();

// Geometry for a payload size: the smallest slot that holds it, and a pool
// of at most ~8 MiB per direction (at least 4 slots, at most 64), unless
// ZC_BENCH_SLOTS says how many.
void geometry(size_t size, bool huge, struct zc_params *p);

// "what: zc_strerror(err)"
std::string zc_sentence(const char *what, int err);

// "KIND/TRANSPORT/wait:W/proc:P/pages:G/size:N[/batch:B]"
std::string case_name(const char *kind, const char *tr, const Case &c, bool batch);

// One side: region, channel, and how it waits.
class Side {
public:
	Side() = default;
	Side(const Side &) = delete;
	Side &operator=(const Side &) = delete;
	~Side();
	// Create the region (host) and announce the channel.
	int host(const std::string &uri, const struct zc_params *p, Wait w);
	// Attach to it (remote) and open the channel.
	int peer(const std::string &uri, Wait w);
	int wait_peer() { return zc_wait_peer(r_, 10000); }
	// Wait until a frame can be received (or, @tx, a slot reserved).
	// -ETIMEDOUT after one slice: the caller decides whether to go on.
	int wait(bool tx);
	zc_channel *ch() { return ch_; }
	zc_region *region() { return r_; }

private:
	int set_wait(Wait w);

	zc_region *r_ = nullptr;
	zc_channel *ch_ = nullptr;
	struct io_uring ring_;
	bool uring_ = false;
};

// Host the region at @uri with @p, start @peer (a thread, or a process if
// c.process) and wait until it has attached and is ready. On failure the
// reason is reported through @duo (and the case finished, once started);
// the caller just returns.
bool host_with_peer(Duo &duo, Side &s, const std::string &uri,
		    const struct zc_params *p, const Case &c,
		    std::function<int()> peer);

// The peer's side: attach @s to @uri and tell the host it is ready either
// way; false (with "@who cannot attach: ..." reported) when it could not.
bool peer_attach(Side &s, const std::string &uri, const Case &c,
		 Control *ctl, const char *who);

// Reserve up to @n slots / receive up to @n frames, waiting for at least
// one, a slice at a time, until the other party gives up or 10 s pass.
int wait_reserve(Side &s, struct zc_buf *b, unsigned n, Control *ctl);
int wait_receive(Side &s, struct zc_buf *b, unsigned n, Control *ctl);
// Send the end marker (a kEndLen-byte message).
int send_end(Side &s, Control *ctl);

}  // namespace zcb

#endif  // ZC_BENCH_ZC_SIDE_HPP
