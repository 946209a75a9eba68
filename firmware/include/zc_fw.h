/* SPDX-License-Identifier: MIT */
/*
 * zc_fw.h - the remote-core side of a zc region, freestanding.
 *
 * The firmware attaches to a region its host created (validating the
 * superblock, accepting the version and features, marking the remote side
 * UP), announces its channels by name in the remote half of the channel
 * table (RPMsg name-service style: the host finds them with
 * zc_channel_open()), and then runs the very same inline data path as
 * libzc (zc/dataplane.h) on them. No libc, no allocation, no OS: every
 * object lives in memory the caller provides.
 *
 * A channel the host corrupts (bad index, slot, length, message id) is
 * broken, counted and closed on our side; the firmware keeps serving the
 * others. Application messages that are well framed but malformed are
 * rejected and counted by the application (zc_fw_reject()).
 */
#ifndef ZC_FW_H
#define ZC_FW_H

/*
 * The data path calls two slow paths each home defines. Firmware objects
 * name theirs zc_fw__kick/zc_fw__break, so an emulated remote core can link
 * libzc (which defines zc__kick/zc__break for its own channels) beside the
 * firmware without a clash. Hence zc_fw.h must come before dataplane.h.
 */
#ifdef ZC_DATAPLANE_H
#error "include zc_fw.h before zc/dataplane.h"
#endif
#define zc__kick	zc_fw__kick
#define zc__break	zc_fw__break

#include <zc/dataplane.h>
#include "zc_hal.h"

/* Largest slots-per-direction a firmware channel can track (bytes of RAM each). */
#ifndef ZC_FW_SLOTS_MAX
#define ZC_FW_SLOTS_MAX 256
#endif
/* Channels one link can serve (the management channel included). */
#ifndef ZC_FW_CHANS_MAX
#define ZC_FW_CHANS_MAX 8
#endif

#define ZC_FW_ENOSPC	28
#define ZC_FW_EEXIST	17

/* One channel served by the firmware. */
struct zc_fw_chan {
	struct zc_channel ch;	/* first: zc__break() finds us from it */
	struct zc_fw *fw;
	zc_u32 entry;		/* channel table index */
	zc_u32 rejected;	/* application messages refused (zc_fw_reject) */
	zc_u32 want_tx;		/* blocked: slots needed before it can send, 0: none */
	int open;		/* announced and not closed */
	zc_u32 discarding;	/* dropping the rest of a refused message */
	zc_u32 host_seen;	/* the host opened this announcement */
	zc_u8 tx_owned[ZC_FW_SLOTS_MAX];
	zc_u8 rx_held[ZC_FW_SLOTS_MAX];
};

/* Link counters, reported over the management channel. */
struct zc_fw_counters {
	zc_u32 broken;		/* channels the host broke */
	zc_u32 unknown;		/* host-announced channels we do not serve */
	zc_u32 sleeps;		/* times we slept on the doorbell */
	zc_u32 kicks;		/* doorbells we rang */
	zc_u32 reannounced;	/* channels offered again after the host let go */
};

/* One link to one host region. */
struct zc_fw {
	zc_u8 *base;
	struct zc_superblock *sb;
	struct zc_geom g;
	const struct zc_hal *hal;
	void *hal_ctx;
	int side;		/* ZC_SIDE_REMOTE (the loopback test also plays host) */
	int stop;		/* set by the application to leave zc_fw_run() */
	zc_u32 spin_polls;	/* idle polls before sleeping (~0U: never sleep) */
	zc_u64 deadline_ns;	/* application wake-up time (0: none) */
	struct zc_fw_chan *chans[ZC_FW_CHANS_MAX];
	zc_u32 nchans;
	zc_u32 next_entry;	/* table scan start for the next announcement */
	zc_u32 host_epoch[ZC_CHANNELS_MAX / 2]; /* host announcements judged (+1) */
	struct zc_fw_counters cnt;
	const char *app_name;
	/* Management channel state (zc_fw_run). */
	struct zc_fw_chan mgmt;
	zc_u32 mgmt_cmd;	/* request being answered, 0: none */
	zc_u32 mgmt_next;	/* next report to send for ZC_FW_CMD_STATS */
	zc_u32 mgmt_arg;	/* the request's argument */
};

/* An application: announce channels once, then poll. */
struct zc_fw_app {
	const char *name;
	/* Announce channels; 0 or a negative errno. */
	int (*init)(struct zc_fw *fw);
	/* Do what can be done now: >0 work done, 0 idle, <0 fatal. */
	int (*poll)(struct zc_fw *fw);
	/*
	 * The host announced channel @name: return a channel not in use to
	 * serve it with (and our address for it in *@addr), or NULL to refuse
	 * it. The channel is dropped again when the host closes it. May be
	 * NULL: refuse every host-announced channel.
	 */
	struct zc_fw_chan *(*accept)(struct zc_fw *fw, const char *name,
				     zc_u32 *addr);
};

/*
 * Attach to the region at @base (@size bytes visible) as side @side
 * (ZC_SIDE_REMOTE for firmware). Validates the superblock: -ZC_EPROTO not a
 * zc region or corrupt geometry, -ZC_EMSGSIZE truncated, -ZC_EBADMSG a
 * version or required feature this firmware does not speak (logged with
 * both versions), -ZC_EINVAL more slots than ZC_FW_SLOTS_MAX.
 */
int zc_fw_attach(struct zc_fw *fw, void *base, zc_u64 size, int side,
		 const struct zc_hal *hal, void *hal_ctx);

/* Mark our side closed (the host reclaims our slots). */
void zc_fw_detach(struct zc_fw *fw);

/*
 * Announce channel @name with local address @addr in our half of the
 * table: rings reset, then published. -ZC_FW_ENOSPC, -ZC_FW_EEXIST,
 * -ZC_EINVAL (name too long).
 */
int zc_fw_announce(struct zc_fw *fw, struct zc_fw_chan *fc, const char *name,
		   zc_u32 addr);

/*
 * Bind @fc to channel @name that the *peer* announced (the loopback
 * self-test's host end; zc_fw_run() does it for names app->accept()
 * takes). -ZC_EAGAIN if it is not announced yet.
 */
int zc_fw_bind_peer(struct zc_fw *fw, struct zc_fw_chan *fc, const char *name,
		    zc_u32 addr);

/* Internal (fw_link.c): serve peer entry @e with @fc; drop @fc. */
void zc__fw_bind_entry(struct zc_fw *fw, struct zc_fw_chan *fc, zc_u32 e);
void zc__fw_forget(struct zc_fw *fw, struct zc_fw_chan *fc);
/* Internal: reset and announce our channel @fc again, with a new epoch. */
void zc__fw_reannounce(struct zc_fw *fw, struct zc_fw_chan *fc);
int zc__fw_register(struct zc_fw *fw, struct zc_fw_chan *fc, const char *name,
		    zc_u32 addr);

/* Is @fc usable (announced, not broken)? */
static inline int zc_fw_live(const struct zc_fw_chan *fc)
{
	return fc->open && !fc->ch.broken;
}

/* Count one malformed application message on @fc (and log @why). */
void zc_fw_reject(struct zc_fw_chan *fc, const char *why);

/* Reserve for sending; on none free, remember to wake on returned slots. */
static inline int zc_fw_reserve(struct zc_fw_chan *fc, struct zc_buf *b,
				unsigned int n)
{
	int got = zc_reserve_burst(&fc->ch, b, n);

	fc->want_tx = got == 0;
	return got;
}

/*
 * Receive the next whole message on @fc into @buf (at most @cap bytes),
 * reassembling fragments and releasing each slot as soon as it is copied
 * (a part-assembled message stays in @buf between calls). Returns the
 * length when a message is complete, 0 when more is needed (nothing
 * waiting, or a message in progress), -ZC_EMSGSIZE for a message longer
 * than @cap (counted as rejected; its remaining fragments are dropped and
 * the channel keeps working), or a negative errno if the channel broke.
 * Empty messages are refused and counted.
 */
int zc_fw_recv_msg(struct zc_fw_chan *fc, void *buf, zc_u32 cap);

/*
 * Send one message of @len bytes on @fc, fragmenting it over as many slots
 * as it needs (the same frames zc_write() makes), all or nothing: the
 * payload is written in place by @fill(@ctx, dst, offset, n) for each
 * piece, so a generator needs no buffer. Returns @len; 0 when not enough
 * slots are free yet (try again: returned slots wake zc_fw_run());
 * -ZC_EMSGSIZE when it needs more slots than the channel has (or @len is
 * 0); or the channel's error.
 */
int zc_fw_send_fill(struct zc_fw_chan *fc, zc_u32 len,
		    void (*fill)(void *ctx, void *dst, zc_u32 off, zc_u32 n),
		    void *ctx);

/* zc_fw_send_fill() from a buffer. */
int zc_fw_send_msg(struct zc_fw_chan *fc, const void *buf, zc_u32 len);

/*
 * Sleep until the host rings (or @timeout_us): sets need_wakeup, fences,
 * re-checks every live channel, and only then waits. Returns 0, or
 * -ZC_EPIPE when the host is gone.
 */
int zc_fw_sleep(struct zc_fw *fw, zc_u32 timeout_us);

/*
 * Run @app on @fw: init, then poll; when idle for spin_polls rounds, sleep
 * until a doorbell or fw->deadline_ns. Also serves the management channel
 * and refuses host-announced channels @app does not serve. Returns 0 when
 * the application (or the host, over the management channel) stops it,
 * -ZC_EPIPE when the host goes away, or the application's error.
 */
int zc_fw_run(struct zc_fw *fw, const struct zc_fw_app *app);

/* Freestanding helpers the examples share. */
zc_u32 zc_fw_crc32c(zc_u32 crc, const void *buf, zc_u32 len);
/* printf-like line to hal->log: %s %d %u %x %llu only. */
void zc_fw_logf(struct zc_fw *fw, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
zc_u32 zc_fw_strlen(const char *s);
int zc_fw_strneq(const char *a, const char *b, zc_u32 max);
void zc_fw_copy(void *dst, const void *src, zc_u32 n);

#endif /* ZC_FW_H */
