// SPDX-License-Identifier: MIT
/* A complete zc producer: creates region "demo", streams 1M messages zero-copy. */
#include <stdio.h>
#include <string.h>
#include <zc/zc.h>

int main(int argc, char **argv)
{
	const char *uri = argc > 1 ? argv[1] : "demo";
	struct zc_params p;
	zc_region *r;
	zc_channel *ch;
	unsigned long sent = 0, total = 1000000;
	int rc;

	zc_params_default(&p);
	p.slot_size = 4096;			/* 4080-byte payloads per slot */
	if ((rc = zc_create(uri, &p, &r)) < 0) {
		fprintf(stderr, "producer: %s\n", zc_strerror(rc));
		return 1;
	}
	rc = zc_channel_create(r, "samples", 0x100, &ch);
	if (rc == 0)
		rc = zc_wait_peer(r, 10000);	/* the consumer attaches */
	while (rc == 0 && sent < total) {
		struct zc_buf b[32];
		int n = zc_reserve_burst(ch, b, 32), i;

		if (n == 0) {			/* every slot is with the consumer */
			rc = zc_wait_tx(ch, 5000);
			continue;
		}
		if (n < 0) {
			rc = n;
			break;
		}
		for (i = 0; i < n; i++) {	/* fill the slots in place */
			memcpy(b[i].data, &sent, sizeof(sent));
			memset((char *)b[i].data + sizeof(sent), 'z', 56);
			b[i].len = 64;
			sent++;
		}
		n = zc_send_burst(ch, b, (unsigned int)n);
		rc = n < 0 ? n : 0;
	}
	/* An empty message says "that's all". */
	if (rc == 0)
		rc = (int)zc_write(ch, "", 0, 5000);
	if (rc < 0)
		fprintf(stderr, "producer: %s\n", zc_strerror(rc));
	else
		printf("producer: sent %lu messages\n", sent);
	zc_region_wait(r, 5000);	/* let the consumer finish before we go */
	zc_channel_close(ch);
	zc_close(r);
	return rc < 0;
}
