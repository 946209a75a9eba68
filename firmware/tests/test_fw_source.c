// SPDX-License-Identifier: MIT
/*
 * test_fw_source - the source firmware as an emulated remote core: every
 * frame of a run arrives once, in sequence, the requested size, with a
 * CRC32C that libzc's independent implementation agrees with; a paced run
 * is never faster than requested; stop stops it; bad requests are refused.
 *   test_fw_source PATH-TO-zc-fw-source
 */
#include "fw_harness.h"

static struct zc_src_status ctl_call(zc_channel *ctl, const struct zc_src_start *req,
				     size_t len)
{
	struct zc_src_status st;
	ssize_t n = zc_write(ctl, req, len, 5000);

	REQUIRE(n == (ssize_t)len, "src.ctl write: %s", zc_strerror((int)n));
	n = zc_read(ctl, &st, sizeof(st), 5000);
	REQUIRE(n == (ssize_t)sizeof(st), "src.ctl reply: %s", zc_strerror((int)n));
	return st;
}

/* Check one frame; returns 1 if it is frame @seq of a @size-byte run. */
static int frame_ok(const struct zc_buf *b, uint64_t seq, uint32_t size)
{
	const struct zc_src_frame *f = b->data;
	const uint8_t *p = b->data;
	uint32_t crc;

	if (b->len != size || f->seq != seq || f->size != size)
		return 0;
	for (uint32_t i = sizeof(*f); i < size; i++)
		if (p[i] != zc_src_byte(seq, i))
			return 0;
	crc = zc_crc32c(zc_crc32c(0, &f->seq, sizeof(f->seq)), p + sizeof(*f),
			size - sizeof(*f));
	return crc == f->crc;
}

/* Receive @count frames of a run; returns how many were right. */
static uint64_t take(zc_channel *data, uint64_t first, uint64_t count, uint32_t size)
{
	uint64_t good = 0, seen = 0;
	struct zc_buf b[32];

	while (seen < count) {
		int n = zc_recv_burst(data, b, count - seen < 32 ? (unsigned)(count - seen) : 32);

		REQUIRE(n >= 0, "recv: %s", zc_strerror(n));
		if (n == 0) {
			int rc = zc_wait_rx(data, 10000);

			REQUIRE(rc == 0, "stream stalled at %llu: %s",
				(unsigned long long)seen, zc_strerror(rc));
			continue;
		}
		for (int i = 0; i < n; i++, seen++)
			good += frame_ok(&b[i], first + seen, size);
		zc_release_burst(data, b, (unsigned)n);
	}
	return good;
}

int main(int argc, char **argv)
{
	struct zc_src_start req = { .cmd = ZC_SRC_CMD_START };
	struct zc_src_status st;
	struct zc_fw_chan_report rep;
	struct zc_params p;
	struct fw_proc f;
	zc_channel *ctl, *data;
	struct zc_buf b;
	double t0, el;
	uint64_t good;
	ssize_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-zc-fw-source\n", argv[0]);
		return 1;
	}
	fw_deadline(240);
	zc_params_default(&p);
	p.slot_size = 2048;
	p.slots = 16;
	p.max_msg = 1 << 16;
	fw_start(&f, argv[1], &p, NULL);
	ctl = fw_open(&f, ZC_SRC_CTL_NAME, 0x2000);
	data = fw_open(&f, ZC_SRC_DATA_NAME, 0x2001);

	/* Unpaced, 5000 frames through 16 slots: back-pressure, no loss. */
	req.size = 1000;
	req.rate = 0;
	req.count = 5000;
	st = ctl_call(ctl, &req, sizeof(req));
	CHECK(st.cmd == ZC_SRC_CMD_START && st.status == 0, "start refused: %u", st.status);
	good = take(data, 0, 5000, 1000);
	CHECK(good == 5000, "%llu of 5000 frames right", (unsigned long long)good);
	n = zc_read(ctl, &st, sizeof(st), 5000);
	CHECK(n == (ssize_t)sizeof(st) && st.cmd == ZC_SRC_CMD_DONE && st.sent == 5000,
	      "done report: %zd bytes, cmd %u, sent %llu", n, st.cmd,
	      (unsigned long long)st.sent);

	/* Paced: 200 frames at 2000/s take at least 199/2000 s. */
	req.size = 64;
	req.rate = 2000;
	req.count = 200;
	t0 = fw_now();
	st = ctl_call(ctl, &req, sizeof(req));
	CHECK(st.status == 0, "paced start refused: %u", st.status);
	good = take(data, 0, 200, 64);
	el = fw_now() - t0;
	CHECK(good == 200, "%llu of 200 paced frames right", (unsigned long long)good);
	CHECK(el >= 0.0995 * 0.98, "200 frames at 2000/s arrived in %.4f s", el);
	n = zc_read(ctl, &st, sizeof(st), 5000);
	CHECK(n == (ssize_t)sizeof(st) && st.cmd == ZC_SRC_CMD_DONE, "paced done report");

	/* Endless run, stopped: the stream ends and stays ended. */
	req.size = 512;
	req.rate = 0;
	req.count = 0;
	st = ctl_call(ctl, &req, sizeof(req));
	CHECK(st.status == 0, "endless start refused");
	good = take(data, 0, 300, 512);
	CHECK(good == 300, "%llu of the first 300 frames right", (unsigned long long)good);
	{
		struct zc_fw_req stop = { .cmd = ZC_SRC_CMD_STOP };
		uint64_t rest;

		n = zc_write(ctl, &stop, sizeof(stop), 5000);
		CHECK(n == (ssize_t)sizeof(stop), "stop write");
		n = zc_read(ctl, &st, sizeof(st), 5000);
		CHECK(n == (ssize_t)sizeof(st) && st.cmd == ZC_SRC_CMD_STOP && st.sent >= 300,
		      "stop answer: cmd %u sent %llu", st.cmd, (unsigned long long)st.sent);
		rest = st.sent - 300;
		good = take(data, 300, rest, 512);
		CHECK(good == rest, "%llu of the last %llu frames right",
		      (unsigned long long)good, (unsigned long long)rest);
		CHECK(zc_recv(data, &b, 200) == -ETIMEDOUT, "frames after stop");
	}

	/* Bad requests: refused with EINVAL, counted, and the channel goes on. */
	req.size = 8;	/* smaller than the frame header */
	st = ctl_call(ctl, &req, sizeof(req));
	CHECK(st.status == EINVAL, "tiny frames accepted (%u)", st.status);
	req.size = 4096;	/* larger than a slot */
	st = ctl_call(ctl, &req, sizeof(req));
	CHECK(st.status == EINVAL, "oversized frames accepted (%u)", st.status);
	rep = fw_report(&f, ZC_SRC_CTL_NAME);
	CHECK(rep.rejected == 2 && rep.broken == 0, "src.ctl rejected %u broken %u",
	      rep.rejected, rep.broken);
	req.size = 100;
	req.count = 10;
	st = ctl_call(ctl, &req, sizeof(req));
	CHECK(st.status == 0, "start after refusals");
	CHECK(take(data, 0, 10, 100) == 10, "frames after refusals");
	n = zc_read(ctl, &st, sizeof(st), 5000);
	CHECK(n == (ssize_t)sizeof(st) && st.cmd == ZC_SRC_CMD_DONE, "last done report");

	fw_stop(&f);
	return fw_result("test_fw_source");
}
