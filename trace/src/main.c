// SPDX-License-Identifier: MIT
/*
 * zc-trace - live rates and latency histograms of zc data planes, from
 * libzc's USDT probes and zc.ko's tracepoints.
 *
 * Exit status: 0 after Ctrl-C, the duration, or the traced processes'
 * exit; 1 on any error, which is said in one sentence on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "kmod.h"
#include "preflight.h"
#include "report.h"
#include "targets.h"
#include "zc_trace.skel.h"
#include "zc_waking.skel.h"

#define MAX_PIDS 64

struct opts {
	pid_t pids[MAX_PIDS];
	int npids;
	const char *binaries[MAX_PIDS];
	int nbinaries;
	const char *lib;
	int hist;
	int json;
	int verbose;
	int no_kmod;
	int check_only;
	double interval;
	double duration;	/* 0: until stopped */
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fputs("usage: zc-trace [-p PID]... [-b BINARY]... [-l LIBZC] [-H] [-j] [-i SEC] [-d SEC] [-v]\n"
	      "Live per-channel rates of zc data planes (libzc USDT probes, zc.ko tracepoints).\n"
	      "  -p, --pid PID        trace process PID: its executable and every loaded object\n"
	      "                       with zc probes (repeatable); exits when all PIDs have exited\n"
	      "  -b, --binary PATH    trace every process running PATH, system-wide (repeatable)\n"
	      "  -l, --lib PATH       the libzc.so to trace system-wide (default: the one the\n"
	      "                       dynamic linker finds, or the one built beside zc-trace);\n"
	      "                       used when no -p is given\n"
	      "  -H, --hist           log2 latency histograms: send->recv, kick->wake, reserve->send,\n"
	      "                       and zc.ko's kick->doorbell\n"
	      "  -j, --json           one JSON object per line (machine readable)\n"
	      "  -i, --interval SEC   report interval (default 1)\n"
	      "  -d, --duration SEC   stop after SEC seconds\n"
	      "      --no-kmod        do not trace zc.ko even when it is loaded\n"
	      "      --check          only check that this machine can trace (with -H: histograms\n"
	      "                       too); exit 0 if so, else say why and exit 1\n"
	      "  -v, --verbose        show libbpf's messages\n"
	      "With no -p, -b or -l and no libzc.so to be found, only zc.ko is traced.\n"
	      "Ctrl-C prints the totals (and histograms) and exits.\n", f);
}

static int die(const char *fmt, ...)
{
	va_list ap;

	fputs("zc-trace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int libbpf_loud(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int parse_secs(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v <= 0 || v > 1e6)
		return -1;
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "binary", required_argument, NULL, 'b' },
		{ "lib", required_argument, NULL, 'l' },
		{ "hist", no_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "no-kmod", no_argument, NULL, 'K' },
		{ "check", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->interval = 1.0;
	while ((c = getopt_long(argc, argv, "p:b:l:Hji:d:vh", longs, NULL)) != -1) {
		char *end;
		long v;

		switch (c) {
		case 'p':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v <= 0 || v > INT_MAX)
				return die("-p wants a process id, not \"%s\"", optarg);
			if (o->npids == MAX_PIDS)
				return die("at most %d -p options", MAX_PIDS);
			o->pids[o->npids++] = (pid_t)v;
			break;
		case 'b':
			if (o->nbinaries == MAX_PIDS)
				return die("at most %d -b options", MAX_PIDS);
			o->binaries[o->nbinaries++] = optarg;
			break;
		case 'l':
			o->lib = optarg;
			break;
		case 'H':
			o->hist = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'i':
			if (parse_secs(optarg, &o->interval) || o->interval < 0.05)
				return die("-i wants a number of seconds, at least 0.05, not \"%s\"", optarg);
			break;
		case 'd':
			if (parse_secs(optarg, &o->duration))
				return die("-d wants a positive number of seconds, not \"%s\"", optarg);
			break;
		case 'K':
			o->no_kmod = 1;
			break;
		case 'C':
			o->check_only = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc)
		return die("unexpected argument \"%s\" (see zc-trace --help)", argv[optind]);
	return 0;
}

/* Gather the objects to attach to; prints the error itself. */
static int find_objects(const struct opts *o, struct zt_objects *objs)
{
	char lib[PATH_MAX];
	int i, rc;

	for (i = 0; i < o->npids; i++) {
		rc = zt_add_pid_objects(objs, o->pids[i]);
		if (rc == -ESRCH)
			return die("no process %d", (int)o->pids[i]);
		if (rc < 0)
			return die("cannot read the mappings of process %d: %s",
				   (int)o->pids[i], strerror(-rc));
		if (rc == 0)
			return die("process %d has no zc probes: it does not use libzc, or it was built with -DZC_NO_PROBES or without sys/sdt.h",
				   (int)o->pids[i]);
	}
	for (i = 0; i < o->nbinaries; i++) {
		rc = zt_add_path_object(objs, o->binaries[i]);
		if (rc < 0)
			return die("cannot read %s: %s", o->binaries[i],
				   rc == -ENOEXEC ? "not an ELF file" : strerror(-rc));
		if (rc == 0)
			return die("%s has no zc probes: it does not use libzc's data path, or it was built with -DZC_NO_PROBES or without sys/sdt.h",
				   o->binaries[i]);
	}
	if (o->npids)
		return 0;
	if (o->lib) {
		rc = zt_add_path_object(objs, o->lib);
		if (rc < 0)
			return die("cannot read %s: %s", o->lib, strerror(-rc));
		if (rc == 0)
			return die("%s has no zc probes (built with -Dprobes=false?)", o->lib);
	} else if (zt_find_libzc(lib, sizeof(lib)) == 0) {
		rc = zt_add_path_object(objs, lib);
		if (rc < 0)
			return die("cannot read %s: %s", lib, strerror(-rc));
	}
	/* Nothing in user space yet: main() still has zc.ko's tracepoints. */
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void announce(const struct opts *o, const struct zt_objects *objs,
		     int probes, int kmod)
{
	size_t i;

	fprintf(stderr, "zc-trace: %d probes in %zu object(s)%s%s; Ctrl-C to stop\n",
		probes, objs->n, kmod ? ", zc.ko tracepoints" : "",
		o->hist ? ", histograms on" : "");
	if (o->verbose)
		for (i = 0; i < objs->n; i++)
			fprintf(stderr, "zc-trace:   %s (pid %d)\n",
				objs->v[i].path, (int)objs->v[i].pid);
	if (!o->json)
		return;
	/* Machines (and the tests) start the traffic once they see this. */
	printf("{\"type\":\"attached\",\"probes\":%d,\"kmod\":%s,\"objects\":[",
	       probes, kmod ? "true" : "false");
	for (i = 0; i < objs->n; i++) {
		printf("%s{\"path\":", i ? "," : "");
		zt_json_string(stdout, objs->v[i].path);
		printf(",\"pid\":%d}", (int)objs->v[i].pid);
	}
	printf("]}\n");
	fflush(stdout);
}

/*
 * Report every interval until a signal, the duration, or (with -p) the
 * exit of every traced process.
 */
static int run(const struct opts *o, struct zc_trace_bpf *skel, int kmod)
{
	struct zt_output out = { .f = stdout, .json = o->json };
	struct zt_snapshot snap[2] = { { 0 } };
	struct pollfd pfd[MAX_PIDS];
	int chan_fd = bpf_map__fd(skel->maps.chan_stats);
	int kmod_fd = kmod ? bpf_map__fd(skel->maps.kmod_events) : -1;
	int hist_fd = o->hist ? bpf_map__fd(skel->maps.hists) : -1;
	int lost_fd = bpf_map__fd(skel->maps.lost_events);
	double start = now_s(), last = start, next = start + o->interval;
	int cur = 0, alive = 0, i, rc = 0;

	for (i = 0; i < o->npids; i++) {
		pfd[i].fd = zt_pidfd_open(o->pids[i]);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0) {
			if (pfd[i].fd != -ESRCH)
				fprintf(stderr, "zc-trace: cannot watch process %d for exit (%s): stop with Ctrl-C\n",
					(int)o->pids[i], strerror(-pfd[i].fd));
			else
				pfd[i].fd = -2;	/* already gone */
		}
		if (pfd[i].fd != -2)
			alive++;
		if (pfd[i].fd < 0)
			pfd[i].fd = -1;	/* poll ignores it */
	}
	if (o->npids && !alive)
		stop_requested = 1;
	while (!stop_requested) {
		double t = now_s();
		int ms, n;

		if (o->duration && t - start >= o->duration)
			break;
		if (t >= next) {
			if (zt_snapshot_read(&snap[cur ^ 1], chan_fd, kmod_fd, lost_fd) < 0) {
				rc = die("out of memory reading the counters");
				break;
			}
			zt_print_interval(&out, &snap[cur], &snap[cur ^ 1], t - last);
			cur ^= 1;
			last = t;
			next += o->interval;
			if (next < t)
				next = t + o->interval;
			if (ferror(stdout))
				break;	/* reader went away */
			continue;
		}
		ms = (int)((next - t) * 1000) + 1;
		if (o->duration && (start + o->duration - t) * 1000 < ms)
			ms = (int)((start + o->duration - t) * 1000) + 1;
		n = poll(pfd, (nfds_t)o->npids, ms);
		if (n < 0 && errno != EINTR) {
			rc = die("poll: %s", strerror(errno));
			break;
		}
		for (i = 0; n > 0 && i < o->npids; i++) {
			if (pfd[i].fd >= 0 && pfd[i].revents) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				alive--;
			}
		}
		if (o->npids && alive <= 0)
			break;
	}
	/* Final partial interval and totals: a process that exited ran every
	 * handler before its exit, so these counts are complete. */
	if (zt_snapshot_read(&snap[cur ^ 1], chan_fd, kmod_fd, lost_fd) == 0) {
		double t = now_s();

		if (t - last > 0.01)
			zt_print_interval(&out, &snap[cur], &snap[cur ^ 1], t - last);
		zt_print_totals(&out, &snap[cur ^ 1], t - start, hist_fd);
	}
	for (i = 0; i < o->npids; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	zt_snapshot_free(&snap[0]);
	zt_snapshot_free(&snap[1]);
	return rc;
}

/*
 * Load the kick->wake program into the maps of the loaded @skel: the USDT
 * side records kicks and reads wakes, this side links the two.
 */
static int load_waking(struct zc_trace_bpf *skel, struct zc_waking_bpf **out)
{
	struct zc_waking_bpf *w = zc_waking_bpf__open();
	int rc;

	if (!w)
		return -errno;
	*out = w;
	rc = bpf_map__reuse_fd(w->maps.kick_pending,
			       bpf_map__fd(skel->maps.kick_pending));
	if (!rc)
		rc = bpf_map__reuse_fd(w->maps.woken_by_kick,
				       bpf_map__fd(skel->maps.woken_by_kick));
	if (!rc)
		rc = zc_waking_bpf__load(w);
	return rc;
}

static int load_error(int err)
{
	if (err == -EPERM)
		return die("the kernel refused the BPF programs (%s): run as root, and check lockdown", strerror(-err));
	if (err == -EACCES)
		return die("this kernel's BPF verifier rejected a zc-trace program: run with -v for its log, and report it with the kernel version");
	return die("cannot load the BPF programs: %s (run with -v for libbpf's log)",
		   strerror(-err));
}

int main(int argc, char **argv)
{
	struct zt_objects objs = { 0 };
	struct zt_links links = { 0 };
	struct zc_trace_bpf *skel = NULL;
	struct zc_waking_bpf *waking = NULL;
	struct sigaction sa;
	char why[512];
	int rc, probes, kmod = 0;
	struct opts o;

	if (parse_opts(argc, argv, &o))
		return 1;
	libbpf_set_print(o.verbose ? libbpf_loud : libbpf_quiet);
	if (zt_check_privileges(why, sizeof(why)) ||
	    zt_check_bpf(why, sizeof(why)) ||
	    zt_check_uprobes(why, sizeof(why)) ||
	    (o.hist && zt_check_btf(why, sizeof(why))))
		return die("%s", why);
	if (o.check_only)
		return 0;
	if (find_objects(&o, &objs)) {
		zt_objects_free(&objs);
		return 1;
	}
	if (!o.no_kmod) {
		kmod = zt_kmod_usable(why, sizeof(why));
		if (!kmod && !o.json && objs.n)
			fprintf(stderr, "zc-trace: %s\n", why);
	}
	if (!objs.n && !kmod) {
		zt_objects_free(&objs);
		return die("nothing to trace: libzc.so is not in the library path and zc.ko is not loaded; give -p PID, -b BINARY or -l LIBZC");
	}

	skel = zc_trace_bpf__open();
	if (!skel) {
		rc = load_error(-errno);
		goto out;
	}
	skel->rodata->want_hist = o.hist;
	bpf_program__set_autoload(skel->progs.zc_tp_kick, kmod);
	bpf_program__set_autoload(skel->progs.zc_tp_doorbell, kmod);
	bpf_program__set_autoload(skel->progs.zc_tp_bind, kmod);
	bpf_program__set_autoload(skel->progs.zc_tp_unbind, kmod);
	bpf_program__set_autoload(skel->progs.zc_tp_mmap, kmod);
	rc = zc_trace_bpf__load(skel);
	if (rc) {
		rc = load_error(rc);
		goto out;
	}
	if (o.hist) {
		rc = load_waking(skel, &waking);
		if (rc) {
			rc = load_error(rc);
			goto out;
		}
	}

	rc = 1;
	probes = zt_attach_usdt(skel, &objs, &links);
	if (probes < 0)
		goto out;
	if (o.hist && zt_attach_auto(waking->progs.zc_sched_waking, &links)) {
		die("cannot attach to sched_waking (needed for kick->wake): %s",
		    strerror(errno));
		goto out;
	}
	if (kmod &&
	    (zt_attach_auto(skel->progs.zc_tp_kick, &links) ||
	     zt_attach_auto(skel->progs.zc_tp_doorbell, &links) ||
	     zt_attach_auto(skel->progs.zc_tp_bind, &links) ||
	     zt_attach_auto(skel->progs.zc_tp_unbind, &links) ||
	     zt_attach_auto(skel->progs.zc_tp_mmap, &links))) {
		die("cannot attach to zc.ko's tracepoints: %s", strerror(errno));
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll must return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	announce(&o, &objs, probes, kmod);
	rc = run(&o, skel, kmod);
out:
	zt_links_destroy(&links);
	zc_waking_bpf__destroy(waking);
	zc_trace_bpf__destroy(skel);
	zt_objects_free(&objs);
	return rc;
}
