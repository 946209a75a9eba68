/* SPDX-License-Identifier: MIT */
/*
 * tools/region_dump.h - print a region's geometry, sides, channel table and
 * ring occupancy for "zc info", from a live mapping or a region file.
 *
 * Everything comes through a read callback into private memory, so a file
 * truncated or rewritten meanwhile cannot fault us, and every number taken
 * from the region is checked against the validated geometry before use.
 */
#ifndef ZC_TOOLS_REGION_DUMP_H
#define ZC_TOOLS_REGION_DUMP_H

#include <stdint.h>
#include <stdio.h>
#include <zc/layout.h>

struct region_src {
	/* Copy @len bytes at region offset @off into @buf; 0 or -errno. */
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	void *ctx;
	uint64_t size;		/* bytes available */
	const char *what;	/* for messages: the URI or the path */
};

/* Validate the superblock into @g; 0 or a negative errno (as zc_geom_validate). */
int region_load_geom(const struct region_src *src, struct zc_geom *g,
		     struct zc_superblock *sb);

/*
 * Print everything. Returns how many fields were out of range (printed as
 * "corrupt"), or a negative errno if the source failed midway.
 */
int region_dump(FILE *f, const struct region_src *src,
		const struct zc_geom *g, const struct zc_superblock *sb);

#endif /* ZC_TOOLS_REGION_DUMP_H */
