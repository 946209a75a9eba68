/* SPDX-License-Identifier: MIT */
/*
 * tests/harness.h - the little the tests share: checks that say where they
 * failed, unique region names, and a forked peer process.
 * Exit codes: 0 pass, 1 fail, 77 skip.
 */
#ifndef ZC_TEST_HARNESS_H
#define ZC_TEST_HARNESS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <pthread.h>
#include <unistd.h>
#include "zc/zc.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		exit(1);						\
	}								\
} while (0)

/* Line-buffered stdout: a test killed on a hang still shows how far it got. */
__attribute__((constructor)) static void harness_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Check a zc call returned @want (0 or a negative errno). */
#define CHECK_RC(call, want) do {					\
	long rc_ = (long)(call);					\
	if (rc_ != (long)(want)) {					\
		fprintf(stderr, "%s:%d: %s returned %ld (%s), want %ld\n", \
			__FILE__, __LINE__, #call, rc_,			\
			rc_ < 0 ? zc_strerror((int)rc_) : "", (long)(want)); \
		exit(1);						\
	}								\
} while (0)

#define SKIP(...) do {							\
	printf("SKIP: " __VA_ARGS__);					\
	printf("\n");							\
	exit(77);							\
} while (0)

/*
 * The region a test uses: $ZC_TEST_URI when set (kmod/qemu/run.sh sets
 * kmod:/dev/zc0 to run the suite over the driver), else a shm name no
 * other test run uses.
 */
static inline const char *test_name(const char *what)
{
	static char buf[96];
	const char *uri = getenv("ZC_TEST_URI");

	if (uri && *uri)
		return uri;
	snprintf(buf, sizeof(buf), "test-%s-%d", what, (int)getpid());
	return buf;
}

/*
 * meson.build runs some suites again with ZC_CHAN_MODE=seq: check that a
 * channel really is in the mode the run asked for.
 */
static inline void check_chan_mode(const zc_channel *ch)
{
	const char *m = getenv("ZC_CHAN_MODE");

	CHECK(ch->seq == (m && !strcmp(m, "seq")));
}

/* The backend name test_name()'s region reports. */
static inline const char *test_backend(void)
{
	const char *uri = getenv("ZC_TEST_URI");

	return uri && !strncmp(uri, "kmod:", 5) ? "kmod" : "shm";
}

#if defined(__SANITIZE_ADDRESS__)
#define HARNESS_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HARNESS_LSAN 1
#endif
#endif
#ifdef HARNESS_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/*
 * End a child: _exit() (no atexit handlers or stdio buffers of the parent
 * run twice), but under ASan after LeakSanitizer has checked the child,
 * which _exit() alone would skip. A leak fails a child that passed.
 */
static inline __attribute__((noreturn)) void child_exit(int code)
{
#ifdef HARNESS_LSAN
	/*
	 * The check runs in a helper task that shares our descriptors and can
	 * outlive a SIGKILL by a moment: close them first (exit would anyway),
	 * so a parent that killed and reaped us can reuse a socket name at once.
	 */
	close_range(3, ~0U, 0);
	if (__lsan_do_recoverable_leak_check() && code == 0) {
		fprintf(stderr, "child %d: LeakSanitizer found leaks\n", (int)getpid());
		code = 1;
	}
#endif
	_exit(code);
}

/* Run @fn(@arg) in a child process; its return value is the exit code. */
static inline pid_t spawn(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0)
		child_exit(fn(arg));
	CHECK(pid > 0);
	return pid;
}

/* Wait for a child and return its exit code (128+signal if killed). */
static inline int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A deterministic payload byte for message @seq, offset @i. */
static inline uint8_t pattern(uint64_t seq, size_t i)
{
	return (uint8_t)((seq * 131 + i * 7 + (i >> 8)) & 0xff);
}


struct pair_attach {
	const char *name;
	zc_region *r;
	int rc;
};

static inline void *pair_attach_thread(void *p)
{
	struct pair_attach *a = p;

	a->rc = zc_attach(a->name, 5000, &a->r);
	return NULL;
}

/*
 * Host and remote of one region in this process (the remote attaches from a
 * thread while the host waits for it), with channel "t" open on both.
 */
static inline void pair_open(const char *name, const struct zc_params *p,
			     zc_region **host, zc_region **remote,
			     zc_channel **hch, zc_channel **rch)
{
	struct pair_attach a = { .name = name };
	pthread_t t;

	CHECK_RC(zc_create(name, p, host), 0);
	CHECK(pthread_create(&t, NULL, pair_attach_thread, &a) == 0);
	CHECK_RC(zc_wait_peer(*host, 5000), 0);
	pthread_join(t, NULL);
	CHECK_RC(a.rc, 0);
	*remote = a.r;
	CHECK_RC(zc_channel_create(*host, "t", 1, hch), 0);
	CHECK_RC(zc_channel_open(*remote, "t", 2, 1000, rch), 0);
}

static inline void pair_close(zc_region *host, zc_region *remote,
			      zc_channel *hch, zc_channel *rch)
{
	zc_channel_close(rch);
	zc_channel_close(hch);
	zc_close(remote);
	zc_close(host);
}
#endif
