// SPDX-License-Identifier: MIT
/*
 * Issue 9 item 9: zc_write() and zc_read() return within their timeout in
 * the middle of a message too, and the stream is never misread:
 *  - a writer that gives up mid-message (the reader is alive but does not
 *    read) gets -ETIMEDOUT; the next frame it sends carries ZC_FRAME_ABORT,
 *    and the reader discards the partial message and says so (-ECANCELED,
 *    rx_aborted), then reads the next message intact;
 *  - a reader that times out between fragments keeps what it has and
 *    resumes on its next call (another buffer will do): nothing is lost;
 *  - a writer lost mid-message: -EPIPE, counted in rx_aborted.
 * Each in RING and SEQ mode. alarm() turns a hang into a failure.
 */
#include <time.h>
#include "harness.h"

#define SLOT 1024
#define ROOM (SLOT - ZC_FRAME_HDR_SIZE)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void open_pair(uint32_t mode, zc_region **h, zc_region **r,
		      zc_channel **hch, zc_channel **rch)
{
	struct zc_params p;

	zc_params_default(&p);
	p.slot_size = SLOT;
	p.slots = 8;
	p.channels = 4;
	p.max_msg = 1 << 20;
	p.chan_mode = mode;
	pair_open(test_name("msgtimeout"), &p, h, r, hch, rch);
	CHECK(((*hch)->seq != 0) == (mode == ZC_CHAN_MODE_SEQ));
}

static void fill(uint8_t *b, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = pattern(seed, i);
}

static int same(const uint8_t *b, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != pattern(seed, i))
			return 0;
	return 1;
}

/* Send frames of one message by hand: @nfr of its fragments, from @first. */
static void send_fragments(zc_channel *ch, uint64_t total, unsigned int from,
			   unsigned int nfr, unsigned int seed)
{
	unsigned int k;

	for (k = from; k < from + nfr; k++) {
		struct zc_buf b;
		uint16_t fl;
		uint8_t *d;
		size_t off, n;

		CHECK_RC(zc_reserve(ch, &b, 1000), 0);
		d = b.data;
		if (k == 0) {
			memcpy(d, &total, 8);
			n = ROOM - 8;
			off = 0;
			fl = ZC_FRAME_TOTAL | ZC_FRAME_MORE;
			fill(d + 8, n, seed);
			b.len = (uint32_t)(n + 8);
		} else {
			uint8_t tmp[ROOM * 64];

			off = ROOM - 8 + (size_t)(k - 1) * ROOM;
			n = total - off < ROOM ? total - off : ROOM;
			fill(tmp, off + n, seed);
			memcpy(d, tmp + off, n);
			fl = ZC_FRAME_CONT | (off + n < total ? ZC_FRAME_MORE : 0);
			b.len = (uint32_t)n;
		}
		CHECK_RC(zc__send_frames(ch, &b, &fl, 1), 0);
	}
}

static void test_writer_gives_up(uint32_t mode)
{
	static uint8_t big[48 * 1024], in[64 * 1024];
	struct zc_channel_stats st;
	zc_region *h, *r;
	zc_channel *hch, *rch;
	double t0;
	ssize_t n;
	int i;

	open_pair(mode, &h, &r, &hch, &rch);
	fill(big, sizeof(big), 1);
	/* 8 slots, ~49 frames: the writer runs out after 8 and the reader sleeps. */
	t0 = now_s();
	CHECK_RC(zc_write(hch, big, sizeof(big), 300), -ETIMEDOUT);
	CHECK(now_s() - t0 < 5.0);
	zc_channel_stats(hch, &st);
	CHECK(st.tx_aborted == 1);
	/* The reader wakes up: the partial message, then nothing more. */
	t0 = now_s();
	CHECK_RC(zc_read(rch, in, sizeof(in), 300), -ETIMEDOUT);
	CHECK(now_s() - t0 < 5.0);
	/* The writer's next message tells it the first was abandoned. */
	CHECK_RC(zc_write(hch, "hello", 5, 1000), 5);
	CHECK_RC(zc_read(rch, in, sizeof(in), 1000), -ECANCELED);
	zc_channel_stats(rch, &st);
	CHECK(st.rx_aborted == 1);
	CHECK_RC(zc_read(rch, in, sizeof(in), 1000), 5);
	CHECK(!memcmp(in, "hello", 5));
	/* Abandoned again, then the reader never saw any of it: the ABORT on
	 * the next (whole) message is ignored, nothing is reported twice. */
	CHECK_RC(zc_write(hch, big, sizeof(big), 100), -ETIMEDOUT);
	for (i = 0; i < 8; i++) {	/* drain the 8 fragments zero-copy */
		struct zc_buf b;

		CHECK_RC(zc_recv(rch, &b, 1000), 0);
		CHECK_RC(zc_release(rch, &b), 0);
	}
	CHECK_RC(zc_write(hch, "again", 5, 1000), 5);
	{
		struct zc_buf b;

		CHECK_RC(zc_recv(rch, &b, 1000), 0);
		CHECK(b.flags & ZC_FRAME_ABORT);
		CHECK(b.len == 5 && !memcmp(b.data, "again", 5));
		CHECK_RC(zc_release(rch, &b), 0);
	}
	/* And the stream goes on: a message that fits the slots, exactly. */
	n = zc_write(hch, big, 7 * ROOM, 1000);
	CHECK_RC(n, 7 * ROOM);
	CHECK_RC(zc_read(rch, in, sizeof(in), 1000), 7 * ROOM);
	CHECK(same(in, 7 * ROOM, 1));
	pair_close(h, r, hch, rch);
	printf("%s: writer gives up mid-message within its timeout; the reader discards and says so\n",
	       mode ? "seq" : "ring");
}

static void test_reader_resumes(uint32_t mode)
{
	static uint8_t a[8192], b2[8192];
	uint64_t total = 3 * ROOM - 8;	/* exactly three fragments */
	struct zc_channel_stats st;
	zc_region *h, *r;
	zc_channel *hch, *rch;
	double t0;

	open_pair(mode, &h, &r, &hch, &rch);
	send_fragments(hch, total, 0, 2, 7);
	t0 = now_s();
	CHECK_RC(zc_read(rch, a, sizeof(a), 300), -ETIMEDOUT);
	CHECK(now_s() - t0 < 5.0);
	CHECK_RC(zc_read(rch, a, sizeof(a), 0), -EAGAIN);
	/* zc_next_size() names the half-read message, a short buffer is refused. */
	CHECK_RC(zc_next_size(rch, 0), (long)total);
	CHECK_RC(zc_read(rch, a, 100, 0), -EMSGSIZE);
	send_fragments(hch, total, 2, 1, 7);
	memset(b2, 0, sizeof(b2));
	CHECK_RC(zc_read(rch, b2, sizeof(b2), 1000), (long)total);
	CHECK(same(b2, total, 7));
	zc_channel_stats(rch, &st);
	CHECK(st.rx_aborted == 0);
	/* Then the writer goes away mid-message. */
	send_fragments(hch, total, 0, 1, 9);
	zc_channel_close(hch);
	CHECK_RC(zc_read(rch, a, sizeof(a), 2000), -EPIPE);
	zc_channel_stats(rch, &st);
	CHECK(st.rx_aborted == 1);
	pair_close(h, r, NULL, rch);
	printf("%s: reader resumes a message after a timeout; a lost writer is reported\n",
	       mode ? "seq" : "ring");
}

struct big_writer {
	zc_channel *ch;
	const uint8_t *buf;
	size_t len;
	long rc;
};

static void *big_write(void *p)
{
	struct big_writer *w = p;

	w->rc = (long)zc_write(w->ch, w->buf, w->len, 20000);
	return NULL;
}

/* A reader that only polls (timeout 0), into a different buffer each time. */
static void test_reader_polls(uint32_t mode)
{
	static uint8_t msg[200 * 1000], a[200 * 1000], b[200 * 1000];
	struct big_writer w = { .buf = msg, .len = sizeof(msg) };
	zc_region *h, *r;
	zc_channel *hch, *rch;
	unsigned long polls = 0, partial = 0;
	pthread_t t;
	ssize_t n;

	open_pair(mode, &h, &r, &hch, &rch);
	fill(msg, sizeof(msg), 11);
	w.ch = hch;
	CHECK(pthread_create(&t, NULL, big_write, &w) == 0);
	for (;;) {
		uint8_t *dst = polls & 1 ? a : b;

		n = zc_read(rch, dst, sizeof(a), 0);
		polls++;
		if (n == -EAGAIN) {
			/* Half read: it names the message it is in the middle of. */
			partial += rch->reasm.active &&
				   zc_next_size(rch, 0) == (ssize_t)sizeof(msg);
			continue;
		}
		CHECK_RC(n, (long)sizeof(msg));
		CHECK(same(dst, sizeof(msg), 11));
		break;
	}
	pthread_join(t, NULL);
	CHECK_RC(w.rc, (long)sizeof(msg));
	pair_close(h, r, hch, rch);
	printf("%s: a polling reader reassembles across %lu calls (%lu returned mid-message)\n",
	       mode ? "seq" : "ring", polls, partial);
}

int main(void)
{
	if (getenv("ZC_TEST_URI") && *getenv("ZC_TEST_URI"))
		SKIP("msg_timeout: opens both sides of its own shm regions");
	alarm(100);	/* a hang (the bug) fails the test rather than the runner */
	test_writer_gives_up(ZC_CHAN_MODE_RING);
	test_writer_gives_up(ZC_CHAN_MODE_SEQ);
	test_reader_resumes(ZC_CHAN_MODE_RING);
	test_reader_resumes(ZC_CHAN_MODE_SEQ);
	test_reader_polls(ZC_CHAN_MODE_RING);
	test_reader_polls(ZC_CHAN_MODE_SEQ);
	printf("msg_timeout: OK\n");
	return 0;
}
