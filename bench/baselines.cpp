// SPDX-License-Identifier: MIT
//
// bench/baselines.cpp - the kernel transports a user would otherwise pick,
// carrying the same payloads as zc, written and read byte for byte:
//   pipe     a pipe; a batch is one write() of the batch's bytes
//   unix     a UNIX SOCK_SEQPACKET socket pair; a batch is one sendmmsg()
//   rpmsg    what rpmsg_char does: 512-byte frames (16-byte header + at
//            most 496 payload bytes), one system call per frame, the kernel
//            copying each frame in on write and out on read; the
//            application fragments larger messages itself
//   eventfd  a bare eventfd ping-pong: the floor of any blocking round trip
//   eventfd_poll  the same, each wait a poll() then a read(), as libzc waits
#include "util.hpp"

#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace zcb {
namespace {

constexpr size_t kRpmsgFrame = 512;
constexpr size_t kRpmsgHdr = 16;
constexpr size_t kRpmsgPayload = kRpmsgFrame - kRpmsgHdr;	// 496

enum class Kind { Pipe, Unix, Rpmsg };

const char *kind_name(Kind k)
{
	switch (k) {
	case Kind::Pipe: return "pipe";
	case Kind::Unix: return "unix";
	case Kind::Rpmsg: return "rpmsg";
	}
	return "?";
}

// The RPMsg header as the notes describe it (src, dst, reserved, len,
// flags); reserved carries the fragment index here.
struct RpmsgHdr {
	uint32_t src, dst;
	uint32_t reserved;
	uint16_t len, flags;
};
static_assert(sizeof(RpmsgHdr) == kRpmsgHdr, "rpmsg header is 16 bytes");

// Two one-way links (a->b and b->a), whatever the transport.
struct Link {
	int a_tx = -1, b_rx = -1;	// producer -> consumer
	int b_tx = -1, a_rx = -1;	// consumer -> producer

	~Link() { close_all(); }
	void close_all()
	{
		for (int *fd : {&a_tx, &b_rx, &b_tx, &a_rx})
			if (*fd >= 0) {
				close(*fd);
				*fd = -1;
			}
	}
};

// Make the socket buffer hold at least @bytes: a 1 MiB message does not fit
// the default 208 KiB. FORCE needs CAP_NET_ADMIN; without it the largest
// sizes fail with EMSGSIZE and the report says so.
void grow_sockbuf(int fd, size_t bytes)
{
	int v = (int)(bytes > (1u << 30) ? (1u << 30) : bytes);

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

int make_link(Kind k, size_t msg, Link *l)
{
	if (k == Kind::Pipe) {
		int p1[2], p2[2];

		if (pipe2(p1, O_CLOEXEC) < 0)
			return -errno;
		if (pipe2(p2, O_CLOEXEC) < 0) {
			int e = -errno;
			close(p1[0]);
			close(p1[1]);
			return e;
		}
		l->a_tx = p1[1];
		l->b_rx = p1[0];
		l->b_tx = p2[1];
		l->a_rx = p2[0];
		return 0;
	}
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (k == Kind::Unix && msg > 65536) {
		grow_sockbuf(sv[0], 4 * msg);
		grow_sockbuf(sv[1], 4 * msg);
	}
	// One socket pair is bidirectional: each end sends and receives.
	l->a_tx = sv[0];
	l->a_rx = dup(sv[0]);
	l->b_rx = sv[1];
	l->b_tx = dup(sv[1]);
	return 0;
}

int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int read_all(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EPIPE;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

// One message of @n bytes (already filled in @p): one write() for a pipe,
// one packet for unix, ceil(n / 496) frames for rpmsg.
int send_msg(Kind k, int fd, const uint8_t *p, size_t n)
{
	if (k == Kind::Pipe)
		return write_all(fd, p, n);
	if (k == Kind::Unix) {
		ssize_t w = send(fd, p, n, 0);
		if (w < 0)
			return -errno;
		return (size_t)w == n ? 0 : -EIO;
	}
	uint32_t frag = 0;
	size_t off = 0;
	do {
		size_t take = n - off < kRpmsgPayload ? n - off : kRpmsgPayload;
		RpmsgHdr h = {1, 2, frag++, (uint16_t)take,
			      (uint16_t)(off + take < n ? 1 : 0)};
		struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)(p + off), take}};
		ssize_t w = writev(fd, iov, 2);
		if (w < 0)
			return -errno;
		if ((size_t)w != sizeof(h) + take)
			return -EIO;
		off += take;
	} while (off < n);
	return 0;
}

// Receive one message of @n bytes into @p (@frame: a 512-byte scratch
// frame for rpmsg, into which the kernel copies; the payload is then
// read from there, as an rpmsg_char reader would).
int recv_msg(Kind k, int fd, uint8_t *p, size_t n, uint8_t *frame)
{
	if (k == Kind::Pipe)
		return read_all(fd, p, n);
	if (k == Kind::Unix) {
		ssize_t r = recv(fd, p, n, MSG_TRUNC);
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EPIPE;
		return (size_t)r == n ? 0 : -EBADMSG;
	}
	uint32_t frag = 0;
	size_t off = 0;
	do {
		ssize_t r = read(fd, frame, kRpmsgFrame);
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EPIPE;
		RpmsgHdr h;
		memcpy(&h, frame, sizeof(h));
		size_t take = n - off < kRpmsgPayload ? n - off : kRpmsgPayload;
		if ((size_t)r != sizeof(h) + take || h.len != take || h.reserved != frag++)
			return -EBADMSG;
		// The application's copy out of the frame it read.
		memcpy(p + off, frame + sizeof(h), take);
		off += take;
	} while (off < n);
	return 0;
}

std::string err_sentence(const char *what, int err)
{
	return std::string(what) + ": " + strerror(-err);
}

// ---- throughput ------------------------------------------------------------

void tput_fd(benchmark::State &st, Kind k, bool process, size_t size, unsigned batch)
{
	Duo duo(st);
	Link l;
	int rc = make_link(k, size, &l);

	if (rc < 0) {
		duo.fail(err_sentence("cannot make the link", rc));
		return;
	}
	// A pipe batch is one big write; a unix batch is one sendmmsg.
	size_t bytes = size * batch;
	std::vector<uint8_t> buf(bytes);
	Control *ctl = duo.ctl;
	// By value: on an error path the Link is gone before the peer is joined.
	int rx = l.b_rx, a_tx = l.a_tx, a_rx = l.a_rx;
	bool ok = duo.start(process, [=]() {
		std::vector<uint8_t> in(bytes + 1);
		uint8_t frame[kRpmsgFrame];
		StreamCheck check(size);
		uint64_t seq = 0, bad = 0;

		// A forked child holds copies of every fd: close the ones that
		// would keep the stream open after the producer closes its end.
		if (process) {
			close(a_tx);
			close(a_rx);
		}
		ctl->ready.store(1);
		for (;;) {
			if (k == Kind::Pipe) {
				ssize_t r = read(rx, in.data(), in.size());
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0)
					break;
				bad += check.feed(in.data(), (size_t)r);
				seq = check.messages();
				continue;
			}
			if (k == Kind::Unix && batch > 1) {
				struct mmsghdr mm[64];
				struct iovec iov[64];
				for (unsigned i = 0; i < batch; i++) {
					iov[i] = {in.data() + i * size, size};
					memset(&mm[i], 0, sizeof(mm[i]));
					mm[i].msg_hdr.msg_iov = &iov[i];
					mm[i].msg_hdr.msg_iovlen = 1;
				}
				int n = recvmmsg(rx, mm, batch, MSG_WAITFORONE, nullptr);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0 || mm[0].msg_len == 0)
					break;
				bool eof = false;
				for (int i = 0; i < n && !eof; i++) {
					// The end of stream can come as a last,
					// empty message of the batch.
					if (mm[i].msg_len == 0) {
						eof = true;
						break;
					}
					if (mm[i].msg_len != size ||
					    !verify(in.data() + i * size, size, seed_of(seq)))
						bad++;
					seq++;
				}
				if (eof)
					break;
				continue;
			}
			int r = recv_msg(k, rx, in.data(), size, frame);
			if (r == -EPIPE)
				break;
			if (r < 0) {
				control_fail(ctl, err_sentence("receive", r).c_str());
				break;
			}
			if (!verify(in.data(), size, seed_of(seq)))
				bad++;
			seq++;
		}
		if (bad)
			control_fail(ctl, "payload mismatch");
		ctl->msgs.store(seq);
		ctl->done.store(1);
		return 0;
	});
	if (process) {
		close(l.b_rx);
		l.b_rx = -1;
	}
	uint64_t seq = 0;

	if (ok) {
		for (auto _ : st) {
			for (unsigned i = 0; i < batch; i++)
				fill(buf.data() + i * size, size, seed_of(seq + i));
			if (k == Kind::Pipe) {
				rc = write_all(l.a_tx, buf.data(), bytes);
			} else if (k == Kind::Unix && batch > 1) {
				struct mmsghdr mm[64];
				struct iovec iov[64];
				for (unsigned i = 0; i < batch; i++) {
					iov[i] = {buf.data() + i * size, size};
					memset(&mm[i], 0, sizeof(mm[i]));
					mm[i].msg_hdr.msg_iov = &iov[i];
					mm[i].msg_hdr.msg_iovlen = 1;
				}
				unsigned sent = 0;
				rc = 0;
				while (sent < batch) {
					int n = sendmmsg(l.a_tx, mm + sent, batch - sent, 0);
					if (n < 0) {
						if (errno == EINTR)
							continue;
						rc = -errno;
						break;
					}
					sent += (unsigned)n;
				}
			} else {
				for (unsigned i = 0; i < batch && rc == 0; i++)
					rc = send_msg(k, l.a_tx, buf.data() + i * size, size);
			}
			if (rc < 0) {
				duo.fail(err_sentence("send", rc));
				break;
			}
			seq += batch;
			if (duo.last()) {
				// End of stream: EOF (pipe) or a zero-length read (socket).
				if (k == Kind::Pipe) {
					close(l.a_tx);
					l.a_tx = -1;
				} else {
					shutdown(l.a_tx, SHUT_WR);
				}
				duo.wait_done();
			}
		}
	}
	if (!ok || rc < 0) {
		// Unblock a consumer stuck in read().
		if (l.a_tx >= 0)
			shutdown(l.a_tx, SHUT_WR);
		l.close_all();
	}
	duo.finish(seq, size);
}

// ---- round trip --------------------------------------------------------------

void rtt_fd(benchmark::State &st, Kind k, bool process, size_t size,
	    const std::string &name)
{
	Duo duo(st);
	Link l;
	Histogram h;
	int rc = make_link(k, size, &l);

	if (rc < 0) {
		duo.fail(err_sentence("cannot make the link", rc));
		return;
	}
	Control *ctl = duo.ctl;
	int a_tx = l.a_tx, a_rx = l.a_rx, b_rx = l.b_rx, b_tx = l.b_tx;
	bool ok = duo.start(process, [=]() {
		std::vector<uint8_t> in(size), out(size);
		uint8_t frame[kRpmsgFrame];
		uint64_t seq = 0;

		if (process) {
			close(a_tx);
			close(a_rx);
		}
		ctl->ready.store(1);
		for (;;) {
			int r = recv_msg(k, b_rx, in.data(), size, frame);
			if (r < 0)
				break;
			if (!verify(in.data(), size, seed_of(seq)))
				control_fail(ctl, "ping payload mismatch");
			fill(out.data(), size, seed_of(~seq));
			r = send_msg(k, b_tx, out.data(), size);
			if (r < 0)
				break;
			seq++;
		}
		ctl->msgs.store(seq);
		ctl->done.store(1);
		return 0;
	});
	if (process) {
		close(l.b_rx);
		close(l.b_tx);
		l.b_rx = l.b_tx = -1;
	}
	std::vector<uint8_t> in(size), out(size);
	uint8_t frame[kRpmsgFrame];
	uint64_t seq = 0;

	auto trip = [&]() {
		fill(out.data(), size, seed_of(seq));
		rc = send_msg(k, l.a_tx, out.data(), size);
		if (rc == 0)
			rc = recv_msg(k, l.a_rx, in.data(), size, frame);
		if (rc < 0) {
			duo.fail(err_sentence("round trip", rc));
			return false;
		}
		if (!verify(in.data(), size, seed_of(~seq)))
			control_fail(ctl, "pong payload mismatch");
		seq++;
		return true;
	};
	// Untimed warm-up: first-touch faults and wake-up paths are not the
	// steady state this measures.
	for (int i = 0; ok && i < kWarmTrips; i++)
		ok = trip();
	if (ok) {
		for (auto _ : st) {
			uint64_t t0 = ticks();

			if (!trip())
				break;
			h.add(ticks() - t0);
		}
	}
	if (k == Kind::Pipe) {
		close(l.a_tx);
		l.a_tx = -1;
	} else if (l.a_tx >= 0) {
		shutdown(l.a_tx, SHUT_WR);
	}
	if (ok)
		duo.wait_done();
	duo.finish(seq, size, kWarmTrips);
	report_latency(st, h, name);
}

// Wait for an eventfd and drain it: one blocking read(), or (@via_poll) a
// poll() and then a non-blocking read(), the way libzc's sleepers wait, to
// price that choice separately.
bool efd_wait(int fd, bool via_poll)
{
	uint64_t v;

	if (via_poll) {
		struct pollfd p = {fd, POLLIN, 0};

		while (poll(&p, 1, -1) < 0)
			if (errno != EINTR)
				return false;
	}
	return read(fd, &v, sizeof(v)) == sizeof(v);
}

void rtt_eventfd(benchmark::State &st, bool process, bool via_poll, const std::string &name)
{
	Duo duo(st);
	Histogram h;
	int fl = EFD_CLOEXEC | (via_poll ? EFD_NONBLOCK : 0);
	int ping = eventfd(0, fl), pong = eventfd(0, fl);

	if (ping < 0 || pong < 0) {
		duo.fail("cannot create eventfds");
		if (ping >= 0)
			close(ping);
		if (pong >= 0)
			close(pong);
		return;
	}
	Control *ctl = duo.ctl;
	bool ok = duo.start(process, [=]() {
		uint64_t v, seq = 0;

		ctl->ready.store(1);
		for (;;) {
			if (!efd_wait(ping, via_poll))
				break;
			if (ctl->end.load(std::memory_order_acquire))
				break;
			seq++;
			v = 1;
			if (write(pong, &v, sizeof(v)) != sizeof(v))
				break;
		}
		ctl->msgs.store(seq);
		ctl->done.store(1);
		return 0;
	});
	uint64_t seq = 0, v;

	auto trip = [&]() {
		v = 1;
		if (write(ping, &v, sizeof(v)) != sizeof(v) || !efd_wait(pong, via_poll)) {
			duo.fail("eventfd round trip failed");
			return false;
		}
		seq++;
		return true;
	};
	for (int i = 0; ok && i < kWarmTrips; i++)
		ok = trip();
	if (ok) {
		for (auto _ : st) {
			uint64_t t0 = ticks();

			if (!trip())
				break;
			h.add(ticks() - t0);
		}
		ctl->end.store(1, std::memory_order_release);
		v = 1;
		if (write(ping, &v, sizeof(v)) == sizeof(v))
			duo.wait_done();
	}
	duo.finish(seq, 0, kWarmTrips);
	report_latency(st, h, name);
	close(ping);
	close(pong);
}

}  // namespace

const std::vector<size_t> kRttSizes = {64, 4096};

void register_baselines()
{
	for (bool process : {false, true}) {
		std::string proc = std::string("/proc:") + (process ? "process" : "thread");

		for (Kind k : {Kind::Pipe, Kind::Unix, Kind::Rpmsg}) {
			std::string tr = kind_name(k);

			for (size_t size : kSizes)
				for (int b : kBatches) {
					// rpmsg has no batching: one call per frame is
					// what it is.
					if (k == Kind::Rpmsg && b != 1)
						continue;
					std::string n = "tput/" + tr + proc + "/size:" +
							std::to_string(size) +
							"/batch:" + std::to_string(b);
					benchmark::RegisterBenchmark(n.c_str(), tput_fd, k,
								     process, size,
								     (unsigned)b)
						->UseRealTime();
				}
			for (size_t size : kRttSizes) {
				std::string n = "rtt/" + tr + proc + "/size:" +
						std::to_string(size);
				benchmark::RegisterBenchmark(n.c_str(), rtt_fd, k, process,
							     size, n)
					->UseRealTime();
			}
		}
		std::string n = "rtt/eventfd" + proc;
		benchmark::RegisterBenchmark(n.c_str(), rtt_eventfd, process, false, n)
			->UseRealTime();
		n = "rtt/eventfd_poll" + proc;
		benchmark::RegisterBenchmark(n.c_str(), rtt_eventfd, process, true, n)
			->UseRealTime();
	}
}

}  // namespace zcb
