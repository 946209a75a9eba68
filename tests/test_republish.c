// SPDX-License-Identifier: MIT
/*
 * Issue 9 items 10 and 11: what the host announced and owns it keeps
 * privately and writes again for every new peer. A peer that rewrites the
 * host's channel modes (7: unknown; RING <-> SEQ), the superblock's
 * geometry and version, or the host's side state, and then leaves, must
 * not change what the next peer finds.
 */
#include "harness.h"

static struct zc_params params(void)
{
	struct zc_params p;

	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 8;
	p.channels = 8;
	p.max_msg = 1 << 20;
	p.chan_mode = ZC_CHAN_MODE_RING;
	return p;
}

static zc_region *attach_new(zc_region *h, const char *name)
{
	struct pair_attach a = { .name = name };
	pthread_t t;

	CHECK(pthread_create(&t, NULL, pair_attach_thread, &a) == 0);
	CHECK_RC(zc_wait_peer(h, 5000), 0);
	pthread_join(t, NULL);
	CHECK_RC(a.rc, 0);
	return a.r;
}

/* A message each way on @hch/@rch, checked. */
static void round_trip(zc_channel *hch, zc_channel *rch, int seq)
{
	char buf[3000];
	int i;

	CHECK(rch->seq == seq && hch->seq == seq);
	for (i = 0; i < 20; i++) {
		char out[3000];

		memset(out, 'a' + i, sizeof(out));
		CHECK_RC(zc_write(hch, out, sizeof(out), 1000), sizeof(out));
		CHECK_RC(zc_read(rch, buf, sizeof(buf), 1000), sizeof(out));
		CHECK(!memcmp(buf, out, sizeof(out)));
		CHECK_RC(zc_write(rch, out, 100, 1000), 100);
		CHECK_RC(zc_read(hch, buf, sizeof(buf), 1000), 100);
		CHECK(!memcmp(buf, out, 100));
	}
}

static struct zc_chan_entry *entry(zc_region *r, uint32_t c)
{
	return (struct zc_chan_entry *)((uint8_t *)zc_base(r) +
					zc_geometry(r)->chan_off) + c;
}

/* Item 10: the modes of the host's channels. */
static void test_modes(void)
{
	struct zc_params p = params();
	const char *name = test_name("republish");
	zc_region *h, *r;
	zc_channel *hring, *hseq, *hodd, *rring, *rseq, *rodd;

	CHECK_RC(zc_create(name, &p, &h), 0);
	CHECK_RC(zc_channel_create_mode(h, "ring", 1, ZC_CHAN_MODE_RING, &hring), 0);
	CHECK_RC(zc_channel_create_mode(h, "seq", 2, ZC_CHAN_MODE_SEQ, &hseq), 0);
	CHECK_RC(zc_channel_create_mode(h, "odd", 3, ZC_CHAN_MODE_RING, &hodd), 0);
	r = attach_new(h, name);
	CHECK_RC(zc_channel_open(r, "ring", 11, 1000, &rring), 0);
	CHECK_RC(zc_channel_open(r, "seq", 12, 1000, &rseq), 0);
	round_trip(hring, rring, 0);
	round_trip(hseq, rseq, 1);
	/* The peer rewrites the host's entries, then leaves. */
	entry(r, hring->index)->mode = ZC_CHAN_MODE_SEQ;
	entry(r, hseq->index)->mode = ZC_CHAN_MODE_RING;
	entry(r, hodd->index)->mode = 7;
	entry(r, hodd->index)->epoch = 0;
	entry(r, hring->index)->name[0] = 'X';
	zc_channel_close(rring);
	zc_channel_close(rseq);
	zc_close(r);

	/* Twice: a second peer, then a third, each finds what was announced. */
	for (int round = 0; round < 2; round++) {
		CHECK(!zc_peer_alive(h));
		r = attach_new(h, name);
		CHECK_RC(zc_channel_open(r, "ring", 11, 1000, &rring), 0);
		CHECK_RC(zc_channel_open(r, "seq", 12, 1000, &rseq), 0);
		CHECK_RC(zc_channel_open(r, "odd", 13, 1000, &rodd), 0);
		round_trip(hring, rring, 0);
		round_trip(hseq, rseq, 1);
		round_trip(hodd, rodd, 0);
		CHECK(entry(h, hring->index)->mode == ZC_CHAN_MODE_RING);
		CHECK(entry(h, hseq->index)->mode == ZC_CHAN_MODE_SEQ);
		entry(r, hodd->index)->mode = 7;
		entry(r, hseq->index)->mode = 7;
		zc_channel_close(rring);
		zc_channel_close(rseq);
		zc_channel_close(rodd);
		zc_close(r);
	}
	zc_channel_close(hring);
	zc_channel_close(hseq);
	zc_channel_close(hodd);
	zc_close(h);
	printf("modes: kept and re-published for every new peer\n");
}

/* Item 11: the superblock and the host's side state. */
static void test_superblock(void)
{
	struct zc_params p = params();
	const char *name = test_name("republish-sb");
	struct zc_superblock *sb;
	zc_region *h, *r;
	zc_channel *hch, *rch;
	uint32_t gen;

	CHECK_RC(zc_create(name, &p, &h), 0);
	CHECK_RC(zc_channel_create(h, "t", 1, &hch), 0);
	r = attach_new(h, name);
	CHECK_RC(zc_channel_open(r, "t", 2, 1000, &rch), 0);
	round_trip(hch, rch, 0);
	gen = ((struct zc_superblock *)zc_base(r))->generation;
	/* The peer scribbles over what the host owns, then leaves. */
	sb = zc_base(r);
	sb->version_major = 9;
	sb->slot_size = 4096;
	sb->slots = 3;
	sb->ring_stride += 64;
	sb->pool_off = 0 - 4096ULL;
	sb->features = 0xffffffffU;
	sb->generation = 12345;
	memset(sb->reserved1, 0xa5, sizeof(sb->reserved1));
	sb->side[ZC_SIDE_HOST].state = ZC_STATE_CLOSED;
	sb->side[ZC_SIDE_HOST].features = 0;
	sb->side[ZC_SIDE_HOST].need_wakeup = 0x77;
	zc_channel_close(rch);
	zc_close(r);
	/* One that also breaks the magic. */
	for (int round = 0; round < 2; round++) {
		uint32_t i;

		r = attach_new(h, name);
		sb = zc_base(r);
		CHECK(sb->generation != 12345 && sb->generation != gen);
		CHECK(sb->side[ZC_SIDE_HOST].state == ZC_STATE_UP);
		CHECK(sb->side[ZC_SIDE_HOST].features == zc_geometry(h)->features);
		CHECK(sb->side[ZC_SIDE_HOST].need_wakeup <= 1);
		for (i = 0; i < sizeof(sb->reserved1); i++)
			CHECK(sb->reserved1[i] == 0);
		CHECK(zc_peer_alive(r));
		CHECK_RC(zc_channel_open(r, "t", 2, 1000, &rch), 0);
		round_trip(hch, rch, hch->seq);
		gen = sb->generation;
		sb->magic = 0;
		sb->side[ZC_SIDE_HOST].state = ZC_STATE_CLOSED;
		sb->channels = 2;
		zc_channel_close(rch);
		zc_close(r);
	}
	zc_channel_close(hch);
	zc_close(h);
	printf("superblock: rewritten from private state for every new peer\n");
}

int main(void)
{
	if (getenv("ZC_TEST_URI") && *getenv("ZC_TEST_URI"))
		SKIP("republish: names several regions of its own (shm)");
	test_modes();
	test_superblock();
	printf("republish: OK\n");
	return 0;
}
