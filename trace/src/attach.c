// SPDX-License-Identifier: MIT
/* attach.c - attach zc-trace's BPF programs to probes and tracepoints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "elf_probes.h"
#include "zc_trace.skel.h"

static int keep(struct zt_links *l, struct bpf_link *link)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct bpf_link **v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = link;
	return 0;
}

static struct bpf_program *prog_for(struct zc_trace_bpf *skel, int probe)
{
	switch (probe) {
	case ZT_P_SEND: return skel->progs.zc_send;
	case ZT_P_RECV: return skel->progs.zc_recv;
	case ZT_P_RELEASE: return skel->progs.zc_release;
	case ZT_P_FULL: return skel->progs.zc_full;
	case ZT_P_RESERVE: return skel->progs.zc_reserve;
	case ZT_P_KICK: return skel->progs.zc_kick;
	case ZT_P_WAKE: return skel->progs.zc_wake;
	case ZT_P_SEND_BURST: return skel->progs.zc_send_burst;
	case ZT_P_RECV_BURST: return skel->progs.zc_recv_burst;
	case ZT_P_BROKEN: return skel->progs.zc_broken;
	}
	return NULL;
}

int zt_attach_usdt(struct zc_trace_bpf *skel, const struct zt_objects *o,
		   struct zt_links *l)
{
	int attached = 0, p, rc;
	size_t i;

	for (i = 0; i < o->n; i++) {
		const struct zt_object *obj = &o->v[i];

		for (p = 0; p < ZT_P_COUNT; p++) {
			struct bpf_link *link;

			if (!(obj->probes & (1U << p)))
				continue;
			link = bpf_program__attach_usdt(prog_for(skel, p),
							obj->pid, obj->path,
							"zc", zt_probe_names[p],
							NULL);
			if (!link) {
				rc = -errno;
				fprintf(stderr, "zc-trace: cannot attach to zc:%s in %s: %s\n",
					zt_probe_names[p], obj->path, strerror(-rc));
				return rc;
			}
			rc = keep(l, link);
			if (rc < 0)
				return rc;
			attached++;
		}
	}
	return attached;
}

int zt_attach_auto(struct bpf_program *prog, struct zt_links *l)
{
	struct bpf_link *link = bpf_program__attach(prog);

	if (!link)
		return -errno;
	return keep(l, link);
}

void zt_links_destroy(struct zt_links *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		bpf_link__destroy(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
