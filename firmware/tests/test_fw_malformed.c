// SPDX-License-Identifier: MIT
/*
 * test_fw_malformed - a host that misbehaves cannot take the firmware
 * down. Frames with bad lengths, a wrong channel number, a message-id gap
 * break (only) the channel they arrive on, and the firmware counts it and
 * keeps serving the others; a channel the host announces that the firmware
 * does not serve is refused and counted; oversized fragmented messages and
 * malformed application messages are refused, counted, and the channel
 * goes on working.
 *   test_fw_malformed ECHO FIR SOURCE
 */
#include "fw_harness.h"

static struct zc_params params(void)
{
	struct zc_params p;

	zc_params_default(&p);
	p.slot_size = 1024;
	p.slots = 16;
	p.max_msg = 1 << 20;
	return p;
}

/* One message through an echo channel, checked. */
static int echo_ok(zc_channel *ch, uint32_t len)
{
	uint8_t out[1000], in[1000];
	ssize_t n;

	for (uint32_t i = 0; i < len; i++)
		out[i] = (uint8_t)(i * 5 + len);
	n = zc_write(ch, out, len, 5000);
	if (n != (ssize_t)len)
		return 0;
	n = zc_read(ch, in, sizeof(in), 5000);
	return n == (ssize_t)len && !memcmp(in, out, len);
}

/* Publish a frame whose header or descriptor @how corrupts. */
enum forge { BAD_DESC_LEN, BAD_HDR_LEN, WRONG_CHANNEL, ID_GAP, SLOT_OUT_OF_RANGE };

static void forge(zc_channel *ch, enum forge how)
{
	struct zc_frame_hdr *h;
	struct zc_desc d;
	struct zc_buf b;
	int rc = zc_reserve(ch, &b, 5000);

	REQUIRE(rc == 0, "reserve: %s", zc_strerror(rc));
	memset(b.data, 0x5a, 100);
	b.len = 100;
	if (how == ID_GAP)
		ch->tx_id++;	/* as if a frame had been lost */
	REQUIRE(zc__frame(ch, &b, 0, &d) == 0, "frame");
	h = (struct zc_frame_hdr *)((uint8_t *)b.data - ZC_FRAME_HDR_SIZE);
	switch (how) {
	case BAD_DESC_LEN:
		d.len = ch->slot_size + 64;	/* past the end of the slot */
		break;
	case BAD_HDR_LEN:
		h->len = 900;		/* disagrees with the descriptor */
		break;
	case WRONG_CHANNEL:
		h->chan ^= 1;		/* names a channel it is not on */
		break;
	case SLOT_OUT_OF_RANGE:
		d.slot = ch->slots + 3;
		break;
	case ID_GAP:
		break;
	}
	REQUIRE(zc_ring_produce_bulk(&ch->tx, &d, 1) == 1, "produce");
	zc__notify(ch);
}

static const char *forge_name[] = {
	"descriptor length past the slot", "header length disagrees",
	"wrong channel number", "message-id gap", "slot out of range",
};

/* Break one echo channel with @how; the other one and zc.fw go on. */
static void echo_case(const char *exe, enum forge how)
{
	struct zc_params p = params();
	struct zc_fw_chan_report rep, other;
	struct fw_proc f;
	zc_channel *victim, *ok;
	int rc, i;

	fw_start(&f, exe, &p, NULL);
	victim = fw_open(&f, how & 1 ? ZC_ECHO_NAME : ZC_ECHO2_NAME, 0x100);
	ok = fw_open(&f, how & 1 ? ZC_ECHO2_NAME : ZC_ECHO_NAME, 0x101);
	CHECK(echo_ok(victim, 10), "victim channel works before");
	forge(victim, how);
	/* The firmware closes the channel it stopped serving: the host sees EPIPE. */
	rc = zc_wait_rx(victim, 5000);
	CHECK(rc == -EPIPE, "%s: victim channel wait gave %s", forge_name[how],
	      zc_strerror(rc));
	for (i = 0; i < 50; i++)
		if (!echo_ok(ok, (uint32_t)(i * 37 % 1000 + 1)))
			break;
	CHECK(i == 50, "%s: the other channel failed after %d messages",
	      forge_name[how], i);
	rep = fw_report(&f, victim->name);
	other = fw_report(&f, ok->name);
	CHECK(rep.broken == (how == WRONG_CHANNEL || how == ID_GAP ? EBADMSG : EPROTO) &&
	      rep.link_broken == 1 && other.broken == 0,
	      "%s: victim broken %u, link broken %u, other broken %u",
	      forge_name[how], rep.broken, rep.link_broken, other.broken);

	/* Recovery: the host lets go, the firmware offers it again, fresh. */
	{
		char name[ZC_NAME_MAX];
		uint32_t epoch = rep.epoch;

		snprintf(name, sizeof(name), "%s", victim->name);
		zc_channel_close(victim);
		rc = zc_channel_open(f.r, name, 0x102, 5000, &victim);
		REQUIRE(rc == 0, "%s: reopen after the break: %s", forge_name[how],
			zc_strerror(rc));
		CHECK(echo_ok(victim, 300) && echo_ok(victim, 1000),
		      "%s: the reopened channel does not echo", forge_name[how]);
		rep = fw_report(&f, name);
		CHECK(rep.broken == 0 && rep.epoch == epoch + 1 && rep.link_reannounced == 1,
		      "%s: after reopening: broken %u, epoch %u (was %u), reannounced %u",
		      forge_name[how], rep.broken, rep.epoch, epoch, rep.link_reannounced);
	}
	fw_stop(&f);
	printf("echo, %s: refused, counted, other channel served, reopened\n",
	       forge_name[how]);
}

/* A channel the host announces that no firmware application serves. */
static void unknown_channel(const char *exe)
{
	struct zc_params p = params();
	struct zc_fw_chan_report rep;
	struct fw_proc f;
	zc_channel *ch, *ok;
	double end;
	int rc;

	fw_start(&f, exe, &p, NULL);
	ok = fw_open(&f, ZC_ECHO_NAME, 0x100);
	rc = zc_channel_create(f.r, "no.such.service", 0x77, &ch);
	REQUIRE(rc == 0, "announce: %s", zc_strerror(rc));
	/* The firmware looks at the table when idle: give it a moment. */
	end = fw_now() + 5;
	do {
		rep = fw_report(&f, ZC_FW_MGMT_NAME);
		if (rep.link_unknown)
			break;
		usleep(5000);
	} while (fw_now() < end);
	CHECK(rep.link_unknown == 1, "unknown channel counted %u times", rep.link_unknown);
	rc = zc_wait_rx(ch, 2000);
	CHECK(rc == -EPIPE, "refused channel wait gave %s", zc_strerror(rc));
	CHECK(echo_ok(ok, 500), "echo after the refusal");
	zc_channel_close(ch);
	fw_stop(&f);
	printf("unknown host channel: refused and counted\n");
}

static void fir_case(const char *exe)
{
	struct zc_params p = params();
	struct zc_fw_chan_report rep;
	struct zc_fir_status st;
	struct fw_proc f;
	zc_channel *ctl, *data;
	struct zc_buf b;
	ssize_t n;
	uint8_t *big;
	struct {
		struct zc_fir_taps t;
		float h[4];
	} taps = { { ZC_FIR_CMD_TAPS, ZC_FIR_REAL, 4, 0 }, { 1, 0.5f, 0.25f, 0.125f } };
	float x[64], y[64];

	fw_start(&f, exe, &p, NULL);
	ctl = fw_open(&f, ZC_FIR_CTL_NAME, 0x300);
	data = fw_open(&f, ZC_FIR_DATA_NAME, 0x301);

	/* Samples before any taps: refused (no output), counted. */
	REQUIRE(zc_reserve(data, &b, 5000) == 0, "reserve");
	b.len = 16;
	zc_send(data, &b);

	/* 64 KiB of "taps": 65 fragments, refused at the first, rest dropped. */
	big = calloc(1, 65536);
	REQUIRE(big, "malloc");
	n = zc_write(ctl, big, 65536, 5000);
	CHECK(n == 65536, "oversized write: %s", zc_strerror((int)n));
	n = zc_read(ctl, &st, sizeof(st), 5000);
	CHECK(n == (ssize_t)sizeof(st) && st.status == EMSGSIZE,
	      "oversized taps answered %zd bytes, status %u", n, st.status);
	free(big);

	/* Inconsistent taps: a kind that does not exist, a count that lies. */
	taps.t.kind = 7;
	n = zc_write(ctl, &taps, sizeof(taps), 5000);
	n = zc_read(ctl, &st, sizeof(st), 5000);
	CHECK(n == (ssize_t)sizeof(st) && st.status == EINVAL, "kind 7 accepted");
	taps.t.kind = ZC_FIR_REAL;
	taps.t.ntaps = 9;
	n = zc_write(ctl, &taps, sizeof(taps), 5000);
	n = zc_read(ctl, &st, sizeof(st), 5000);
	CHECK(n == (ssize_t)sizeof(st) && st.status == EINVAL, "lying tap count accepted");

	/* Good taps, then a frame that is not whole samples, then real data. */
	taps.t.ntaps = 4;
	n = zc_write(ctl, &taps, sizeof(taps), 5000);
	n = zc_read(ctl, &st, sizeof(st), 5000);
	CHECK(n == (ssize_t)sizeof(st) && st.status == 0, "good taps refused (%u)", st.status);
	REQUIRE(zc_reserve(data, &b, 5000) == 0, "reserve");
	b.len = 6;
	zc_send(data, &b);
	for (int i = 0; i < 64; i++)
		x[i] = (float)(i % 5) - 2.0f;
	n = zc_write(data, x, sizeof(x), 5000);
	CHECK(n == (ssize_t)sizeof(x), "data write");
	n = zc_read(data, y, sizeof(y), 5000);
	CHECK(n == (ssize_t)sizeof(y), "filtered data read: %s", zc_strerror((int)n));
	for (int i = 0; i < 64; i++) {
		float want = 0;

		for (int k = 0; k < 4 && k <= i; k++)
			want += taps.h[k] * x[i - k];
		CHECK(y[i] == want, "y[%d] = %g, want %g", i, y[i], want);
		if (y[i] != want)
			break;
	}

	rep = fw_report(&f, ZC_FIR_DATA_NAME);
	CHECK(rep.rejected == 2 && rep.broken == 0, "fir.data rejected %u broken %u",
	      rep.rejected, rep.broken);
	rep = fw_report(&f, ZC_FIR_CTL_NAME);
	CHECK(rep.rejected == 3 && rep.broken == 0, "fir.ctl rejected %u broken %u",
	      rep.rejected, rep.broken);

	/* Unknown management command, and one of the wrong size. */
	{
		struct zc_fw_req q = { .cmd = 99 };
		uint32_t three[3] = { ZC_FW_CMD_PING, 0, 0 };

		zc_write(f.mgmt, &q, sizeof(q), 5000);
		zc_write(f.mgmt, three, sizeof(three), 5000);
		rep = fw_report(&f, ZC_FW_MGMT_NAME);
		CHECK(rep.rejected == 2, "zc.fw rejected %u", rep.rejected);
	}
	fw_stop(&f);
	printf("fir: malformed taps and samples refused and counted, filter unharmed\n");
}

/* A start request that is not a start request. */
static void source_case(const char *exe)
{
	struct zc_params p = params();
	struct zc_fw_chan_report rep;
	struct zc_src_status st;
	struct fw_proc f;
	zc_channel *ctl;
	uint32_t junk[5] = { 42, 1, 2, 3, 4 };
	ssize_t n;

	fw_start(&f, exe, &p, NULL);
	ctl = fw_open(&f, ZC_SRC_CTL_NAME, 0x500);
	fw_open(&f, ZC_SRC_DATA_NAME, 0x501);
	n = zc_write(ctl, junk, sizeof(junk), 5000);
	CHECK(n == (ssize_t)sizeof(junk), "junk write");
	n = zc_write(ctl, junk, 3, 5000);
	rep = fw_report(&f, ZC_SRC_CTL_NAME);
	CHECK(rep.rejected == 2 && rep.broken == 0, "src.ctl rejected %u", rep.rejected);
	CHECK(zc_read(ctl, &st, sizeof(st), 100) == -ETIMEDOUT, "junk answered");
	fw_stop(&f);
	printf("source: junk commands refused and counted\n");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s ECHO FIR SOURCE\n", argv[0]);
		return 1;
	}
	fw_deadline(240);
	echo_case(argv[1], BAD_DESC_LEN);
	echo_case(argv[1], BAD_HDR_LEN);
	echo_case(argv[1], WRONG_CHANNEL);
	echo_case(argv[1], ID_GAP);
	echo_case(argv[1], SLOT_OUT_OF_RANGE);
	unknown_channel(argv[1]);
	fir_case(argv[2]);
	source_case(argv[3]);
	return fw_result("test_fw_malformed");
}
