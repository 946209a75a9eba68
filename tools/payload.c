/* SPDX-License-Identifier: MIT */
/* tools/payload.c - message contents the receiver can verify (payload.h). */
#include "payload.h"

#include <errno.h>
#include <string.h>
#include <zc/crc32c.h>

static const char *const kind_names[] = {
	[PAYLOAD_NONE] = "none",
	[PAYLOAD_PATTERN] = "pattern",
	[PAYLOAD_CRC] = "crc",
};

int parse_payload_kind(const char *s, enum payload_kind *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (!strcmp(s, kind_names[i])) {
			*out = (enum payload_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *payload_kind_name(enum payload_kind k)
{
	return kind_names[k];
}

/* Where PAYLOAD_NONE folds what it reads, so the reads are not elided. */
static volatile uint64_t payload_fold;

int payload_read_all(const uint8_t *p, size_t len)
{
	size_t i, words = len / 8;
	uint64_t acc = 0;

	for (i = 0; i < words; i++) {
		uint64_t v;

		memcpy(&v, p + i * 8, 8);
		acc += v;
	}
	for (i = words * 8; i < len; i++)
		acc += p[i];
	payload_fold = acc;
	return 0;
}

void payload_crc_fill(uint8_t *b, size_t len, uint64_t seq)
{
	uint32_t crc, len32 = (uint32_t)len;

	payload_pattern_fill(b + PAYLOAD_CRC_HDR, len - PAYLOAD_CRC_HDR,
			     payload_word(seq));
	crc = zc_crc32c(0, b + PAYLOAD_CRC_HDR, len - PAYLOAD_CRC_HDR);
	memcpy(b, &seq, 8);
	memcpy(b + 8, &crc, 4);
	memcpy(b + 12, &len32, 4);
}

int payload_crc_check(const uint8_t *b, size_t len, uint64_t seq)
{
	uint64_t got_seq;
	uint32_t crc, got_len;

	memcpy(&got_seq, b, 8);
	memcpy(&crc, b + 8, 4);
	memcpy(&got_len, b + 12, 4);
	if (got_seq != seq || got_len != len ||
	    crc != zc_crc32c(0, b + PAYLOAD_CRC_HDR, len - PAYLOAD_CRC_HDR))
		return -1;
	return 0;
}
