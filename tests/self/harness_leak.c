// SPDX-License-Identifier: MIT
/*
 * The harness checks itself: under ASan, a spawn()ed child that leaks must
 * fail (LeakSanitizer runs in the child before its _exit), and one that
 * frees what it took must pass. Without ASan there is nothing to check:
 * SKIP.
 */
#include "../harness.h"

static void *volatile keep;

static __attribute__((unused)) int leaky(void *arg)
{
	(void)arg;
	keep = malloc(4096);
	memset(keep, 1, 4096);
	keep = NULL;	/* lost: a leak */
	return 0;
}

static __attribute__((unused)) int tidy(void *arg)
{
	void *p = malloc(4096);

	(void)arg;
	memset(p, 1, 4096);
	free(p);
	return 0;
}

int main(void)
{
#ifndef HARNESS_LSAN
	SKIP("not built with ASan: no LeakSanitizer to run in children");
#else
	CHECK(reap(spawn(tidy, NULL)) == 0);
	CHECK(reap(spawn(leaky, NULL)) == 1);
	printf("harness: a leaking child fails, a tidy one passes\n");
	return 0;
#endif
}
