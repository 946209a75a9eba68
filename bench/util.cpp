// SPDX-License-Identifier: MIT
//
// bench/util.cpp - pinning, peers, payloads, timer, histogram.
#include "util.hpp"

#include <benchmark/benchmark.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define ZCB_HAVE_TSC 1
#endif

namespace zcb {

Config g_cfg;

const std::vector<size_t> kSizes = {8, 64, 512, 4096, 65536, 1u << 20, 2u << 20};
const std::vector<int> kBatches = {1, 32};

// ---- configuration -------------------------------------------------------

static int parse_cpus(const char *s)
{
	int p, c;

	if (!strcmp(s, "none")) {
		g_cfg.producer_cpu = g_cfg.consumer_cpu = -1;
		return 0;
	}
	if (sscanf(s, "%d,%d", &p, &c) != 2 || p < 0 || c < 0 ||
	    p >= CPU_SETSIZE || c >= CPU_SETSIZE) {
		fprintf(stderr, "zc-bench: --cpus wants PRODUCER,CONSUMER (e.g. 0,1) or none, not \"%s\".\n", s);
		return -1;
	}
	g_cfg.producer_cpu = p;
	g_cfg.consumer_cpu = c;
	return 0;
}

// Default pinning: the first two CPUs we are allowed to run on.
static void default_cpus()
{
	cpu_set_t set;
	int found[2] = {-1, -1}, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
			if (CPU_ISSET(i, &set))
				found[n++] = i;
	if (n == 0) {
		g_cfg.producer_cpu = g_cfg.consumer_cpu = -1;
		return;
	}
	if (n == 1) {
		fprintf(stderr, "zc-bench: only one CPU available: producer and consumer share it, busy-poll numbers will be poor.\n");
		found[1] = found[0];
	}
	g_cfg.producer_cpu = found[0];
	g_cfg.consumer_cpu = found[1];
}

static bool hugepages_reserved()
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r");
	long n = 0;

	if (!f)
		return false;
	if (fscanf(f, "%ld", &n) != 1)
		n = 0;
	fclose(f);
	return n > 0;
}

int parse_args(int *argc, char **argv)
{
	const char *env = getenv("ZC_BENCH_CPUS");
	int out = 1;

	default_cpus();
	if (env && *env && parse_cpus(env) < 0)
		return -1;
	env = getenv("ZC_BENCH_HIST");
	if (env && *env)
		g_cfg.hist_out = env;
	for (int i = 1; i < *argc; i++) {
		if (!strncmp(argv[i], "--cpus=", 7)) {
			if (parse_cpus(argv[i] + 7) < 0)
				return -1;
		} else if (!strncmp(argv[i], "--hist-out=", 11)) {
			g_cfg.hist_out = argv[i] + 11;
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	argv[out] = nullptr;
	g_cfg.hugepages = hugepages_reserved();
	if (g_cfg.producer_cpu >= 0 && pin_to(g_cfg.producer_cpu) < 0) {
		fprintf(stderr, "zc-bench: cannot pin the producer to CPU %d: %s.\n",
			g_cfg.producer_cpu, strerror(errno));
		return -1;
	}
	return 0;
}

int pin_to(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	// sched_setaffinity(0) pins the calling thread only (Linux semantics).
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	return 0;
}

// ---- peer ----------------------------------------------------------------

Control *control_new()
{
	void *p = mmap(nullptr, sizeof(Control), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return nullptr;
	// Anonymous memory is zero, which is the initial state of every field.
	return new (p) Control;
}

void control_free(Control *c)
{
	if (c)
		munmap(c, sizeof(Control));
}

void control_fail(Control *c, const char *why)
{
	if (c->errors.fetch_add(1) == 0) {
		strncpy(c->why, why, sizeof(c->why) - 1);
		c->why[sizeof(c->why) - 1] = 0;
	}
}

Peer::~Peer()
{
	if (started_)
		join();
}

int Peer::start(bool process, std::function<int()> fn)
{
	process_ = process;
	if (process) {
		fflush(nullptr);
		pid_ = fork();
		if (pid_ < 0)
			return -errno;
		if (pid_ == 0) {
			pin_to(g_cfg.consumer_cpu);
			int rc = fn();
			_exit(rc ? 1 : 0);
		}
	} else {
		thread_ = new std::thread([this, fn]() {
			pin_to(g_cfg.consumer_cpu);
			rc_ = fn();
		});
	}
	started_ = true;
	return 0;
}

int Peer::join()
{
	if (!started_)
		return 0;
	started_ = false;
	if (process_) {
		int status = 0;

		while (waitpid(pid_, &status, 0) < 0 && errno == EINTR)
			;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	auto *t = static_cast<std::thread *>(thread_);
	t->join();
	delete t;
	thread_ = nullptr;
	return rc_;
}

bool wait_flag(const std::atomic<uint32_t> &flag, int timeout_ms)
{
	struct timespec start, now, nap = {0, 20000};

	for (int i = 0; i < 20000; i++) {
		if (flag.load(std::memory_order_acquire))
			return true;
#if defined(ZCB_HAVE_TSC)
		_mm_pause();
#endif
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (flag.load(std::memory_order_acquire))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000 > timeout_ms)
			return false;
		nanosleep(&nap, nullptr);
	}
}

// ---- payload -------------------------------------------------------------

void fill(void *p, size_t n, uint8_t seed)
{
	memset(p, seed, n);
}

bool verify(const void *p, size_t n, uint8_t seed)
{
	// OR of (byte ^ seed) over 16-byte vectors: reads every byte at cache
	// speed. The pattern is a register broadcast: building it through the
	// stack costs a store-forwarding stall that dwarfs a 64-byte payload.
	typedef uint8_t v16 __attribute__((vector_size(16)));
	const uint8_t *b = static_cast<const uint8_t *>(p);
	const v16 vp = (v16){} + seed;
	v16 a0 = {}, a1 = {}, a2 = {}, a3 = {};
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		v16 w0, w1, w2, w3;

		memcpy(&w0, b + i, 16);
		memcpy(&w1, b + i + 16, 16);
		memcpy(&w2, b + i + 32, 16);
		memcpy(&w3, b + i + 48, 16);
		a0 |= w0 ^ vp;
		a1 |= w1 ^ vp;
		a2 |= w2 ^ vp;
		a3 |= w3 ^ vp;
	}
	for (; i + 16 <= n; i += 16) {
		v16 w;

		memcpy(&w, b + i, 16);
		a0 |= w ^ vp;
	}
	a0 |= a1 | a2 | a3;
	uint64_t lo, hi;
	memcpy(&lo, &a0, 8);
	memcpy(&hi, (const uint8_t *)&a0 + 8, 8);
	uint64_t r = lo | hi;
	for (; i < n; i++)
		r |= (uint64_t)(b[i] ^ seed);
	return r == 0;
}

uint64_t StreamCheck::feed(const uint8_t *p, size_t n)
{
	uint64_t bad = 0;

	while (n) {
		size_t take = size_ - off_;

		if (take > n)
			take = n;
		if (!bad_ && !verify(p, take, seed_of(seq_)))
			bad_ = true;
		p += take;
		n -= take;
		off_ += take;
		if (off_ == size_) {
			bad += bad_;
			bad_ = false;
			off_ = 0;
			seq_++;
		}
	}
	return bad;
}

void *buf_alloc(size_t n, bool huge)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;
	void *p;

	if (huge) {
		n = (n + kHugePage - 1) & ~(kHugePage - 1);
		flags |= MAP_HUGETLB;
	}
	p = mmap(nullptr, n, PROT_READ | PROT_WRITE, flags, -1, 0);
	return p == MAP_FAILED ? nullptr : p;
}

void buf_free(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

// ---- time ----------------------------------------------------------------

static double g_ns_per_tick = 1.0;

static uint64_t mono_ns()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t ticks()
{
#ifdef ZCB_HAVE_TSC
	return __rdtsc();
#else
	return mono_ns();
#endif
}

double ns_per_tick() { return g_ns_per_tick; }

void calibrate_ticks()
{
#ifdef ZCB_HAVE_TSC
	struct timespec nap = {0, 50000000};
	uint64_t n0 = mono_ns(), t0 = ticks();

	nanosleep(&nap, nullptr);
	uint64_t n1 = mono_ns(), t1 = ticks();
	if (t1 > t0)
		g_ns_per_tick = (double)(n1 - n0) / (double)(t1 - t0);
#endif
}

Histogram::Histogram() : counts_(kSub + 57 * kSub, 0) {}

size_t Histogram::index(uint64_t v)
{
	if (v < (uint64_t)kSub)
		return (size_t)v;
	int e = 63 - __builtin_clzll(v);	// 7..63
	uint64_t sub = (v >> (e - 7)) - kSub;	// 0..127
	return (size_t)kSub + (size_t)(e - 7) * kSub + (size_t)sub;
}

uint64_t Histogram::value(size_t i)
{
	if (i < (size_t)kSub)
		return i;
	int e = (int)((i - kSub) / kSub) + 7;
	uint64_t sub = (i - kSub) % kSub;
	uint64_t lo = (kSub + sub) << (e - 7);
	return lo + ((1ull << (e - 7)) >> 1);
}

void Histogram::add(uint64_t v)
{
	counts_[index(v)]++;
	n_++;
	if (v > max_)
		max_ = v;
	if (v < min_)
		min_ = v;
}

uint64_t Histogram::quantile(double q) const
{
	if (!n_)
		return 0;
	uint64_t want = (uint64_t)std::ceil(q * (double)n_), seen = 0;

	if (want < 1)
		want = 1;
	for (size_t i = 0; i < counts_.size(); i++) {
		seen += counts_[i];
		if (seen >= want) {
			uint64_t v = value(i);
			return v > max_ ? max_ : (v < min_ ? min_ : v);
		}
	}
	return max_;
}

std::string Histogram::buckets_json(double scale) const
{
	std::string s = "[";
	char tmp[64];

	for (size_t i = 0; i < counts_.size(); i++) {
		if (!counts_[i])
			continue;
		snprintf(tmp, sizeof(tmp), "%s[%.1f,%llu]", s.size() > 1 ? "," : "",
			 (double)value(i) * scale, (unsigned long long)counts_[i]);
		s += tmp;
	}
	return s + "]";
}

void report_latency(benchmark::State &st, const Histogram &h,
		    const std::string &name)
{
	double k = ns_per_tick();

	st.counters["p50_ns"] = (double)h.quantile(0.5) * k;
	st.counters["p90_ns"] = (double)h.quantile(0.9) * k;
	st.counters["p99_ns"] = (double)h.quantile(0.99) * k;
	st.counters["p999_ns"] = (double)h.quantile(0.999) * k;
	st.counters["p9999_ns"] = (double)h.quantile(0.9999) * k;
	st.counters["max_ns"] = (double)h.max() * k;
	st.counters["min_ns"] = (double)h.min() * k;
	if (g_cfg.hist_out.empty() || !h.count())
		return;
	// Appended on every run: the last line of a name is its final run.
	FILE *f = fopen(g_cfg.hist_out.c_str(), "a");
	if (!f)
		return;
	fprintf(f, "{\"name\":\"%s\",\"ns\":%s}\n", name.c_str(),
		h.buckets_json(k).c_str());
	fclose(f);
}

}  // namespace zcb

namespace zcb {

Duo::Duo(benchmark::State &st)
	: ctl(control_new()), st_(st), max_iter_((uint64_t)st.max_iterations)
{
	if (!ctl)
		fail("cannot map the control block");
}

Duo::~Duo()
{
	if (peer_.running()) {
		ctl->abort.store(1);
		peer_.join();
	}
	control_free(ctl);
}

bool Duo::start(bool process, std::function<int()> fn, bool wait)
{
	if (failed_)
		return false;
	int rc = peer_.start(process, std::move(fn));
	if (rc < 0) {
		fail(std::string("cannot start the consumer: ") + strerror(-rc));
		return false;
	}
	return wait ? ready() : true;
}

bool Duo::ready()
{
	if (failed_)
		return false;
	if (!wait_flag(ctl->ready, 10000)) {
		fail(ctl->errors.load() ? ctl->why : "consumer did not start within 10 s");
		return false;
	}
	if (ctl->errors.load()) {
		fail(ctl->why);
		return false;
	}
	return true;
}

bool Duo::wait_done()
{
	if (!wait_flag(ctl->done, 20000)) {
		fail("consumer did not finish within 20 s of the end");
		return false;
	}
	return true;
}

void Duo::fail(const std::string &why)
{
	if (failed_)
		return;
	failed_ = true;
	st_.SkipWithError(why.c_str());
	if (ctl)
		ctl->abort.store(1);
}

void Duo::finish(uint64_t sent, uint64_t bytes_per_msg, uint64_t warm)
{
	int rc = peer_.join();

	if (failed_)
		return;
	if (ctl->errors.load()) {
		fail(std::string("consumer: ") + ctl->why);
		return;
	}
	if (rc) {
		fail("consumer exited with an error");
		return;
	}
	if (ctl->msgs.load() != sent) {
		fail("consumer received " + std::to_string(ctl->msgs.load()) +
		     " messages, producer sent " + std::to_string(sent));
		return;
	}
	st_.SetItemsProcessed((int64_t)(sent - warm));
	st_.SetBytesProcessed((int64_t)((sent - warm) * bytes_per_msg));
	st_.counters["stalls"] = (double)ctl->stalls.load();
}

}  // namespace zcb
