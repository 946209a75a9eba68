/* SPDX-License-Identifier: MIT */
/* tools/args.c - option value parsers for the zc CLI (see args.h). */
#include "args.h"

#include <zc/zc.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *zc_cmd = "zc";

void zc_errorf(const char *fmt, ...)
{
	char msg[512];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One sentence per failure: add the full stop callers leave out. */
	n = strlen(msg);
	fprintf(stderr, "%s: %s%s\n", zc_cmd, msg,
		n && msg[n - 1] == '.' ? "" : ".");
}

int parse_size(const char *opt, const char *s, uint64_t min, uint64_t max,
	       uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;
	char minb[32], maxb[32];

	errno = 0;
	if (!s || !isdigit((unsigned char)*s))
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno)
		goto bad;
	switch (toupper((unsigned char)*end)) {
	case 'K': mult = 1ULL << 10; end++; break;
	case 'M': mult = 1ULL << 20; end++; break;
	case 'G': mult = 1ULL << 30; end++; break;
	case 'B': break;
	case '\0': break;
	default: goto bad;
	}
	if (mult > 1 && (*end == 'i' || *end == 'I'))
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		goto bad;
	if (v > UINT64_MAX / mult)
		goto range;
	v *= mult;
	if (v < min || v > max)
		goto range;
	*out = v;
	return 0;
bad:
	zc_errorf("%s expects a size such as 4096, 4K or 1M, not '%s'", opt,
		  s ? s : "");
	return -1;
range:
	zc_errorf("%s must be between %s and %s, not '%s'", opt,
		  fmt_size(min, minb, sizeof(minb)),
		  fmt_size(max, maxb, sizeof(maxb)), s);
	return -1;
}

int parse_size_list(const char *opt, const char *s, uint64_t min,
		    uint64_t max, uint64_t *out, int cap, int *n)
{
	char item[64];
	const char *p = s;

	*n = 0;
	for (;;) {
		size_t len = strcspn(p, ",");

		if (len == 0 || len >= sizeof(item)) {
			zc_errorf("%s expects a comma-separated list of sizes, not '%s'",
				  opt, s);
			return -1;
		}
		if (*n == cap) {
			zc_errorf("%s takes at most %d sizes", opt, cap);
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (parse_size(opt, item, min, max, &out[*n]) < 0)
			return -1;
		(*n)++;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

int parse_seconds(const char *opt, const char *s, double min, double max,
		  double *out)
{
	char *end;
	double v;

	errno = 0;
	v = s ? strtod(s, &end) : NAN;
	if (!s || end == s || *end || errno || !isfinite(v)) {
		zc_errorf("%s expects a number of seconds such as 2 or 0.5, not '%s'",
			  opt, s ? s : "");
		return -1;
	}
	if (v < min || v > max) {
		zc_errorf("%s must be between %g and %g seconds, not '%s'", opt,
			  min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

int parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max,
	       uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || !isdigit((unsigned char)*s))
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		goto bad;
	if (v < min || v > max) {
		zc_errorf("%s must be between %" PRIu64 " and %" PRIu64 ", not '%s'",
			  opt, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
bad:
	zc_errorf("%s expects a whole number, not '%s'", opt, s ? s : "");
	return -1;
}

int check_slots(const char *opt, uint64_t slots, uint32_t chan_mode)
{
	if (chan_mode == ZC_CHAN_MODE_SEQ &&
	    (slots > ZC_SEQ_SLOTS_MAX || (slots & (slots - 1)))) {
		zc_errorf("%s must be a power of two up to %u for SEQ channels, not %" PRIu64,
			  opt, ZC_SEQ_SLOTS_MAX, slots);
		return -1;
	}
	return 0;
}

void option_error(int c, char *const argv[])
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;

	if (!arg)
		arg = "?";
	if (c == ':') {
		if (optopt && optopt < 256 && arg[1] != '-')
			zc_errorf("option '-%c' needs a value", optopt);
		else
			zc_errorf("option '%s' needs a value", arg);
	} else if (optopt && optopt < 256 && arg[1] != '-') {
		zc_errorf("unknown option '-%c' (try '%s --help')", optopt, zc_cmd);
	} else {
		zc_errorf("unknown option '%s' (try '%s --help')", arg, zc_cmd);
	}
}

const char *zc_reason(const struct zc_channel *ch, int err)
{
	const char *why = ch ? zc_channel_error(ch) : NULL;

	return why ? why : zc_strerror(err);
}

const char *fmt_size(uint64_t n, char *buf, size_t cap)
{
	if (n >= (1ULL << 30) && !(n & ((1ULL << 30) - 1)))
		snprintf(buf, cap, "%" PRIu64 " GiB", n >> 30);
	else if (n >= (1ULL << 20) && !(n & ((1ULL << 20) - 1)))
		snprintf(buf, cap, "%" PRIu64 " MiB", n >> 20);
	else if (n >= (1ULL << 10) && !(n & ((1ULL << 10) - 1)))
		snprintf(buf, cap, "%" PRIu64 " KiB", n >> 10);
	else
		snprintf(buf, cap, "%" PRIu64 " B", n);
	return buf;
}
