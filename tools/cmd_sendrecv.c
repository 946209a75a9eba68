/* SPDX-License-Identifier: MIT */
/*
 * tools/cmd_sendrecv.c - "zc send NAME" / "zc recv NAME": a pipe between
 * two shells through a zc channel.
 *
 * Whichever side starts first creates the region and announces channel
 * "stream"; the other attaches and opens it. Each side first sends a hello
 * naming its role, so two senders (or two receivers) find out at once
 * instead of waiting on each other forever. The sender reads standard
 * input straight into reserved slots (readv over a burst of them: one
 * copy, few system calls) and ends with an empty message; the receiver
 * hands the slots to writev, releases them, and answers the empty message
 * with one of its own, so the sender exits 0 only once everything arrived.
 * Before each read of its input the sender checks that the receiver is
 * still there (every 250 ms while the input is quiet), so one that died is
 * noticed within about a second and no input is taken for it; since a slot
 * comes back only once its bytes were written out, the sender can then say
 * how much of what it read the receiver confirmed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <zc/zc.h>

#include "args.h"
#include "commands.h"
#include "progress.h"

#define STREAM_CHANNEL "stream"
#define HELLO_MAGIC 0x4d41455254535a43ULL	/* "CZSTREAM" */
#define STEP_MS 1000	/* waits in steps, so a dead peer is noticed */
#define INPUT_STEP_MS 250	/* quiet input: how often the receiver is checked */

enum role { ROLE_SEND = 1, ROLE_RECV = 2 };

struct hello {
	uint64_t magic;
	uint32_t role;
	uint32_t pad;
};

struct sr_opts {
	const char *uri;
	double timeout;
	uint64_t slot_size;
	uint64_t slots;
	int verbose;
	enum progress_when progress;
};

static void usage(FILE *f, enum role role)
{
	if (role == ROLE_SEND)
		fprintf(f,
"usage: zc send URI [options] < input\n"
"Send standard input through channel 'stream' of region URI to a\n"
"'zc recv URI' in another shell; whichever starts first creates the region.\n"
"Exits 0 once the receiver confirmed everything arrived; if it leaves first,\n"
"within about a second, 1 with how much of the input it confirmed.\n");
	else
		fprintf(f,
"usage: zc recv URI [options] > output\n"
"Write what a 'zc send URI' in another shell sends to standard output;\n"
"whichever starts first creates the region.\n");
	fprintf(f,
"\n"
"  --timeout SEC     wait this long for the other side (10)\n"
"  --slot-size N     slot size if this side creates the region, a power of\n"
"                    two, 256 B..2 MiB (64K)\n"
"  --slots N         slots per direction if this side creates it, 1..65536;\n"
"                    with ZC_CHAN_MODE=seq a power of two up to 32768 (64)\n"
"  --progress        show bytes and rate every second on standard error (the\n"
"                    default when it is a terminal and the data is not)\n"
"  --no-progress     never show them\n"
"  --verbose         say who created the region and how much moved\n");
}

static int parse_opts(int argc, char **argv, enum role role, struct sr_opts *o)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "slot-size", required_argument, NULL, 'S' },
		{ "slots", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "progress", no_argument, NULL, 'p' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct zc_params defaults;
	int c;

	*o = (struct sr_opts){ .timeout = 10, .slot_size = 64 << 10, .slots = 64 };
	while ((c = getopt_long(argc, argv, ":t:S:n:vpPh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_seconds("--timeout", optarg, 0, 86400,
					  &o->timeout) < 0)
				return -1;
			break;
		case 'S':
			if (parse_size("--slot-size", optarg, ZC_SLOT_MIN,
				       ZC_SLOT_MAX, &o->slot_size) < 0)
				return -1;
			if (o->slot_size & (o->slot_size - 1)) {
				zc_errorf("--slot-size must be a power of two, not '%s'",
					  optarg);
				return -1;
			}
			break;
		case 'n':
			if (parse_uint("--slots", optarg, 1, ZC_SLOTS_MAX,
				       &o->slots) < 0)
				return -1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'p':
			o->progress = PROGRESS_ALWAYS;
			break;
		case 'P':
			o->progress = PROGRESS_NEVER;
			break;
		case 'h':
			usage(stdout, role);
			exit(0);
		default:
			option_error(c, argv);
			return -1;
		}
	}
	if (optind != argc - 1) {
		if (optind >= argc)
			zc_errorf("needs the region URI (try '%s --help')", zc_cmd);
		else
			zc_errorf("takes one region URI, not also '%s'",
				  argv[argc - 1]);
		return -1;
	}
	o->uri = argv[optind];
	zc_params_default(&defaults);	/* $ZC_CHAN_MODE */
	return check_slots("--slots", o->slots, defaults.chan_mode);
}

/* Create-or-attach, then the channel: announce it or open the peer's. */
static int connect_stream(const struct sr_opts *o, zc_region **rp,
			  zc_channel **chp)
{
	struct zc_params p;
	int ms = (int)(o->timeout * 1000), created = 0, rc;

	zc_params_default(&p);
	p.slot_size = (uint32_t)o->slot_size;
	p.slots = (uint32_t)o->slots;
	p.channels = 2;
	rc = zc_open(o->uri, &p, ms, rp, &created);
	if (rc < 0) {
		zc_errorf("cannot open region '%s': %s", o->uri, zc_strerror(rc));
		return rc;
	}
	if (o->verbose)
		fprintf(stderr, "%s: %s region '%s' (%s).\n", zc_cmd,
			created ? "created" : "attached to", o->uri,
			zc_backend_name(*rp));
	if (created) {
		rc = zc_wait_peer(*rp, ms);
		if (rc == -ETIMEDOUT) {
			zc_errorf("nobody attached to '%s' within %g s (start 'zc %s %s' in another shell)",
				  o->uri, o->timeout,
				  strcmp(zc_cmd, "zc send") ? "send" : "recv",
				  o->uri);
			goto fail;
		}
		if (rc < 0) {
			zc_errorf("waiting for the other side of '%s' failed: %s",
				  o->uri, zc_strerror(rc));
			goto fail;
		}
		rc = zc_channel_create(*rp, STREAM_CHANNEL, 1, chp);
	} else {
		rc = zc_channel_open(*rp, STREAM_CHANNEL, 2, ms, chp);
	}
	if (rc < 0) {
		zc_errorf("cannot %s channel '%s' of '%s': %s",
			  created ? "announce" : "open", STREAM_CHANNEL, o->uri,
			  zc_strerror(rc));
		goto fail;
	}
	return 0;
fail:
	zc_close(*rp);
	return rc;
}

/* Wait for a frame in steps; -EPIPE once the peer is gone and drained. */
static int recv_one(zc_channel *ch, zc_region *r, struct zc_buf *b,
		    int timeout_ms)
{
	int waited = 0, rc;

	for (;;) {
		rc = zc_recv(ch, b, STEP_MS);
		if (rc != -ETIMEDOUT)
			return rc;
		waited += STEP_MS;
		if (!zc_peer_alive(r))
			return -EPIPE;
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return -ETIMEDOUT;
	}
}

static int handshake(zc_channel *ch, zc_region *r, const struct sr_opts *o,
		     enum role me)
{
	struct hello h = { .magic = HELLO_MAGIC, .role = me };
	enum role want = me == ROLE_SEND ? ROLE_RECV : ROLE_SEND;
	struct zc_buf b;
	int rc;

	rc = zc_reserve(ch, &b, (int)(o->timeout * 1000));
	if (rc == 0) {
		memcpy(b.data, &h, sizeof(h));
		b.len = sizeof(h);
		rc = zc_send(ch, &b);
	}
	if (rc == 0)
		rc = recv_one(ch, r, &b, (int)(o->timeout * 1000));
	if (rc < 0) {
		zc_errorf("the other side of '%s' did not answer: %s", o->uri,
			  zc_strerror(rc));
		return rc;
	}
	if (b.len == sizeof(h))
		memcpy(&h, b.data, sizeof(h));
	zc_release(ch, &b);
	if (b.len != sizeof(h) || h.magic != HELLO_MAGIC || h.role != want) {
		zc_errorf("the other side of '%s' is not a 'zc %s'", o->uri,
			  want == ROLE_SEND ? "send" : "recv");
		return -EPROTO;
	}
	return 0;
}

/*
 * What the sender knows of delivery: the receiver returns a slot only after
 * writing its bytes out, so a slot coming back confirms what it carried.
 */
struct sender {
	zc_channel *ch;
	zc_region *r;
	uint32_t *carried;	/* per slot: stdin bytes it took, until it returns */
	uint64_t read, confirmed;
	struct progress prog;
};

static int reserve_some(struct sender *s, struct zc_buf *bufs, unsigned int n)
{
	int got = zc_reserve_burst(s->ch, bufs, n), i;

	for (i = 0; i < got; i++) {
		s->confirmed += s->carried[bufs[i].slot];
		s->carried[bufs[i].slot] = 0;
	}
	return got;
}

/*
 * Wait until standard input has something (or its end) to read, checking
 * the receiver every INPUT_STEP_MS meanwhile: a sender whose input is quiet
 * must still notice a receiver that died, and must not take input it can
 * no longer deliver. Two poll() calls per readv of up to 16 slots (1 MiB
 * with the default slots) cost nothing measurable.
 */
static int wait_input(struct sender *s)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	int rc;

	for (;;) {
		rc = poll(&pfd, 1, INPUT_STEP_MS);
		if (rc < 0 && errno != EINTR)
			return 0;	/* let readv say what is wrong */
		progress_update(&s->prog, s->read);
		/* Asked after the wait, so what we read next can still go. */
		if (!zc_peer_alive(s->r))
			return -EPIPE;
		if (rc > 0)
			return 0;
	}
}

/* The receiver left: say how much of the input it confirmed. */
static void report_lost_receiver(struct sender *s, const struct sr_opts *o)
{
	struct zc_buf b[16];
	uint64_t lost;

	/* Slots it returned before dying confirm what they carried. */
	while (reserve_some(s, b, 16) > 0)
		;
	lost = s->read - s->confirmed;
	if (!s->read)
		zc_errorf("the receiver on '%s' left before the end of the stream, "
			  "before any input was read", o->uri);
	else if (!lost)
		zc_errorf("the receiver on '%s' left before the end of the stream; "
			  "it had written out all %llu bytes read so far",
			  o->uri, (unsigned long long)s->read);
	else
		zc_errorf("the receiver on '%s' left before the end of the stream; "
			  "of %llu bytes read from standard input it confirmed %llu, "
			  "the last %llu may not have been written out",
			  o->uri, (unsigned long long)s->read,
			  (unsigned long long)s->confirmed,
			  (unsigned long long)lost);
}

/* Keep reserved slots topped up to a burst; readv fills them in order. */
static int do_send(zc_channel *ch, zc_region *r, const struct sr_opts *o,
		   uint64_t *total)
{
	struct zc_buf held[16];
	struct iovec iov[16];
	unsigned int nheld = 0, i, used;
	struct sender s = { .ch = ch, .r = r };
	struct zc_buf b;
	ssize_t got;
	int rc;

	s.carried = calloc(zc_geometry(r)->slots, sizeof(*s.carried));
	if (!s.carried) {
		zc_errorf("out of memory");
		return -ENOMEM;
	}
	progress_start(&s.prog, o->progress, "sent", 0);
	for (;;) {
		if (nheld < 16) {
			rc = reserve_some(&s, held + nheld, 16 - nheld);
			if (rc < 0)
				goto broken;
			nheld += (unsigned int)rc;
		}
		if (nheld == 0) {
			rc = zc_wait_tx(ch, STEP_MS);
			progress_update(&s.prog, s.read);
			if (rc == -ETIMEDOUT && zc_peer_alive(r))
				continue;
			if (rc == -ETIMEDOUT)
				rc = -EPIPE;
			if (rc < 0)
				goto broken;
			continue;
		}
		rc = wait_input(&s);
		if (rc < 0)
			goto broken;
		for (i = 0; i < nheld; i++) {
			iov[i].iov_base = held[i].data;
			iov[i].iov_len = held[i].cap;
		}
		got = readv(0, iov, (int)nheld);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			progress_end(&s.prog, s.read, 0);
			zc_errorf("reading standard input failed: %s",
				  strerror(errno));
			rc = -EIO;
			goto out;
		}
		if (got == 0)
			break;
		s.read += (uint64_t)got;
		for (used = 0; got > 0; used++) {
			held[used].len = got > (ssize_t)held[used].cap ?
					 held[used].cap : (uint32_t)got;
			got -= held[used].len;
			s.carried[held[used].slot] = held[used].len;
		}
		rc = zc_send_burst(ch, held, used);
		if (rc < 0)
			goto broken;
		memmove(held, held + used, (nheld - used) * sizeof(held[0]));
		nheld -= used;
		progress_update(&s.prog, s.read);
	}
	/* End of input: an empty message, then wait for the receiver's. */
	if (nheld == 0) {
		rc = zc_reserve(ch, &held[0], -1);
		if (rc < 0)
			goto broken;
		s.confirmed += s.carried[held[0].slot];
		s.carried[held[0].slot] = 0;
	}
	held[0].len = 0;
	rc = zc_send_burst(ch, held, 1);
	if (rc < 0)
		goto broken;
	rc = recv_one(ch, r, &b, -1);
	if (rc < 0)
		goto broken;
	zc_release(ch, &b);
	progress_end(&s.prog, s.read, 1);
	rc = 0;
	goto out;
broken:
	progress_end(&s.prog, s.read, 0);
	if (rc == -EPIPE)
		report_lost_receiver(&s, o);
	else
		zc_errorf("sending on '%s' failed: %s", o->uri,
			  zc_reason(ch, rc));
out:
	*total = s.read;
	free(s.carried);
	return rc;
}

static int write_iov(struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(1, iov, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static int do_recv(zc_channel *ch, zc_region *r, const struct sr_opts *o,
		   uint64_t *total)
{
	struct zc_buf bufs[ZC_BURST_MAX], ack;
	struct iovec iov[ZC_BURST_MAX];
	struct progress prog;
	int n, i, niov, eof = 0, rc;

	progress_start(&prog, o->progress, "received", 1);
	while (!eof) {
		progress_update(&prog, *total);
		n = zc_recv_burst(ch, bufs, ZC_BURST_MAX);
		if (n == 0) {
			rc = zc_wait_rx(ch, STEP_MS);
			if (rc == -ETIMEDOUT && zc_peer_alive(r))
				continue;
			if (rc == -ETIMEDOUT)
				n = -EPIPE;
			else if (rc < 0)
				n = rc;
			else
				continue;
		}
		if (n < 0) {
			progress_end(&prog, *total, 0);
			if (n == -EPIPE)
				zc_errorf("the sender on '%s' left before the end of the stream, after %llu bytes",
					  o->uri, (unsigned long long)*total);
			else
				zc_errorf("receiving on '%s' failed: %s", o->uri,
					  zc_reason(ch, n));
			return n;
		}
		for (i = 0, niov = 0; i < n && !eof; i++) {
			uint8_t *p = bufs[i].data;
			uint32_t len = bufs[i].len;

			/* A zc_write() sender's first fragment starts with
			 * the message's total length: not part of the data. */
			if (bufs[i].flags & ZC_FRAME_TOTAL) {
				p += ZC_FRAME_TOTAL_SIZE;
				len -= ZC_FRAME_TOTAL_SIZE;
			}
			if (len == 0 && !(bufs[i].flags & ZC_FRAME_CONT)) {
				eof = 1;
				if (i + 1 != n) {
					progress_end(&prog, *total, 0);
					zc_errorf("the sender on '%s' sent data after the end of the stream",
						  o->uri);
					zc_release_burst(ch, bufs, (unsigned int)n);
					return -EPROTO;
				}
				break;
			}
			iov[niov].iov_base = p;
			iov[niov].iov_len = len;
			niov++;
			*total += len;
		}
		rc = write_iov(iov, niov);
		zc_release_burst(ch, bufs, (unsigned int)n);
		if (rc < 0) {
			progress_end(&prog, *total, 0);
			zc_errorf("writing standard output failed: %s",
				  strerror(-rc));
			return rc;
		}
	}
	progress_end(&prog, *total, 1);
	rc = zc_reserve(ch, &ack, STEP_MS * 10);
	if (rc == 0) {
		ack.len = 0;
		rc = zc_send(ch, &ack);
	}
	if (rc < 0 && rc != -EPIPE) {
		zc_errorf("confirming the end of the stream failed: %s",
			  zc_strerror(rc));
		return rc;
	}
	return 0;
}

static int run(int argc, char **argv, enum role role)
{
	struct sr_opts o;
	zc_region *r;
	zc_channel *ch;
	uint64_t total = 0;
	int rc;

	if (parse_opts(argc, argv, role, &o) < 0)
		return 2;
	/* A bigger pipe on our side means fewer, larger reads or writes:
	 * a burst of slots per system call instead of 64 KiB. */
	fcntl(role == ROLE_SEND ? 0 : 1, F_SETPIPE_SZ, 1 << 20);
	if (connect_stream(&o, &r, &ch) < 0)
		return 1;
	rc = handshake(ch, r, &o, role);
	if (rc == 0)
		rc = role == ROLE_SEND ? do_send(ch, r, &o, &total) :
					 do_recv(ch, r, &o, &total);
	if (rc == 0 && o.verbose)
		fprintf(stderr, "%s: %llu bytes %s '%s'.\n", zc_cmd,
			(unsigned long long)total,
			role == ROLE_SEND ? "sent through" : "received from",
			o.uri);
	zc_channel_close(ch);
	zc_close(r);
	return rc < 0 ? 1 : 0;
}

int cmd_send(int argc, char **argv)
{
	return run(argc, argv, ROLE_SEND);
}

int cmd_recv(int argc, char **argv)
{
	return run(argc, argv, ROLE_RECV);
}
