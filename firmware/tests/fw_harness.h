/* SPDX-License-Identifier: MIT */
/*
 * fw_harness.h - run an example firmware as an emulated remote core (a
 * child process attached to a region this test hosts) and talk to it.
 * Exit codes: 0 pass, 1 fail, 77 skip.
 */
#ifndef ZC_FW_HARNESS_H
#define ZC_FW_HARNESS_H

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zc/zc.h>
#include "zc_fw_proto.h"

extern char **environ;

static int fw_failures;

/* Children still running: killed if the test dies, so it never hangs
 * (meson waits for every holder of the test's output pipe). */
static pid_t fw_children[16];

static inline void fw_kill_children(void)
{
	for (unsigned i = 0; i < sizeof(fw_children) / sizeof(fw_children[0]); i++)
		if (fw_children[i] > 0)
			kill(fw_children[i], SIGKILL);
}

static inline void fw_track(pid_t pid, int add)
{
	for (unsigned i = 0; i < sizeof(fw_children) / sizeof(fw_children[0]); i++)
		if (add ? fw_children[i] == 0 : fw_children[i] == pid) {
			fw_children[i] = add ? pid : 0;
			return;
		}
}

static void fw_on_alarm(int sig)
{
	static const char msg[] = "FAIL: test took too long\n";

	(void)sig;
	fw_kill_children();
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

/* Give the whole test @seconds, then kill everything and fail. */
static inline void fw_deadline(unsigned seconds)
{
	signal(SIGALRM, fw_on_alarm);
	alarm(seconds);
}

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		__atomic_fetch_add(&fw_failures, 1, __ATOMIC_RELAXED); \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/* A fatal setup error: nothing after it can be checked. */
#define REQUIRE(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		fw_kill_children();					\
		exit(1);						\
	}								\
} while (0)

static inline double fw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct fw_proc {
	pid_t pid;
	char uri[64];
	zc_region *r;
	zc_channel *mgmt;
};

/*
 * Host a fresh region with @p and start firmware @exe on it with one
 * optional option @opt (e.g. "--busy"); returns once it is attached and
 * its management channel is open.
 */
static inline void fw_start(struct fw_proc *f, const char *exe,
			    const struct zc_params *p, const char *opt)
{
	static int serial;
	char *argv[6];
	int rc, n = 0;

	snprintf(f->uri, sizeof(f->uri), "fwtest.%d.%d", (int)getpid(), serial++);
	rc = zc_create(f->uri, p, &f->r);
	REQUIRE(rc == 0, "zc_create: %s", zc_strerror(rc));
	argv[n++] = (char *)exe;
	/* ZC_FW_VERBOSE=1 shows the firmware's log lines. */
	if (!getenv("ZC_FW_VERBOSE"))
		argv[n++] = (char *)"--quiet";
	if (opt)
		argv[n++] = (char *)opt;
	argv[n++] = f->uri;
	argv[n] = NULL;
	rc = posix_spawn(&f->pid, exe, NULL, NULL, argv, environ);
	REQUIRE(rc == 0, "cannot start %s: %s", exe, strerror(rc));
	fw_track(f->pid, 1);
	rc = zc_wait_peer(f->r, 10000);
	REQUIRE(rc == 0, "firmware did not attach: %s", zc_strerror(rc));
	rc = zc_channel_open(f->r, ZC_FW_MGMT_NAME, 0x10, 10000, &f->mgmt);
	REQUIRE(rc == 0, "no management channel: %s", zc_strerror(rc));
}

static inline zc_channel *fw_open(struct fw_proc *f, const char *name,
				  uint32_t addr)
{
	zc_channel *ch;
	int rc = zc_channel_open(f->r, name, addr, 10000, &ch);

	REQUIRE(rc == 0, "cannot open %s: %s", name, zc_strerror(rc));
	return ch;
}

/* Send a management request; the answer is read by the caller. */
static inline void fw_request(struct fw_proc *f, uint32_t cmd)
{
	struct zc_fw_req q = { .cmd = cmd, .arg = 0 };
	ssize_t n = zc_write(f->mgmt, &q, sizeof(q), 5000);

	REQUIRE(n == (ssize_t)sizeof(q), "management request: %s",
		zc_strerror((int)n));
}

/* The firmware's report on channel @name (fails the test if absent). */
static inline struct zc_fw_chan_report fw_report(struct fw_proc *f,
						 const char *name)
{
	struct zc_fw_chan_report r, found;
	uint32_t i, count = 1;
	int seen = 0;

	memset(&found, 0, sizeof(found));
	fw_request(f, ZC_FW_CMD_STATS);
	for (i = 0; i < count; i++) {
		ssize_t n = zc_read(f->mgmt, &r, sizeof(r), 5000);

		REQUIRE(n == (ssize_t)sizeof(r) && r.cmd == ZC_FW_CMD_STATS &&
			r.index == i, "bad stats report (%zd)", n);
		count = r.count;
		if (!strncmp(r.name, name, sizeof(r.name))) {
			found = r;
			seen = 1;
		}
	}
	REQUIRE(seen, "firmware reports no channel %s", name);
	return found;
}

/* Wait up to @ms for the child to exit; its exit status, or -1 (killed). */
static inline int fw_reap(struct fw_proc *f, int ms)
{
	double end = fw_now() + ms / 1000.0;
	int st;

	while (fw_now() < end) {
		pid_t p = waitpid(f->pid, &st, WNOHANG);

		if (p == f->pid) {
			fw_track(f->pid, 0);
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(2000);
	}
	kill(f->pid, SIGKILL);
	waitpid(f->pid, &st, 0);
	fw_track(f->pid, 0);
	return -1;
}

/* Ask the firmware to stop, check it says so and exits 0; close the region. */
static inline void fw_stop(struct fw_proc *f)
{
	struct zc_fw_req q;
	ssize_t n;
	int st;

	fw_request(f, ZC_FW_CMD_STOP);
	n = zc_read(f->mgmt, &q, sizeof(q), 5000);
	CHECK(n == (ssize_t)sizeof(q) && q.cmd == ZC_FW_CMD_STOP,
	      "stop not acknowledged (%zd)", n);
	st = fw_reap(f, 10000);
	CHECK(st == 0, "firmware exit status %d after stop", st);
	zc_close(f->r);
	f->r = NULL;
}

static inline int fw_result(const char *name)
{
	if (fw_failures)
		fprintf(stderr, "%s: %d failures\n", name, fw_failures);
	else
		printf("%s: ok\n", name);
	return fw_failures ? 1 : 0;
}

#endif /* ZC_FW_HARNESS_H */
