// SPDX-License-Identifier: GPL-2.0
/*
 * The software mailbox: both ends of a link are local
 * openers, so a kick from one end is the other end's doorbell.
 *
 * A SoC backend replaces this file: its ->ring() writes the mailbox
 * register that interrupts the remote core, and its IRQ handler calls
 * zc_link_doorbell(link, ZC_ROLE_HOST). It would not set
 * ZC_MBOX_CAP_SW_REMOTE, because the remote end is firmware, not a file.
 */
#include "zc_internal.h"

static void zc_mbox_sw_ring(struct zc_link *link, u32 from)
{
	zc_link_doorbell(link, zc_peer_role(from));
}

const struct zc_mbox_ops zc_mbox_sw_ops = {
	.name = "sw",
	.caps = ZC_MBOX_CAP_SW_REMOTE,
	.ring = zc_mbox_sw_ring,
};
