/* SPDX-License-Identifier: MIT */
/*
 * zc_fw_proto.h - what the example firmware says on its channels.
 *
 * Shared by the firmware and the host programs that talk to it (tests, the
 * DSP pipeline demo). Little-endian, fixed-width, naturally aligned: the
 * host may read these structures straight out of a received slot.
 */
#ifndef ZC_FW_PROTO_H
#define ZC_FW_PROTO_H

#include <zc/env.h>

/* ---- management channel, served by every firmware (zc_fw_run) ---- */
#define ZC_FW_MGMT_NAME		"zc.fw"
#define ZC_FW_MGMT_ADDR		0x35

#define ZC_FW_CMD_PING		1	/* reply: struct zc_fw_pong */
#define ZC_FW_CMD_STATS		2	/* reply: one zc_fw_chan_report per channel */
#define ZC_FW_CMD_STOP		3	/* reply: the request echoed; then leave */
#define ZC_FW_CMD_PATTERN	4	/* reply: one message of arg bytes, zc_fw_pattern(arg, i),
					 * fragmented as needed (tests the firmware's fragmenter) */

static inline zc_u8 zc_fw_pattern(zc_u32 len, zc_u32 i)
{
	return (zc_u8)(i * 7 + (i >> 8) * 3 + len);
}

struct zc_fw_req {
	zc_u32 cmd;
	zc_u32 arg;
};

struct zc_fw_pong {
	zc_u32 cmd;		/* ZC_FW_CMD_PING */
	zc_u32 nchans;		/* channels served, management included */
	char app[32];		/* application name */
};

struct zc_fw_chan_report {
	zc_u32 cmd;		/* ZC_FW_CMD_STATS */
	zc_u32 index;		/* this report's number, 0 .. count-1 */
	zc_u32 count;		/* reports in this answer */
	zc_u32 entry;		/* channel table index */
	char name[32];
	zc_u32 broken;		/* 0, or the (positive) errno that broke it */
	zc_u32 rejected;	/* malformed application messages refused */
	zc_u32 link_broken;	/* link-wide: channels broken by the host */
	zc_u32 link_unknown;	/* link-wide: host channels refused (unknown name) */
	zc_u32 sleeps;		/* link-wide */
	zc_u32 kicks;		/* link-wide */
	zc_u32 epoch;		/* this channel's announcement */
	zc_u32 link_reannounced; /* link-wide: channels offered again after the host let go */
	zc_u64 rx_msgs, tx_msgs, rx_bytes, tx_bytes;
};

/* ---- echo: every frame goes back to its sender unchanged ---- */
#define ZC_ECHO_NAME		"echo"
#define ZC_ECHO2_NAME		"echo.b"
#define ZC_ECHO_ADDR		0x400

/* ---- source: a paced stream with sequence numbers and CRC32C ---- */
#define ZC_SRC_CTL_NAME		"src.ctl"
#define ZC_SRC_DATA_NAME	"src.data"
#define ZC_SRC_ADDR		0x500

#define ZC_SRC_CMD_START	1	/* struct zc_src_start; reply zc_src_status */
#define ZC_SRC_CMD_STOP		2	/* struct zc_fw_req; reply zc_src_status */
#define ZC_SRC_CMD_DONE		3	/* sent by the source when @count frames are out */

struct zc_src_start {
	zc_u32 cmd;		/* ZC_SRC_CMD_START */
	zc_u32 size;		/* frame payload bytes, >= sizeof(zc_src_frame) */
	zc_u32 rate;		/* frames per second; 0: as fast as the host takes them */
	zc_u32 count;		/* frames to send; 0: until stopped */
};

struct zc_src_status {
	zc_u32 cmd;		/* the command answered, or ZC_SRC_CMD_DONE */
	zc_u32 status;		/* 0, or the positive errno refusing it */
	zc_u64 sent;		/* frames sent so far in this run */
};

/*
 * Each data frame starts with this; the rest of the payload is the byte
 * pattern zc_src_byte(seq, i) for i in [16, size), and crc is CRC32C of
 * the 8 bytes of seq followed by that rest.
 */
struct zc_src_frame {
	zc_u64 seq;		/* 0, 1, 2, ... per run */
	zc_u32 crc;
	zc_u32 size;		/* payload bytes, this header included */
};

static inline zc_u8 zc_src_byte(zc_u64 seq, zc_u32 i)
{
	return (zc_u8)(seq * 131 + i * 7 + (i >> 8));
}

/* ---- fir: float samples in, filtered samples out, taps on fir.ctl ---- */
#define ZC_FIR_CTL_NAME		"fir.ctl"
#define ZC_FIR_DATA_NAME	"fir.data"
#define ZC_FIR_ADDR		0x600
#define ZC_FIR_TAPS_MAX		256

#define ZC_FIR_CMD_TAPS		1	/* struct zc_fir_taps + taps; reply zc_fir_status */

#define ZC_FIR_REAL		1	/* float samples, float taps */
#define ZC_FIR_COMPLEX		2	/* complex float (re, im) samples and taps */

/*
 * Loading taps resets the filter's history (as if zeros came before).
 * A data frame is a whole number of samples (4 bytes real, 8 complex);
 * its filtered samples come back as one frame of the same length.
 */
struct zc_fir_taps {
	zc_u32 cmd;		/* ZC_FIR_CMD_TAPS */
	zc_u32 kind;		/* ZC_FIR_REAL or ZC_FIR_COMPLEX */
	zc_u32 ntaps;		/* 1 .. ZC_FIR_TAPS_MAX */
	zc_u32 reserved;
	/* float taps[ntaps] or taps[ntaps][2] follow */
};

struct zc_fir_status {
	zc_u32 cmd;		/* ZC_FIR_CMD_TAPS */
	zc_u32 status;		/* 0, or the positive errno refusing it */
	zc_u32 kind;
	zc_u32 ntaps;
};

#endif /* ZC_FW_PROTO_H */
