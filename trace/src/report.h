/* SPDX-License-Identifier: MIT */
/* report.h - read zc-trace's counters and print them as text or JSON. */
#ifndef ZT_REPORT_H
#define ZT_REPORT_H

#include <stdio.h>
#include <linux/types.h>
#include "zc_trace_maps.h"

struct zt_chan_row {
	struct zt_chan_key key;
	struct zt_chan_val val;
};

struct zt_kmod_row {
	struct zt_kmod_key key;
	__u64 count;
};

/* Cumulative counters as read at one instant. */
struct zt_snapshot {
	struct zt_chan_row *chan;
	size_t nchan, capchan;
	struct zt_kmod_row *kmod;
	size_t nkmod, capkmod;
	__u64 lost;		/* events not recorded: a map was full */
};

/* Read the counter maps (@kmod_fd may be -1). 0 or a negative errno. */
int zt_snapshot_read(struct zt_snapshot *s, int chan_fd, int kmod_fd,
		     int lost_fd);
void zt_snapshot_free(struct zt_snapshot *s);

struct zt_output {
	FILE *f;
	int json;
	int rows_printed;	/* text: header every so often */
};

/* One line (JSON) or block (text) of rates between two snapshots. */
void zt_print_interval(struct zt_output *o, const struct zt_snapshot *prev,
		       const struct zt_snapshot *cur, double secs);

/* The cumulative counters since attach, and the histograms (@hist_fd -1: none). */
void zt_print_totals(struct zt_output *o, const struct zt_snapshot *cur,
		     double secs, int hist_fd);

/* @s as a JSON string, quoted and escaped. */
void zt_json_string(FILE *f, const char *s);

#endif
