// SPDX-License-Identifier: MIT
/*
 * The copying API across two processes: messages from 0 bytes to the 64 MiB
 * max_msg, around every fragment boundary, byte-exact; -EMSGSIZE for a
 * message above max_msg (nothing sent) and for a buffer too small (the
 * message stays queued and zc_next_size() says how big it is).
 */
#include "harness.h"

#define MAX_MSG (64ULL << 20)

static const char *region;
static const size_t sizes[] = { 0, 1, 1007, 1008, 1009, 2000, 4096, 65536,
				1 << 20, 3000000, MAX_MSG };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static uint8_t *make(size_t len, uint64_t seed)
{
	uint8_t *p = malloc(len ? len : 1);
	size_t i;

	CHECK(p);
	for (i = 0; i < len; i++)
		p[i] = pattern(seed, i);
	return p;
}

static int reader(void *arg)
{
	zc_region *r;
	zc_channel *ch;
	uint8_t *buf = malloc(MAX_MSG), small[16];
	size_t i;

	(void)arg;
	CHECK(buf);
	CHECK_RC(zc_attach(region, 5000, &r), 0);
	CHECK_RC(zc_channel_open(r, "frag", 2, 5000, &ch), 0);
	check_chan_mode(ch);
	for (i = 0; i < NSIZES; i++) {
		ssize_t n;
		size_t j;

		if (sizes[i] > sizeof(small)) {
			CHECK_RC(zc_read(ch, small, sizeof(small), 10000), -EMSGSIZE);
			CHECK_RC(zc_next_size(ch, 0), (ssize_t)sizes[i]);
		}
		n = zc_read(ch, buf, MAX_MSG, 10000);
		CHECK_RC(n, (ssize_t)sizes[i]);
		for (j = 0; j < sizes[i]; j++)
			if (buf[j] != pattern(i, j)) {
				fprintf(stderr, "size %zu: byte %zu differs\n", sizes[i], j);
				return 1;
			}
	}
	free(buf);
	zc_channel_close(ch);
	zc_close(r);
	return 0;
}

int main(void)
{
	struct zc_params p;
	zc_region *r;
	zc_channel *ch;
	pid_t pid;
	size_t i;

	region = test_name("frag");
	zc_params_default(&p);
	p.slot_size = 1024;	/* 1008 payload bytes per frame: many fragments */
	p.slots = 64;
	p.channels = 2;
	p.max_msg = MAX_MSG;
	CHECK_RC(zc_create(region, &p, &r), 0);
	CHECK_RC(zc_channel_create(r, "frag", 1, &ch), 0);
	check_chan_mode(ch);
	pid = spawn(reader, NULL);
	CHECK_RC(zc_wait_peer(r, 5000), 0);
	{
		uint8_t one = 0;

		CHECK_RC(zc_write(ch, &one, MAX_MSG + 1, 0), -EMSGSIZE);
	}
	for (i = 0; i < NSIZES; i++) {
		uint8_t *m = make(sizes[i], i);

		CHECK_RC(zc_write(ch, m, sizes[i], 10000), (ssize_t)sizes[i]);
		free(m);
	}
	CHECK(reap(pid) == 0);
	zc_channel_close(ch);
	zc_close(r);
	printf("frag: %zu sizes up to %llu bytes ok\n", NSIZES,
	       (unsigned long long)MAX_MSG);
	return 0;
}
