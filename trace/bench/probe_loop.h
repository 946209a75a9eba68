/* SPDX-License-Identifier: MIT */
/* probe_loop.h - the two builds of the same send/recv loop. */
#ifndef ZT_PROBE_LOOP_H
#define ZT_PROBE_LOOP_H

#include <zc/dataplane.h>

long zt_loop_probes(zc_channel *tx, zc_channel *rx, long msgs,
		    unsigned int burst, uint32_t len);
long zt_loop_noprobes(zc_channel *tx, zc_channel *rx, long msgs,
		      unsigned int burst, uint32_t len);
long zt_loop_control(zc_channel *tx, zc_channel *rx, long msgs,
		     unsigned int burst, uint32_t len);

#endif
