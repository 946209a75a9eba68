/* SPDX-License-Identifier: MIT */
/*
 * zc/channel.h - named channels and the zero-copy data path.
 *
 * A channel is a bidirectional, ordered, reliable message stream between
 * the two sides of a region, with its own rings and its own slots, so each
 * channel may be driven by its own thread. One thread at a time may send on
 * a channel and one thread at a time may receive on it.
 *
 * Zero-copy: reserve slots, write payloads in place, send them; receive
 * pointers into the pool, use them, release them. These calls are inline
 * and never enter the kernel, except for a doorbell when the peer sleeps.
 * Copying: zc_write()/zc_read() move a message of any size up to the
 * region's max_msg, fragmenting and reassembling it.
 *
 * A channel whose peer breaks the protocol (a bad index, offset, length,
 * message id) is marked broken: every call then returns the error that
 * broke it, and zc_channel_error() says what happened.
 */
#ifndef ZC_CHANNEL_H
#define ZC_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "dataplane.h"
#include "region.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Announce a new channel @name (at most 31 bytes) with local address
 * @addr; the peer finds it with zc_channel_open(). -EEXIST if this side
 * already announced that name, -ENOSPC if this side's half of the table is
 * full.
 */
int zc_channel_create(zc_region *r, const char *name, uint32_t addr,
		      zc_channel **out);

/*
 * Announce as zc_channel_create() does, in mode @mode: ZC_CHAN_MODE_RING
 * (slots in any order, through descriptor rings) or ZC_CHAN_MODE_SEQ
 * (slots strictly in turn, the receiver polls the next slot: fewer cache
 * lines per message; sends must follow reservation order, and at most
 * ZC_SEQ_SLOTS_MAX slots). zc_channel_create() uses the region's default:
 * zc_params.chan_mode for the host, $ZC_CHAN_MODE ("seq") or RING for a
 * remote. The opener follows the announcer's mode.
 */
int zc_channel_create_mode(zc_region *r, const char *name, uint32_t addr,
			   uint32_t mode, zc_channel **out);

/*
 * Open the channel @name announced by the peer, waiting up to @timeout_ms
 * for the announcement (-ETIMEDOUT).
 */
int zc_channel_open(zc_region *r, const char *name, uint32_t addr,
		    int timeout_ms, zc_channel **out);

/* Close the channel; slots still held are returned to their owner. */
void zc_channel_close(zc_channel *ch);

/* A sentence saying why @ch broke, or NULL if it is healthy. */
const char *zc_channel_error(const zc_channel *ch);

/* Channel counters. */
void zc_channel_stats(const zc_channel *ch, struct zc_channel_stats *st);

/* Blocking single-buffer forms, waiting per the region's wait mode.
 * @timeout_ms: -1 waits forever, 0 never waits (-EAGAIN). A lost peer
 * gives -EPIPE once everything it sent has been received. */
int zc_reserve(zc_channel *ch, struct zc_buf *b, int timeout_ms);
int zc_send(zc_channel *ch, struct zc_buf *b);
int zc_recv(zc_channel *ch, struct zc_buf *b, int timeout_ms);
int zc_release(zc_channel *ch, const struct zc_buf *b);

/* Wait until a frame can be received / a slot reserved. */
int zc_wait_rx(zc_channel *ch, int timeout_ms);
int zc_wait_tx(zc_channel *ch, int timeout_ms);

/*
 * Copy @len bytes out as one message, fragmenting it over as many slots as
 * it needs (waiting for slots: back-pressure, never a drop). Returns @len,
 * -EMSGSIZE above the region's max_msg, or another negative errno. Returns
 * within @timeout_ms also mid-message: -ETIMEDOUT (-EAGAIN for 0) means the
 * message was not delivered; if part of it went out, the next frame sent
 * on @ch carries ZC_FRAME_ABORT, so the reader discards that part and says
 * so (stats.tx_aborted counts these).
 */
ssize_t zc_write(zc_channel *ch, const void *buf, size_t len, int timeout_ms);

/*
 * Receive one whole message into @buf, reassembling its fragments. Returns
 * its length; -EMSGSIZE if it is longer than @cap (the message stays
 * queued: zc_next_size() tells how much room it needs); -EBADMSG if its
 * fragments are out of sequence. Returns within @timeout_ms also between
 * fragments (-ETIMEDOUT, -EAGAIN for 0): what arrived is kept and the next
 * call resumes the message, into any buffer large enough. -ECANCELED: the
 * writer abandoned the message being read (ZC_FRAME_ABORT); the part is
 * discarded (stats.rx_aborted) and the next call reads the next message.
 * A writer lost mid-message: -EPIPE, the part counted in rx_aborted too.
 */
ssize_t zc_read(zc_channel *ch, void *buf, size_t cap, int timeout_ms);

/* Length of the next message zc_read() would return (a half-read one first), waiting for it. */
ssize_t zc_next_size(zc_channel *ch, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* ZC_CHANNEL_H */
