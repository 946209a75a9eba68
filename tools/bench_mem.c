/* SPDX-License-Identifier: MIT */
/*
 * tools/bench_mem.c - the two reference loops the targets are
 * stated against, run between two threads in the same invocation:
 *   spsc16  a bare single-producer single-consumer ring of 16-byte
 *           descriptors, batched like zc (the ceiling for 64 B messages:
 *           zc also moves a header and 64 payload bytes per message);
 *   stream  a plain core-to-core streaming loop: a few buffers of the
 *           message size handed over by a flag, the writer filling and the
 *           reader checking every byte with the same code zc bench uses
 *           (the ceiling for 1 MiB messages: both are bound by the data).
 * Both spin; after a long empty spin they yield, so an overloaded machine
 * slows them down instead of stalling them for a time slice.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <zc/env.h>

#include "args.h"
#include "bench.h"
#include "payload.h"
#include "proc.h"

#define SPSC_ENTRIES 1024u
#define SPSC_BATCH 32u
#define STREAM_BUFS 8u
#define SPIN_BEFORE_YIELD 4096

struct desc16 {
	uint64_t seq;
	uint64_t arg;
};

struct spsc {
	uint32_t prod __attribute__((aligned(128)));
	uint32_t cons __attribute__((aligned(128)));
	uint32_t stop __attribute__((aligned(128)));
	struct desc16 ring[SPSC_ENTRIES] __attribute__((aligned(128)));
	uint64_t consumed, bad;
};

static void relax(unsigned int *spins)
{
	if (++*spins < SPIN_BEFORE_YIELD) {
		zc_cpu_relax();
		return;
	}
	*spins = 0;
	sched_yield();
}

static void *spsc_consumer(void *arg)
{
	struct spsc *q = arg;
	uint32_t cons = 0, prod_cached = 0, n, i;
	uint64_t want = 0, bad = 0;
	unsigned int spins = 0;

	for (;;) {
		if (prod_cached == cons) {
			/* Acquire: the descriptors are written before prod moved. */
			prod_cached = __atomic_load_n(&q->prod, __ATOMIC_ACQUIRE);
			if (prod_cached == cons) {
				if (__atomic_load_n(&q->stop, __ATOMIC_ACQUIRE) &&
				    __atomic_load_n(&q->prod, __ATOMIC_ACQUIRE) == cons)
					break;
				relax(&spins);
				continue;
			}
		}
		n = prod_cached - cons;
		if (n > SPSC_BATCH)
			n = SPSC_BATCH;
		for (i = 0; i < n; i++) {
			const struct desc16 *d = &q->ring[(cons + i) & (SPSC_ENTRIES - 1)];

			bad += d->seq != want || d->arg != ~want;
			want++;
		}
		cons += n;
		/* Release: our reads of the entries are done before they are reused. */
		__atomic_store_n(&q->cons, cons, __ATOMIC_RELEASE);
	}
	q->consumed = want;
	q->bad = bad;
	return NULL;
}

static int run_spsc(const struct bench_opts *o, struct baseline_result *res)
{
	struct spsc *q;
	pthread_t tid;
	uint32_t prod = 0, cons_cached = 0, i;
	uint64_t seq = 0, t0, t_end;
	unsigned int spins = 0;

	q = aligned_alloc(128, sizeof(*q));
	if (!q)
		return -ENOMEM;
	memset(q, 0, sizeof(*q));
	if (start_thread(&tid, spsc_consumer, q, o->remote_cpu)) {
		free(q);
		return -EAGAIN;
	}
	t0 = now_ns();
	t_end = t0 + (uint64_t)(o->seconds * 1e9);
	while (now_ns() < t_end) {
		/* A few batches between clock reads: the clock costs ~20 ns. */
		for (int k = 0; k < 16; k++) {
			if (SPSC_ENTRIES - (prod - cons_cached) < SPSC_BATCH) {
				cons_cached = __atomic_load_n(&q->cons, __ATOMIC_ACQUIRE);
				if (SPSC_ENTRIES - (prod - cons_cached) < SPSC_BATCH) {
					relax(&spins);
					continue;
				}
			}
			for (i = 0; i < SPSC_BATCH; i++) {
				struct desc16 *d = &q->ring[(prod + i) & (SPSC_ENTRIES - 1)];

				d->seq = seq;
				d->arg = ~seq;
				seq++;
			}
			prod += SPSC_BATCH;
			/* Release: the descriptors are written before prod says so. */
			__atomic_store_n(&q->prod, prod, __ATOMIC_RELEASE);
		}
	}
	__atomic_store_n(&q->stop, 1, __ATOMIC_RELEASE);
	pthread_join(tid, NULL);
	res->seconds = (double)(now_ns() - t0) / 1e9;
	res->msgs = q->consumed;
	res->bytes = q->consumed * sizeof(struct desc16);
	free(q);
	if (res->msgs != seq) {
		zc_errorf("the spsc16 baseline lost descriptors");
		return -EBADMSG;
	}
	return 0;
}

struct stream {
	struct {
		uint32_t full __attribute__((aligned(128)));
	} flag[STREAM_BUFS];
	uint32_t stop __attribute__((aligned(128)));
	uint8_t *buf[STREAM_BUFS];
	uint64_t size;
	uint64_t consumed, bad;
};

static void *stream_reader(void *arg)
{
	struct stream *s = arg;
	uint64_t seq = 0, bad = 0;
	unsigned int spins = 0;
	uint32_t b;

	for (;;) {
		b = (uint32_t)(seq % STREAM_BUFS);
		/* Acquire: the buffer's bytes are written before full was set. */
		if (!__atomic_load_n(&s->flag[b].full, __ATOMIC_ACQUIRE)) {
			if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE) &&
			    !__atomic_load_n(&s->flag[b].full, __ATOMIC_ACQUIRE))
				break;
			relax(&spins);
			continue;
		}
		bad += payload_check(PAYLOAD_PATTERN, s->buf[b], s->size, seq) != 0;
		/* Release: we are done reading before the writer refills it. */
		__atomic_store_n(&s->flag[b].full, 0, __ATOMIC_RELEASE);
		seq++;
	}
	s->consumed = seq;
	s->bad = bad;
	return NULL;
}

static int run_stream(const struct bench_opts *o, uint64_t size,
		      struct baseline_result *res)
{
	struct stream *s;
	pthread_t tid;
	uint64_t seq = 0, t0, t_end;
	unsigned int spins = 0, i;
	int rc = 0;

	s = aligned_alloc(128, sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->size = size;
	for (i = 0; i < STREAM_BUFS; i++) {
		s->buf[i] = aligned_alloc(4096, (size + 4095) & ~4095ULL);
		if (!s->buf[i])
			rc = -ENOMEM;
		else
			memset(s->buf[i], 0, size);	/* no page faults in the timing */
	}
	if (rc == 0 && start_thread(&tid, stream_reader, s, o->remote_cpu))
		rc = -EAGAIN;
	if (rc < 0)
		goto out;
	t0 = now_ns();
	t_end = t0 + (uint64_t)(o->seconds * 1e9);
	while (now_ns() < t_end) {
		uint32_t b = (uint32_t)(seq % STREAM_BUFS);

		if (__atomic_load_n(&s->flag[b].full, __ATOMIC_ACQUIRE)) {
			relax(&spins);
			continue;
		}
		payload_fill(PAYLOAD_PATTERN, s->buf[b], size, seq++);
		__atomic_store_n(&s->flag[b].full, 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(tid, NULL);
	res->seconds = (double)(now_ns() - t0) / 1e9;
	res->msgs = s->consumed;
	res->bytes = s->consumed * size;
	if (s->consumed != seq || s->bad) {
		zc_errorf("the stream baseline lost or corrupted buffers");
		rc = -EBADMSG;
	}
out:
	for (i = 0; i < STREAM_BUFS; i++)
		free(s->buf[i]);
	free(s);
	return rc;
}

static void rates(struct baseline_result *res)
{
	res->msgs_per_s = (double)res->msgs / res->seconds;
	res->gb_per_s = (double)res->bytes / res->seconds / 1e9;
}

int bench_spsc16(const struct bench_opts *o, struct baseline_result *res)
{
	int rc;

	memset(res, 0, sizeof(*res));
	res->name = "spsc16";
	res->what = "bare ring, 16 B descriptors, batch 32";
	res->size = sizeof(struct desc16);
	res->compare_size = 64;
	rc = run_spsc(o, res);
	if (rc == 0)
		rates(res);
	return rc;
}

int bench_stream(const struct bench_opts *o, uint64_t size,
		 struct baseline_result *res)
{
	int rc;

	memset(res, 0, sizeof(*res));
	res->name = "stream";
	res->what = "plain core-to-core streaming loop";
	res->size = size;
	res->compare_size = size;
	rc = run_stream(o, size, res);
	if (rc == 0)
		rates(res);
	return rc;
}

struct pingpong {
	uint32_t word __attribute__((aligned(128)));
	uint32_t stop;
};

static void *pong(void *arg)
{
	struct pingpong *pp = arg;
	uint32_t v;

	for (;;) {
		v = __atomic_load_n(&pp->word, __ATOMIC_ACQUIRE);
		if (v & 1)	/* odd: the ping; answer with the next even */
			__atomic_store_n(&pp->word, v + 1, __ATOMIC_RELEASE);
		else if (__atomic_load_n(&pp->stop, __ATOMIC_RELAXED))
			break;
		else
			zc_cpu_relax();
	}
	return NULL;
}

double cacheline_rtt_ns(int other_cpu, double secs)
{
	struct pingpong *pp;
	pthread_t tid;
	uint64_t t0, t_end, rounds = 0, now;
	uint32_t v = 0;
	unsigned int spins = 0;

	pp = aligned_alloc(128, sizeof(*pp));
	if (!pp)
		return -1;
	memset(pp, 0, sizeof(*pp));
	if (start_thread(&tid, pong, pp, other_cpu)) {
		free(pp);
		return -1;
	}
	t0 = now_ns();
	t_end = t0 + (uint64_t)(secs * 1e9);
	do {
		for (int k = 0; k < 256; k++) {
			__atomic_store_n(&pp->word, ++v, __ATOMIC_RELEASE);
			while (__atomic_load_n(&pp->word, __ATOMIC_ACQUIRE) == v)
				relax(&spins);
			v++;
			rounds++;
		}
		now = now_ns();
	} while (now < t_end);
	__atomic_store_n(&pp->stop, 1, __ATOMIC_RELAXED);
	pthread_join(tid, NULL);
	free(pp);
	return (double)(now - t0) / (double)rounds;
}
