// SPDX-License-Identifier: MIT
/*
 * Two processes, one region: announce and open channels by name, move
 * frames zero-copy both ways, check addresses, ids and payloads, and the
 * control-path errors (bad names, duplicate names, full table, attach to
 * nothing).
 */
#include "harness.h"

#define N 20000

static const char *region;

static int remote_main(void *arg)
{
	zc_region *r;
	zc_channel *ch, *back;
	struct zc_buf b[16];
	uint64_t got = 0;
	int seen_dst = 0;

	(void)arg;
	CHECK_RC(zc_attach(region, 5000, &r), 0);
	CHECK(zc_role(r) == ZC_SIDE_REMOTE);
	CHECK_RC(zc_channel_open(r, "data", 0x200, 5000, &ch), 0);
	check_chan_mode(ch);
	CHECK(ch->dst == 0x100);
	CHECK_RC(zc_channel_create(r, "back", 0x201, &back), 0);
	check_chan_mode(back);
	while (got < N) {
		int n, i;

		CHECK_RC(zc_wait_rx(ch, 5000), 0);
		n = zc_recv_burst(ch, b, 16);
		CHECK(n > 0);
		for (i = 0; i < n; i++) {
			uint32_t j;

			CHECK(b[i].len == got % 1000 + 1);
			/*
			 * Sent before we opened, a frame cannot know our address
			 * (dst 0); once it does, every later frame carries it.
			 */
			CHECK(b[i].src == 0x100);
			CHECK(b[i].dst == 0x200 || (b[i].dst == 0 && !seen_dst));
			seen_dst |= b[i].dst == 0x200;
			CHECK(b[i].id == (uint16_t)got);
			for (j = 0; j < b[i].len; j++)
				CHECK(((uint8_t *)b[i].data)[j] == pattern(got, j));
			got++;
		}
		CHECK_RC(zc_release_burst(ch, b, (unsigned int)n), n);
	}
	/* Answer on the channel we announced, with the count. */
	CHECK_RC(zc_reserve(back, &b[0], 5000), 0);
	memcpy(b[0].data, &got, sizeof(got));
	b[0].len = sizeof(got);
	CHECK_RC(zc_send(back, &b[0]), 0);
	/* Wait for the host to say goodbye (it closes the region). */
	CHECK_RC(zc_wait_rx(ch, 5000), -EPIPE);
	zc_channel_close(ch);
	zc_channel_close(back);
	zc_close(r);
	return 0;
}

int main(void)
{
	struct zc_params p;
	zc_region *r, *r2;
	zc_channel *ch, *back, *tmp;
	uint64_t sent = 0, count;
	char longname[40];
	pid_t pid;
	int i;

	region = test_name("basic");
	zc_params_default(&p);
	p.slot_size = 4096;
	p.slots = 32;
	p.channels = 8;
	CHECK_RC(zc_attach(region, 100, &r), -ENOENT);
	CHECK_RC(zc_create(region, &p, &r), 0);
	CHECK_RC(zc_create(region, &p, &r2), -EEXIST);
	CHECK(zc_role(r) == ZC_SIDE_HOST);
	CHECK(!strcmp(zc_backend_name(r), test_backend()));

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	CHECK_RC(zc_channel_create(r, longname, 1, &tmp), -ENAMETOOLONG);
	CHECK_RC(zc_channel_create(r, "", 1, &tmp), -EINVAL);
	CHECK_RC(zc_channel_create(r, "data", 0x100, &ch), 0);
	check_chan_mode(ch);
	CHECK_RC(zc_channel_create(r, "data", 0x100, &tmp), -EEXIST);
	/* The host's half of an 8-entry table holds 4 channels. */
	{
		zc_channel *more[3];

		for (i = 0; i < 3; i++) {
			char n[8];

			snprintf(n, sizeof(n), "c%d", i);
			CHECK_RC(zc_channel_create(r, n, 1, &more[i]), 0);
		}
		CHECK_RC(zc_channel_create(r, "one-too-many", 1, &tmp), -ENOSPC);
		for (i = 0; i < 3; i++)
			zc_channel_close(more[i]);
	}
	/* No peer yet: a bounded wait says so. */
	CHECK_RC(zc_channel_open(r, "back", 0, 50, &tmp), -ENOTCONN);

	/* Messages sent before the peer attaches are kept for it. */
	pid = spawn(remote_main, NULL);
	for (i = 0; i < 10; i++) {
		struct zc_buf b;
		uint32_t j;

		CHECK_RC(zc_reserve(ch, &b, 0), 0);
		b.len = (uint32_t)(sent % 1000 + 1);
		for (j = 0; j < b.len; j++)
			((uint8_t *)b.data)[j] = pattern(sent, j);
		CHECK_RC(zc_send(ch, &b), 0);
		sent++;
	}
	CHECK_RC(zc_wait_peer(r, 5000), 0);
	CHECK(zc_peer_alive(r));
	while (sent < N) {
		struct zc_buf b[8];
		int n = zc_reserve_burst(ch, b, N - sent < 8 ? (unsigned int)(N - sent) : 8), k;

		CHECK(n >= 0);
		if (n == 0) {
			CHECK_RC(zc_wait_tx(ch, 5000), 0);
			continue;
		}
		for (k = 0; k < n && sent < N; k++) {
			uint32_t j;

			b[k].len = (uint32_t)(sent % 1000 + 1);
			for (j = 0; j < b[k].len; j++)
				((uint8_t *)b[k].data)[j] = pattern(sent, j);
			sent++;
		}
		CHECK_RC(zc_send_burst(ch, b, (unsigned int)k), k);
		/* Unused reservations are an API misuse we can't express; keep k == n. */
		CHECK(k == n);
	}
	CHECK_RC(zc_channel_open(r, "back", 0, 5000, &back), 0);
	CHECK(back->dst == 0x201);
	{
		struct zc_buf b;

		CHECK_RC(zc_recv(back, &b, 5000), 0);
		CHECK(b.len == sizeof(count));
		memcpy(&count, b.data, sizeof(count));
		CHECK(count == N);
		/* A buffer that is not held cannot be released twice. */
		CHECK_RC(zc_release(back, &b), 0);
		CHECK_RC(zc_release(back, &b), -EINVAL);
	}
	zc_channel_close(back);
	zc_channel_close(ch);
	zc_close(r);
	CHECK(reap(pid) == 0);
	printf("basic: %llu messages ok\n", (unsigned long long)sent);
	return 0;
}
