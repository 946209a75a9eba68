// SPDX-License-Identifier: MIT
/*
 * Issue 9 item 14: a ring whose shared indices the peer reset or scribbled
 * (read at attach, or cached) must never make the fast path report more
 * free or ready entries than the ring holds: every such state is -EPROTO,
 * whatever the caller asks for, and a SEQ channel's released counter the
 * same.
 */
#include "harness.h"

#define ENTRIES 8

static _Alignas(64) uint8_t mem[ZC_RING_HDR_SIZE + ENTRIES * sizeof(struct zc_desc)];

/* A producer view of a ring with prod = @head, cons = @cons. */
static int producer_free(uint32_t head, uint32_t cons, uint32_t want)
{
	struct zc_ring_hdr *hdr = (struct zc_ring_hdr *)mem;
	struct zc_ring r;

	hdr->prod = head;
	hdr->cons = cons;
	zc_ring_attach(&r, hdr, ENTRIES, 1);
	return zc_ring_free(&r, want);
}

static int consumer_avail(uint32_t prod, uint32_t head, uint32_t want)
{
	struct zc_ring_hdr *hdr = (struct zc_ring_hdr *)mem;
	struct zc_ring r;

	hdr->prod = prod;
	hdr->cons = head;
	zc_ring_attach(&r, hdr, ENTRIES, 0);
	return zc_ring_avail(&r, want);
}

static void test_ring(void)
{
	static const uint32_t bad_used[] = { ENTRIES + 1, ENTRIES + 2, 1U << 31,
		(1U << 31) + 1, 0xfffffffeU, 0xffffffffU };
	static const uint32_t wants[] = { 0, 1, ENTRIES - 1, ENTRIES, ENTRIES + 1, 64 };
	static const uint32_t heads[] = { 0, 5, 0x7fffffffU, 0xfffffff0U };
	size_t i, j, k;

	for (k = 0; k < sizeof(heads) / sizeof(heads[0]); k++) {
		uint32_t head = heads[k];

		for (j = 0; j < sizeof(wants) / sizeof(wants[0]); j++) {
			uint32_t want = wants[j];
			uint32_t used;

			/* Sound indices: exactly what is free / ready. */
			for (used = 0; used <= ENTRIES; used++) {
				CHECK_RC(producer_free(head, head - used, want),
					 ENTRIES - used);
				CHECK_RC(consumer_avail(head + used, head, want), used);
			}
			for (i = 0; i < sizeof(bad_used) / sizeof(bad_used[0]); i++) {
				used = bad_used[i];
				CHECK_RC(producer_free(head, head - used, want), -EPROTO);
				CHECK_RC(consumer_avail(head + used, head, want), -EPROTO);
			}
		}
	}
	/* The bulk and burst calls pass the error on and write nothing. */
	{
		struct zc_ring_hdr *hdr = (struct zc_ring_hdr *)mem;
		struct zc_desc d[2] = { { 1, 16 }, { 2, 16 } };
		struct zc_ring r;

		hdr->prod = 0;
		hdr->cons = 1;	/* one more consumed than ever produced */
		zc_ring_attach(&r, hdr, ENTRIES, 1);
		CHECK_RC(zc_ring_produce_bulk(&r, d, 2), -EPROTO);
		CHECK_RC(zc_ring_produce_burst(&r, d, 2), -EPROTO);
		CHECK(hdr->prod == 0);
	}
	printf("ring: corrupt indices refused for every want\n");
}

/* A SEQ channel opened on a direction whose released counter was scribbled. */
static void test_seq_bind(uint32_t cons)
{
	struct zc_params p;
	struct pair_attach a = { .name = test_name("ringcheck") };
	zc_region *h, *r;
	zc_channel *hch, *rch;
	struct zc_ring_hdr *hdr;
	struct zc_buf b[ZC_BURST_MAX];
	pthread_t t;
	int n;

	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 8;
	p.channels = 4;
	CHECK_RC(zc_create(a.name, &p, &h), 0);
	CHECK(pthread_create(&t, NULL, pair_attach_thread, &a) == 0);
	CHECK_RC(zc_wait_peer(h, 5000), 0);
	pthread_join(t, NULL);
	CHECK_RC(a.rc, 0);
	r = a.r;
	CHECK_RC(zc_channel_create_mode(h, "t", 1, ZC_CHAN_MODE_SEQ, &hch), 0);
	/* The remote's direction: its data ring's cons is "frames released". */
	hdr = (struct zc_ring_hdr *)((uint8_t *)zc_base(h) +
		zc_ring_off(zc_geometry(h), hch->index, ZC_SIDE_REMOTE, ZC_RING_DATA));
	hdr->cons = cons;
	CHECK_RC(zc_channel_open(r, "t", 2, 1000, &rch), 0);
	CHECK(rch->seq);
	n = zc_tx_avail(rch, 1);
	CHECK_RC(n, -EPROTO);
	CHECK(zc_channel_error(rch) != NULL);
	CHECK_RC(zc_reserve_burst(rch, b, ZC_BURST_MAX), -EPROTO);
	pair_close(h, r, hch, rch);
	printf("seq: released counter %#x at bind refused\n", cons);
}

int main(void)
{
	test_ring();
	test_seq_bind(1);		/* one more released than sent */
	test_seq_bind(0x80000001U);	/* 2^31 + 1 */
	test_seq_bind(0xfffffff0U);
	printf("ringcheck: OK\n");
	return 0;
}
