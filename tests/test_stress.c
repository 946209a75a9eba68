// SPDX-License-Identifier: MIT
/*
 * Stress: two processes stream messages of mixed sizes both ways at once
 * (10M in all by default; ZC_STRESS_MSGS overrides), each carrying its
 * sequence number and a CRC32C of its payload. Small ones go zero-copy in
 * bursts, every 4096th goes through zc_write() at up to 200 KiB (so it is
 * fragmented). The receivers check every sequence number and CRC: zero
 * lost, duplicated or corrupted. Each process runs a sender and a receiver
 * thread on one region, so blocking waits are shared by two threads.
 */
#include <pthread.h>
#include "harness.h"

#define SLOT 2048
#define HDR 16		/* seq u64, crc u32, len u32 */

static const char *region;
static uint64_t per_dir;

struct xorshift {
	uint64_t s;
};

static uint64_t rnd(struct xorshift *x)
{
	x->s ^= x->s << 13;
	x->s ^= x->s >> 7;
	x->s ^= x->s << 17;
	return x->s;
}

static size_t msg_len(uint64_t seq, struct xorshift *x)
{
	if (seq % 4096 == 4095)
		return HDR + (size_t)(rnd(x) % (200 * 1024));
	return HDR + (size_t)(rnd(x) % (SLOT - 16 - HDR + 1));
}

static void fill(uint8_t *p, size_t len, uint64_t seq, struct xorshift *x)
{
	uint32_t crc, l = (uint32_t)len;
	size_t i;

	for (i = HDR; i + 8 <= len; i += 8) {
		uint64_t v = rnd(x);

		memcpy(p + i, &v, 8);
	}
	for (; i < len; i++)
		p[i] = (uint8_t)rnd(x);
	crc = zc_crc32c(0, p + HDR, len - HDR);
	memcpy(p, &seq, 8);
	memcpy(p + 8, &crc, 4);
	memcpy(p + 12, &l, 4);
}

static void verify(const uint8_t *p, size_t len, uint64_t want)
{
	uint64_t seq;
	uint32_t crc, l;

	CHECK(len >= HDR);
	memcpy(&seq, p, 8);
	memcpy(&crc, p + 8, 4);
	memcpy(&l, p + 12, 4);
	if (seq != want || l != len || crc != zc_crc32c(0, p + HDR, len - HDR)) {
		fprintf(stderr, "message %llu: got seq %llu len %u/%zu crc %s\n",
			(unsigned long long)want, (unsigned long long)seq, l, len,
			crc == zc_crc32c(0, p + HDR, len - HDR) ? "ok" : "BAD");
		exit(1);
	}
}

static void *sender(void *arg)
{
	zc_channel *ch = arg;
	struct xorshift x = { 0x9e3779b97f4a7c15ULL ^ ch->index };
	static __thread uint8_t big[HDR + 200 * 1024];
	uint64_t seq = 0;

	while (seq < per_dir) {
		struct zc_buf b[16];
		int n, i;

		if (seq % 4096 == 4095) {
			size_t len = msg_len(seq, &x);

			fill(big, len, seq, &x);
			CHECK_RC(zc_write(ch, big, len, 10000), (ssize_t)len);
			seq++;
			continue;
		}
		n = zc_reserve_burst(ch, b, (unsigned int)(4095 - seq % 4096) < 16 ?
				     (unsigned int)(4095 - seq % 4096) : 16);
		CHECK(n >= 0);
		if (n == 0) {
			CHECK_RC(zc_wait_tx(ch, 10000), 0);
			continue;
		}
		for (i = 0; i < n; i++) {
			size_t len = msg_len(seq, &x);

			fill(b[i].data, len, seq++, &x);
			b[i].len = (uint32_t)len;
		}
		CHECK_RC(zc_send_burst(ch, b, (unsigned int)n), n);
	}
	return NULL;
}

static void *receiver(void *arg)
{
	zc_channel *ch = arg;
	static __thread uint8_t big[HDR + 200 * 1024];
	uint64_t seq = 0;

	while (seq < per_dir) {
		ssize_t n;

		if (seq % 4096 == 4095) {
			n = zc_read(ch, big, sizeof(big), 10000);
			CHECK(n > 0);
			verify(big, (size_t)n, seq++);
			continue;
		}
		{
			struct zc_buf b[16];
			unsigned int want = (unsigned int)(4095 - seq % 4096);
			int k, i;

			k = zc_recv_burst(ch, b, want < 16 ? want : 16);
			CHECK(k >= 0);
			if (k == 0) {
				CHECK_RC(zc_wait_rx(ch, 10000), 0);
				continue;
			}
			for (i = 0; i < k; i++) {
				CHECK(b[i].flags == 0);
				verify(b[i].data, b[i].len, seq++);
			}
			CHECK_RC(zc_release_burst(ch, b, (unsigned int)k), k);
		}
	}
	return NULL;
}

static void run_side(zc_region *r, zc_channel *out, zc_channel *in)
{
	pthread_t ts, tr;

	CHECK(pthread_create(&ts, NULL, sender, out) == 0);
	CHECK(pthread_create(&tr, NULL, receiver, in) == 0);
	pthread_join(ts, NULL);
	pthread_join(tr, NULL);
	(void)r;
}

static int remote_main(void *arg)
{
	zc_region *r;
	zc_channel *in, *out;

	(void)arg;
	CHECK_RC(zc_attach(region, 5000, &r), 0);
	CHECK_RC(zc_channel_open(r, "h2r", 2, 5000, &in), 0);
	CHECK_RC(zc_channel_create(r, "r2h", 2, &out), 0);
	check_chan_mode(out);
	run_side(r, out, in);
	zc_channel_close(in);
	zc_channel_close(out);
	zc_close(r);
	return 0;
}

int main(void)
{
	struct zc_params p;
	zc_region *r;
	zc_channel *in, *out;
	const char *env = getenv("ZC_STRESS_MSGS");
	uint64_t total = env ? strtoull(env, NULL, 10) : 10000000ULL;
	pid_t pid;

	per_dir = total / 2;
	region = test_name("stress");
	zc_params_default(&p);
	p.slot_size = SLOT;
	p.slots = 128;
	p.channels = 4;
	p.max_msg = 1 << 20;
	CHECK_RC(zc_create(region, &p, &r), 0);
	CHECK_RC(zc_channel_create(r, "h2r", 1, &out), 0);
	pid = spawn(remote_main, NULL);
	CHECK_RC(zc_wait_peer(r, 5000), 0);
	CHECK_RC(zc_channel_open(r, "r2h", 1, 5000, &in), 0);
	check_chan_mode(in);
	run_side(r, out, in);
	CHECK(reap(pid) == 0);
	printf("stress: %llu messages each way, mixed sizes up to 200 KiB, "
	       "all in sequence with good CRC32C\n", (unsigned long long)per_dir);
	zc_channel_close(in);
	zc_channel_close(out);
	zc_close(r);
	return 0;
}
