/* SPDX-License-Identifier: MIT */
/* attach.h - attach zc-trace's BPF programs to probes and tracepoints. */
#ifndef ZT_ATTACH_H
#define ZT_ATTACH_H

#include <stddef.h>
#include "targets.h"

struct bpf_link;
struct bpf_program;
struct zc_trace_bpf;

struct zt_links {
	struct bpf_link **v;
	size_t n, cap;
};

/*
 * Attach each zc probe of each object. Returns the number of probes
 * attached, or a negative errno for the first failure (after printing
 * which object and probe failed).
 */
int zt_attach_usdt(struct zc_trace_bpf *skel, const struct zt_objects *o,
		   struct zt_links *l);

/* Attach one program by its section name (tracepoints, tp_btf). */
int zt_attach_auto(struct bpf_program *prog, struct zt_links *l);

void zt_links_destroy(struct zt_links *l);

#endif
