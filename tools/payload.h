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

#define PAYLOAD_CRC_HDR 16

enum payload_kind {
	PAYLOAD_NONE = 0,	/* fill: pattern; check: read every byte, no verdict */
	PAYLOAD_PATTERN,
	PAYLOAD_CRC,
};

/* "none", "pattern", "crc". */
int parse_payload_kind(const char *s, enum payload_kind *out);
const char *payload_kind_name(enum payload_kind k);

/* Fill @len bytes at @p as message @seq. */
void payload_fill(enum payload_kind k, void *p, size_t len, uint64_t seq);

/* 0 if @p holds message @seq of @len bytes, -1 if not. */
int payload_check(enum payload_kind k, const void *p, size_t len, uint64_t seq);

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
