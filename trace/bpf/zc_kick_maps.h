/* SPDX-License-Identifier: MIT */
/*
 * zc_kick_maps.h - the two maps zc_trace.bpf.c and zc_waking.bpf.c share
 * to time kick->wake. Each object declares them; the loader makes the
 * second object use the first one's maps (bpf_map__reuse_fd).
 */
#ifndef ZC_KICK_MAPS_H
#define ZC_KICK_MAPS_H

/* Kicker thread -> time of its zc:kick, until its doorbell wakes a thread. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} kick_pending SEC(".maps");

/* Woken thread -> time of the kick that woke it, until its zc:wake. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} woken_by_kick SEC(".maps");

#endif
