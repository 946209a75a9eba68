// SPDX-License-Identifier: MIT
/*
 * fuzz_fw - the firmware (firmware/lib) facing a hostile host: attaching
 * to a region whose superblock the input wrote (zc_fw_attach), then
 * zc_fw_run() serving it: scanning the host's half of the channel table,
 * binding to host channels, the management channel, and an application
 * that echoes whole messages (zc_fw_recv_msg's reassembly, zc_fw_send_msg)
 * while the input, as the host, announces channels, sends frames and
 * scribbles anywhere in the region between polls.
 *
 * The region is a heap buffer of exactly the size the attach is told, so
 * ASan reports any access the geometry check let through outside it.
 */
#include "zc_fw.h"
#include "fz.h"

#define APP_CHANS 3

static struct {
	struct zc_fw fw;
	struct zc_fw_chan chans[APP_CHANS];
	uint8_t *base;
	uint64_t size;
	struct fz_in in;
	uint32_t host_id[ZC_CHANNELS_MAX];
	uint32_t host_prod[ZC_CHANNELS_MAX];
	int polls;
	uint8_t buf[APP_CHANS][1024];	/* a part-assembled message stays here */
} z;

static void hal_kick(void *ctx) { (void)ctx; }
static int hal_wait(void *ctx, zc_u32 us) { (void)ctx; (void)us; return 0; }
static zc_u64 hal_now(void *ctx) { (void)ctx; return (zc_u64)z.polls * 1000; }
static const struct zc_hal hal = { .kick = hal_kick, .wait = hal_wait, .now_ns = hal_now };

static int app_init(struct zc_fw *fw)
{
	int rc = zc_fw_announce(fw, &z.chans[0], "fz", 40);

	if (rc)
		FZ_ASSERT(rc == -ZC_FW_ENOSPC || rc == -ZC_FW_EEXIST || rc == -ZC_EINVAL,
			  "zc_fw_announce returned %d", rc);
	return 0;
}

static struct zc_fw_chan *app_accept(struct zc_fw *fw, const char *name, zc_u32 *addr)
{
	int k;

	(void)fw;
	FZ_ASSERT(memchr(name, 0, ZC_NAME_MAX) != NULL, "name without NUL");
	for (k = 1; k < APP_CHANS; k++)
		if (!z.chans[k].open) {
			*addr = 41 + (zc_u32)k;
			return &z.chans[k];
		}
	return NULL;
}

/* The host announces channel @c of its half, as zc_channel_create does (or half of it). */
static void host_announce(struct fz_in *in)
{
	const struct zc_geom *g = &z.fw.g;
	uint32_t c = fz_u8(in) % (g->channels / 2);
	struct zc_chan_entry *e = (struct zc_chan_entry *)(z.base + g->chan_off) + c;
	uint8_t how = fz_u8(in);

	memset(e->name, 0, sizeof(e->name));
	if (how & 1)
		fz_bytes(in, e->name, sizeof(e->name));
	else
		memcpy(e->name, how & 2 ? "fz" : "echo", how & 2 ? 2 : 4);
	e->mode = how & 4 ? fz_u32(in) : (how >> 3) & 1;
	e->epoch++;
	e->addr[ZC_SIDE_HOST] = 9;
	if (e->mode <= ZC_CHAN_MODE_SEQ && !(how & 0x20))
		zc_chan_reset(z.base, g, c);
	z.host_id[c] = 0;
	z.host_prod[c] = 0;
	zc_store_release(&e->state[ZC_SIDE_HOST], how & 0x40 ? fz_u8(in) % 4 : ZC_CHAN_OPEN);
}

/* The host sends one frame on entry @c (any entry: the firmware's announcements too). */
static void host_send(struct fz_in *in)
{
	const struct zc_geom *g = &z.fw.g;
	uint32_t c = fz_u8(in) % g->channels;
	int seq = zc_chan_mode(z.base, g, c) == ZC_CHAN_MODE_SEQ;
	uint32_t slot = seq ? z.host_prod[c] % g->slots : fz_u8(in) % g->slots;
	uint32_t len = fz_u16(in) % (g->slot_size - ZC_FRAME_HDR_SIZE + 1);
	uint8_t fl = fz_u8(in);
	struct zc_frame_hdr *h = (struct zc_frame_hdr *)(z.base + zc_slot_off(g, c, ZC_SIDE_HOST, slot));
	struct zc_ring_hdr *d = (struct zc_ring_hdr *)(z.base + zc_ring_off(g, c, ZC_SIDE_HOST, ZC_RING_DATA));

	if ((fl & ZC_FRAME_TOTAL) && len >= 8) {
		uint64_t total = fz_u16(in);

		memcpy(h + 1, &total, sizeof(total));
	}
	zc_frame_set(h, 9, 0, (uint16_t)z.host_id[c]++, (uint16_t)c, len, fl & ZC_FRAME_KNOWN);
	if (!seq) {
		struct zc_desc *desc = (struct zc_desc *)(d + 1);

		desc[z.host_prod[c] & (g->ring_entries - 1)].slot = slot;
		desc[z.host_prod[c] & (g->ring_entries - 1)].len = len + ZC_FRAME_HDR_SIZE;
	}
	z.host_prod[c]++;
	zc_store_release(&d->prod, z.host_prod[c]);
}

static void scribble(struct fz_in *in)
{
	uint64_t off = fz_u32(in) % z.size;
	uint8_t n = fz_u8(in) % 9;

	if (n > z.size - off)
		n = (uint8_t)(z.size - off);
	fz_bytes(in, z.base + off, n);
}

static int app_poll(struct zc_fw *fw)
{
	int k, work = 0;

	if (!fz_more(&z.in) || ++z.polls > 200) {
		fw->stop = 1;
		return 0;
	}
	switch (fz_u8(&z.in) % 4) {
	case 0: host_announce(&z.in); break;
	case 1: host_send(&z.in); break;
	case 2: scribble(&z.in); break;
	default: break;
	}
	for (k = 0; k < APP_CHANS; k++) {
		struct zc_fw_chan *fc = &z.chans[k];
		int n;

		if (!zc_fw_live(fc))
			continue;
		n = zc_fw_recv_msg(fc, z.buf[k], sizeof(z.buf[k]));
		if (n < 0) {
			FZ_ASSERT(n > -4096, "zc_fw_recv_msg returned %d", n);
			continue;
		}
		FZ_ASSERT((size_t)n <= sizeof(z.buf[k]), "message of %d bytes in %zu", n,
			  sizeof(z.buf[k]));
		if (n > 0) {
			int rc = zc_fw_send_msg(fc, z.buf[k], (zc_u32)n);

			/* All (n), nothing yet (0), or an error. */
			FZ_ASSERT(rc == n || (rc <= 0 && rc > -4096),
				  "zc_fw_send_msg returned %d for %d bytes", rc, n);
			work++;
		}
	}
	return work;
}

static const struct zc_fw_app app = {
	.name = "fuzz", .init = app_init, .poll = app_poll, .accept = app_accept,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t geo = fz_u8(&in);
	struct zc_geom g;
	uint8_t nsb;
	int rc;

	memset(&z, 0, sizeof(z));
	/* A host's region, as zc_create formats it ... */
	if (zc_geom_compute(&g, 256U << (geo & 1), 1U << ((geo >> 1) & 3),
			    2 * (((geo >> 3) & 3) + 1), 4096, 4096))
		return 0;
	/* ... mapped short or long by what the input says. */
	z.size = g.region_size - (geo & 0x80 ? 4096 : 0);
	z.base = calloc(1, z.size);
	zc_sb_write((struct zc_superblock *)z.base, &g);
	((struct zc_superblock *)z.base)->side[ZC_SIDE_HOST].state = ZC_STATE_UP;
	zc_sb_publish((struct zc_superblock *)z.base);
	/* The host lies in its superblock: up to 8 patches of the first 512 bytes. */
	nsb = fz_u8(&in) % 9;
	while (nsb--) {
		uint16_t off = fz_u16(&in) % sizeof(struct zc_superblock);
		uint8_t n = fz_u8(&in) % 9;

		if (n > sizeof(struct zc_superblock) - off)
			n = (uint8_t)(sizeof(struct zc_superblock) - off);
		fz_bytes(&in, z.base + off, n);
	}
	rc = zc_fw_attach(&z.fw, z.base, z.size, ZC_SIDE_REMOTE, &hal, NULL);
	if (rc) {
		FZ_ASSERT(rc == -ZC_EPROTO || rc == -ZC_EMSGSIZE || rc == -ZC_EBADMSG ||
			  rc == -ZC_EINVAL, "zc_fw_attach returned %d", rc);
		free(z.base);
		return 0;
	}
	FZ_ASSERT(z.fw.g.region_size <= z.size, "attached to %llu bytes of %llu mapped",
		  (unsigned long long)z.fw.g.region_size, (unsigned long long)z.size);
	z.fw.spin_polls = 0;	/* scan the table whenever idle */
	z.in = in;
	rc = zc_fw_run(&z.fw, &app);
	FZ_ASSERT(rc <= 0 && rc > -4096, "zc_fw_run returned %d", rc);
	zc_fw_detach(&z.fw);
	free(z.base);
	return 0;
}
