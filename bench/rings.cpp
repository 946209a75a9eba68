// SPDX-License-Identifier: MIT
//
// bench/rings.cpp - bare rings: the limits for small messages, and zc's
// region format with none of zc's code, to tell the cost of the format
// from the cost of the library:
//   tput/spsc16      a bare SPSC ring of 16-byte descriptors, no payload
//   tput/boost_spsc  boost::lockfree::spsc_queue of 8-byte pointers
//   tput/slotring    descriptor ring + 256-byte slots (header + payload) +
//                    return ring: zc's format, no zc code
//   tput/slotseq     slots carrying their own sequence word, nothing else
//   rtt/ring         round trip through index + descriptor + slot
//   rtt/slotflag     round trip through a slot carrying its own sequence word
//   loop/spsc16      the bare ring driven from one thread
#include "util.hpp"

#include <benchmark/benchmark.h>

#ifdef ZCB_HAVE_BOOST
#include <boost/lockfree/spsc_queue.hpp>
#endif

#include <cstring>
#include <memory>
#include <new>

#include <sys/mman.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

namespace zcb {
namespace {

constexpr uint32_t kRingEntries = 64;	// the zc default slots per direction

// ---- bare SPSC ring of 16-byte descriptors ---------------------------------

struct Desc16 {
	uint64_t addr;
	uint32_t len;
	uint32_t flags;
};

// Indices on their own 128-byte blocks, each side caching the other's
// index: the same shape as zc's ring, with nothing else around it.
struct Ring16 {
	alignas(128) std::atomic<uint32_t> prod;
	alignas(128) std::atomic<uint32_t> cons;
	alignas(128) Desc16 d[kRingEntries];
};

void tput_spsc16(benchmark::State &st, unsigned batch)
{
	Duo duo(st);
	auto ring = std::make_unique<Ring16>();
	Ring16 *r = ring.get();
	Control *ctl = duo.ctl;

	r->prod.store(0);
	r->cons.store(0);
	bool ok = duo.start(false, [=]() {
		uint32_t head = 0, cached = 0;
		uint64_t seq = 0;

		ctl->ready.store(1);
		for (;;) {
			if (cached == head) {
				cached = r->prod.load(std::memory_order_acquire);
				if (cached == head) {
					if (ctl->end.load(std::memory_order_acquire) &&
					    r->prod.load(std::memory_order_acquire) == head)
						break;
					if (ctl->abort.load(std::memory_order_relaxed))
						break;
					cpu_relax();
					continue;
				}
			}
			uint32_t n = cached - head;
			if (n > batch)
				n = batch;
			for (uint32_t i = 0; i < n; i++) {
				const Desc16 &d = r->d[(head + i) & (kRingEntries - 1)];
				if (d.addr != seq + i || d.len != 64)
					control_fail(ctl, "spsc16 descriptor out of sequence");
			}
			head += n;
			seq += n;
			r->cons.store(head, std::memory_order_release);
		}
		ctl->msgs.store(seq);
		ctl->done.store(1);
		return 0;
	});
	uint32_t head = 0, cached = 0;
	uint64_t seq = 0;

	if (ok) {
		for (auto _ : st) {
			unsigned left = batch;

			while (left) {
				uint32_t room = kRingEntries - (head - cached);
				if (room < left) {
					cached = r->cons.load(std::memory_order_acquire);
					room = kRingEntries - (head - cached);
					if (!room) {
						cpu_relax();
						continue;
					}
				}
				uint32_t n = room < left ? room : left;
				for (uint32_t i = 0; i < n; i++) {
					Desc16 &d = r->d[(head + i) & (kRingEntries - 1)];
					d.addr = seq + i;
					d.len = 64;
					d.flags = 0;
				}
				head += n;
				seq += n;
				left -= n;
				r->prod.store(head, std::memory_order_release);
			}
			if (duo.last()) {
				ctl->end.store(1, std::memory_order_release);
				duo.wait_done();
			}
		}
	}
	duo.finish(seq, 0);
}

// ---- bare ring ping-pong: index, descriptor, slot --------------------------

// The structure zc's data path has, with none of its code: a producer index
// and a descriptor on separate lines, the payload (16-byte header + data) in
// a slot elsewhere. A one-way trip is three dependent line transfers (index,
// descriptor, slot) where the cache-line ping-pong has one: this is the
// round trip any index+descriptor+slot design pays, zc or not.
struct alignas(128) Slot128 {
	uint8_t b[128];
};

struct PingRing {
	Ring16 ring;
	Slot128 slot[kRingEntries];
};

void ring_send(PingRing *r, uint32_t *head, size_t size, uint8_t seed)
{
	uint32_t i = *head & (kRingEntries - 1);
	uint8_t *s = r->slot[i].b;

	memset(s, 0, 16);	// header
	fill(s + 16, size, seed);
	r->ring.d[i].addr = i;
	r->ring.d[i].len = (uint32_t)size;
	r->ring.prod.store(++*head, std::memory_order_release);
}

// Spin for the next entry; false if @stop rose first.
bool ring_recv(PingRing *r, uint32_t *head, size_t size, uint8_t seed,
	       const std::atomic<uint32_t> &stop, bool *bad)
{
	while (r->ring.prod.load(std::memory_order_acquire) == *head) {
		if (stop.load(std::memory_order_relaxed))
			return false;
		cpu_relax();
	}
	const Desc16 &d = r->ring.d[*head & (kRingEntries - 1)];
	if (d.addr >= kRingEntries || d.len != size ||
	    !verify(r->slot[d.addr].b + 16, size, seed))
		*bad = true;
	r->ring.cons.store(++*head, std::memory_order_release);
	return true;
}

using PingSend = void (*)(PingRing *, uint32_t *, size_t, uint8_t);
using PingRecv = bool (*)(PingRing *, uint32_t *, size_t, uint8_t,
			  const std::atomic<uint32_t> &, bool *);

// Ping-pong over two PingRings with @send/@recv (one layout each); @what
// names the layout in a payload-mismatch message.
void rtt_pingpong(benchmark::State &st, bool process, size_t size,
		  const std::string &name, PingSend send, PingRecv recv,
		  const char *what)
{
	Duo duo(st);
	Histogram h;
	// Shared, not private: the peer may be a forked process.
	void *mem = mmap(nullptr, 2 * sizeof(PingRing), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED) {
		st.SkipWithError("cannot map the rings");
		return;
	}
	auto *ping = new (mem) PingRing;
	auto *pong = new (static_cast<PingRing *>(mem) + 1) PingRing;
	Control *ctl = duo.ctl;
	bool ok = duo.start(process, [=]() {
		uint32_t in = 0, out = 0;
		uint64_t seq = 0;
		bool bad = false;

		ctl->ready.store(1);
		while (recv(ping, &in, size, seed_of(seq), ctl->end, &bad)) {
			send(pong, &out, size, seed_of(~seq));
			seq++;
		}
		if (bad)
			control_fail(ctl, (std::string(what) + " ping payload mismatch").c_str());
		ctl->msgs.store(seq);
		ctl->done.store(1);
		return 0;
	});
	uint32_t in = 0, out = 0;
	uint64_t seq = 0;
	bool bad = false;

	if (ok) {
		for (auto _ : st) {
			uint64_t t0 = ticks();

			send(ping, &out, size, seed_of(seq));
			recv(pong, &in, size, seed_of(~seq), ctl->abort, &bad);
			h.add(ticks() - t0);
			seq++;
		}
		ctl->end.store(1);
		duo.wait_done();
	}
	if (bad)
		control_fail(ctl, (std::string(what) + " pong payload mismatch").c_str());
	duo.finish(seq, size);
	report_latency(st, h, name);
	munmap(mem, 2 * sizeof(PingRing));
}

void rtt_ring(benchmark::State &st, bool process, size_t size, const std::string &name)
{
	rtt_pingpong(st, process, size, name, ring_send, ring_recv, "ring");
}

// The alternative layout: no index, no descriptor; the consumer polls a
// sequence word in the slot's own header, written last (as virtio's packed
// ring or FastForward do). A one-way trip is then the slot's line(s) only.
// Held against rtt/ring it shows what that change of format would buy.
void slot_send(PingRing *r, uint32_t *head, size_t size, uint8_t seed)
{
	uint8_t *s = r->slot[*head & (kRingEntries - 1)].b;

	fill(s + 16, size, seed);
	reinterpret_cast<std::atomic<uint32_t> *>(s)->store(++*head, std::memory_order_release);
}

bool slot_recv(PingRing *r, uint32_t *head, size_t size, uint8_t seed,
	       const std::atomic<uint32_t> &stop, bool *bad)
{
	uint8_t *s = r->slot[*head & (kRingEntries - 1)].b;
	auto *seq = reinterpret_cast<std::atomic<uint32_t> *>(s);

	while (seq->load(std::memory_order_acquire) != *head + 1) {
		if (stop.load(std::memory_order_relaxed))
			return false;
		cpu_relax();
	}
	if (!verify(s + 16, size, seed))
		*bad = true;
	++*head;
	return true;
}

void rtt_slotflag(benchmark::State &st, bool process, size_t size, const std::string &name)
{
	rtt_pingpong(st, process, size, name, slot_send, slot_recv, "slot");
}

// ---- zc's structure without zc: descriptor ring, slots, return ring ------

uint32_t r16_push(Ring16 *r, uint32_t *head, uint32_t *cached, const Desc16 *d,
		  uint32_t n)
{
	uint32_t room = kRingEntries - (*head - *cached);

	if (room < n) {
		*cached = r->cons.load(std::memory_order_acquire);
		room = kRingEntries - (*head - *cached);
	}
	if (n > room)
		n = room;
	for (uint32_t i = 0; i < n; i++)
		r->d[(*head + i) & (kRingEntries - 1)] = d[i];
	if (n) {
		*head += n;
		r->prod.store(*head, std::memory_order_release);
	}
	return n;
}

uint32_t r16_pop(Ring16 *r, uint32_t *head, uint32_t *cached, Desc16 *d, uint32_t n)
{
	uint32_t avail = *cached - *head;

	if (avail < n) {
		*cached = r->prod.load(std::memory_order_acquire);
		avail = *cached - *head;
	}
	if (n > avail)
		n = avail;
	for (uint32_t i = 0; i < n; i++)
		d[i] = r->d[(*head + i) & (kRingEntries - 1)];
	if (n) {
		*head += n;
		r->cons.store(*head, std::memory_order_release);
	}
	return n;
}

struct alignas(128) Slot256 {
	uint8_t b[256];
};

struct SlotRing {
	Ring16 data;			// producer -> consumer: filled slots
	Ring16 ret;			// consumer -> producer: free slots
	Slot256 slot[kRingEntries];	// 16-byte header + payload, as zc's smallest slot
};

// What zc's format costs for throughput with none of its code: slots taken
// from a return ring, a 16-byte header and the payload written in the slot,
// a descriptor published; the consumer reads it all and gives the slot back.
// Held against tput/spsc16 it says which share of the bare ring's rate this
// format can reach at all.
void tput_slotring(benchmark::State &st, size_t size, unsigned batch)
{
	Duo duo(st);
	auto mem = std::make_unique<SlotRing>();
	SlotRing *r = mem.get();
	Control *ctl = duo.ctl;

	r->data.prod.store(0);
	r->data.cons.store(0);
	for (uint32_t i = 0; i < kRingEntries; i++)
		r->ret.d[i] = {i, 0, 0};
	r->ret.cons.store(0);
	r->ret.prod.store(kRingEntries);
	bool ok = duo.start(false, [=]() {
		// The return ring starts full: our producer index starts there.
		uint32_t dh = 0, dc = 0, rh = kRingEntries, rc = 0;
		uint64_t seq = 0;
		Desc16 d[64];

		ctl->ready.store(1);
		for (;;) {
			uint32_t n = r16_pop(&r->data, &dh, &dc, d, batch);
			if (!n) {
				if (ctl->end.load(std::memory_order_acquire) &&
				    r->data.prod.load(std::memory_order_acquire) == dh)
					break;
				if (ctl->abort.load(std::memory_order_relaxed))
					break;
				cpu_relax();
				continue;
			}
			for (uint32_t i = 0; i < n; i++) {
				const uint8_t *sl = r->slot[d[i].addr & (kRingEntries - 1)].b;
				uint64_t hseq;
				memcpy(&hseq, sl, 8);
				if (hseq != seq + i || d[i].len != size ||
				    !verify(sl + 16, size, seed_of(seq + i)))
					control_fail(ctl, "slot ring payload mismatch");
			}
			seq += n;
			// The return ring has room for every slot: it never fills.
			r16_push(&r->ret, &rh, &rc, d, n);
		}
		ctl->msgs.store(seq);
		ctl->done.store(1);
		return 0;
	});
	uint32_t dh = 0, dc = 0, rh = 0, rc = 0;
	uint64_t seq = 0;
	Desc16 d[64];

	if (ok) {
		for (auto _ : st) {
			unsigned left = batch;

			while (left) {
				uint32_t n = r16_pop(&r->ret, &rh, &rc, d, left);
				if (!n) {
					cpu_relax();
					continue;
				}
				for (uint32_t i = 0; i < n; i++) {
					uint8_t *sl = r->slot[d[i].addr & (kRingEntries - 1)].b;
					uint64_t hseq = seq + i;
					memcpy(sl, &hseq, 8);
					memset(sl + 8, 0, 8);
					fill(sl + 16, size, seed_of(seq + i));
					d[i].len = (uint32_t)size;
				}
				r16_push(&r->data, &dh, &dc, d, n);
				seq += n;
				left -= n;
			}
			if (duo.last()) {
				ctl->end.store(1, std::memory_order_release);
				duo.wait_done();
			}
		}
	}
	duo.finish(seq, size);
}

// ---- the alternative format for throughput: slots that carry their state --

// No index, no descriptor, no return ring: the producer writes the payload
// and then the slot's sequence word; the consumer polls that word, reads the
// payload and clears the word, which hands the slot back (FastForward).
// Held against tput/slotring it shows what the format change proposed in the
// findings would buy for small messages.
void tput_slotseq(benchmark::State &st, size_t size, unsigned batch)
{
	Duo duo(st);
	auto mem = std::make_unique<Slot256[]>(kRingEntries);
	Slot256 *slots = mem.get();
	Control *ctl = duo.ctl;
	auto word = [](Slot256 *s) {
		return reinterpret_cast<std::atomic<uint64_t> *>(s->b);
	};

	for (uint32_t i = 0; i < kRingEntries; i++)
		word(&slots[i])->store(0);
	bool ok = duo.start(false, [=]() {
		uint64_t seq = 0;

		ctl->ready.store(1);
		for (;;) {
			Slot256 *s = &slots[seq & (kRingEntries - 1)];
			if (word(s)->load(std::memory_order_acquire) != seq + 1) {
				if (ctl->end.load(std::memory_order_acquire) &&
				    word(s)->load(std::memory_order_acquire) != seq + 1)
					break;
				if (ctl->abort.load(std::memory_order_relaxed))
					break;
				cpu_relax();
				continue;
			}
			if (!verify(s->b + 16, size, seed_of(seq)))
				control_fail(ctl, "slot sequence payload mismatch");
			word(s)->store(0, std::memory_order_release);
			seq++;
		}
		ctl->msgs.store(seq);
		ctl->done.store(1);
		return 0;
	});
	uint64_t seq = 0;

	if (ok) {
		for (auto _ : st) {
			for (unsigned i = 0; i < batch; i++) {
				Slot256 *s = &slots[seq & (kRingEntries - 1)];

				while (word(s)->load(std::memory_order_acquire) != 0)
					cpu_relax();
				fill(s->b + 16, size, seed_of(seq));
				word(s)->store(seq + 1, std::memory_order_release);
				seq++;
			}
			if (duo.last()) {
				ctl->end.store(1, std::memory_order_release);
				duo.wait_done();
			}
		}
	}
	duo.finish(seq, size);
}

// The same ring driven from one thread: its instructions per message only.
void loop_spsc16(benchmark::State &st, unsigned batch)
{
	auto ring = std::make_unique<Ring16>();
	Ring16 *r = ring.get();
	uint32_t ph = 0, pc = 0, ch = 0, cc = 0;
	uint64_t seq = 0, bad = 0;

	r->prod.store(0);
	r->cons.store(0);
	for (auto _ : st) {
		// Producer half, as in tput_spsc16.
		if (kRingEntries - (ph - pc) < batch)
			pc = r->cons.load(std::memory_order_acquire);
		for (uint32_t i = 0; i < batch; i++) {
			Desc16 &d = r->d[(ph + i) & (kRingEntries - 1)];
			d.addr = seq + i;
			d.len = 64;
			d.flags = 0;
		}
		ph += batch;
		r->prod.store(ph, std::memory_order_release);
		// Consumer half.
		if (cc - ch < batch)
			cc = r->prod.load(std::memory_order_acquire);
		for (uint32_t i = 0; i < batch; i++)
			bad += r->d[(ch + i) & (kRingEntries - 1)].addr != seq + i;
		ch += batch;
		r->cons.store(ch, std::memory_order_release);
		seq += batch;
	}
	if (bad)
		st.SkipWithError("spsc16 loop out of sequence");
	st.SetItemsProcessed((int64_t)seq);
}

#ifdef ZCB_HAVE_BOOST
// ---- Boost.Lockfree spsc_queue of pointers ---------------------------------

void tput_boost(benchmark::State &st, unsigned batch)
{
	using Queue = boost::lockfree::spsc_queue<
		void *, boost::lockfree::capacity<kRingEntries>>;
	Duo duo(st);
	auto q = std::make_unique<Queue>();
	Queue *qp = q.get();
	Control *ctl = duo.ctl;
	bool ok = duo.start(false, [=]() {
		void *v[64];
		uint64_t seq = 0;

		ctl->ready.store(1);
		for (;;) {
			size_t n = qp->pop(v, batch);
			if (!n) {
				if (ctl->end.load(std::memory_order_acquire) &&
				    !qp->read_available())
					break;
				if (ctl->abort.load(std::memory_order_relaxed))
					break;
				cpu_relax();
				continue;
			}
			for (size_t i = 0; i < n; i++)
				if ((uintptr_t)v[i] != (uintptr_t)(seq + i + 1))
					control_fail(ctl, "spsc_queue out of sequence");
			seq += n;
		}
		ctl->msgs.store(seq);
		ctl->done.store(1);
		return 0;
	});
	uint64_t seq = 0;
	void *v[64];

	if (ok) {
		for (auto _ : st) {
			for (unsigned i = 0; i < batch; i++)
				v[i] = (void *)(uintptr_t)(seq + i + 1);
			unsigned done = 0;
			while (done < batch) {
				size_t n = qp->push(v + done, batch - done);
				if (!n)
					cpu_relax();
				done += (unsigned)n;
			}
			seq += batch;
			if (duo.last()) {
				ctl->end.store(1, std::memory_order_release);
				duo.wait_done();
			}
		}
	}
	duo.finish(seq, 0);
}
#endif

}  // namespace

void register_rings()
{
	for (bool process : {false, true}) {
		std::string name = std::string("rtt/ring/proc:") +
				   (process ? "process" : "thread") + "/size:64";
		benchmark::RegisterBenchmark(name.c_str(), rtt_ring, process, (size_t)64, name)
			->UseRealTime();
		name = std::string("rtt/slotflag/proc:") +
		       (process ? "process" : "thread") + "/size:64";
		benchmark::RegisterBenchmark(name.c_str(), rtt_slotflag, process, (size_t)64, name)
			->UseRealTime();
	}
	for (int b : kBatches) {
		std::string s = "/proc:thread/size:0/batch:" + std::to_string(b);
		benchmark::RegisterBenchmark(("tput/spsc16" + s).c_str(), tput_spsc16,
					     (unsigned)b)
			->UseRealTime();
		benchmark::RegisterBenchmark(("tput/slotring/proc:thread/size:64/batch:" +
					      std::to_string(b)).c_str(),
					     tput_slotring, (size_t)64, (unsigned)b)
			->UseRealTime();
		benchmark::RegisterBenchmark(("tput/slotseq/proc:thread/size:64/batch:" +
					      std::to_string(b)).c_str(),
					     tput_slotseq, (size_t)64, (unsigned)b)
			->UseRealTime();
		benchmark::RegisterBenchmark(("loop/spsc16/size:0/batch:" + std::to_string(b)).c_str(),
					     loop_spsc16, (unsigned)b);
#ifdef ZCB_HAVE_BOOST
		benchmark::RegisterBenchmark(("tput/boost_spsc" + s).c_str(), tput_boost,
					     (unsigned)b)
			->UseRealTime();
#endif
	}
}

}  // namespace zcb
