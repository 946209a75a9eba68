// SPDX-License-Identifier: MIT
/*
 * SEQ channels (ZC_CHAN_MODE_SEQ): the mode is announced and followed;
 * sends keep reservation order; slots released out of order come back in
 * turn; message ids wrap; fragmentation works; and a hostile peer's id
 * words, release counter, reused slots, lengths and unknown modes give a
 * clear error and a broken channel, never a crash or a wrong frame.
 * The two-process suites also run in SEQ mode (meson.build: ZC_CHAN_MODE).
 */
#include "harness.h"

#define SLOTS 8

static struct zc_params seq_params(void)
{
	struct zc_params p;

	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = SLOTS;
	p.channels = 4;
	p.max_msg = 4 << 20;
	p.chan_mode = ZC_CHAN_MODE_SEQ;
	return p;
}

static struct zc_chan_entry *entry_of(zc_region *r, zc_channel *ch)
{
	return (struct zc_chan_entry *)((uint8_t *)zc_base(r) +
					zc_geometry(r)->chan_off) + ch->index;
}

static struct zc_frame_hdr *tx_hdr(zc_channel *ch, uint32_t slot)
{
	return (struct zc_frame_hdr *)(ch->tx_base +
				       ((size_t)slot << ch->slot_shift));
}

static void send_val(zc_channel *ch, uint32_t v)
{
	struct zc_buf b;

	CHECK_RC(zc_reserve(ch, &b, 1000), 0);
	memcpy(b.data, &v, sizeof(v));
	b.len = sizeof(v);
	CHECK_RC(zc_send(ch, &b), 0);
}

static void test_mode(void)
{
	struct zc_params p = seq_params();
	zc_region *h, *r;
	zc_channel *hch, *rch, *ring_h, *ring_r, *x;

	pair_open(test_name("seq-mode"), &p, &h, &r, &hch, &rch);
	CHECK(hch->seq && rch->seq);
	CHECK(entry_of(h, hch)->mode == ZC_CHAN_MODE_SEQ);
	/* Both modes side by side in one region. */
	CHECK_RC(zc_channel_create_mode(h, "ring", 5, ZC_CHAN_MODE_RING, &ring_h), 0);
	CHECK_RC(zc_channel_open(r, "ring", 6, 1000, &ring_r), 0);
	CHECK(!ring_h->seq && !ring_r->seq);
	CHECK_RC(zc_channel_create_mode(h, "bad", 7, 9, &x), -EINVAL);
	CHECK(x == NULL);
	/* The remote announces a SEQ channel too: the host follows. */
	CHECK_RC(zc_channel_create_mode(r, "up", 8, ZC_CHAN_MODE_SEQ, &x), 0);
	zc_channel_close(x);
	zc_channel_close(ring_r);
	zc_channel_close(ring_h);
	pair_close(h, r, hch, rch);

	/* Slot ids must differ from one lap to the next: at most 2^15 slots. */
	p.slots = 65536;
	p.slot_size = 256;
	CHECK_RC(zc_create(test_name("seq-big"), &p, &h), -EINVAL);
	printf("ok: mode announced, followed, mixed with RING, limits checked\n");
}

static void test_order(void)
{
	struct zc_params p = seq_params();
	struct zc_buf b[SLOTS + 1], rb[SLOTS];
	zc_region *h, *r;
	zc_channel *hch, *rch;
	uint32_t i;

	pair_open(test_name("seq-order"), &p, &h, &r, &hch, &rch);
	/* Sends follow reservation order: anything else sends nothing. */
	CHECK_RC(zc_reserve_burst(hch, b, 3), 3);
	for (i = 0; i < 3; i++) {
		memcpy(b[i].data, &i, sizeof(i));
		b[i].len = sizeof(i);
	}
	CHECK_RC(zc_send_burst(hch, &b[1], 2), -EINVAL);
	CHECK_RC(zc_rx_ready(rch), 0);
	CHECK_RC(zc_send_burst(hch, b, 3), 3);
	CHECK_RC(zc_send_burst(hch, b, 1), -EINVAL);	/* sent already */
	CHECK_RC(zc_rx_ready(rch), 3);		/* a count */
	CHECK_RC(zc_rx_any(rch), 1);		/* a yes */
	CHECK_RC(zc_recv_burst(rch, rb, SLOTS), 3);
	for (i = 0; i < 3; i++) {
		uint32_t v;

		memcpy(&v, rb[i].data, sizeof(v));
		CHECK(v == i && rb[i].id == i && rb[i].len == sizeof(v));
		CHECK(rb[i].src == 1 && rb[i].dst == 2);
	}
	/* All slots out: back pressure, not a drop. */
	CHECK_RC(zc_reserve_burst(hch, b, SLOTS + 1), SLOTS - 3);
	CHECK_RC(zc_reserve_burst(hch, b, 1), 0);
	CHECK(hch->stats.tx_full == 1);
	/* Released out of order: slots return only from the oldest on. */
	CHECK_RC(zc_release_burst(rch, &rb[1], 2), 2);
	CHECK_RC(zc_tx_ready(hch), 0);
	CHECK_RC(zc_release_burst(rch, &rb[0], 1), 1);
	CHECK_RC(zc_tx_ready(hch), 3);
	CHECK_RC(zc_release_burst(rch, &rb[0], 1), -EINVAL);	/* not held */
	pair_close(h, r, hch, rch);
	printf("ok: reservation order enforced, out-of-order release returns slots in turn\n");
}

/* Many laps: ids wrap past 2^16, bursts of varying size, releases shuffled. */
static void test_wrap(void)
{
	struct zc_params p = seq_params();
	struct zc_buf b[SLOTS], rb[SLOTS];
	uint32_t sent = 0, got = 0, n = 200000, x = 12345;
	zc_region *h, *r;
	zc_channel *hch, *rch;

	pair_open(test_name("seq-wrap"), &p, &h, &r, &hch, &rch);
	while (got < n) {
		int k, m, i;

		x = x * 1103515245 + 12345;
		uint32_t want = 1 + (x >> 16) % SLOTS;

		if (want > n - sent)
			want = n - sent;
		k = want ? zc_reserve_burst(hch, b, want) : 0;
		CHECK(k >= 0);
		for (i = 0; i < k; i++) {
			b[i].len = 4 + (sent + (uint32_t)i) % 1000;
			memset(b[i].data, (int)((sent + (uint32_t)i) & 0xff), b[i].len);
			memcpy(b[i].data, &(uint32_t){ sent + (uint32_t)i }, 4);
		}
		if (k)
			CHECK_RC(zc_send_burst(hch, b, (unsigned int)k), k);
		sent += (uint32_t)k;
		m = zc_recv_burst(rch, rb, SLOTS);
		CHECK(m >= 0);
		for (i = 0; i < m; i++) {
			uint32_t v;

			memcpy(&v, rb[i].data, 4);
			CHECK(v == got && rb[i].id == (uint16_t)got);
			CHECK(rb[i].len == 4 + got % 1000);
			CHECK(((uint8_t *)rb[i].data)[rb[i].len - 1] == (got & 0xff) ||
			      rb[i].len <= 4);
			got++;
		}
		/* Release the burst back to front when x says so. */
		if (m && (x & 0x100)) {
			for (i = m - 1; i >= 0; i--)
				CHECK_RC(zc_release_burst(rch, &rb[i], 1), 1);
		} else if (m) {
			CHECK_RC(zc_release_burst(rch, rb, (unsigned int)m), m);
		}
	}
	CHECK(sent == n && zc_channel_error(hch) == NULL && zc_channel_error(rch) == NULL);
	pair_close(h, r, hch, rch);
	printf("ok: %u messages through %d slots, ids wrapped %u times\n", n, SLOTS,
	       n >> 16);
}

static uint8_t frag_out[1 << 20], frag_in[1 << 20];
static const size_t frag_sizes[] = { 0, 1, 1008, 1009, 7000, 65536,
				     sizeof(frag_out) };

static void *frag_writer(void *arg)
{
	zc_channel *ch = arg;
	size_t i;

	for (i = 0; i < sizeof(frag_sizes) / sizeof(frag_sizes[0]); i++)
		CHECK_RC(zc_write(ch, frag_out, frag_sizes[i], 5000),
			 (long)frag_sizes[i]);
	return NULL;
}

/* zc_write/zc_read: a writer thread, this thread reads (SLOTS slots only). */
static void test_frag(void)
{
	struct zc_params p = seq_params();
	zc_region *h, *r;
	zc_channel *hch, *rch;
	pthread_t t;
	size_t i;

	for (i = 0; i < sizeof(frag_out); i++)
		frag_out[i] = (uint8_t)(i * 131 + 7);
	pair_open(test_name("seq-frag"), &p, &h, &r, &hch, &rch);
	CHECK(pthread_create(&t, NULL, frag_writer, hch) == 0);
	for (i = 0; i < sizeof(frag_sizes) / sizeof(frag_sizes[0]); i++) {
		memset(frag_in, 0, frag_sizes[i]);
		CHECK_RC(zc_read(rch, frag_in, sizeof(frag_in), 5000),
			 (long)frag_sizes[i]);
		CHECK(!memcmp(frag_in, frag_out, frag_sizes[i]));
	}
	pthread_join(t, NULL);
	pair_close(h, r, hch, rch);
	printf("ok: zc_write/zc_read 0 B .. 1 MiB byte-exact over SEQ\n");
}

enum hostile { ID_WORD, RELEASED, REUSED, LENGTH, MODE, NR_HOSTILE };
static const char *hostile_names[] = { "id word neither next nor stale",
	"release counter past sent", "slot reused while held",
	"frame length beyond the slot", "unknown channel mode" };

static void test_hostile(enum hostile what)
{
	struct zc_params p = seq_params();
	struct zc_buf b[SLOTS];
	zc_region *h, *r;
	zc_channel *hch, *rch, *x;
	uint32_t i;
	int rc;

	if (what == MODE) {
		struct pair_attach a = { .name = test_name("seq-hostile-mode") };
		pthread_t t;

		CHECK_RC(zc_create(a.name, &p, &h), 0);
		CHECK(pthread_create(&t, NULL, pair_attach_thread, &a) == 0);
		CHECK_RC(zc_wait_peer(h, 5000), 0);
		pthread_join(t, NULL);
		CHECK_RC(a.rc, 0);
		r = a.r;
		CHECK_RC(zc_channel_create(h, "t", 1, &hch), 0);
		entry_of(h, hch)->mode = 7;
		CHECK_RC(zc_channel_open(r, "t", 2, 1000, &x), -EPROTONOSUPPORT);
		CHECK(x == NULL);
		zc_channel_close(hch);
		zc_close(r);
		zc_close(h);
		printf("ok: %s: refused (-EPROTONOSUPPORT)\n", hostile_names[what]);
		return;
	}
	pair_open(test_name("seq-hostile"), &p, &h, &r, &hch, &rch);
	switch (what) {
	case ID_WORD:
		send_val(hch, 1);
		tx_hdr(hch, 0)->msg_id = 4242;
		rc = zc_recv_burst(rch, b, 1);
		break;
	case RELEASED:
		send_val(hch, 1);
		/* The remote claims to have released 5 frames of the 1 sent. */
		zc_store_release(hch->tx.cons, 5);
		CHECK_RC(zc_reserve_burst(hch, b, SLOTS), -EPROTO);
		CHECK(strstr(zc_channel_error(hch), "never sent"));
		pair_close(h, r, hch, rch);
		printf("ok: %s: -EPROTO, \"%s\"\n", hostile_names[what],
		       "peer released slots it was never sent");
		return;
	case REUSED:
		for (i = 0; i < SLOTS; i++)
			send_val(hch, i);
		CHECK_RC(zc_recv_burst(rch, b, SLOTS), SLOTS);
		/* Hold slot 0, give back the rest: the sender may not reuse 0. */
		CHECK_RC(zc_release_burst(rch, &b[1], SLOTS - 1), SLOTS - 1);
		tx_hdr(hch, 0)->msg_id = SLOTS;	/* the id of slot 0's next lap */
		rc = zc_recv_burst(rch, b, 1);
		break;
	case LENGTH:
		send_val(hch, 1);
		tx_hdr(hch, 0)->len = 2000;	/* slot is 1024 */
		rc = zc_recv_burst(rch, b, 1);
		break;
	default:
		rc = 0;
	}
	CHECK_RC(rc, -EPROTO);
	CHECK(zc_channel_error(rch) != NULL);
	CHECK_RC(zc_recv_burst(rch, b, 1), -EPROTO);	/* stays broken */
	printf("ok: %s: -EPROTO, \"%s\"\n", hostile_names[what],
	       zc_channel_error(rch));
	pair_close(h, r, hch, rch);
}

int main(void)
{
	int i;

	test_mode();
	test_order();
	test_wrap();
	test_frag();
	for (i = 0; i < NR_HOSTILE; i++)
		test_hostile((enum hostile)i);
	printf("all SEQ channel checks passed\n");
	return 0;
}
