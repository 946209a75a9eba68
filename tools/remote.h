/* SPDX-License-Identifier: MIT */
/*
 * tools/remote.h - the emulated remote core's channel services, one per
 * channel, driven by a single polling loop (cmd_remote.c).
 *
 *   echo    every message goes back to the sender, same bytes; a message
 *           sent in fragments (zc_write) is reassembled, then written back
 *           whole with zc_write
 *   sink    messages are checked (payload.h) and their slots returned;
 *           an empty message asks for a struct sink_summary back
 *   source  --count messages of --size bytes (0: until the peer leaves),
 *           then an empty end-of-stream message
 */
#ifndef ZC_TOOLS_REMOTE_H
#define ZC_TOOLS_REMOTE_H

#include <stdint.h>
#include <zc/zc.h>
#include "payload.h"

enum service_mode { SERVE_ECHO, SERVE_SINK, SERVE_SOURCE };

struct service {
	zc_channel *ch;
	enum service_mode mode;
	enum payload_kind kind;
	uint64_t size;		/* source: message size */
	uint64_t limit;		/* messages to sink or source; 0: no limit */
	uint64_t seq;		/* next sequence number expected or produced */
	uint64_t msgs, bytes, bad, first_bad;	/* since the last summary */
	uint64_t all_msgs, all_bytes, all_bad;	/* since the start */
	int done;		/* the limit was reached */
	/* echo: the fragmented message being reassembled */
	struct zc_reasm reasm;
	uint8_t *big;
	uint64_t big_cap, big_len;
};

/* Free what a service allocated. */
void service_fini(struct service *s);

const char *service_mode_name(enum service_mode m);
int parse_service_mode(const char *s, enum service_mode *out);

/*
 * Do whatever work is ready on @s without sleeping. Returns how many
 * messages moved (0: nothing to do now) or a negative errno.
 */
int service_poll(struct service *s);

#endif /* ZC_TOOLS_REMOTE_H */
