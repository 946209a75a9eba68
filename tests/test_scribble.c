// SPDX-License-Identifier: MIT
/*
 * A live hostile peer scribbling everything it can write: a second process
 * attaches, opens a RING and a SEQ channel, and for a few seconds both
 * talks (fragmented messages, zero-copy frames, slots it keeps) and writes
 * random values to random words of the region - ring indices, descriptors,
 * frame headers and lengths, fragment flags and totals (ABORT included),
 * SEQ id words, channel entries (state, epoch, mode, name), both side
 * states and need_wakeup, the superblock - biased to the words
 * docs/protocol.md names, while the host runs zc_read, zc_write, zc_recv,
 * zc_release, zc_next_size, zc_rx_ready and zc_region_wait on both
 * channels. The host must never crash (ASan+UBSan in CI), every call must
 * return a documented result within its timeout plus seconds of margin
 * (none waits forever), and a broken channel must say why. Then the peer
 * is killed and a new one gets working channels. Seeded: ZC_SEED=N
 * replays a run.
 */
#include <time.h>
#include "harness.h"

static const char *region;
static unsigned int seed;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static struct zc_params params(void)
{
	struct zc_params p;

	zc_params_default(&p);
	p.slot_size = 512;
	p.slots = 8;
	p.channels = 4;
	p.max_msg = 1 << 16;
	return p;
}

/* A value a hostile peer would try in a word. */
static uint32_t evil(unsigned int *s)
{
	static const uint32_t v[] = { 0, 1, 2, 3, 7, 8, 9, 0xff, 0xffff,
		0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe,
		0xffffffff, ZC_FRAME_ABORT, ZC_FRAME_MORE | ZC_FRAME_CONT,
		ZC_FRAME_MORE | ZC_FRAME_TOTAL | ZC_FRAME_ABORT };

	return rnd(s) & 1 ? v[rnd(s) % (sizeof(v) / sizeof(v[0]))] : rnd(s) * 2654435761u;
}

static void scribble(zc_region *r, unsigned int *s)
{
	const struct zc_geom *g = zc_geometry(r);
	uint8_t *base = zc_base(r);
	uint32_t c = rnd(s) % g->channels, dir = rnd(s) & 1, k = rnd(s) % 6;
	uint64_t off;

	switch (k) {
	case 0:	/* a ring index or descriptor */
		off = zc_ring_off(g, c, dir, rnd(s) & 1) +
		      (rnd(s) & 1 ? (rnd(s) & 1) * 128 :
		       256 + (rnd(s) % g->ring_entries) * 8 + (rnd(s) & 4));
		break;
	case 1:	/* a frame header or the total after it */
		off = zc_slot_off(g, c, dir, rnd(s) % g->slots) + (rnd(s) % 6) * 4;
		break;
	case 2:	/* a channel entry */
		off = g->chan_off + (uint64_t)c * ZC_CHAN_ENTRY_SIZE + (rnd(s) % 14) * 4;
		break;
	case 3:	/* side states */
		off = 0x100 + (rnd(s) % 64) * 4;
		break;
	case 4:	/* the superblock */
		off = (rnd(s) % 64) * 4;
		break;
	default:	/* anywhere */
		off = (rnd(s) % (g->region_size / 4)) * 4;
		break;
	}
	if (off + 4 <= g->region_size)
		__atomic_store_n((uint32_t *)(base + off), evil(s), __ATOMIC_RELEASE);
}

static int peer(void *arg)
{
	unsigned int s = seed * 7 + 1;
	zc_region *r;
	zc_channel *ch[2];
	uint8_t buf[4096];
	double end;
	int i;

	(void)arg;
	if (zc_attach(region, 5000, &r) ||
	    zc_channel_open(r, "r", 2, 5000, &ch[0]) ||
	    zc_channel_open(r, "s", 3, 5000, &ch[1]))
		return 2;
	end = now_s() + 3;
	while (now_s() < end) {
		zc_channel *c = ch[rnd(&s) & 1];
		struct zc_buf b;

		switch (rnd(&s) % 64) {
		case 0:
			for (i = 0; i < 4; i++)
				scribble(r, &s);
			break;
		case 1:
			scribble(r, &s);
			break;
		case 2: case 3: case 4: case 5: case 6: case 7: case 8:
		case 9: case 10: case 11: case 12: case 13: case 14:
		case 15: case 16: case 17: case 18: case 19: case 20:
			memset(buf, 'p', sizeof(buf));
			zc_write(c, buf, rnd(&s) % 3000, 5);
			break;
		case 21: case 22: case 23: case 24: case 25: case 26:
			if (zc_reserve(c, &b, 0) == 0) {
				b.len = rnd(&s) % (b.cap + 1);
				zc_send(c, &b);
			}
			break;
		default:
			zc_read(c, buf, sizeof(buf), 0);
			break;
		}
	}
	/* Killed from here on, slots and all. */
	for (;;)
		pause();
}

static int errno_ok(long rc)
{
	switch (rc) {
	case -EAGAIN: case -ETIMEDOUT: case -EPROTO: case -EBADMSG:
	case -EMSGSIZE: case -EPIPE: case -ECANCELED: case -EPROTONOSUPPORT:
	case -ENOTCONN: case -EINVAL:
		return 1;
	}
	return rc >= 0;
}

#define CALL(what, call, tmo_ms) do {					\
	double t0_ = now_s();						\
	long rc_ = (long)(call);					\
	double dt_ = now_s() - t0_;					\
	if (!errno_ok(rc_) || dt_ > (tmo_ms) / 1000.0 + 5) {		\
		fprintf(stderr, "seed %u: %s returned %ld after %.2f s\n", \
			seed, what, rc_, dt_);				\
		exit(1);						\
	}								\
	if (rc_ < 0 && rc_ != -EAGAIN && rc_ != -ETIMEDOUT)		\
		errs++;							\
} while (0)

int main(void)
{
	struct zc_params p = params();
	const char *env = getenv("ZC_SEED");
	zc_region *h;
	zc_channel *ch[2];
	uint8_t buf[1 << 16];
	unsigned int s;
	long errs = 0, calls = 0;
	double end;
	pid_t pid;
	int i;

	if (strcmp(test_backend(), "shm"))
		SKIP("a scribbling peer on the shm backend only");
	seed = env ? (unsigned int)strtoul(env, NULL, 0) : (unsigned int)time(NULL);
	printf("seed %u\n", seed);
	s = seed;
	alarm(200);
	region = test_name("scribble");
	CHECK_RC(zc_create(region, &p, &h), 0);
	CHECK_RC(zc_channel_create_mode(h, "r", 1, ZC_CHAN_MODE_RING, &ch[0]), 0);
	CHECK_RC(zc_channel_create_mode(h, "s", 1, ZC_CHAN_MODE_SEQ, &ch[1]), 0);
	for (int round = 0; round < 3; round++) {
		pid = spawn(peer, NULL);
		CHECK_RC(zc_wait_peer(h, 10000), 0);
		end = now_s() + 3.5;
		while (now_s() < end) {
			zc_channel *c = ch[rnd(&s) & 1];
			struct zc_buf b;

			calls++;
			switch (rnd(&s) % 8) {
			case 0:
				CALL("zc_read", zc_read(c, buf, rnd(&s) & 1 ? sizeof(buf) : 100, 20), 20);
				break;
			case 1:
				CALL("zc_write", zc_write(c, buf, rnd(&s) % 3000, 20), 20);
				break;
			case 2: {
				int rc = zc_recv(c, &b, 10);

				CALL("zc_recv", rc, 10);
				if (rc == 0) {
					CHECK(b.len <= b.cap && b.cap == p.slot_size - ZC_FRAME_HDR_SIZE);
					CHECK(b.slot < p.slots);
					if (rnd(&s) & 3)
						CALL("zc_release", zc_release(c, &b), 0);
				}
				break;
			}
			case 3:
				CALL("zc_next_size", zc_next_size(c, 5), 5);
				break;
			case 4:
				CALL("zc_rx_ready", zc_rx_ready(c), 0);
				CALL("zc_tx_ready", zc_tx_ready(c), 0);
				break;
			case 5:
				CALL("zc_region_wait", zc_region_wait(h, 10), 10);
				break;
			case 6:
				CALL("zc_read/0", zc_read(c, buf, sizeof(buf), 0), 0);
				break;
			default:
				if (zc_reserve(c, &b, 0) == 0) {
					b.len = rnd(&s) % (b.cap + 1);
					CALL("zc_send", zc_send(c, &b), 0);
				}
				break;
			}
			for (i = 0; i < 2; i++)
				if (c->broken)
					CHECK(zc_channel_error(c) != NULL);
		}
		kill(pid, SIGKILL);
		CHECK(reap(pid) == 128 + SIGKILL);
		CALL("zc_read after the peer died", zc_read(ch[0], buf, sizeof(buf), 100), 100);
		printf("round %d: %ld calls, %ld errors\n", round, calls, errs);
	}
	/* A well-behaved peer after all that: both channels work. */
	{
		struct zc_buf b;
		zc_region *r;
		zc_channel *rc2[2];
		struct pair_attach a = { .name = region };
		pthread_t t;

		CHECK(pthread_create(&t, NULL, pair_attach_thread, &a) == 0);
		CHECK_RC(zc_wait_peer(h, 10000), 0);
		pthread_join(t, NULL);
		CHECK_RC(a.rc, 0);
		r = a.r;
		CHECK_RC(zc_channel_open(r, "r", 2, 1000, &rc2[0]), 0);
		CHECK_RC(zc_channel_open(r, "s", 3, 1000, &rc2[1]), 0);
		for (i = 0; i < 2; i++) {
			memset(buf, 'q', 2000);
			CHECK_RC(zc_write(ch[i], buf, 2000, 1000), 2000);
			memset(buf, 0, 2000);
			CHECK_RC(zc_read(rc2[i], buf, sizeof(buf), 1000), 2000);
			CHECK(buf[0] == 'q' && buf[1999] == 'q');
			CHECK_RC(zc_reserve(rc2[i], &b, 1000), 0);
			b.len = 5;
			CHECK_RC(zc_send(rc2[i], &b), 0);
			CHECK_RC(zc_recv(ch[i], &b, 1000), 0);
			CHECK(b.len == 5);
			CHECK_RC(zc_release(ch[i], &b), 0);
			zc_channel_close(rc2[i]);
		}
		zc_close(r);
	}
	zc_channel_close(ch[0]);
	zc_channel_close(ch[1]);
	zc_close(h);
	printf("OK\n");
	return 0;
}
