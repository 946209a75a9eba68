/* SPDX-License-Identifier: MIT */
/*
 * tools/progress.h - the "bytes so far, rate" line of a long zc send or
 * zc recv on standard error. On a terminal it is one line rewritten in
 * place about once a second; forced on elsewhere (--progress) it is one
 * line a second, for logs. By default it is shown only when stderr is a
 * terminal and the data is not (a recv writing to the terminal, a send
 * reading what is typed, would have its data mixed with the line), so
 * scripts and pipelines see only errors.
 */
#ifndef ZC_TOOLS_PROGRESS_H
#define ZC_TOOLS_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

enum progress_when {
	PROGRESS_AUTO,		/* when stderr is a terminal and the data is not */
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

/*
 * Start the clock; @what says what the byte count is ("sent"); @data_fd is
 * where the data comes from or goes to (0 or 1).
 */
void progress_start(struct progress *p, enum progress_when when,
		    const char *what, int data_fd);

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
