// SPDX-License-Identifier: MIT
/* A complete zc consumer: attaches to region "demo", receives until the empty message. */
#include <stdio.h>
#include <string.h>
#include <zc/zc.h>

int main(int argc, char **argv)
{
	const char *uri = argc > 1 ? argv[1] : "demo";
	zc_region *r;
	zc_channel *ch;
	unsigned long got = 0, bad = 0;
	int rc, done = 0;

	if ((rc = zc_attach(uri, 10000, &r)) < 0) {
		fprintf(stderr, "consumer: %s\n", zc_strerror(rc));
		return 1;
	}
	rc = zc_channel_open(r, "samples", 0x200, 5000, &ch);
	while (rc == 0 && !done) {
		struct zc_buf b[32];
		int n = zc_recv_burst(ch, b, 32), i;

		if (n == 0) {			/* nothing yet: wait (spin, then sleep) */
			rc = zc_wait_rx(ch, 5000);
			continue;
		}
		if (n < 0) {
			rc = n;
			break;
		}
		for (i = 0; i < n; i++) {	/* use the payload where it lies */
			unsigned long seq;

			if (b[i].len == 0) {
				done = 1;
				break;
			}
			memcpy(&seq, b[i].data, sizeof(seq));
			bad += seq != got++;
		}
		zc_release_burst(ch, b, (unsigned int)n);	/* slots go back */
	}
	if (rc < 0)
		fprintf(stderr, "consumer: %s%s%s%s\n", zc_strerror(rc),
			ch && zc_channel_error(ch) ? " (" : "",
			ch && zc_channel_error(ch) ? zc_channel_error(ch) : "",
			ch && zc_channel_error(ch) ? ")" : "");
	else
		printf("consumer: %lu messages, %lu out of order\n", got, bad);
	zc_channel_close(ch);
	zc_close(r);
	return rc < 0 || bad;
}
