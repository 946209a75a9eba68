/* SPDX-License-Identifier: MIT */
/*
 * tools/args.h - option values for the zc CLI: sizes with K/M/G suffixes,
 * durations, counts, wait modes. Every parser prints one sentence naming
 * the option on failure, so each command only has to exit.
 */
#ifndef ZC_TOOLS_ARGS_H
#define ZC_TOOLS_ARGS_H

#include <stddef.h>
#include <stdint.h>

/* Set by the dispatcher: "zc bench", "zc send", ... for messages. */
extern const char *zc_cmd;

/* Print "zc CMD: <message>." on stderr (printf-style, no newline needed). */
void zc_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse "4096", "4K", "4KiB", "1M", "2G" (binary units). 0 or -1. */
int parse_size(const char *opt, const char *s, uint64_t min, uint64_t max,
	       uint64_t *out);

/* Parse a comma-separated list of sizes into @out (at most @cap). */
int parse_size_list(const char *opt, const char *s, uint64_t min,
		    uint64_t max, uint64_t *out, int cap, int *n);

/* Parse seconds, fractions allowed ("0.2", "10"). */
int parse_seconds(const char *opt, const char *s, double min, double max,
		  double *out);

/* Parse a plain unsigned integer within [min, max]. */
int parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max,
	       uint64_t *out);

/*
 * A slot count for channels of @chan_mode (ZC_CHAN_MODE_*): 1..65536 for
 * RING, a power of two up to 32768 for SEQ (its slots are used in turn,
 * indexed by a mask). 0, or -1 after a sentence naming @opt.
 */
int check_slots(const char *opt, uint64_t slots, uint32_t chan_mode);

/*
 * Report what getopt_long rejected: @c is the '?' (unknown option) or ':'
 * (missing value) it returned; optstrings must start with ':'.
 */
void option_error(int c, char *const argv[]);

/*
 * Why a call on @ch failed with @err: the channel's own account when the
 * peer broke it (which index, which header), else zc_strerror(@err).
 */
struct zc_channel;
const char *zc_reason(const struct zc_channel *ch, int err);

/* "64 B", "4 KiB", "1 MiB" into @buf. */
const char *fmt_size(uint64_t n, char *buf, size_t cap);

#endif /* ZC_TOOLS_ARGS_H */
