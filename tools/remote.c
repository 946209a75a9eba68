/* SPDX-License-Identifier: MIT */
/* tools/remote.c - echo, sink and source services (remote.h). */
#include "remote.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Waiting for a slot inside a service: long enough for any live peer. */
#define SLOT_WAIT_MS 5000

static const char *const mode_names[] = {
	[SERVE_ECHO] = "echo",
	[SERVE_SINK] = "sink",
	[SERVE_SOURCE] = "source",
};

const char *service_mode_name(enum service_mode m)
{
	return mode_names[m];
}

int parse_service_mode(const char *s, enum service_mode *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(s, mode_names[i])) {
			*out = (enum service_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int send_summary(struct service *s)
{
	struct sink_summary sum = {
		.magic = SINK_SUMMARY_MAGIC,
		.msgs = s->msgs,
		.bytes = s->bytes,
		.bad = s->bad,
		.first_bad = s->first_bad,
	};
	struct zc_buf b;
	int rc;

	rc = zc_reserve(s->ch, &b, SLOT_WAIT_MS);
	if (rc < 0)
		return rc;
	if (b.cap < sizeof(sum))
		return -EMSGSIZE;
	memcpy(b.data, &sum, sizeof(sum));
	b.len = sizeof(sum);
	rc = zc_send(s->ch, &b);
	if (rc < 0)
		return rc;
	s->msgs = s->bytes = s->bad = s->first_bad = 0;
	s->seq = 0;
	return 0;
}

/*
 * Checked slots go back to the sender once this many payload bytes are
 * done, not only at the end of the burst: with large messages a sender
 * would otherwise wait for the whole burst to be checked, then we would
 * wait for it to refill them all, and the two sides would take turns
 * instead of working at the same time.
 */
#define RELEASE_BYTES (128u << 10)

static int sink_poll(struct service *s)
{
	struct zc_buf bufs[ZC_BURST_MAX];
	uint64_t unreleased = 0;
	int n, i, rc, first = 0;

	n = zc_recv_burst(s->ch, bufs, ZC_BURST_MAX);
	if (n <= 0)
		return n;
	for (i = 0; i < n; i++) {
		if (bufs[i].len == 0) {
			rc = send_summary(s);
			if (rc < 0)
				return rc;
			continue;
		}
		if (payload_check(s->kind, bufs[i].data, bufs[i].len,
				  s->seq)) {
			if (s->bad++ == 0)
				s->first_bad = s->seq;
			s->all_bad++;
		}
		s->seq++;
		s->msgs++;
		s->bytes += bufs[i].len;
		s->all_msgs++;
		s->all_bytes += bufs[i].len;
		unreleased += bufs[i].len;
		if (unreleased >= RELEASE_BYTES) {
			rc = zc_release_burst(s->ch, bufs + first,
					      (unsigned int)(i + 1 - first));
			if (rc < 0)
				return rc;
			first = i + 1;
			unreleased = 0;
		}
	}
	if (first < n) {
		rc = zc_release_burst(s->ch, bufs + first,
				      (unsigned int)(n - first));
		if (rc < 0)
			return rc;
	}
	if (s->limit && s->all_msgs >= s->limit)
		s->done = 1;
	return n;
}

/*
 * One fragment of a message sent with zc_write(): checked by the same
 * reassembler zc_read() uses (a fragment out of place, more bytes than
 * announced or a message above max_msg is an error, never a write past
 * the buffer), copied, and the whole message echoed once complete.
 */
static int echo_fragment(struct service *s, const struct zc_buf *b)
{
	const uint8_t *p = b->data;
	uint64_t total = 0, max = zc_geometry(s->ch->region)->max_msg;
	int body, done, rc;

	if (b->flags & ZC_FRAME_TOTAL)
		memcpy(&total, p, sizeof(total));
	body = zc_reasm_feed(&s->reasm, b->flags, b->len, total, max, &done);
	if (body == -ECANCELED) {
		/* The writer gave up on the message under way (ZC_FRAME_ABORT):
		 * drop what we had and take this frame as the next one's start. */
		s->big_len = 0;
		body = zc_reasm_feed(&s->reasm, b->flags, b->len, total, max,
				     &done);
	}
	if (body < 0)
		return body;
	if (b->flags & ZC_FRAME_TOTAL) {
		p += ZC_FRAME_TOTAL_SIZE;
		if (total > s->big_cap) {
			uint8_t *nb = realloc(s->big, total);

			if (!nb)
				return -ENOMEM;
			s->big = nb;
			s->big_cap = total;
		}
		s->big_len = 0;
	}
	/* zc_reasm_feed keeps big_len + body within the announced total. */
	if (body) {
		memcpy(s->big + s->big_len, p, (size_t)body);
		s->big_len += (uint64_t)body;
	}
	if (!done)
		return 0;
	rc = (int)zc_write(s->ch, s->big, s->big_len, SLOT_WAIT_MS);
	if (rc < 0)
		return rc;
	s->msgs++;
	s->bytes += s->big_len;
	s->all_msgs++;
	s->all_bytes += s->big_len;
	return 0;
}

void service_fini(struct service *s)
{
	free(s->big);
	s->big = NULL;
	s->big_cap = 0;
}

static int echo_poll(struct service *s)
{
	struct zc_buf in[ZC_BURST_MAX];
	int n, i, rc;

	n = zc_recv_burst(s->ch, in, ZC_BURST_MAX);
	for (i = 0; i < n; i++) {
		struct zc_buf out;

		if (in[i].flags & (ZC_FRAME_MORE | ZC_FRAME_CONT)) {
			rc = echo_fragment(s, &in[i]);
			if (rc == 0)
				rc = zc_release(s->ch, &in[i]);
			if (rc < 0)
				return rc;
			continue;
		}
		rc = zc_reserve(s->ch, &out, SLOT_WAIT_MS);
		if (rc < 0)
			return rc;
		if (in[i].len > out.cap)
			return -EMSGSIZE;
		memcpy(out.data, in[i].data, in[i].len);
		out.len = in[i].len;
		rc = zc_send(s->ch, &out);
		if (rc < 0)
			return rc;
		/* Give each slot back at once, so a sender waiting for slots
		 * to send more is never stuck behind our own wait. */
		rc = zc_release(s->ch, &in[i]);
		if (rc < 0)
			return rc;
		s->msgs++;
		s->bytes += in[i].len;
		s->all_msgs++;
		s->all_bytes += in[i].len;
	}
	return n;
}

static int source_poll(struct service *s)
{
	struct zc_buf bufs[ZC_BURST_MAX];
	uint64_t want = ZC_BURST_MAX;
	int n, i, rc;

	/* A source has nothing to read: whatever the host sends is dropped
	 * (and its slots returned), or the region would never look idle. */
	n = zc_recv_burst(s->ch, bufs, ZC_BURST_MAX);
	if (n > 0)
		n = zc_release_burst(s->ch, bufs, (unsigned int)n);
	if (n < 0)
		return n;
	if (s->done)
		return 0;
	if (s->limit && s->limit - s->all_msgs < want)
		want = s->limit - s->all_msgs;
	if (want == 0) {
		/* Everything went out: the empty message ends the stream. */
		rc = zc_reserve(s->ch, &bufs[0], SLOT_WAIT_MS);
		if (rc < 0)
			return rc;
		bufs[0].len = 0;
		rc = zc_send(s->ch, &bufs[0]);
		if (rc < 0)
			return rc;
		s->done = 1;
		return 1;
	}
	n = zc_reserve_burst(s->ch, bufs, (unsigned int)want);
	if (n <= 0)
		return n;
	for (i = 0; i < n; i++) {
		if (s->size > bufs[i].cap)
			return -EMSGSIZE;
		payload_fill(s->kind, bufs[i].data, s->size, s->seq++);
		bufs[i].len = (uint32_t)s->size;
	}
	rc = zc_send_burst(s->ch, bufs, (unsigned int)n);
	if (rc < 0)
		return rc;
	s->msgs += (uint64_t)n;
	s->all_msgs += (uint64_t)n;
	s->bytes += (uint64_t)n * s->size;
	s->all_bytes += (uint64_t)n * s->size;
	return n;
}

int service_poll(struct service *s)
{
	switch (s->mode) {
	case SERVE_ECHO:
		return echo_poll(s);
	case SERVE_SINK:
		return sink_poll(s);
	case SERVE_SOURCE:
		return source_poll(s);
	}
	return -EINVAL;
}
