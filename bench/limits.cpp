// SPDX-License-Identifier: MIT
//
// bench/limits.cpp - the physical limits every transport is measured
// against, taken in the same run on the same two cores:
//   rtt/cacheline      one cache line bounced between the cores
//   bw/memcpy, bw/memset  one core's copy and fill bandwidth
//   tput/stream        producer fills a buffer, consumer verifies it, with
//                      nothing but a ready flag per buffer between them: the
//                      cache-to-cache streaming limit of "write every byte,
//                      read every byte"
// The bare rings are in rings.cpp.
#include "util.hpp"

#include <benchmark/benchmark.h>

#include <cstring>

#include <sys/mman.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

namespace zcb {
namespace {

// As many buffers in flight as zc has slots for that size (the same rule as
// zc_side.cpp's geometry(): ~8 MiB of slots, 4 to 64 of them), packed as
// tightly as the payload allows: a limit must not be handicapped by a
// shallower pipeline than the transport it bounds.
unsigned stream_bufs(size_t size)
{
	uint32_t slot = 256;

	while (slot < size + 16 && slot < (2u << 20))
		slot <<= 1;
	uint32_t n = (8u << 20) / slot;
	return n < 4 ? 4 : (n > 64 ? 64 : n);
}

// ---- cache-line ping-pong --------------------------------------------------

struct alignas(128) Line {
	std::atomic<uint64_t> v;
};

void rtt_cacheline(benchmark::State &st, bool process, const std::string &name)
{
	Duo duo(st);
	// Shared, not private: the peer may be a forked process.
	auto *line = static_cast<Line *>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE,
					      MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	Histogram h;

	if (line == MAP_FAILED) {
		st.SkipWithError("cannot map the shared line");
		return;
	}
	Control *ctl = duo.ctl;
	bool ok = duo.start(process, [line, ctl]() {
		uint64_t expect = 1;

		ctl->ready.store(1);
		for (;;) {
			uint64_t x = line->v.load(std::memory_order_acquire);

			if (x == expect) {
				line->v.store(expect + 1, std::memory_order_release);
				expect += 2;
				ctl->msgs.fetch_add(1, std::memory_order_relaxed);
				continue;
			}
			if (ctl->end.load(std::memory_order_relaxed) ||
			    ctl->abort.load(std::memory_order_relaxed))
				break;
			cpu_relax();
		}
		ctl->done.store(1);
		return 0;
	});
	uint64_t n = 0;

	if (ok) {
		for (auto _ : st) {
			uint64_t t0 = ticks();

			line->v.store(2 * n + 1, std::memory_order_release);
			while (line->v.load(std::memory_order_acquire) != 2 * n + 2)
				cpu_relax();
			h.add(ticks() - t0);
			n++;
		}
		ctl->end.store(1);
		duo.wait_done();
	}
	duo.finish(n, 0);
	report_latency(st, h, name);
	munmap(line, 4096);
}

// ---- single-core bandwidth -------------------------------------------------

void bw_memcpy(benchmark::State &st, size_t size)
{
	auto *a = static_cast<uint8_t *>(buf_alloc(size, false));
	auto *b = static_cast<uint8_t *>(buf_alloc(size, false));

	if (!a || !b) {
		st.SkipWithError("out of memory");
	} else {
		for (auto _ : st) {
			memcpy(b, a, size);
			benchmark::ClobberMemory();
		}
		st.SetBytesProcessed((int64_t)(st.iterations() * size));
		st.SetItemsProcessed(st.iterations());
	}
	buf_free(a, size);
	buf_free(b, size);
}

void bw_memset(benchmark::State &st, size_t size)
{
	auto *a = static_cast<uint8_t *>(buf_alloc(size, false));
	uint8_t seed = 0;

	if (!a) {
		st.SkipWithError("out of memory");
		return;
	}
	for (auto _ : st) {
		fill(a, size, seed++);
		benchmark::ClobberMemory();
	}
	st.SetBytesProcessed((int64_t)(st.iterations() * size));
	st.SetItemsProcessed(st.iterations());
	buf_free(a, size);
}

// ---- cache-to-cache streaming limit ----------------------------------------

struct alignas(128) Flag {
	std::atomic<uint32_t> full;
};

void tput_stream(benchmark::State &st, size_t size, bool huge, bool process)
{
	const unsigned nbufs = stream_bufs(size);
	size_t stride = 64;
	while (stride < size)
		stride <<= 1;
	size_t total = (stride * nbufs + 4095) & ~(size_t)4095;
	Duo duo(st);
	int shflags = MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE;

	if (huge) {
		total = (total + kHugePage - 1) & ~(kHugePage - 1);
		shflags |= MAP_HUGETLB;
	}
	void *mem = mmap(nullptr, total, PROT_READ | PROT_WRITE, shflags, -1, 0);
	auto *flags = static_cast<Flag *>(mmap(nullptr, sizeof(Flag) * nbufs,
					       PROT_READ | PROT_WRITE,
					       MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	if (mem == MAP_FAILED || flags == MAP_FAILED) {
		st.SkipWithError("cannot map the stream buffers");
		return;
	}
	auto *base = static_cast<uint8_t *>(mem);
	Control *ctl = duo.ctl;
	bool ok = duo.start(process, [=]() {
		uint64_t seq = 0;

		ctl->ready.store(1);
		for (;;) {
			unsigned k = (unsigned)(seq % nbufs);

			if (flags[k].full.load(std::memory_order_acquire)) {
				if (!verify(base + k * stride, size, seed_of(seq)))
					control_fail(ctl, "stream payload mismatch");
				flags[k].full.store(0, std::memory_order_release);
				seq++;
				continue;
			}
			if (ctl->end.load(std::memory_order_acquire)) {
				if (!flags[k].full.load(std::memory_order_acquire))
					break;
				continue;
			}
			if (ctl->abort.load(std::memory_order_relaxed))
				break;
			cpu_relax();
		}
		ctl->msgs.store(seq);
		ctl->done.store(1);
		return 0;
	});
	uint64_t seq = 0;

	if (ok) {
		for (auto _ : st) {
			unsigned k = (unsigned)(seq % nbufs);

			while (flags[k].full.load(std::memory_order_acquire))
				cpu_relax();
			fill(base + k * stride, size, seed_of(seq));
			flags[k].full.store(1, std::memory_order_release);
			seq++;
			if (duo.last()) {
				ctl->end.store(1, std::memory_order_release);
				duo.wait_done();
			}
		}
	}
	duo.finish(seq, size);
	munmap(mem, total);
	munmap(flags, sizeof(Flag) * nbufs);
}

}  // namespace

void register_limits()
{
	for (bool process : {false, true}) {
		std::string name = std::string("rtt/cacheline/proc:") +
				   (process ? "process" : "thread");
		benchmark::RegisterBenchmark(name.c_str(), rtt_cacheline, process, name)
			->UseRealTime();
	}
	for (size_t size : kSizes) {
		std::string s = "/size:" + std::to_string(size);
		benchmark::RegisterBenchmark(("bw/memcpy" + s).c_str(), bw_memcpy, size)
			->UseRealTime();
		benchmark::RegisterBenchmark(("bw/memset" + s).c_str(), bw_memset, size)
			->UseRealTime();
		for (bool process : {false, true})
			for (bool huge : {false, true}) {
				if (huge && !g_cfg.hugepages)
					continue;
				std::string n = std::string("tput/stream/proc:") +
						(process ? "process" : "thread") +
						"/pages:" + (huge ? "huge" : "normal") + s;
				benchmark::RegisterBenchmark(n.c_str(), tput_stream, size,
							     huge, process)
					->UseRealTime();
			}
	}
}

}  // namespace zcb
