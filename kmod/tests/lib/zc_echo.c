// SPDX-License-Identifier: GPL-2.0
/*
 * An emulated remote core for the kernel-hosted link: attach to URI in the
 * remote role with libzc, open the kernel's channels "rpmsg0".."rpmsgN-1"
 * and echo every message back on the channel it came from.
 *
 * usage: zc_echo URI NCHANNELS
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "zc/zc.h"

int main(int argc, char **argv)
{
	const char *uri = argc > 1 ? argv[1] : "kmod:/dev/zc1";
	int nch = argc > 2 ? atoi(argv[2]) : 1, i, rc;
	static uint8_t buf[1 << 16];
	zc_channel *ch[8];
	zc_region *r;
	char name[16];

	if (nch < 1 || nch > 8)
		return 2;
	rc = zc_attach(uri, 5000, &r);
	if (rc) {
		fprintf(stderr, "zc_echo: attach %s: %s\n", uri, zc_strerror(rc));
		return 1;
	}
	for (i = 0; i < nch; i++) {
		snprintf(name, sizeof(name), "rpmsg%d", i);
		rc = zc_channel_open(r, name, 0x500 + i, 5000, &ch[i]);
		if (rc) {
			fprintf(stderr, "zc_echo: open %s: %s\n", name,
				zc_strerror(rc));
			return 1;
		}
	}
	printf("zc_echo: serving %d channel(s) on %s\n", nch, uri);
	fflush(stdout);
	for (;;) {
		int busy = 0;

		for (i = 0; i < nch; i++) {
			ssize_t n = zc_read(ch[i], buf, sizeof(buf), 0);

			if (n == -EAGAIN)
				continue;
			if (n < 0) {
				fprintf(stderr, "zc_echo: read: %s\n",
					zc_strerror((int)n));
				return 1;
			}
			busy = 1;
			n = zc_write(ch[i], buf, (size_t)n, 5000);
			if (n < 0) {
				fprintf(stderr, "zc_echo: write: %s\n",
					zc_strerror((int)n));
				return 1;
			}
		}
		if (!busy) {
			rc = zc_region_wait(r, 1000);
			if (rc && rc != -ETIMEDOUT) {
				fprintf(stderr, "zc_echo: wait: %s\n",
					zc_strerror(rc));
				return 1;
			}
		}
	}
}
