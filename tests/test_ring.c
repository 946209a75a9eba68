// SPDX-License-Identifier: MIT
/*
 * The SPSC ring alone: bulk vs burst semantics, wrap-around of the free
 * running indices, hostile indices, and a producer and consumer thread
 * moving 4M descriptors in order (run under TSan in CI).
 */
#include <sched.h>
#include "harness.h"

#define ENTRIES 64

static struct {
	struct zc_ring_hdr hdr;
	struct zc_desc desc[ENTRIES];
} shared __attribute__((aligned(128)));

static void attach_both(struct zc_ring *p, struct zc_ring *c, uint32_t start)
{
	zc_ring_reset(&shared.hdr, start);
	zc_ring_attach(p, &shared.hdr, ENTRIES, 1);
	zc_ring_attach(c, &shared.hdr, ENTRIES, 0);
}

static void test_semantics(void)
{
	struct zc_ring p, c;
	struct zc_desc d[ENTRIES + 8], out[ENTRIES + 8];
	uint32_t i;

	for (i = 0; i < ENTRIES + 8; i++) {
		d[i].slot = i;
		d[i].len = i * 3;
	}
	/* Start near the top of the index space so the run wraps. */
	attach_both(&p, &c, UINT32_MAX - 10);
	CHECK_RC(zc_ring_consume_burst(&c, out, 4), 0);
	CHECK_RC(zc_ring_produce_bulk(&p, d, ENTRIES + 1), 0);	/* never partial */
	CHECK_RC(zc_ring_produce_burst(&p, d, 40), 40);
	CHECK_RC(zc_ring_produce_bulk(&p, d + 40, 30), 0);	/* 24 free */
	CHECK_RC(zc_ring_produce_burst(&p, d + 40, 30), 24);
	CHECK_RC(zc_ring_free(&p, 1), 0);
	CHECK_RC(zc_ring_consume_bulk(&c, out, ENTRIES + 1), 0);
	CHECK_RC(zc_ring_consume_bulk(&c, out, 10), 10);
	CHECK_RC(zc_ring_consume_burst(&c, out + 10, 100), ENTRIES - 10);
	for (i = 0; i < ENTRIES; i++)
		CHECK(out[i].slot == i && out[i].len == i * 3);
	CHECK_RC(zc_ring_avail(&c, 1), 0);
	CHECK_RC(zc_ring_free(&p, ENTRIES), ENTRIES);
}

static void test_hostile(void)
{
	struct zc_ring p, c;
	struct zc_desc d[4] = { { 0, 0 } }, out[4];

	/* A producer index claiming more entries than the ring holds. */
	attach_both(&p, &c, 0);
	zc_store_release(&shared.hdr.prod, ENTRIES + 1);
	CHECK_RC(zc_ring_consume_burst(&c, out, 4), -ZC_EPROTO);
	CHECK_RC(zc_ring_avail(&c, 1), -ZC_EPROTO);
	/* A producer index behind the consumer (wraps to a huge count). */
	attach_both(&p, &c, 100);
	zc_store_release(&shared.hdr.prod, 99);
	CHECK_RC(zc_ring_avail(&c, 1), -ZC_EPROTO);
	/* A consumer index ahead of what was produced. */
	attach_both(&p, &c, 0);
	CHECK_RC(zc_ring_produce_bulk(&p, d, 4), 4);
	zc_store_release(&shared.hdr.cons, 9);
	CHECK_RC(zc_ring_produce_burst(&p, d, 4), 4);	/* cached index: 56 known free */
	CHECK_RC(zc_ring_free(&p, ENTRIES), -ZC_EPROTO);
	/* Our own index is private: scribbling on it does not move us. */
	attach_both(&p, &c, 0);
	CHECK_RC(zc_ring_produce_bulk(&p, d, 2), 2);
	zc_store_release(&shared.hdr.prod, 1000);
	CHECK_RC(zc_ring_produce_bulk(&p, d, 2), 2);
	CHECK(zc_load_acquire(&shared.hdr.prod) == 4);
}

#define STREAM (4u << 20)

/*
 * Waiting for the other thread: relax, and now and then yield, so that on
 * a loaded machine where both threads share a CPU the one spinning gives
 * the other its turn instead of burning whole time slices.
 */
static void spin_pause(void)
{
	static __thread unsigned int misses;

	zc_cpu_relax();
	if (++misses % 256 == 0)
		sched_yield();
}

static void *producer(void *arg)
{
	struct zc_ring *p = arg;
	struct zc_desc d[16];
	uint32_t next = 0, i;

	while (next < STREAM) {
		int n;

		for (i = 0; i < 16; i++) {
			d[i].slot = next + i;
			d[i].len = ~(next + i);
		}
		n = zc_ring_produce_burst(p, d, 16);
		CHECK(n >= 0);
		next += (uint32_t)n;
		if (!n)
			spin_pause();
	}
	return NULL;
}

static void test_threads(void)
{
	struct zc_ring p, c;
	struct zc_desc out[16];
	uint32_t want = 0;
	pthread_t t;

	attach_both(&p, &c, 12345);
	CHECK(pthread_create(&t, NULL, producer, &p) == 0);
	while (want < STREAM) {
		int n = zc_ring_consume_burst(&c, out, 16), i;

		CHECK(n >= 0);
		for (i = 0; i < n; i++) {
			CHECK(out[i].slot == want);
			CHECK(out[i].len == ~want);
			want++;
		}
		if (!n)
			spin_pause();
	}
	pthread_join(t, NULL);
	CHECK_RC(zc_ring_avail(&c, 1), 0);
}

int main(void)
{
	test_semantics();
	test_hostile();
	test_threads();
	printf("ring: ok\n");
	return 0;
}
