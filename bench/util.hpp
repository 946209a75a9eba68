// SPDX-License-Identifier: MIT
//
// bench/util.hpp - what every benchmark of the harness shares: CPU pinning,
// the peer (consumer) that runs in a thread or a forked process, the
// control block both parties see, payload fill/verify, a cycle timer and a
// latency histogram.
//
// Every transport moves its payload through the same fill and verify
// routines, so the ratios in the report compare transports, not loops.
#ifndef ZC_BENCH_UTIL_HPP
#define ZC_BENCH_UTIL_HPP

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace zcb {

// ---- configuration -------------------------------------------------------

struct Config {
	int producer_cpu = 0;	// -1: not pinned
	int consumer_cpu = 1;
	bool hugepages = false;	// huge pages reserved (nr_hugepages > 0)
	std::string hist_out;	// file for full latency histograms (JSON lines)
};
extern Config g_cfg;

// Parse --cpus=P,C / --cpus=none (or ZC_BENCH_CPUS) and --hist-out=FILE (or
// ZC_BENCH_HIST); removes our flags from argv so Google Benchmark does not
// refuse them. Returns 0, or -1 after printing why.
int parse_args(int *argc, char **argv);

// Pin the calling thread to @cpu (no-op for -1). 0 or -errno.
int pin_to(int cpu);

// Page size of the payload buffers of a "pages:huge" run.
constexpr size_t kHugePage = 2u << 20;

// ---- peer ----------------------------------------------------------------

// The block both parties read and write: anonymous shared memory, so it
// works across fork() as well as across threads.
struct Control {
	alignas(64) std::atomic<uint32_t> ready;	// consumer is set up
	alignas(64) std::atomic<uint32_t> done;		// consumer has seen the end
	alignas(64) std::atomic<uint32_t> abort;	// producer gave up: exit
	alignas(64) std::atomic<uint32_t> end;		// producer sent everything
	std::atomic<uint64_t> msgs;	// messages the consumer received
	std::atomic<uint64_t> bytes;	// payload bytes it received
	std::atomic<uint64_t> errors;	// payload or sequence mismatches
	std::atomic<uint64_t> stalls;	// waits that timed out and were retried
	char why[160];			// first error, for the report
};

Control *control_new();
void control_free(Control *c);
// Record the first error message (either party).
void control_fail(Control *c, const char *why);

// Runs the consumer side, pinned to the consumer CPU, in a thread or a
// forked child. fn returns 0 on success.
class Peer {
public:
	Peer() = default;
	Peer(const Peer &) = delete;
	Peer &operator=(const Peer &) = delete;
	~Peer();
	int start(bool process, std::function<int()> fn);
	// Wait for the peer to finish; returns fn's result (or 1 if it died).
	int join();
	bool running() const { return started_; }

private:
	bool started_ = false;
	bool process_ = false;
	pid_t pid_ = -1;
	void *thread_ = nullptr;	// std::thread*
	int rc_ = 0;
};

// Spin (then doze) until @flag becomes nonzero or @timeout_ms passes.
bool wait_flag(const std::atomic<uint32_t> &flag, int timeout_ms);

}  // namespace zcb

namespace benchmark { class State; }

namespace zcb {

// One two-party run: the control block, the peer, and the bookkeeping
// every throughput benchmark ends with. The producer's loop ends by
// signalling the end and waiting (inside the timed region) until the
// consumer has seen every message, so a transport cannot look fast by
// leaving work queued when the clock stops.
class Duo {
public:
	explicit Duo(benchmark::State &st);
	~Duo();
	// Start the consumer and (unless @wait is false) wait until it says
	// it is set up.
	bool start(bool process, std::function<int()> fn, bool wait = true);
	// Wait until the consumer says it is set up.
	bool ready();
	// The loop's last iteration? (call once per iteration)
	bool last() { return ++iter_ == max_iter_; }
	// Wait for the consumer to finish (call after signalling the end).
	bool wait_done();
	// Report an error once and stop the peer.
	void fail(const std::string &why);
	// Join the peer, check it saw @sent messages intact, set the counters
	// (the first @warm of them were untimed warm-up: not counted).
	void finish(uint64_t sent, uint64_t bytes_per_msg, uint64_t warm = 0);
	Control *ctl;

private:
	benchmark::State &st_;
	Peer peer_;
	uint64_t iter_ = 0, max_iter_;
	bool failed_ = false;
};

// ---- payload -------------------------------------------------------------

// The byte every payload byte of message @seq carries.
static inline uint8_t seed_of(uint64_t seq) { return (uint8_t)(seq * 131 + 7); }

// Write every byte of a payload.
void fill(void *p, size_t n, uint8_t seed);
// Read every byte; true if all equal @seed.
bool verify(const void *p, size_t n, uint8_t seed);

// Verifies a byte stream made of back-to-back messages of @size bytes
// (pipes deliver chunks that do not follow message boundaries).
class StreamCheck {
public:
	explicit StreamCheck(size_t size) : size_(size) {}
	// Returns the number of mismatching messages seen in this chunk.
	uint64_t feed(const uint8_t *p, size_t n);
	uint64_t messages() const { return seq_; }

private:
	size_t size_;
	size_t off_ = 0;	// bytes of message seq_ seen so far
	uint64_t seq_ = 0;
	bool bad_ = false;	// message seq_ already had a mismatch
};

// mmap'd buffer (huge pages on request), zeroed and touched.
void *buf_alloc(size_t n, bool huge);
void buf_free(void *p, size_t n);

// ---- time ----------------------------------------------------------------

// Cycle counter (rdtsc where it exists) and its calibrated length.
uint64_t ticks();
double ns_per_tick();
void calibrate_ticks();

// Log-linear histogram, 1/128 relative resolution, fixed memory: recording
// a sample is a few instructions, so it does not disturb what it measures.
class Histogram {
public:
	Histogram();
	void add(uint64_t v);
	uint64_t count() const { return n_; }
	uint64_t max() const { return max_; }
	uint64_t min() const { return n_ ? min_ : 0; }
	// Value at quantile q in [0, 1].
	uint64_t quantile(double q) const;
	// "[[value, count], ...]" of the non-empty buckets, scaled by @scale.
	std::string buckets_json(double scale) const;

private:
	static constexpr int kSub = 128;
	static size_t index(uint64_t v);
	static uint64_t value(size_t i);
	std::vector<uint64_t> counts_;
	uint64_t n_ = 0, max_ = 0, min_ = UINT64_MAX;
};

// Sets the latency counters of a round-trip benchmark (ns), and appends
// the whole histogram to --hist-out when given.
void report_latency(benchmark::State &st, const Histogram &h,
		    const std::string &name);

// Untimed round trips before a latency loop.
constexpr int kWarmTrips = 64;

// Registration entry points, one per source file.
void register_limits();
void register_rings();
void register_baselines();
void register_zc_tput();
void register_zc_rtt();

// Matrix shared by every transport.
extern const std::vector<size_t> kSizes;
extern const std::vector<int> kBatches;

}  // namespace zcb

#endif  // ZC_BENCH_UTIL_HPP
