/* SPDX-License-Identifier: MIT */
/*
 * tools/proc.h - clocks and child processes for the zc CLI: the bench runs
 * the emulated remote core as a child and must never hang on it.
 */
#ifndef ZC_TOOLS_PROC_H
#define ZC_TOOLS_PROC_H

#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

/*
 * Start this very binary (/proc/self/exe) with @argv (argv[0] included,
 * NULL-terminated) in a child process. Returns its pid or a negative errno.
 */
pid_t spawn_self(char *const argv[]);

/* The same with the program at @path. */
pid_t spawn_exe(const char *path, char *const argv[]);

/*
 * Wait up to @timeout_ms for @pid to exit; past that, SIGTERM it, then
 * SIGKILL it a second later. Returns its exit status (0..255), 128+signal
 * when a signal ended it, or a negative errno.
 */
int reap_child(pid_t pid, int timeout_ms);

/*
 * The same, and *@killed says whether it exited by itself (0) or we had to
 * signal it (SIGTERM or SIGKILL: whatever ended it); the status alone cannot
 * tell, since a child may exit 0 when asked to stop.
 */
int reap_child_killed(pid_t pid, int timeout_ms, int *killed);

/*
 * Start a thread running @fn(@arg), on CPU @cpu when @cpu >= 0 (the
 * baselines' other side, where "zc bench --pin" puts the remote core).
 * 0 or a negative errno.
 */
int start_thread(pthread_t *tid, void *(*fn)(void *), void *arg, int cpu);

/*
 * From /proc/PID/schedstat (@pid 0: ourselves): nanoseconds spent running
 * and spent runnable but waiting for a CPU. 0 or a negative errno.
 */
int sched_times(pid_t pid, uint64_t *run_ns, uint64_t *wait_ns);

/*
 * Pin the calling thread to CPU @cpu (ignored when @cpu < 0). A tool that
 * pins itself chose a CPU apart from its peer's: see pinned_apart.
 */
int pin_cpu(int cpu);

/* Set once this process pinned itself on purpose (zc bench, --cpu). */
extern int pinned_apart;

#endif /* ZC_TOOLS_PROC_H */
