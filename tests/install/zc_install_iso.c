/* SPDX-License-Identifier: MIT */
/*
 * Built out of tree against the installed zc (scripts/check-install.sh),
 * as strict ISO C99 (-std=c99 -pedantic -Wall -Wextra -Werror, no feature
 * macros): every installed header must compile clean like this, and the
 * library must link and run. A region with a channel, no peer needed.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zc/zc.h>
#include <zc/uring.h>

int main(void)
{
	char uri[64];
	struct zc_params p;
	struct zc_buf b;
	zc_region *r;
	zc_channel *ch;
	int rc;

	sprintf(uri, "install-iso-%lu-%lu", (unsigned long)time(NULL),
		(unsigned long)clock());
	if (zc_crc32c(0, uri, strlen(uri)) == zc_crc32c(1, uri, strlen(uri)))
		return 1;	/* a call into the library, checked */
	zc_params_default(&p);
	p.slot_size = 4096;
	p.slots = 8;
	p.channels = 2;
	rc = zc_create(uri, &p, &r);
	if (rc) {
		fprintf(stderr, "zc_create: %s\n", zc_strerror(rc));
		return 1;
	}
	rc = zc_channel_create(r, "iso", 1, &ch);
	if (rc == 0)
		rc = zc_reserve(ch, &b, 0);
	if (rc == 0) {
		memcpy(b.data, "iso c99", 7);
		b.len = 7;
		rc = zc_send(ch, &b);	/* queued for a peer that never comes */
	}
	if (rc == 0 && zc_peer_alive(r))
		rc = -1;
	printf("install-iso: %s (%s, format %u.%u)\n", rc ? "FAIL" : "ok",
	       zc_backend_name(r), (unsigned)ZC_VERSION_MAJOR,
	       (unsigned)ZC_VERSION_MINOR);
	zc_channel_close(ch);
	zc_close(r);
	return rc != 0;
}
