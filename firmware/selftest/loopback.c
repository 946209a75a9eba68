// SPDX-License-Identifier: MIT
/*
 * loopback.c - the ring code talking to itself: one image plays both the
 * host and the remote core of a region in its own RAM, single-threaded,
 * through a loopback HAL. It runs on the build machine (a meson test) and
 * on a Cortex-M4F under QEMU (firmware/cross/build.sh), so the very same
 * freestanding data path is exercised where it is meant to run.
 *
 * Checked: echo of every length a slot holds, the need-wakeup kick
 * suppression, the FIR firmware against a double-precision reference (real
 * and complex, taps fragmented over several slots), malformed messages
 * refused while the channel goes on, a forged descriptor breaking only its
 * own channel, the fragmenter read back by the reassembler, and superblock
 * version/magic/size checks.
 */
#include "zc_fw.h"
#include "zc_fw_proto.h"
#include "fw_examples.h"
#include "loopback.h"

#define LB_SLOT		256U
#define LB_SLOTS	8U
#define LB_CHANNELS	8U
#define LB_REGION_MAX	(64U * 1024U)

static zc_u8 lb_region[LB_REGION_MAX] __attribute__((aligned(4096)));
static zc_u8 lb_bad[ZC_SB_SIZE] __attribute__((aligned(64)));

struct lb_ctx {
	const char *who;
	zc_u32 kicks;		/* doorbells this side rang */
	zc_u32 waits;
	zc_u64 clock;
};

static void (*lb_print)(const char *line);
static struct lb_ctx lb_host_ctx = { .who = "host" };
static struct lb_ctx lb_fw_ctx = { .who = "fw" };
static struct zc_fw lb_fw, lb_host;
static struct zc_fw_chan h_echo, h_echo2, h_fctl, h_fdata;
static int lb_failures;

static void lb_kick(void *ctx)
{
	((struct lb_ctx *)ctx)->kicks++;
}

/* Single-threaded: nobody else can ring, so never block. */
static int lb_wait(void *ctx, zc_u32 timeout_us)
{
	(void)timeout_us;
	((struct lb_ctx *)ctx)->waits++;
	return -ZC_FW_ETIMEDOUT;
}

static zc_u64 lb_now(void *ctx)
{
	return ((struct lb_ctx *)ctx)->clock += 1000;
}

static void lb_log(void *ctx, const char *line)
{
	(void)ctx;
	if (lb_print)
		lb_print(line);
}

static const struct zc_hal lb_hal = {
	.kick = lb_kick, .wait = lb_wait, .now_ns = lb_now, .log = lb_log,
};

static void check(int ok, const char *what)
{
	if (!ok) {
		lb_failures++;
		zc_fw_logf(&lb_host, "FAIL: %s", what);
	}
}

/* Format a region the way a host does (libzc's zc_create). */
static int lb_format(void)
{
	struct zc_superblock *sb = (struct zc_superblock *)lb_region;
	struct zc_geom g;
	zc_u32 i;

	if (zc_geom_compute(&g, LB_SLOT, LB_SLOTS, LB_CHANNELS, 4096, 4096) < 0 ||
	    g.region_size > sizeof(lb_region))
		return -ZC_EINVAL;
	for (i = 0; i < sizeof(lb_region); i++)
		lb_region[i] = 0;
	zc_sb_write(sb, &g);
	sb->side[ZC_SIDE_HOST].state = ZC_STATE_UP;
	zc_sb_publish(sb);
	return 0;
}

/* Let the firmware run until it has nothing left to do. */
static void lb_pump(void)
{
	int i;

	for (i = 0; i < 64; i++)
		if (zc_fw_echo_app.poll(&lb_fw) + zc_fw_fir_app.poll(&lb_fw) == 0)
			break;
}

/* Host end: send @len bytes as one message, fragmenting like zc_write(). */
static int lb_write(struct zc_fw_chan *fc, const void *buf, zc_u32 len)
{
	zc_u32 room = LB_SLOT - ZC_FRAME_HDR_SIZE, off = 0;
	zc_u64 frags = zc_frag_count(len, LB_SLOT), i;

	for (i = 0; i < frags; i++) {
		zc_u16 flags = 0;
		zc_u32 body, pre = 0;
		struct zc_desc d;
		struct zc_buf b;
		int tries = 0;

		while (zc_reserve_burst(&fc->ch, &b, 1) != 1) {
			if (++tries > 4)
				return -ZC_EAGAIN;
			lb_pump();
		}
		if (frags > 1) {
			flags = i == 0 ? ZC_FRAME_MORE | ZC_FRAME_TOTAL :
				i + 1 < frags ? ZC_FRAME_MORE | ZC_FRAME_CONT :
				ZC_FRAME_CONT;
			if (i == 0) {
				zc_u64 total = len;

				zc_fw_copy(b.data, &total, sizeof(total));
				pre = ZC_FRAME_TOTAL_SIZE;
			}
		}
		body = len - off < room - pre ? len - off : room - pre;
		zc_fw_copy((zc_u8 *)b.data + pre, (const zc_u8 *)buf + off, body);
		off += body;
		b.len = body + pre;
		if (zc__frame(&fc->ch, &b, flags, &d) < 0 ||
		    zc_ring_produce_bulk(&fc->ch.tx, &d, 1) != 1)
			return -ZC_EPROTO;
		fc->ch.stats.tx_msgs++;
		zc__notify(&fc->ch);
	}
	return (int)len;
}

static int lb_send(struct zc_fw_chan *fc, const void *buf, zc_u32 len)
{
	struct zc_buf b;

	if (zc_reserve_burst(&fc->ch, &b, 1) != 1 || len > b.cap)
		return -ZC_EAGAIN;
	zc_fw_copy(b.data, buf, len);
	b.len = len;
	return zc_send_burst(&fc->ch, &b, 1);
}

static zc_u8 lb_pattern(zc_u32 msg, zc_u32 i)
{
	return (zc_u8)(msg * 7 + i * 13 + 1);
}

static void lb_echo(struct zc_fw_chan *fc, zc_u32 count, const char *name)
{
	zc_u32 sent = 0, got = 0, bad = 0, rounds = 0;

	while (got < count) {
		struct zc_buf b[4];
		int n, i;

		n = sent < count ? zc_reserve_burst(&fc->ch, b, count - sent < 4 ?
							 count - sent : 4) : 0;
		for (i = 0; i < n; i++) {
			zc_u32 len = sent % (LB_SLOT - ZC_FRAME_HDR_SIZE) + 1, k;

			for (k = 0; k < len; k++)
				((zc_u8 *)b[i].data)[k] = lb_pattern(sent, k);
			b[i].len = len;
			sent++;
		}
		if (n > 0)
			zc_send_burst(&fc->ch, b, (unsigned int)n);
		lb_pump();
		while ((n = zc_recv_burst(&fc->ch, b, 4)) > 0) {
			for (i = 0; i < n; i++, got++) {
				zc_u32 len = got % (LB_SLOT - ZC_FRAME_HDR_SIZE) + 1, k;

				if (b[i].len != len || b[i].src != ZC_ECHO_ADDR + (fc == &h_echo2))
					bad++;
				for (k = 0; k < b[i].len && k < len; k++)
					bad += ((zc_u8 *)b[i].data)[k] != lb_pattern(got, k);
			}
			zc_release_burst(&fc->ch, b, (unsigned int)n);
		}
		if (fc->ch.broken || ++rounds > count * 4 + 100)
			break;
	}
	check(got == count && bad == 0, name);
	zc_fw_logf(&lb_host, "%s: %u/%u messages echoed, %u bad bytes", name,
		   (unsigned)got, (unsigned)count, (unsigned)bad);
}

/* ---- FIR against a double-precision reference ---- */

#define LB_FIR_SAMPLES 2400U
static float fir_in[2 * LB_FIR_SAMPLES], fir_out[2 * LB_FIR_SAMPLES];
static union {
	struct zc_fir_taps hdr;
	float f[4 + 2 * ZC_FIR_TAPS_MAX];
} taps_msg;

static float lb_rand(zc_u32 *s)
{
	*s = *s * 1664525u + 1013904223u;
	return (float)((int)(*s >> 8) - (1 << 23)) / (float)(1 << 23);
}

static int lb_taps(zc_u32 kind, zc_u32 ntaps, zc_u32 seed)
{
	zc_u32 w = kind == ZC_FIR_COMPLEX ? 2 : 1, i;
	struct zc_buf b;
	int n, tries;

	taps_msg.hdr.cmd = ZC_FIR_CMD_TAPS;
	taps_msg.hdr.kind = kind;
	taps_msg.hdr.ntaps = ntaps;
	taps_msg.hdr.reserved = 0;
	for (i = 0; i < ntaps * w; i++)
		taps_msg.f[4 + i] = lb_rand(&seed) / (float)ntaps;
	if (lb_write(&h_fctl, &taps_msg, 16 + ntaps * w * 4) < 0)
		return -1;
	for (tries = 0; tries < 8; tries++) {
		lb_pump();
		n = zc_recv_burst(&h_fctl.ch, &b, 1);
		if (n == 1) {
			struct zc_fir_status st;

			zc_fw_copy(&st, b.data, sizeof(st));
			zc_release_burst(&h_fctl.ch, &b, 1);
			return b.len == sizeof(st) ? (int)st.status : -1;
		}
	}
	return -1;
}

/* Stream LB_FIR_SAMPLES through the firmware in @per-sample frames. */
static void lb_fir(zc_u32 kind, zc_u32 ntaps, zc_u32 per, const char *name)
{
	zc_u32 w = kind == ZC_FIR_COMPLEX ? 2 : 1, seed = 99, in = 0, out = 0, i, k;
	const float *h = &taps_msg.f[4];
	double worst = 0, scale = 0;
	int rc = lb_taps(kind, ntaps, 1234 + ntaps);

	check(rc == 0, "taps accepted");
	for (i = 0; i < LB_FIR_SAMPLES * w; i++)
		fir_in[i] = lb_rand(&seed);
	while (out < LB_FIR_SAMPLES && !h_fdata.ch.broken) {
		struct zc_buf b;

		if (in < LB_FIR_SAMPLES) {
			zc_u32 n = LB_FIR_SAMPLES - in < per ? LB_FIR_SAMPLES - in : per;

			if (zc_reserve_burst(&h_fdata.ch, &b, 1) == 1) {
				zc_fw_copy(b.data, &fir_in[in * w], n * w * 4);
				b.len = n * w * 4;
				zc_send_burst(&h_fdata.ch, &b, 1);
				in += n;
			}
		}
		lb_pump();
		while (zc_recv_burst(&h_fdata.ch, &b, 1) == 1) {
			zc_u32 n = b.len / (w * 4);

			if (out + n > LB_FIR_SAMPLES)
				n = LB_FIR_SAMPLES - out;
			zc_fw_copy(&fir_out[out * w], b.data, n * w * 4);
			out += n;
			zc_release_burst(&h_fdata.ch, &b, 1);
		}
	}
	for (i = 0; i < ntaps * w; i++)
		scale += h[i] < 0 ? -h[i] : h[i];
	for (i = 0; i < out; i++) {
		double re = 0, im = 0, e;

		for (k = 0; k < ntaps && k <= i; k++) {
			const float *s = &fir_in[(i - k) * w];

			if (w == 1) {
				re += (double)h[k] * s[0];
			} else {
				re += (double)h[2 * k] * s[0] - (double)h[2 * k + 1] * s[1];
				im += (double)h[2 * k] * s[1] + (double)h[2 * k + 1] * s[0];
			}
		}
		e = re - fir_out[i * w];
		e = e < 0 ? -e : e;
		worst = e > worst ? e : worst;
		if (w == 2) {
			e = im - fir_out[i * w + 1];
			e = e < 0 ? -e : e;
			worst = e > worst ? e : worst;
		}
	}
	/* float accumulation of ntaps terms bounded by scale: a few ulp each */
	check(out == LB_FIR_SAMPLES && worst <= 1e-5 * (scale + 1), name);
	zc_fw_logf(&lb_host, "%s: %u taps, %u samples, worst error %u ppb of the gain",
		   name, (unsigned)ntaps, (unsigned)out, (unsigned)(worst / (scale + 1) * 1e9));
}

static void lb_malformed(void)
{
	zc_u32 rej0 = h_fdata.rejected, fw_rej0;
	struct zc_fw_chan *fw_fdata = 0, *fw_echo2 = 0;
	static zc_u8 big[3000];
	zc_u32 i;

	for (i = 0; i < lb_fw.nchans; i++) {
		if (zc_fw_strneq(lb_fw.chans[i]->ch.name, ZC_FIR_DATA_NAME, ZC_NAME_MAX))
			fw_fdata = lb_fw.chans[i];
		if (zc_fw_strneq(lb_fw.chans[i]->ch.name, ZC_ECHO2_NAME, ZC_NAME_MAX))
			fw_echo2 = lb_fw.chans[i];
	}
	if (!fw_fdata || !fw_echo2) {
		check(0, "firmware channels found");
		return;
	}
	(void)rej0;
	/* A frame that is not a whole number of samples: refused, counted. */
	fw_rej0 = fw_fdata->rejected;
	lb_send(&h_fdata, "abcdef", 6);
	lb_pump();
	check(fw_fdata->rejected == fw_rej0 + 1 && !fw_fdata->ch.broken,
	      "odd-length FIR frame refused, channel alive");

	/* Taps larger than fir accepts: refused with EMSGSIZE, rest dropped. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (zc_u8)i;
	lb_write(&h_fctl, big, sizeof(big));
	{
		struct zc_buf b;
		int n, tries;
		zc_u32 status = 0;

		for (tries = 0, n = 0; tries < 8 && n != 1; tries++) {
			lb_pump();
			n = zc_recv_burst(&h_fctl.ch, &b, 1);
		}
		if (n == 1) {
			status = ((struct zc_fir_status *)b.data)->status;
			zc_release_burst(&h_fctl.ch, &b, 1);
		}
		check(status == ZC_EMSGSIZE, "oversized taps message refused");
	}
	/* The channel still works: a proper FIR run afterwards. */
	lb_fir(ZC_FIR_REAL, 8, 50, "fir after refusals");

	/* A forged descriptor (length past the slot) breaks echo.b only. */
	{
		struct zc_desc d = { .slot = 0, .len = 9999 };
		struct zc_buf b;

		zc_reserve_burst(&h_echo2.ch, &b, 1);
		d.slot = b.slot;
		zc_ring_produce_bulk(&h_echo2.ch.tx, &d, 1);
		lb_pump();
		check(fw_echo2->ch.broken == -ZC_EPROTO && lb_fw.cnt.broken == 1,
		      "forged descriptor breaks its channel");
	}
	lb_echo(&h_echo, 40, "echo after echo.b broke");
}

/* The firmware's fragmenter, read back by the reassembler on the host end. */
static void lb_fragments(void)
{
	static zc_u8 msg[1500], got[2048];
	struct zc_fw_chan *fw_echo = 0;
	zc_u32 i;
	int n, bad = 0;

	for (i = 0; i < lb_fw.nchans; i++)
		if (zc_fw_strneq(lb_fw.chans[i]->ch.name, ZC_ECHO_NAME, ZC_NAME_MAX))
			fw_echo = lb_fw.chans[i];
	if (!fw_echo) {
		check(0, "firmware echo channel found");
		return;
	}
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (zc_u8)(i * 11 + 5);
	/* 1500 bytes in 240-byte slots: 7 fragments of the 8 slots. */
	n = zc_fw_send_msg(fw_echo, msg, sizeof(msg));
	check(n == (int)sizeof(msg), "fragmented send");
	n = zc_fw_recv_msg(&h_echo, got, sizeof(got));
	for (i = 0; n == (int)sizeof(msg) && i < sizeof(msg); i++)
		bad += got[i] != msg[i];
	check(n == (int)sizeof(msg) && bad == 0, "fragmented message reassembled");
	/* 2000 bytes would need 9 slots of the 8 there are: refused whole. */
	check(zc_fw_send_msg(fw_echo, got, 2000) == -ZC_EMSGSIZE,
	      "message needing more slots than exist refused");
	zc_fw_logf(&lb_host, "fragments: %d-byte message in %u frames, %d bad bytes",
		   n, (unsigned)zc_frag_count(sizeof(msg), LB_SLOT), bad);
}

static void lb_superblock_checks(void)
{
	struct zc_superblock *bad = (struct zc_superblock *)lb_bad;
	static struct zc_fw probe;
	zc_u32 i;

	for (i = 0; i < sizeof(lb_bad); i++)
		lb_bad[i] = lb_region[i];
	bad->version_major = ZC_VERSION_MAJOR + 1;
	check(zc_fw_attach(&probe, lb_bad, sizeof(lb_bad), ZC_SIDE_REMOTE, &lb_hal,
			   &lb_fw_ctx) == -ZC_EBADMSG, "newer major version refused");
	bad->version_major = ZC_VERSION_MAJOR;
	bad->features &= ~ZC_FEAT_NEED_WAKEUP;
	check(zc_fw_attach(&probe, lb_bad, sizeof(lb_bad), ZC_SIDE_REMOTE, &lb_hal,
			   &lb_fw_ctx) == -ZC_EBADMSG, "missing required feature refused");
	bad->features |= ZC_FEAT_NEED_WAKEUP;
	check(zc_fw_attach(&probe, lb_bad, sizeof(lb_bad), ZC_SIDE_REMOTE, &lb_hal,
			   &lb_fw_ctx) == -ZC_EMSGSIZE, "truncated region refused");
	bad->magic = 0x12345678;
	check(zc_fw_attach(&probe, lb_bad, sizeof(lb_bad), ZC_SIDE_REMOTE, &lb_hal,
			   &lb_fw_ctx) == -ZC_EPROTO, "foreign magic refused");
}

int zc_fw_loopback(void (*print)(const char *line))
{
	struct zc_superblock *sb = (struct zc_superblock *)lb_region;
	zc_u32 kicks0;
	int rc;

	lb_print = print;
	lb_failures = 0;
	if (lb_format() < 0)
		return 1;
	rc = zc_fw_attach(&lb_host, lb_region, sizeof(lb_region), ZC_SIDE_HOST,
			  &lb_hal, &lb_host_ctx);
	if (rc == 0)
		rc = zc_fw_attach(&lb_fw, lb_region, sizeof(lb_region),
				  ZC_SIDE_REMOTE, &lb_hal, &lb_fw_ctx);
	if (rc == 0)
		rc = zc_fw_echo_app.init(&lb_fw);
	if (rc == 0)
		rc = zc_fw_fir_app.init(&lb_fw);
	if (rc == 0)
		rc = zc_fw_bind_peer(&lb_host, &h_echo, ZC_ECHO_NAME, 1);
	if (rc == 0)
		rc = zc_fw_bind_peer(&lb_host, &h_echo2, ZC_ECHO2_NAME, 2);
	if (rc == 0)
		rc = zc_fw_bind_peer(&lb_host, &h_fctl, ZC_FIR_CTL_NAME, 3);
	if (rc == 0)
		rc = zc_fw_bind_peer(&lb_host, &h_fdata, ZC_FIR_DATA_NAME, 4);
	if (rc < 0) {
		zc_fw_logf(&lb_host, "FAIL: setting up the loopback region: error %d", -rc);
		return 1;
	}
	check(zc_load_relaxed(&sb->side[ZC_SIDE_REMOTE].state) == ZC_STATE_UP,
	      "remote side UP");
	/* The standard check value, and a split run equal to a whole one. */
	check(zc_fw_crc32c(0, "123456789", 9) == 0xe3069283u &&
	      zc_fw_crc32c(zc_fw_crc32c(0, "12345", 5), "6789", 4) == 0xe3069283u,
	      "CRC32C check value");

	lb_echo(&h_echo, 1000, "echo");
	lb_echo(&h_echo2, 300, "echo.b");

	/* The host sleeps: exactly one kick for a burst of replies. */
	kicks0 = lb_fw_ctx.kicks;
	zc_store_relaxed(&sb->side[ZC_SIDE_HOST].need_wakeup, 1);
	lb_echo(&h_echo, 20, "echo to a sleeping host");
	check(lb_fw_ctx.kicks == kicks0 + 1 &&
	      zc_load_relaxed(&sb->side[ZC_SIDE_HOST].need_wakeup) == 0,
	      "one kick per sleep");
	kicks0 = lb_fw_ctx.kicks;
	lb_echo(&h_echo, 20, "echo to an awake host");
	check(lb_fw_ctx.kicks == kicks0, "no kick for an awake host");

	lb_fir(ZC_FIR_REAL, 33, 37, "fir real");
	lb_fir(ZC_FIR_COMPLEX, 40, 29, "fir complex (taps in 2 fragments)");
	lb_fir(ZC_FIR_REAL, 200, 60, "fir real 200 taps (4 fragments)");
	lb_fragments();
	lb_malformed();
	lb_superblock_checks();

	zc_fw_logf(&lb_host, "zc loopback: %s (%d failures)",
		   lb_failures ? "FAIL" : "PASS", lb_failures);
	return lb_failures ? 1 : 0;
}
