/* SPDX-License-Identifier: MIT */
/* tools/proc.c - clocks, spawning and reaping children (proc.h). */
#include "proc.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

pid_t spawn_self(char *const argv[])
{
	return spawn_exe("/proc/self/exe", argv);
}

pid_t spawn_exe(const char *path, char *const argv[])
{
	pid_t pid;

	/* Whatever is buffered would otherwise be printed twice. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv(path, argv);
		fprintf(stderr, "zc: cannot start %s: could not execute %s.\n",
			argv[0], path);
		_exit(127);
	}
	return pid;
}

static int wait_for(pid_t pid, int timeout_ms, int *status)
{
	uint64_t end = now_ns() + (uint64_t)timeout_ms * 1000000ULL;

	for (;;) {
		pid_t got = waitpid(pid, status, WNOHANG);

		if (got == pid)
			return 0;
		if (got < 0 && errno != EINTR)
			return -errno;
		if (now_ns() >= end)
			return -ETIMEDOUT;
		usleep(2000);
	}
}

int reap_child_killed(pid_t pid, int timeout_ms, int *killed)
{
	int status = 0, rc;

	*killed = 0;
	rc = wait_for(pid, timeout_ms, &status);
	if (rc == -ETIMEDOUT) {
		*killed = SIGTERM;
		kill(pid, SIGTERM);
		rc = wait_for(pid, 1000, &status);
		if (rc == -ETIMEDOUT) {
			*killed = SIGKILL;
			kill(pid, SIGKILL);
			rc = wait_for(pid, 5000, &status);
		}
	}
	if (rc < 0)
		return rc;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -ECHILD;
}

int reap_child(pid_t pid, int timeout_ms)
{
	int killed;

	return reap_child_killed(pid, timeout_ms, &killed);
}

int pinned_apart;

int pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	pinned_apart = 1;
	return 0;
}

int start_thread(pthread_t *tid, void *(*fn)(void *), void *arg, int cpu)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int rc;

	if (pthread_attr_init(&attr))
		return -ENOMEM;
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	rc = pthread_create(tid, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -rc;
}

int sched_times(pid_t pid, uint64_t *run_ns, uint64_t *wait_ns)
{
	char path[64];
	unsigned long long run, wait;
	FILE *f;
	int n;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/schedstat");
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu %llu", &run, &wait);
	fclose(f);
	if (n != 2)
		return -EIO;
	*run_ns = run;
	*wait_ns = wait;
	return 0;
}
