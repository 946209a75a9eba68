// SPDX-License-Identifier: MIT
/*
 * probe_emitter - fire zc's USDT probes with arguments chosen by hand, so
 * the tracer's matching logic is checked on cases a real stream rarely
 * produces on cue: message ids wrapping at 65536, the two directions of a
 * channel using the same id at once, the burst probe forms, reserve->send,
 * a receive whose send was never seen, a broken channel, and two regions
 * using the same channel index and ids at once.
 *
 * Threads A (main) and B take turns through pthread barriers, then all
 * four (C and D too) for the two-regions case. It prints
 * "ready PID" and waits for SIGUSR1 before the first probe. The expected
 * counts are listed in trace_check.py (scenario "emitter").
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/sdt.h>
#include <time.h>
#include <unistd.h>

static pthread_barrier_t turn;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts))
		;
}

/* The first id of the wrapping run: 6 ids before 65536, 10 after. */
#define WRAP_FIRST	65530U
#define WRAP_FRAMES	16U
/*
 * Channel 2, id 7 both ways: A sends, waits SLOW_MS, B sends and at once
 * receives (A's frame: ~SLOW_MS old), then A waits SLOWER_MS and receives
 * (B's frame: ~SLOWER_MS old). Matching a thread's own send instead would
 * give ~0 and ~SLOW_MS + SLOWER_MS: other log2 buckets.
 */
/* trace_check.py checks only "at least 2^27 ns": a busy machine makes sleeps longer, never shorter. */
#define SLOW_MS		140	/* >= 2^27 ns (134 ms) */
#define SLOWER_MS	300	/* >= 2^28 ns (268 ms) */

/*
 * Channel 8 as two regions would use it: A->B and C->D, same channel
 * index, same ids. Four threads step through it in lockstep; at each step
 * only the thread named acts. C sends first, so a receiver that simply
 * tried the first sender seen on the channel would take C's frames. After
 * id 0 each receiver knows its peer: B must take A's id 1 (~SLOW_MS old),
 * D must take C's (~SLOWER_MS old); the wrong pairing gives ~0 and
 * ~SLOW_MS + SLOWER_MS.
 */
enum { TA, TB, TC, TD };

static pthread_barrier_t all4;

static void two_regions(int me)
{
	static const int actor[] = { TC, TD, TA, TB, TA, TC, TB, TD };
	unsigned int step;

	pthread_barrier_wait(&all4);	/* A and B are done with the rest */
	for (step = 0; step < sizeof(actor) / sizeof(actor[0]); step++) {
		if (me == actor[step]) {
			switch (step) {
			case 0: DTRACE_PROBE3(zc, send, 8, 1, 0); break;
			case 1: DTRACE_PROBE3(zc, recv, 8, 1, 0); break;
			case 2: DTRACE_PROBE3(zc, send, 8, 1, 0); break;
			case 3: DTRACE_PROBE3(zc, recv, 8, 1, 0); break;
			case 4:
				DTRACE_PROBE3(zc, send, 8, 1, 1);
				sleep_ms(SLOW_MS);
				break;
			case 5: DTRACE_PROBE3(zc, send, 8, 1, 1); break;
			case 6: DTRACE_PROBE3(zc, recv, 8, 1, 1); break;
			case 7:
				sleep_ms(SLOWER_MS);
				DTRACE_PROBE3(zc, recv, 8, 1, 1);
				break;
			}
		}
		pthread_barrier_wait(&all4);
	}
}

static void *thread_cd(void *arg)
{
	two_regions((int)(long)arg);
	return NULL;
}

static void *thread_b(void *arg)
{
	unsigned int i;

	(void)arg;
	pthread_barrier_wait(&turn);		/* 1: A sent chan 1 */
	for (i = 0; i < WRAP_FRAMES; i++)
		DTRACE_PROBE3(zc, recv, 1, 10, (WRAP_FIRST + i) & 0xffff);
	DTRACE_PROBE2(zc, release, 1, WRAP_FRAMES);

	pthread_barrier_wait(&turn);		/* 2: A sent chan 2 id 7, slept */
	DTRACE_PROBE3(zc, send, 2, 1, 7);
	DTRACE_PROBE3(zc, recv, 2, 1, 7);	/* A's */
	pthread_barrier_wait(&turn);		/* 3: A receives ours */

	pthread_barrier_wait(&turn);		/* 4: A sent a burst on chan 3 */
	DTRACE_PROBE4(zc, recv_burst, 3, 5, 65534, 500);

	pthread_barrier_wait(&turn);		/* 5: A reserved and sent chan 4 */
	DTRACE_PROBE3(zc, recv, 4, 1, 0);
	DTRACE_PROBE3(zc, recv, 6, 1, 42);	/* never sent */
	DTRACE_PROBE2(zc, broken, 7, -71);	/* -EPROTO */
	two_regions(TB);
	return NULL;
}

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

int main(void)
{
	pthread_t b, c, d;
	unsigned int i;
	int waited;

	signal(SIGUSR1, on_usr1);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	for (waited = 0; !go && waited < 6000; waited++)
		sleep_ms(10);
	if (!go) {
		fprintf(stderr, "probe_emitter: no SIGUSR1 within 60 s\n");
		return 1;
	}
	pthread_barrier_init(&turn, NULL, 2);
	pthread_barrier_init(&all4, NULL, 4);
	if (pthread_create(&b, NULL, thread_b, NULL) ||
	    pthread_create(&c, NULL, thread_cd, (void *)(long)TC) ||
	    pthread_create(&d, NULL, thread_cd, (void *)(long)TD))
		return 1;

	for (i = 0; i < WRAP_FRAMES; i++)
		DTRACE_PROBE3(zc, send, 1, 10, (WRAP_FIRST + i) & 0xffff);
	DTRACE_PROBE1(zc, kick, 1);
	DTRACE_PROBE1(zc, kick, 1);
	pthread_barrier_wait(&turn);		/* 1 */

	DTRACE_PROBE3(zc, send, 2, 1, 7);
	sleep_ms(SLOW_MS);
	pthread_barrier_wait(&turn);		/* 2 */
	pthread_barrier_wait(&turn);		/* 3 */
	sleep_ms(SLOWER_MS);
	DTRACE_PROBE3(zc, recv, 2, 1, 7);	/* B's */

	DTRACE_PROBE4(zc, send_burst, 3, 5, 65534, 500);
	pthread_barrier_wait(&turn);		/* 4 */

	DTRACE_PROBE2(zc, reserve, 4, 1);
	sleep_ms(5);
	DTRACE_PROBE3(zc, send, 4, 1, 0);
	for (i = 0; i < 3; i++)
		DTRACE_PROBE1(zc, full, 5);
	pthread_barrier_wait(&turn);		/* 5 */

	two_regions(TA);
	pthread_join(b, NULL);
	pthread_join(c, NULL);
	pthread_join(d, NULL);
	pthread_barrier_destroy(&turn);
	pthread_barrier_destroy(&all4);
	printf("done\n");
	return 0;
}
