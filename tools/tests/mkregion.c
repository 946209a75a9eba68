/* SPDX-License-Identifier: MIT */
/*
 * tools/tests/mkregion.c - test helper: create a region as host, announce
 * two channels, optionally write a snapshot of it to a file (a region file
 * for "zc info" to read, and to corrupt), and keep it alive for a while,
 * accepting peers one after another, so "zc info URI" can attach to it.
 *
 *   mkregion URI SNAPSHOT|- HOLD_SECONDS
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <zc/zc.h>

int main(int argc, char **argv)
{
	struct zc_params p;
	zc_region *r;
	zc_channel *a, *b;
	FILE *f;
	time_t end;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: mkregion URI SNAPSHOT|- HOLD_SECONDS\n");
		return 2;
	}
	zc_params_default(&p);
	p.slot_size = 4096;
	p.slots = 8;
	p.channels = 4;
	rc = zc_create(argv[1], &p, &r);
	if (rc < 0) {
		fprintf(stderr, "mkregion: %s\n", zc_strerror(rc));
		return 1;
	}
	if (zc_channel_create(r, "stream", 7, &a) < 0 ||
	    zc_channel_create(r, "control", 8, &b) < 0) {
		fprintf(stderr, "mkregion: cannot announce channels\n");
		return 1;
	}
	if (argv[2][0] != '-') {
		f = fopen(argv[2], "wb");
		if (!f || fwrite(zc_base(r), 1, zc_geometry(r)->region_size, f) !=
			  zc_geometry(r)->region_size || fclose(f)) {
			perror("mkregion: snapshot");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	end = time(NULL) + atoi(argv[3]);
	while (time(NULL) < end) {
		rc = zc_wait_peer(r, 100);
		if (rc == -ETIMEDOUT)
			continue;
		if (rc < 0) {
			fprintf(stderr, "mkregion: %s\n", zc_strerror(rc));
			return 1;
		}
		while (zc_peer_alive(r) && time(NULL) < end)
			usleep(20000);
	}
	zc_channel_close(a);
	zc_channel_close(b);
	zc_close(r);
	return 0;
}
