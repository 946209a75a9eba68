/* SPDX-License-Identifier: MIT */
/*
 * tools/progress.h - the "bytes so far, rate" line of a long zc send or
 * zc recv on standard error. On a terminal it is one line rewritten in
 * place about once a second; forced on elsewhere (--progress) it is one
 * line a second, for logs; by default nothing when stderr is no terminal,
 * so scripts and pipelines see only errors.
 */
#ifndef ZC_TOOLS_PROGRESS_H
#define ZC_TOOLS_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

enum progress_when {
	PROGRESS_AUTO,		/* when stderr is a terminal */
	PROGRESS_ALWAYS,	/* --progress */
	PROGRESS_NEVER,		/* --no-progress */
};

struct progress {
	int on;			/* lines are printed */
	int tty;		/* rewrite one line in place */
	int shown;		/* a line is on the terminal now */
	const char *what;	/* "sent", "received" */
	uint64_t start_ns, last_ns, last_bytes;
};

/* Start the clock; @what says what the byte count is ("sent"). */
void progress_start(struct progress *p, enum progress_when when,
		    const char *what);

/* Print @bytes and the rate if a second passed since the last line. */
void progress_update(struct progress *p, uint64_t bytes);

/*
 * The stream ended: @ok prints the totals and the average rate as a last
 * line; otherwise the line is cleared, so the error starts on its own.
 */
void progress_end(struct progress *p, uint64_t bytes, int ok);

/* "812 B", "1.5 KiB", "96.3 MiB", "1.21 GiB" into @buf. */
const char *fmt_bytes(double n, char *buf, size_t cap);

#endif /* ZC_TOOLS_PROGRESS_H */
