// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * zc_waking.bpf.c - which thread a zc:kick woke, for the kick->wake
 * histogram. Its own object because it is the one program that reads a
 * kernel structure (CO-RE, so it needs the kernel's BTF): without BTF,
 * zc-trace still loads zc_trace.bpf.c and counts.
 */
#include "zc_kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "zc_kick_maps.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* A kick's doorbell write wakes its sleeper within this (else: not ours). */
#define ZT_KICK_WINDOW_NS	(10ULL * 1000 * 1000)

/*
 * The doorbell write that follows zc:kick wakes the peer's sleeping thread
 * from the kicker's context: sched_waking runs in the waker, so the first
 * one after a kick names the thread that kick woke, whatever process or
 * region it is in. (sched_wakeup may run on the target CPU instead.)
 */
SEC("tp_btf/sched_waking")
int BPF_PROG(zc_sched_waking, struct task_struct *p)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *t, now, kicked;
	__u32 woken;

	t = bpf_map_lookup_elem(&kick_pending, &tid);
	if (!t)
		return 0;
	kicked = *t;
	bpf_map_delete_elem(&kick_pending, &tid);
	now = bpf_ktime_get_ns();
	if (now - kicked > ZT_KICK_WINDOW_NS)
		return 0;
	woken = (__u32)BPF_CORE_READ(p, pid);
	bpf_map_update_elem(&woken_by_kick, &woken, &kicked, BPF_ANY);
	return 0;
}
