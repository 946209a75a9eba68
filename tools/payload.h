/* SPDX-License-Identifier: MIT */
/*
 * tools/payload.h - what the bench and the emulated remote core put in a
 * message, so the receiver can prove it got the right bytes.
 *
 * Pattern: every 8-byte word of message number seq holds the same value,
 * derived from seq (the tail past the last whole word holds its low
 * bytes). Writing it touches every byte as fast as memset; checking it
 * reads every byte as fast as a sum, and a stale, lost, duplicated or
 * reordered message cannot pass because the value differs per message.
 *
 * CRC: a 16-byte header (u64 seq, u32 CRC32C of the bytes after the
 * header, u32 length) and bytes derived from seq; slower, but it catches
 * any corruption. Messages shorter than the header carry only the pattern.
 */
#ifndef ZC_TOOLS_PAYLOAD_H
#define ZC_TOOLS_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PAYLOAD_CRC_HDR 16

enum payload_kind {
	PAYLOAD_NONE = 0,	/* fill: pattern; check: read every byte, no verdict */
	PAYLOAD_PATTERN,
	PAYLOAD_CRC,
};

/* "none", "pattern", "crc". */
int parse_payload_kind(const char *s, enum payload_kind *out);
const char *payload_kind_name(enum payload_kind k);

/* Out of line: the CRC format, and reading without a verdict. */
void payload_crc_fill(uint8_t *p, size_t len, uint64_t seq);
int payload_crc_check(const uint8_t *p, size_t len, uint64_t seq);
int payload_read_all(const uint8_t *p, size_t len);

/* An odd multiplier spreads consecutive seqs over all 64 bits. */
static inline uint64_t payload_word(uint64_t seq)
{
	return (seq + 1) * 0x9e3779b97f4a7c15ULL;
}

static inline void payload_pattern_fill(uint8_t *p, size_t len, uint64_t w)
{
	size_t i, words = len / 8;

	for (i = 0; i < words; i++)
		memcpy(p + i * 8, &w, 8);
	memcpy(p + words * 8, &w, len - words * 8);
}

static inline int payload_pattern_check(const uint8_t *p, size_t len,
					uint64_t w)
{
	size_t i, words = len / 8, rest = len - words * 8;
	uint64_t diff = 0, tail = 0;

	/* OR of differences, no early exit: a branch-free loop the compiler
	 * vectorizes, so the check costs what reading the bytes costs. */
	for (i = 0; i < words; i++) {
		uint64_t v;

		memcpy(&v, p + i * 8, 8);
		diff |= v ^ w;
	}
	if (rest) {
		memcpy(&tail, p + words * 8, rest);
		diff |= (tail ^ w) & ((1ULL << (rest * 8)) - 1);
	}
	return diff ? -1 : 0;
}

/*
 * Fill @len bytes at @p as message @seq. Inline: for 64-byte messages a
 * call per message would cost as much as the bytes.
 */
static inline void payload_fill(enum payload_kind k, void *p, size_t len,
				uint64_t seq)
{
	if (k != PAYLOAD_CRC || len < PAYLOAD_CRC_HDR)
		payload_pattern_fill(p, len, payload_word(seq));
	else
		payload_crc_fill(p, len, seq);
}

/* 0 if @p holds message @seq of @len bytes, -1 if not. */
static inline int payload_check(enum payload_kind k, const void *p, size_t len,
				uint64_t seq)
{
	if (k == PAYLOAD_NONE)
		return payload_read_all(p, len);
	if (k == PAYLOAD_PATTERN || len < PAYLOAD_CRC_HDR)
		return payload_pattern_check(p, len, payload_word(seq));
	return payload_crc_check(p, len, seq);
}

/*
 * The bench's control messages on a sink channel: an empty message asks
 * the sink for a summary (sent back on the same channel) and starts a new
 * count from sequence 0.
 */
#define SINK_SUMMARY_MAGIC 0x59524d4d55535a43ULL /* "CZSUMMRY" */
struct sink_summary {
	uint64_t magic;
	uint64_t msgs;		/* messages consumed since the last summary */
	uint64_t bytes;		/* payload bytes consumed */
	uint64_t bad;		/* messages that failed the check */
	uint64_t first_bad;	/* sequence number of the first bad one */
};

#endif /* ZC_TOOLS_PAYLOAD_H */
