/* SPDX-License-Identifier: MIT */
/* tools/region_dump.c - "zc info" output (region_dump.h). */
#include "region_dump.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "args.h"

int region_load_geom(const struct region_src *src, struct zc_geom *g,
		     struct zc_superblock *sb)
{
	int rc;

	if (src->size < sizeof(*sb))
		return -EMSGSIZE;
	rc = src->read(src->ctx, 0, sb, sizeof(*sb));
	if (rc < 0)
		return rc;
	return zc_geom_validate(g, sb, src->size);
}

/* Fields found out of range while printing (shown as "corrupt"). */
static unsigned int corrupt;

static const char *side_state(uint32_t s)
{
	switch (s) {
	case ZC_STATE_ABSENT: return "absent";
	case ZC_STATE_UP: return "up";
	case ZC_STATE_CLOSED: return "closed";
	}
	corrupt++;
	return "corrupt";
}

static const char *chan_state(uint32_t s)
{
	switch (s) {
	case ZC_CHAN_FREE: return "-";
	case ZC_CHAN_OPEN: return "open";
	case ZC_CHAN_CLOSED: return "closed";
	}
	corrupt++;
	return "corrupt";
}

static void print_features(FILE *f, uint32_t feat)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ ZC_FEAT_FRAG, "frag" },
		{ ZC_FEAT_NEED_WAKEUP, "need-wakeup" },
		{ ZC_FEAT_HUGEPAGES, "hugepages" },
	};
	unsigned int i;
	const char *sep = "";

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (feat & names[i].bit) {
			fprintf(f, "%s%s", sep, names[i].name);
			sep = ",";
			feat &= ~names[i].bit;
		}
	}
	if (feat)
		fprintf(f, "%s0x%x", sep, feat);
	if (!*sep && !feat)
		fprintf(f, "none");
}

/* A name from shared memory: printable bytes only, NUL or not. */
static void print_name(FILE *f, const char *name)
{
	char out[ZC_NAME_MAX * 4 + 1];
	size_t i, o = 0;

	for (i = 0; i < ZC_NAME_MAX && name[i]; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
	}
	out[o] = '\0';
	fprintf(f, "%-20s", o ? out : "?");
}

/* Entries in a ring, "corrupt" when the indices claim more than it holds. */
static void print_ring(FILE *f, const struct region_src *src,
		       const struct zc_geom *g, uint32_t c, uint32_t dir,
		       uint32_t kind)
{
	struct zc_ring_hdr h;
	uint32_t used;

	if (src->read(src->ctx, zc_ring_off(g, c, dir, kind), &h, sizeof(h))) {
		fprintf(f, " %9s", "?");
		return;
	}
	used = h.prod - h.cons;
	if (used > g->ring_entries) {
		fprintf(f, " %9s", "corrupt");
		corrupt++;
	}
	else
		fprintf(f, " %9u", used);
}

/*
 * A SEQ channel's direction: no descriptors, its data ring header counts
 * frames sent (prod) and released (cons); "free" is what is left of slots.
 */
static void print_seq_dir(FILE *f, const struct region_src *src,
			  const struct zc_geom *g, uint32_t c, uint32_t dir)
{
	struct zc_ring_hdr h;
	uint32_t used;

	if (src->read(src->ctx, zc_ring_off(g, c, dir, ZC_RING_DATA), &h,
		      sizeof(h))) {
		fprintf(f, " %9s %9s", "?", "?");
		return;
	}
	used = h.prod - h.cons;
	if (used > g->slots) {
		fprintf(f, " %9s %9s", "corrupt", "corrupt");
		corrupt++;
		return;
	}
	fprintf(f, " %9u %9u", used, g->slots - used);
}

int region_dump(FILE *f, const struct region_src *src,
		const struct zc_geom *g, const struct zc_superblock *sb)
{
	char a[32], b[32];
	uint32_t c, side, shown = 0;
	int rc;

	corrupt = 0;
	fprintf(f, "region %s\n", src->what);
	fprintf(f, "  format      version %u.%u, features ", sb->version_major,
		sb->version_minor);
	print_features(f, g->features);
	fprintf(f, ", generation %u\n", sb->generation);
	fprintf(f, "  size        %" PRIu64 " bytes (pool at 0x%" PRIx64 ")\n",
		g->region_size, g->pool_off);
	fprintf(f, "  slots       %u x %s per channel and direction, ring of %u\n",
		g->slots, fmt_size(g->slot_size, a, sizeof(a)), g->ring_entries);
	fprintf(f, "  channels    %u (host announces 0..%u, remote %u..%u)\n",
		g->channels, g->channels / 2 - 1, g->channels / 2,
		g->channels - 1);
	fprintf(f, "  max message %s\n", fmt_size(g->max_msg, b, sizeof(b)));

	fprintf(f, "\n%-7s %-8s %8s %10s %10s %10s %12s\n", "side", "state",
		"pid", "heartbeat", "kicks", "wakeups", "need_wakeup");
	for (side = 0; side < 2; side++) {
		const struct zc_side_state *s = &sb->side[side];

		fprintf(f, "%-7s %-8s %8u %10u %10u %10u %12u\n",
			side == ZC_SIDE_HOST ? "host" : "remote",
			side_state(s->state), s->pid, s->heartbeat, s->kicks,
			s->wakeups, s->need_wakeup);
	}

	fprintf(f, "\n%-3s %-20s %-7s %-7s %-7s %11s %5s %9s %9s %9s %9s  %s\n",
		"#", "channel", "by", "host", "remote", "addr h/r", "epoch",
		"h>r queue", "h free", "r>h queue", "r free", "mode");
	for (c = 0; c < g->channels; c++) {
		struct zc_chan_entry e;

		rc = src->read(src->ctx, g->chan_off + (uint64_t)c * sizeof(e),
			       &e, sizeof(e));
		if (rc < 0)
			return rc;
		if (e.state[0] == ZC_CHAN_FREE && e.state[1] == ZC_CHAN_FREE &&
		    !e.name[0])
			continue;
		shown++;
		fprintf(f, "%-3u ", c);
		print_name(f, e.name);
		fprintf(f, " %-7s %-7s %-7s %5u/%-5u %5u",
			c < g->channels / 2 ? "host" : "remote",
			chan_state(e.state[0]), chan_state(e.state[1]),
			e.addr[0], e.addr[1], e.epoch);
		if (e.mode == ZC_CHAN_MODE_SEQ) {
			print_seq_dir(f, src, g, c, ZC_SIDE_HOST);
			print_seq_dir(f, src, g, c, ZC_SIDE_REMOTE);
			fprintf(f, "  seq\n");
			continue;
		}
		print_ring(f, src, g, c, ZC_SIDE_HOST, ZC_RING_DATA);
		print_ring(f, src, g, c, ZC_SIDE_HOST, ZC_RING_RETURN);
		print_ring(f, src, g, c, ZC_SIDE_REMOTE, ZC_RING_DATA);
		print_ring(f, src, g, c, ZC_SIDE_REMOTE, ZC_RING_RETURN);
		if (e.mode == ZC_CHAN_MODE_RING) {
			fprintf(f, "  ring\n");
		} else {
			fprintf(f, "  corrupt (%u)\n", e.mode);
			corrupt++;
		}
	}
	if (!shown)
		fprintf(f, "(no channel announced)\n");
	return (int)corrupt;
}
