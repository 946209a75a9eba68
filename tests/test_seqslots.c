// SPDX-License-Identifier: MIT
/*
 * Issue 9 item 15: SEQ channels use their slots in turn by mask, so a slot
 * count that is not a power of two (48) is refused where it is chosen, with
 * -EINVAL, not found out at the first receive (-EPROTO); an opener that
 * finds such a channel announced refuses to open it (-EPROTONOSUPPORT).
 */
#include "harness.h"

static struct zc_params params(uint32_t slots, uint32_t mode)
{
	struct zc_params p;

	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = slots;
	p.channels = 4;
	p.chan_mode = mode;
	return p;
}

int main(void)
{
	struct zc_params p = params(48, ZC_CHAN_MODE_SEQ);
	zc_region *h = NULL, *r;
	zc_channel *hch, *rch, *tmp, *u;
	struct zc_chan_entry *e;
	struct zc_buf b;
	int i;

	/* A SEQ region default with 48 slots: refused at create. */
	CHECK_RC(zc_create(test_name("seqslots"), &p, &h), -EINVAL);
	CHECK(h == NULL);
	p = params(ZC_SEQ_SLOTS_MAX * 2, ZC_CHAN_MODE_SEQ);
	CHECK_RC(zc_create(test_name("seqslots"), &p, &h), -EINVAL);
	CHECK(strstr(zc_strerror(-EINVAL), "power-of-two"));

	/* A RING region of 48 slots: RING channels work, SEQ ones are refused. */
	p = params(48, ZC_CHAN_MODE_RING);
	pair_open(test_name("seqslots"), &p, &h, &r, &hch, &rch);
	CHECK_RC(zc_channel_create_mode(h, "s", 3, ZC_CHAN_MODE_SEQ, &tmp), -EINVAL);
	CHECK_RC(zc_channel_create_mode(r, "s", 3, ZC_CHAN_MODE_SEQ, &tmp), -EINVAL);
	for (i = 0; i < 200; i++) {	/* several laps over the 48 slots */
		CHECK_RC(zc_reserve(hch, &b, 1000), 0);
		memcpy(b.data, &i, sizeof(i));
		b.len = sizeof(i);
		CHECK_RC(zc_send(hch, &b), 0);
		CHECK_RC(zc_recv(rch, &b, 1000), 0);
		CHECK(b.len == sizeof(i) && !memcmp(b.data, &i, sizeof(i)));
		CHECK_RC(zc_release(rch, &b), 0);
	}

	/* A host that announces SEQ on 48 slots anyway: the opener refuses. */
	CHECK_RC(zc_channel_create(h, "u", 5, &tmp), 0);
	e = (struct zc_chan_entry *)((uint8_t *)zc_base(h) +
				     zc_geometry(h)->chan_off) + tmp->index;
	e->mode = ZC_CHAN_MODE_SEQ;
	CHECK_RC(zc_channel_open(r, "u", 6, 1000, &u), -EPROTONOSUPPORT);
	zc_channel_close(tmp);
	pair_close(h, r, hch, rch);
	printf("seqslots: OK\n");
	return 0;
}
