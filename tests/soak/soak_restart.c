// SPDX-License-Identifier: MIT
/*
 * soak_restart - the remote is SIGKILLed and restarted, again and again,
 * in the middle of a CRC-checked stream in both directions; the host keeps
 * running, takes each new remote with zc_wait_peer(), and accounts for
 * every message.
 *
 *   soak_restart [--mode ring|seq] [--restarts N] [--seed S] [--uri PREFIX]
 *
 * PREFIX names a fresh shm region (made unique with the mode and pid), or
 * is a kmod:/dev/zcN URI used as is (the kmod backend, in the QEMU guest).
 *
 * Host -> remote: zero-copy frames (zc_reserve_burst/zc_send_burst), each
 * {seq, len, crc32c} + a body derived from seq, seq counting up over the
 * whole run. The remote checks each frame, reports its seq to the host over
 * a pipe and only then releases it. So for every remote p, with S_p the
 * seqs the host sent while p was its peer: the reported ones must be
 * exactly the first k_p of S_p, in order (received exactly once: a seq
 * reported twice, by p or a later remote, fails), and the other
 * |S_p| - k_p are discarded with p: libzc's frames_discarded counts those p
 * never took, and at most one slot-full more can be frames p took and
 * held unreleased when it died.
 *
 * Remote -> host: messages of 1 B .. 3 slots (zc_write, fragmented when
 * large) carrying the remote's incarnation, its own seq from 0 and a crc.
 * The remote reports each seq once zc_write returned. The host must receive
 * from p exactly seqs 0..h_p-1, intact, none after p is gone; every one p
 * reported sent among them, and at most one more (written, not yet
 * reported when the kill came).
 *
 * Each remote is killed 2-20 ms (random) after the host first heard from
 * it. Recovery is the time from kill() to the first message the host
 * receives from the next remote (noticing the loss, the reset, a new
 * process attaching, opening the channel, a message through); printed as
 * p50/p90/max with the time to notice the loss alone. Exit 0 pass, 1 fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "zc/zc.h"
#include "zc/crc32c.h"

#define SLOT_SIZE	4096
#define SLOTS		16
#define TX_BURST	8
#define REP_RECV	1	/* remote got host seq (checked), before releasing it */
#define REP_SENT	2	/* remote's zc_write of its seq returned */
#define REP_BAD		3	/* remote saw a corrupt or out-of-order frame */

struct report {
	uint32_t type;
	uint32_t pad;
	uint64_t seq;
};

/* Host -> remote frame header; the body follows. */
struct hframe {
	uint64_t seq;
	uint32_t len;	/* body bytes */
	uint32_t crc;	/* over seq, len and the body */
};

/* Remote -> host message header; the body follows. */
struct rmsg {
	uint32_t incarnation;
	uint32_t len;
	uint64_t seq;
	uint32_t crc;	/* over incarnation, len, seq and the body */
	uint32_t pad;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill_body(uint8_t *p, uint32_t len, uint64_t seq)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seq * 167 + i * 13 + (i >> 9));
}

static uint32_t hframe_crc(const struct hframe *h, const uint8_t *body)
{
	uint32_t crc = zc_crc32c(0, h, offsetof(struct hframe, crc));

	return zc_crc32c(crc, body, h->len);
}

static uint32_t rmsg_crc(const struct rmsg *m, const uint8_t *body)
{
	uint32_t crc = zc_crc32c(0, m, offsetof(struct rmsg, crc));

	return zc_crc32c(crc, body, m->len);
}

/* ---- the remote ----------------------------------------------------------- */

static void report(int fd, uint32_t type, uint64_t seq)
{
	struct report r = { .type = type, .seq = seq };

	/* PIPE_BUF-sized writes are atomic: a kill never leaves half a record. */
	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(3);
}

/* Take and check every frame waiting; report each, then release it. */
static int remote_drain(zc_channel *ch, int fd, int *have_next, uint64_t *next)
{
	struct zc_buf b[TX_BURST];
	int n, i;

	n = zc_recv_burst(ch, b, TX_BURST);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct hframe h;
		const uint8_t *body = (const uint8_t *)b[i].data + sizeof(h);

		if (b[i].len < sizeof(h))
			goto bad;
		memcpy(&h, b[i].data, sizeof(h));
		if (h.len != b[i].len - sizeof(h) || h.crc != hframe_crc(&h, body) ||
		    (*have_next && h.seq != *next))
			goto bad;
		*have_next = 1;
		*next = h.seq + 1;
		report(fd, REP_RECV, h.seq);
		continue;
bad:
		report(fd, REP_BAD, *next);
		fprintf(stderr, "soak remote: frame %d of a burst is corrupt or out of order\n", i);
		_exit(1);
	}
	if (n && zc_release_burst(ch, b, (unsigned int)n) != n)
		return -EPROTO;
	return n;
}

static int remote_main(const char *uri, int fd, uint32_t incarnation)
{
	uint8_t *buf = malloc(3 * SLOT_SIZE + sizeof(struct rmsg));
	uint64_t seq = 0, next = 0;
	int have_next = 0, rc;
	zc_region *r;
	zc_channel *ch;

	rng ^= (uint64_t)incarnation * 0x9e3779b97f4a7c15ULL;
	rc = zc_attach(uri, 10000, &r);
	if (rc) {
		fprintf(stderr, "soak remote %u: attach: %s\n", incarnation, zc_strerror(rc));
		return 2;
	}
	rc = zc_channel_open(r, "soak", 2, 10000, &ch);
	if (rc) {
		fprintf(stderr, "soak remote %u: open: %s\n", incarnation, zc_strerror(rc));
		return 2;
	}
	for (;;) {	/* until the host kills us */
		struct rmsg m = { .incarnation = incarnation, .seq = seq };
		ssize_t w;

		rc = remote_drain(ch, fd, &have_next, &next);
		if (rc < 0)
			break;
		/* Mostly small, now and then fragmented over up to three slots. */
		m.len = rnd() % 8 ? (uint32_t)(rnd() % 200) : (uint32_t)(rnd() % (3 * SLOT_SIZE - 200));
		fill_body(buf + sizeof(m), m.len, seq ^ incarnation);
		m.crc = rmsg_crc(&m, buf + sizeof(m));
		memcpy(buf, &m, sizeof(m));
		w = zc_write(ch, buf, sizeof(m) + m.len, 100);
		if (w == -ETIMEDOUT || w == -EAGAIN)
			continue;	/* the host is busy: take what it sent, try again */
		if (w < 0) {
			rc = (int)w;
			break;
		}
		report(fd, REP_SENT, seq);
		seq++;
	}
	fprintf(stderr, "soak remote %u: %s (%s)\n", incarnation, zc_strerror(rc),
		zc_channel_error(ch) ? zc_channel_error(ch) : "channel healthy");
	return 1;
}

/* ---- the host ------------------------------------------------------------- */

struct peer {
	pid_t pid;
	int fd;			/* read end of its report pipe */
	uint32_t incarnation;
	uint64_t first_seq;	/* S_p = [first_seq, end_seq) */
	uint64_t end_seq;
	uint64_t reported;	/* k_p: host seqs it reported, in order */
	uint64_t sent_reported;	/* remote seqs it reported sent */
	uint64_t got;		/* remote seqs the host received from it */
	uint64_t kill_at;	/* ns; 0: not scheduled */
	uint64_t killed_at;
	uint64_t prev_killed_at;	/* of the remote before: recovery starts there */
	int heard;
	int bad;
};

static const char *self_exe;
static int failures;
static uint8_t *seen;		/* host seqs ever reported: exactly once */
static uint64_t seen_cap;

#define FAIL(...) do { fprintf(stderr, "soak: FAIL: " __VA_ARGS__); fprintf(stderr, "\n"); \
		       failures++; } while (0)

static void spawn_remote(struct peer *p, const char *uri, uint32_t incarnation)
{
	int pfd[2];
	char fdarg[16], incarg[16];

	if (pipe(pfd))
		abort();
	memset(p, 0, sizeof(*p));
	p->incarnation = incarnation;
	p->pid = fork();
	if (p->pid < 0)
		abort();
	if (p->pid == 0) {
		close(pfd[0]);
		snprintf(fdarg, sizeof(fdarg), "%d", pfd[1]);
		snprintf(incarg, sizeof(incarg), "%u", incarnation);
		execl(self_exe, self_exe, "--remote", uri, fdarg, incarg, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	p->fd = pfd[0];
	fcntl(p->fd, F_SETFL, O_NONBLOCK);
}

static void take_report(struct peer *p, const struct report *r)
{
	switch (r->type) {
	case REP_RECV:
		if (r->seq != p->first_seq + p->reported || r->seq >= p->end_seq) {
			FAIL("remote %u reported host seq %llu, want %llu (sent [%llu, %llu))",
			     p->incarnation, (unsigned long long)r->seq,
			     (unsigned long long)(p->first_seq + p->reported),
			     (unsigned long long)p->first_seq, (unsigned long long)p->end_seq);
			p->bad = 1;
			return;
		}
		if (r->seq >= seen_cap || seen[r->seq]) {
			FAIL("host seq %llu received twice", (unsigned long long)r->seq);
			return;
		}
		seen[r->seq] = 1;
		p->reported++;
		break;
	case REP_SENT:
		if (r->seq != p->sent_reported)
			FAIL("remote %u reported sent seq %llu, want %llu", p->incarnation,
			     (unsigned long long)r->seq, (unsigned long long)p->sent_reported);
		p->sent_reported++;
		break;
	default:
		FAIL("remote %u saw a corrupt or out-of-order frame after host seq %llu",
		     p->incarnation, (unsigned long long)r->seq);
		p->bad = 1;
	}
}

/* Read what the remote reported; @to_eof: it is dead, read all there is. */
static void read_reports(struct peer *p, int to_eof)
{
	struct report r[256];
	ssize_t n;

	if (to_eof)
		fcntl(p->fd, F_SETFL, 0);
	while ((n = read(p->fd, r, sizeof(r))) > 0) {
		ssize_t i;

		if (n % (ssize_t)sizeof(r[0]))	/* records are atomic */
			FAIL("half a report record");
		for (i = 0; i < n / (ssize_t)sizeof(r[0]); i++)
			take_report(p, &r[i]);
	}
}

/* Host -> remote: fill and send what slots are free. */
static int host_send(zc_channel *ch, struct peer *p, uint64_t *seq)
{
	struct zc_buf b[TX_BURST];
	int n = zc_reserve_burst(ch, b, TX_BURST), i, rc;

	if (n <= 0)
		return n;
	for (i = 0; i < n; i++) {
		struct hframe h = { .seq = *seq + (uint64_t)i };
		uint8_t *body = (uint8_t *)b[i].data + sizeof(h);

		h.len = (uint32_t)(rnd() % (b[i].cap - sizeof(h) + 1));
		fill_body(body, h.len, h.seq);
		h.crc = hframe_crc(&h, body);
		memcpy(b[i].data, &h, sizeof(h));
		b[i].len = (uint32_t)sizeof(h) + h.len;
	}
	rc = zc_send_burst(ch, b, (unsigned int)n);
	if (rc < 0) {
		if (rc != -EPIPE)
			FAIL("zc_send_burst to remote %u: %s (%s)", p->incarnation, zc_strerror(rc),
			     zc_channel_error(ch) ? zc_channel_error(ch) : "channel healthy");
		return rc;
	}
	*seq += (uint64_t)n;
	p->end_seq = *seq;
	if (*seq >= seen_cap) {
		seen = realloc(seen, seen_cap * 2);
		memset(seen + seen_cap, 0, seen_cap);
		seen_cap *= 2;
	}
	return n;
}

/* Remote -> host: one whole message, checked. */
static int host_recv(zc_channel *ch, struct peer *p, uint8_t *buf, size_t cap)
{
	struct rmsg m;
	ssize_t n;
	int any = zc_rx_any(ch);

	if (any <= 0)
		return any;
	/* A started message's other fragments follow at once from a live writer. */
	n = zc_read(ch, buf, cap, 1000);
	if (n == -ECANCELED || n == -ETIMEDOUT || n == -EAGAIN)
		return 0;	/* the writer gave up on one (its zc_write failed), or not yet */
	if (n < 0) {
		if (n != -EPIPE)
			FAIL("zc_read from remote %u: %s (%s)", p->incarnation, zc_strerror((int)n),
			     zc_channel_error(ch) ? zc_channel_error(ch) : "channel healthy");
		return (int)n;
	}
	if ((size_t)n < sizeof(m)) {
		FAIL("a %zd-byte message from remote %u", n, p->incarnation);
		return 1;
	}
	memcpy(&m, buf, sizeof(m));
	if (m.len != n - sizeof(m) || m.crc != rmsg_crc(&m, buf + sizeof(m)))
		FAIL("remote %u seq %llu: corrupt (%zd bytes)", p->incarnation,
		     (unsigned long long)m.seq, n);
	else if (m.incarnation != p->incarnation)
		FAIL("a message of remote %u reached the host while remote %u was its peer",
		     m.incarnation, p->incarnation);
	else if (m.seq != p->got)
		FAIL("remote %u seq %llu, want %llu", p->incarnation,
		     (unsigned long long)m.seq, (unsigned long long)p->got);
	p->got++;
	return 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_ms(uint64_t *v, int n, int pct)
{
	int i = (int)(((long)n * pct + 99) / 100) - 1;

	return v[i < 0 ? 0 : i] / 1e6;
}

static int host_main(const char *mode, int restarts, const char *prefix)
{
	uint64_t *recovery = calloc((size_t)restarts + 1, sizeof(uint64_t));
	uint64_t *notice = calloc((size_t)restarts + 1, sizeof(uint64_t));
	uint8_t *buf = malloc(4 * SLOT_SIZE);
	uint64_t seq = 0, discarded_total = 0, got_total = 0, t0 = now_ns();
	uint64_t last_progress;
	struct zc_region_stats st0, st1;
	struct zc_params prm;
	struct peer p;
	char uri[96];
	zc_region *r;
	zc_channel *ch;
	int rc, done = 0, nrec = 0;

	seen_cap = 1 << 16;
	seen = calloc(seen_cap, 1);
	/* A kmod: URI names the device itself (the QEMU guest); a shm name is made unique. */
	if (!strncmp(prefix, "kmod:", 5))
		snprintf(uri, sizeof(uri), "%s", prefix);
	else
		snprintf(uri, sizeof(uri), "%s-%s-%d", prefix, mode, (int)getpid());
	zc_params_default(&prm);
	prm.slot_size = SLOT_SIZE;
	prm.slots = SLOTS;
	prm.channels = 2;
	prm.max_msg = 4 * SLOT_SIZE;
	prm.chan_mode = !strcmp(mode, "seq") ? ZC_CHAN_MODE_SEQ : ZC_CHAN_MODE_RING;
	rc = zc_create(uri, &prm, &r);
	if (rc) {
		fprintf(stderr, "soak: create %s: %s\n", uri, zc_strerror(rc));
		return 1;
	}
	rc = zc_channel_create(r, "soak", 1, &ch);
	if (rc) {
		fprintf(stderr, "soak: channel: %s\n", zc_strerror(rc));
		return 1;
	}
	spawn_remote(&p, uri, 0);
	rc = zc_wait_peer(r, 10000);
	if (rc) {
		fprintf(stderr, "soak: first remote: %s\n", zc_strerror(rc));
		return 1;
	}
	p.first_seq = p.end_seq = seq;
	last_progress = now_ns();
	while (!done && failures < 10) {
		int work = 0, gone = 0, st;
		uint64_t t;

		rc = host_send(ch, &p, &seq);
		if (rc > 0)
			work = 1;
		else if (rc < 0)
			gone = 1;
		rc = host_recv(ch, &p, buf, 4 * SLOT_SIZE);
		if (rc > 0) {
			work = 1;
			if (!p.heard) {
				p.heard = 1;
				t = now_ns();
				p.kill_at = t + 2000000 + rnd() % 18000000;
				if (p.incarnation > 0)
					recovery[nrec++] = t - p.prev_killed_at;
			}
		} else if (rc < 0) {
			gone = 1;
		}
		read_reports(&p, 0);
		t = now_ns();
		if (work)
			last_progress = t;
		else if (t - last_progress > 10000000000ULL) {
			FAIL("no progress for 10 s with remote %u", p.incarnation);
			break;
		}
		if (p.kill_at && !p.killed_at && t >= p.kill_at) {
			p.killed_at = now_ns();
			kill(p.pid, SIGKILL);
		}
		if (!gone && !zc_peer_alive(r))
			gone = 1;
		if (!gone) {
			if (!work)
				zc_region_wait(r, 5);
			continue;
		}
		/* The peer is lost: deliver what it sent, then account. */
		if (!p.killed_at) {
			FAIL("remote %u lost before it was killed", p.incarnation);
			kill(p.pid, SIGKILL);
			p.killed_at = now_ns();
		}
		notice[p.incarnation] = now_ns() - p.killed_at;
		while (host_recv(ch, &p, buf, 4 * SLOT_SIZE) > 0)
			;
		if (waitpid(p.pid, &st, 0) != p.pid || !WIFSIGNALED(st) ||
		    WTERMSIG(st) != SIGKILL)
			FAIL("remote %u ended otherwise than by our SIGKILL (status 0x%x)",
			     p.incarnation, st);
		read_reports(&p, 1);
		close(p.fd);
		if (p.got < p.sent_reported || p.got > p.sent_reported + 1)
			FAIL("remote %u reported %llu messages sent, the host received %llu",
			     p.incarnation, (unsigned long long)p.sent_reported,
			     (unsigned long long)p.got);
		got_total += p.got;
		/* The next peer: what p never took or still held is discarded with it. */
		zc_region_stats(r, &st0);
		if ((int)p.incarnation == restarts) {
			done = 1;
			discarded_total += p.end_seq - p.first_seq - p.reported;
		} else {
			struct peer next;

			spawn_remote(&next, uri, p.incarnation + 1);
			rc = zc_wait_peer(r, 10000);
			if (rc) {
				FAIL("remote %u did not attach: %s", next.incarnation, zc_strerror(rc));
				kill(next.pid, SIGKILL);
				waitpid(next.pid, NULL, 0);
				break;
			}
			zc_region_stats(r, &st1);
			{
				uint64_t disc = p.end_seq - p.first_seq - p.reported;
				uint64_t lib = st1.frames_discarded - st0.frames_discarded;

				/*
				 * libzc counts a RING frame discarded when the peer never
				 * consumed it, a SEQ frame when it never released it; the
				 * remote reports between the two, so they differ by frames
				 * it held, at most a slot-full.
				 */
				int ok = prm.chan_mode == ZC_CHAN_MODE_SEQ ?
					 disc <= lib && lib <= disc + SLOTS :
					 lib <= disc && disc <= lib + SLOTS;

				if (!ok)
					FAIL("remote %u: %llu host messages unreported, libzc counts %llu "
					     "discarded (%s; they may differ by the %d slots it can hold)",
					     p.incarnation, (unsigned long long)disc,
					     (unsigned long long)lib,
					     prm.chan_mode == ZC_CHAN_MODE_SEQ ? "never released" :
					     "never taken", SLOTS);
				discarded_total += disc;
			}
			next.prev_killed_at = p.killed_at;
			p = next;
			p.first_seq = p.end_seq = seq;
		}
	}
	if (done) {
		uint64_t reported = 0, i;

		for (i = 0; i < seq; i++)
			reported += seen[i];
		qsort(recovery, (size_t)nrec, sizeof(*recovery), cmp_u64);
		qsort(notice, (size_t)restarts + 1, sizeof(*notice), cmp_u64);
		printf("soak %s: %d restarts in %.1f s; host->remote %llu messages: %llu received "
		       "exactly once, %llu discarded with the remote that held them; "
		       "remote->host %llu messages%s\n",
		       mode, restarts, (now_ns() - t0) / 1e9, (unsigned long long)seq,
		       (unsigned long long)reported, (unsigned long long)discarded_total,
		       (unsigned long long)got_total,
		       failures ? " (see the failures above)" : ", all intact and in order");
		if (reported + discarded_total != seq)
			FAIL("%llu received + %llu discarded != %llu sent",
			     (unsigned long long)reported, (unsigned long long)discarded_total,
			     (unsigned long long)seq);
		if (nrec)
			printf("soak %s: recovery (kill -> first message from the next remote) "
			       "p50 %.2f ms, p90 %.2f ms, max %.2f ms; loss noticed p50 %.2f ms, "
			       "p90 %.2f ms, max %.2f ms\n", mode,
			       pct_ms(recovery, nrec, 50), pct_ms(recovery, nrec, 90),
			       pct_ms(recovery, nrec, 100), pct_ms(notice, restarts + 1, 50),
			       pct_ms(notice, restarts + 1, 90), pct_ms(notice, restarts + 1, 100));
	} else if (!failures) {
		FAIL("stopped early");
	}
	zc_channel_close(ch);
	zc_close(r);
	free(recovery);
	free(notice);
	free(buf);
	free(seen);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "restarts", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "uri", required_argument, NULL, 'u' },
		{ 0 }
	};
	const char *mode = "ring", *prefix = "soak";
	int restarts = 200, o;

	setvbuf(stdout, NULL, _IOLBF, 0);
	self_exe = "/proc/self/exe";
	if (argc == 5 && !strcmp(argv[1], "--remote"))
		return remote_main(argv[2], atoi(argv[3]), (uint32_t)atoi(argv[4]));
	while ((o = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (o) {
		case 'm': mode = optarg; break;
		case 'n': restarts = atoi(optarg); break;
		case 's': rng = strtoull(optarg, NULL, 0) | 1; break;
		case 'u': prefix = optarg; break;
		default: return 2;
		}
	}
	if ((strcmp(mode, "ring") && strcmp(mode, "seq")) || restarts < 1 || optind != argc) {
		fprintf(stderr, "usage: soak_restart [--mode ring|seq] [--restarts N] [--seed S] [--uri PREFIX]\n");
		return 2;
	}
	return host_main(mode, restarts, prefix);
}
