/* SPDX-License-Identifier: MIT */
/*
 * tools/cmd_bench.c - "zc bench": options, the run over every size and the
 * baselines, and the report (bench.h says what is measured).
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zc/zc.h>

#include "args.h"
#include "bench.h"
#include "commands.h"
#include "proc.h"

static const uint64_t default_sizes[] = {
	64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20,
};

#define BASELINE_SIZE 4096	/* pipe and socket, as the target */
#define STREAM_SIZE (1u << 20)

static void usage(FILE *f)
{
	fprintf(f,
"usage: zc bench [options]\n"
"Stream to an emulated remote core (a 'zc remote' child process) for each\n"
"message size, then ping-pong through it; print messages/s, GB/s and\n"
"round-trip latency. In the same run: a pipe and a UNIX socket (4 KiB), a bare\n"
"SPSC ring of 16-byte descriptors and a plain core-to-core streaming loop\n"
"(1 MiB), so the ratios to them mean something on a busy machine.\n"
"\n"
"  --seconds S       streaming time per size (2); 0.2 is a quick check\n"
"  --lat-seconds S   ping-pong time per size (half of --seconds)\n"
"  --sizes LIST      message sizes, 1 B..2 MiB-16 B, at most 16\n"
"                    (64,256,1K,4K,16K,64K,256K,1M)\n"
"  --wait MODE       busy, spin, sleep or uring, both sides (spin)\n"
"  --batch N         messages per burst, 1..64 (32)\n"
"  --chan-mode MODE  ring or seq: how the channels move frames (ring, or\n"
"                    seq when ZC_CHAN_MODE=seq)\n"
"  --slots N         slots per direction, 1..65536; for SEQ channels a power\n"
"                    of two up to 32768 (by default about 4 MiB of them,\n"
"                    8..4096)\n"
"  --check KIND      what the sink verifies: none, pattern, crc (pattern)\n"
"  --uri URI         region to create (shm:bench-PID); e.g. kmod:/dev/zc0\n"
"  --json FILE       also write the results as JSON to FILE\n"
"  --repeat N        run everything N times (1..9), report the median round\n"
"  --huge            put the regions on huge pages (if reserved, else says so)\n"
"  --no-baselines    skip the baselines\n"
"  --no-pin          let the scheduler place host and remote core (by default,\n"
"                    --pin, they get the first two CPUs this process may use,\n"
"                    so a side spinning never holds the CPU its peer needs)\n"
"  --quiet           no progress lines\n");
}

/* The first two CPUs we may run on: host, then remote core (and the
 * baselines' second thread). With fewer than two, nothing is pinned. */
static void choose_cpus(struct bench_opts *o)
{
	cpu_set_t set;
	int cpu, found = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return;
	for (cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (found++ == 0)
			o->host_cpu = cpu;
		else
			o->remote_cpu = cpu;
	}
	if (found < 2)
		o->host_cpu = o->remote_cpu = -1;
}

static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "lat-seconds", required_argument, NULL, 'L' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "wait", required_argument, NULL, 'w' },
		{ "batch", required_argument, NULL, 'b' },
		{ "chan-mode", required_argument, NULL, 'm' },
		{ "slots", required_argument, NULL, 'S' },
		{ "check", required_argument, NULL, 'k' },
		{ "uri", required_argument, NULL, 'u' },
		{ "json", required_argument, NULL, 'j' },
		{ "no-baselines", no_argument, NULL, 'B' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "huge", no_argument, NULL, 'H' },
		{ "pin", no_argument, NULL, 'p' },
		{ "no-pin", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct zc_params defaults;
	int c, lat_set = 0;

	memset(o, 0, sizeof(*o));
	zc_params_default(&defaults);	/* $ZC_CHAN_MODE */
	o->chan_mode = defaults.chan_mode;
	memcpy(o->sizes, default_sizes, sizeof(default_sizes));
	o->nsizes = sizeof(default_sizes) / sizeof(default_sizes[0]);
	o->seconds = 2;
	o->wait = TOOL_WAIT_SPIN;
	o->batch = 32;
	o->kind = PAYLOAD_PATTERN;
	o->baselines = 1;
	o->repeat = 1;
	o->pin = 1;
	while ((c = getopt_long(argc, argv, ":s:L:z:w:b:m:S:k:u:j:Br:HpPqh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_seconds("--seconds", optarg, 0.01, 3600,
					  &o->seconds) < 0)
				return -1;
			break;
		case 'L':
			if (parse_seconds("--lat-seconds", optarg, 0.01, 3600,
					  &o->lat_seconds) < 0)
				return -1;
			lat_set = 1;
			break;
		case 'z':
			if (parse_size_list("--sizes", optarg, 1,
					    ZC_SLOT_MAX - ZC_FRAME_HDR_SIZE,
					    o->sizes, BENCH_MAX_SIZES,
					    &o->nsizes) < 0)
				return -1;
			break;
		case 'w':
			if (parse_tool_wait("--wait", optarg, &o->wait) < 0)
				return -1;
			break;
		case 'b':
			if (parse_uint("--batch", optarg, 1, ZC_BURST_MAX,
				       &o->batch) < 0)
				return -1;
			break;
		case 'm':
			if (!strcmp(optarg, "ring")) {
				o->chan_mode = ZC_CHAN_MODE_RING;
			} else if (!strcmp(optarg, "seq")) {
				o->chan_mode = ZC_CHAN_MODE_SEQ;
			} else {
				zc_errorf("--chan-mode expects ring or seq, not '%s'",
					  optarg);
				return -1;
			}
			break;
		case 'S':
			if (parse_uint("--slots", optarg, 1, ZC_SLOTS_MAX,
				       &o->slots) < 0)
				return -1;
			break;
		case 'k':
			if (parse_payload_kind(optarg, &o->kind) < 0) {
				zc_errorf("--check expects none, pattern or crc, not '%s'",
					  optarg);
				return -1;
			}
			break;
		case 'u':
			o->uri = optarg;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'B':
			o->baselines = 0;
			break;
		case 'r':
			if (parse_uint("--repeat", optarg, 1, BENCH_MAX_REPEAT,
				       &o->repeat) < 0)
				return -1;
			break;
		case 'p':
			o->pin = 1;
			break;
		case 'P':
			o->pin = 0;
			break;
		case 'H':
			o->huge = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			option_error(c, argv);
			return -1;
		}
	}
	if (optind < argc) {
		zc_errorf("takes no arguments, only options; got '%s'", argv[optind]);
		return -1;
	}
	if (o->slots && check_slots("--slots", o->slots, o->chan_mode) < 0)
		return -1;
	if (!lat_set)
		o->lat_seconds = o->seconds / 2 < 0.01 ? 0.01 : o->seconds / 2;
	o->host_cpu = o->remote_cpu = -1;
	if (o->pin)
		choose_cpus(o);
	return 0;
}

static double load_average(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

static int run_pipe(const struct bench_opts *o, struct baseline_result *b)
{
	return bench_pipe(o, BASELINE_SIZE, b);
}

static int run_socket(const struct bench_opts *o, struct baseline_result *b)
{
	return bench_unix_socket(o, BASELINE_SIZE, b);
}

static int run_stream(const struct bench_opts *o, struct baseline_result *b)
{
	return bench_stream(o, STREAM_SIZE, b);
}

/*
 * Each baseline runs right after the zc size it is held against, so the
 * two numbers of a ratio are measured as close together as possible.
 */
static const struct baseline_def {
	uint64_t compare_size;
	int (*run)(const struct bench_opts *o, struct baseline_result *b);
	const char *doing;
} baselines[] = {
	{ BASELINE_SIZE, run_pipe, "pipe, 4 KiB blocks" },
	{ BASELINE_SIZE, run_socket, "unix socket, 4 KiB blocks" },
	{ 64, bench_spsc16, "bare spsc ring of 16-byte descriptors" },
	{ STREAM_SIZE, run_stream, "core-to-core streaming, 1 MiB blocks" },
};
#define NBASELINES ((int)(sizeof(baselines) / sizeof(baselines[0])))

/* Run the baselines held against @size (all the rest when @size is 0). */
static int run_baselines(const struct bench_opts *o, uint64_t size,
			 struct baseline_result *b, int *done)
{
	double line;
	int i;

	for (i = 0; i < NBASELINES; i++) {
		if (done[i] || (size && baselines[i].compare_size != size))
			continue;
		bench_progress(o, "baseline: %s...", baselines[i].doing);
		line = cacheline_rtt_ns(o->remote_cpu, 0.02);
		if (baselines[i].run(o, &b[i]) < 0)
			return -1;
		b[i].line_rtt_ns = line;
		done[i] = 1;
	}
	return 0;
}

/*
 * The round with the median rate: with --repeat on a shared machine, one
 * round that another job disturbed then moves nothing.
 */
static int median_round(const double *rate, int n)
{
	int order[BENCH_MAX_REPEAT], s, t, x;

	for (s = 0; s < n; s++)
		order[s] = s;
	for (s = 1; s < n; s++)		/* insertion sort: n <= 9 */
		for (t = s; t > 0 && rate[order[t]] < rate[order[t - 1]]; t--) {
			x = order[t];
			order[t] = order[t - 1];
			order[t - 1] = x;
		}
	return order[n / 2];
}

/*
 * Keep, of row @i's rounds, the one with the median messages/s, and every
 * round's rate (zc rows and baseline rows share these fields).
 */
#define KEEP_MEDIAN(rows, n, i, out) do {				\
	double rate_[BENCH_MAX_REPEAT];					\
	int r_;								\
									\
	for (r_ = 0; r_ < (n); r_++)					\
		rate_[r_] = (rows)[r_][i].msgs_per_s;			\
	*(out) = (rows)[median_round(rate_, (n))][i];			\
	memcpy((out)->rounds, rate_, sizeof(rate_[0]) * (size_t)(n));	\
	(out)->nrounds = (n);						\
} while (0)

static const char *round_label(const struct bench_opts *o, int round)
{
	static char buf[32];

	if (o->repeat == 1)
		return "";
	snprintf(buf, sizeof(buf), "round %d/%d ", round + 1, (int)o->repeat);
	return buf;
}

int cmd_bench(int argc, char **argv)
{
	static struct bench_result rounds[BENCH_MAX_REPEAT][BENCH_MAX_SIZES];
	static struct baseline_result base_rounds[BENCH_MAX_REPEAT][NBASELINES];
	struct bench_result res[BENCH_MAX_SIZES];
	struct baseline_result base[NBASELINES];
	int done[NBASELINES], round;
	struct bench_opts o;
	char uri[128], sz[32];
	FILE *json = NULL;
	int i, nb = 0, rc = 0;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	if (o.uri)
		snprintf(uri, sizeof(uri), "%s", o.uri);
	else
		snprintf(uri, sizeof(uri), "shm:bench-%d", (int)getpid());
	if (o.json) {
		json = fopen(o.json, "w");
		if (!json) {
			zc_errorf("cannot write '%s': %s", o.json, strerror(errno));
			return 1;
		}
	}
	if (o.host_cpu >= 0 && pin_cpu(o.host_cpu) < 0) {
		zc_errorf("cannot run on CPU %d: %s", o.host_cpu, strerror(errno));
		rc = 1;
		goto out;
	}
	o.cpus = sysconf(_SC_NPROCESSORS_ONLN);
	o.load_before = load_average();
	/* Other work on the CPUs skews every number: say so up front. */
	if (o.load_before > 0.5 * (double)o.cpus)
		fprintf(stderr, "zc bench: warning: this machine is busy (load average %.1f on %ld CPUs); expect noisy numbers, and compare only ratios.\n",
			o.load_before, o.cpus);
	if (!o.quiet)
		fprintf(stderr, "zc bench: region %s, %s channels, wait %s, %g s streaming + %g s ping-pong per size, batch %d, check %s%s\n",
			uri, o.chan_mode == ZC_CHAN_MODE_SEQ ? "SEQ" : "RING",
			tool_wait_name(o.wait), o.seconds, o.lat_seconds,
			(int)o.batch, payload_kind_name(o.kind),
			o.host_cpu >= 0 ? ", pinned" : "");
	for (round = 0; round < (int)o.repeat; round++) {
		memset(done, 0, sizeof(done));
		for (i = 0; i < o.nsizes; i++) {
			struct bench_result *r = &rounds[round][i];

			fmt_size(o.sizes[i], sz, sizeof(sz));
			bench_progress(&o, "%s[%d/%d] %s: streaming %g s, ping-pong %g s...",
				       round_label(&o, round), i + 1, o.nsizes, sz,
				       o.seconds, o.lat_seconds);
			if (bench_zc_size(&o, uri, o.sizes[i], r) < 0) {
				rc = 1;
				goto out;
			}
			bench_progress(&o, "%s[%d/%d] %s: %.3g M msgs/s, %.2f GB/s, rtt p50 %.1f us",
				       round_label(&o, round), i + 1, o.nsizes, sz,
				       r->msgs_per_s / 1e6, r->gb_per_s, r->lat.p50_us);
			if (o.baselines &&
			    run_baselines(&o, o.sizes[i], base_rounds[round], done) < 0) {
				rc = 1;
				goto out;
			}
		}
		if (o.baselines &&
		    run_baselines(&o, 0, base_rounds[round], done) < 0) {
			rc = 1;
			goto out;
		}
	}
	for (i = 0; i < o.nsizes; i++)
		KEEP_MEDIAN(rounds, (int)o.repeat, i, &res[i]);
	if (o.baselines) {
		nb = NBASELINES;
		for (i = 0; i < nb; i++)
			KEEP_MEDIAN(base_rounds, (int)o.repeat, i, &base[i]);
	}
	bench_progress_done(&o);
	bench_print_table(stdout, &o, res, o.nsizes, base, nb);
	if (json && (bench_write_json(json, &o, uri, res, o.nsizes, base, nb) < 0 ||
		     fflush(json))) {
		zc_errorf("writing '%s' failed: %s", o.json, strerror(errno));
		rc = 1;
	}
out:
	if (json && fclose(json) && rc == 0) {
		zc_errorf("writing '%s' failed: %s", o.json, strerror(errno));
		rc = 1;
	}
	return rc;
}
