/* SPDX-License-Identifier: MIT */
/*
 * tools/bench.h - "zc bench": what it measures and how it reports.
 *
 * For each message size the bench creates a region whose slots fit that
 * size, starts the emulated remote core ("zc remote --mode sink,echo") in
 * another process, then
 *   - streams: the host writes every byte of each message (payload.h
 *     pattern) and sends in bursts; the remote sink reads and checks every
 *     byte and returns the slots; the rate counts what the sink confirmed;
 *   - ping-pongs one message at a time through the echo service and
 *     records each round trip for p50/p99/p99.9.
 * Baselines run in the same invocation, so the report can give ratios that
 * mean something on a noisy machine: a pipe and a UNIX socket moving 4 KiB
 * blocks (writer and reader touching every byte as well), a bare SPSC ring
 * of 16-byte descriptors (against 64 B messages) and a plain core-to-core
 * streaming loop of 1 MiB blocks (against 1 MiB messages).
 */
#ifndef ZC_TOOLS_BENCH_H
#define ZC_TOOLS_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <zc/region.h>
#include "payload.h"
#include "waiter.h"

#define BENCH_MAX_SIZES 16
#define BENCH_MAX_REPEAT 9

struct bench_opts {
	uint64_t sizes[BENCH_MAX_SIZES];
	int nsizes;
	double seconds;		/* streaming time per size */
	double lat_seconds;	/* ping-pong time per size */
	enum tool_wait wait;
	uint32_t chan_mode;	/* ZC_CHAN_MODE_RING or _SEQ */
	const char *uri;	/* region URI; NULL: shm:bench-PID */
	const char *json;	/* write results here */
	uint64_t batch;		/* messages per burst */
	uint64_t slots;		/* slots per direction; 0: chosen per size */
	uint64_t repeat;	/* rounds; each number is the median round */
	enum payload_kind kind;
	int baselines;
	int pin;		/* host and remote each on a CPU of their own */
	int huge;		/* regions on huge pages when any are reserved */
	int host_cpu, remote_cpu; /* when pinned; -1 otherwise */
	int quiet;
	double load_before;	/* 1-minute load average when the run began */
	long cpus;		/* CPUs online */
};

struct latency {
	uint64_t samples;
	double p50_us, p99_us, p999_us, min_us, max_us;
};

struct bench_result {
	uint64_t size;
	uint32_t slot_size, slots;
	double seconds;		/* measured streaming time */
	uint64_t msgs, bytes;	/* as confirmed by the sink */
	uint64_t bad;		/* messages the sink found corrupt */
	double msgs_per_s, gb_per_s;
	struct latency lat;
	uint64_t kicks, sleeps;	/* host side, streaming phase */
	/* Streaming phase, from /proc/PID/schedstat: seconds each side ran,
	 * and seconds it was runnable but another task had its CPU. */
	double host_run_s, host_wait_s, remote_run_s, remote_wait_s;
	int contended;		/* a side waited for a CPU > 10% of the phase */
	double line_rtt_ns;	/* cacheline_rtt_ns() just before this size */
	char backend[16];	/* "shm", "shm-hugetlb", "kmod" */
	double rounds[BENCH_MAX_REPEAT];	/* msgs/s of every round (--repeat) */
	int nrounds;
};

struct baseline_result {
	const char *name;	/* "pipe", "unix socket", "spsc16", "stream" */
	const char *what;	/* a few words for the table */
	uint64_t size;		/* bytes per message or block */
	uint64_t compare_size;	/* the zc message size it is held against */
	double seconds;
	uint64_t msgs, bytes;
	double msgs_per_s, gb_per_s;
	struct latency lat;
	double rounds[BENCH_MAX_REPEAT];
	int nrounds;
	double line_rtt_ns;	/* cacheline_rtt_ns() just before it ran */
};

/* Run one size against a fresh region and remote; 0 or a negative errno
 * (a sentence was printed). */
int bench_zc_size(const struct bench_opts *o, const char *uri, uint64_t size,
		  struct bench_result *res);

/* The pipe and UNIX socket baselines at @size bytes per block. */
int bench_pipe(const struct bench_opts *o, uint64_t size,
	       struct baseline_result *res);
int bench_unix_socket(const struct bench_opts *o, uint64_t size,
		      struct baseline_result *res);

/* The reference loops (bench_mem.c); no latency. */
int bench_spsc16(const struct bench_opts *o, struct baseline_result *res);
int bench_stream(const struct bench_opts *o, uint64_t size,
		 struct baseline_result *res);

/*
 * Round trip of one cache line between this thread and a thread on
 * @other_cpu, in ns, over @secs: where the VM's two vCPUs sit right now
 * (sharing an L3 or not) shows here first, and moves every other number.
 */
double cacheline_rtt_ns(int other_cpu, double secs);

/* Percentiles of @n round-trip times in ns (sorts @ns in place). */
void latency_summarize(uint64_t *ns, uint64_t n, struct latency *out);

/* The human table on @f, and the JSON document on @f. */
void bench_print_table(FILE *f, const struct bench_opts *o,
		       const struct bench_result *r, int n,
		       const struct baseline_result *b, int nb);
int bench_write_json(FILE *f, const struct bench_opts *o, const char *uri,
		     const struct bench_result *r, int n,
		     const struct baseline_result *b, int nb);

/* Progress on stderr: overwritten in place on a terminal. */
void bench_progress(const struct bench_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void bench_progress_done(const struct bench_opts *o);

#endif /* ZC_TOOLS_BENCH_H */
