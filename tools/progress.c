/* SPDX-License-Identifier: MIT */
/* tools/progress.c - the progress line of zc send / zc recv (progress.h). */
#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#include "args.h"
#include "proc.h"

#define PROGRESS_EVERY_NS 1000000000ULL

const char *fmt_bytes(double n, char *buf, size_t cap)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	if (n < 1024) {
		snprintf(buf, cap, "%.0f B", n);
		return buf;
	}
	n /= 1024;
	while (n >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		n /= 1024;
		u++;
	}
	snprintf(buf, cap, n < 10 ? "%.2f %s" : n < 100 ? "%.1f %s" : "%.0f %s",
		 n, units[u]);
	return buf;
}

void progress_start(struct progress *p, enum progress_when when,
		    const char *what, int data_fd)
{
	int tty = isatty(2);

	*p = (struct progress){
		.on = when == PROGRESS_ALWAYS ||
		      (when == PROGRESS_AUTO && tty && !isatty(data_fd)),
		.tty = tty,
		.what = what,
	};
	p->start_ns = p->last_ns = now_ns();
}

static void print_line(struct progress *p, uint64_t bytes, double rate,
		       double secs, const char *end)
{
	char b[32], r[32];

	fprintf(stderr, "%s%s: %s %s in %.0f s, %s/s%s%s",
		p->tty ? "\r" : "", zc_cmd, fmt_bytes((double)bytes, b, sizeof(b)),
		p->what, secs, fmt_bytes(rate, r, sizeof(r)),
		p->tty ? "\033[K" : "", end);
	fflush(stderr);
}

void progress_update(struct progress *p, uint64_t bytes)
{
	uint64_t now;
	double dt;

	if (!p->on)
		return;
	now = now_ns();
	if (now - p->last_ns < PROGRESS_EVERY_NS)
		return;
	dt = (double)(now - p->last_ns) / 1e9;
	/* The rate over the last second: what the stream does now. */
	print_line(p, bytes, (double)(bytes - p->last_bytes) / dt,
		   (double)(now - p->start_ns) / 1e9, p->tty ? "" : "\n");
	p->shown = p->tty;
	p->last_ns = now;
	p->last_bytes = bytes;
}

void progress_end(struct progress *p, uint64_t bytes, int ok)
{
	char b[32], r[32];
	double secs;

	if (!p->on)
		return;
	if (!ok) {
		if (p->shown)
			fputs("\r\033[K", stderr);
		p->shown = 0;
		return;
	}
	secs = (double)(now_ns() - p->start_ns) / 1e9;
	fprintf(stderr, "%s%s: %s (%llu bytes) %s in %.1f s, %s/s on average.%s\n",
		p->shown ? "\r" : "", zc_cmd,
		fmt_bytes((double)bytes, b, sizeof(b)), (unsigned long long)bytes,
		p->what, secs,
		fmt_bytes(secs > 0 ? (double)bytes / secs : 0, r, sizeof(r)),
		p->shown ? "\033[K" : "");
	p->shown = 0;
}
