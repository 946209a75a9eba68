/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM zc

#if !defined(_ZC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ZC_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(zc_bind,
	TP_PROTO(u32 link, u32 role, int pid),
	TP_ARGS(link, role, pid),
	TP_STRUCT__entry(
		__field(u32, link)
		__field(u32, role)
		__field(int, pid)
	),
	TP_fast_assign(
		__entry->link = link;
		__entry->role = role;
		__entry->pid = pid;
	),
	TP_printk("link=%u role=%s pid=%d", __entry->link,
		  __entry->role == 1 ? "host" : "remote", __entry->pid)
);

TRACE_EVENT(zc_unbind,
	TP_PROTO(u32 link, u32 role, bool peer_bound),
	TP_ARGS(link, role, peer_bound),
	TP_STRUCT__entry(
		__field(u32, link)
		__field(u32, role)
		__field(bool, peer_bound)
	),
	TP_fast_assign(
		__entry->link = link;
		__entry->role = role;
		__entry->peer_bound = peer_bound;
	),
	TP_printk("link=%u role=%s peer_notified=%d", __entry->link,
		  __entry->role == 1 ? "host" : "remote", __entry->peer_bound)
);

/* A bound end wrote its kick eventfd. */
TRACE_EVENT(zc_kick,
	TP_PROTO(u32 link, u32 from, u64 count),
	TP_ARGS(link, from, count),
	TP_STRUCT__entry(
		__field(u32, link)
		__field(u32, from)
		__field(u64, count)
	),
	TP_fast_assign(
		__entry->link = link;
		__entry->from = from;
		__entry->count = count;
	),
	TP_printk("link=%u from=%s count=%llu", __entry->link,
		  __entry->from == 1 ? "host" : "remote", __entry->count)
);

/* A doorbell was (or, with no end bound, could not be) delivered. */
TRACE_EVENT(zc_doorbell,
	TP_PROTO(u32 link, u32 to, bool delivered),
	TP_ARGS(link, to, delivered),
	TP_STRUCT__entry(
		__field(u32, link)
		__field(u32, to)
		__field(bool, delivered)
	),
	TP_fast_assign(
		__entry->link = link;
		__entry->to = to;
		__entry->delivered = delivered;
	),
	TP_printk("link=%u to=%s delivered=%d", __entry->link,
		  __entry->to == 1 ? "host" : "remote", __entry->delivered)
);

TRACE_EVENT(zc_mmap,
	TP_PROTO(u32 link, unsigned long pgoff, unsigned long len, int ret),
	TP_ARGS(link, pgoff, len, ret),
	TP_STRUCT__entry(
		__field(u32, link)
		__field(unsigned long, pgoff)
		__field(unsigned long, len)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->link = link;
		__entry->pgoff = pgoff;
		__entry->len = len;
		__entry->ret = ret;
	),
	TP_printk("link=%u pgoff=%lu len=%lu ret=%d", __entry->link,
		  __entry->pgoff, __entry->len, __entry->ret)
);

#endif /* _ZC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE zc_trace
#include <trace/define_trace.h>
