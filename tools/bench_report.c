/* SPDX-License-Identifier: MIT */
/* tools/bench_report.c - percentiles, the table, the JSON and progress. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "bench.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least q of them at or below. */
static double rank_us(const uint64_t *ns, uint64_t n, double q)
{
	uint64_t k = (uint64_t)ceil(q * (double)n);

	if (k == 0)
		k = 1;
	if (k > n)
		k = n;
	return (double)ns[k - 1] / 1e3;
}

void latency_summarize(uint64_t *ns, uint64_t n, struct latency *out)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	qsort(ns, n, sizeof(*ns), cmp_u64);
	out->samples = n;
	out->min_us = (double)ns[0] / 1e3;
	out->max_us = (double)ns[n - 1] / 1e3;
	out->p50_us = rank_us(ns, n, 0.50);
	out->p99_us = rank_us(ns, n, 0.99);
	out->p999_us = rank_us(ns, n, 0.999);
}

static const char *fmt_rate(double v, char *buf, size_t cap)
{
	if (v >= 1e9)
		snprintf(buf, cap, "%.2f G", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, cap, "%.2f M", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, cap, "%.1f k", v / 1e3);
	else
		snprintf(buf, cap, "%.0f  ", v);
	return buf;
}

static const char *fmt_us(double us, char *buf, size_t cap)
{
	if (us >= 1000)
		snprintf(buf, cap, "%.2f ms", us / 1000);
	else if (us >= 100)
		snprintf(buf, cap, "%.0f us", us);
	else
		snprintf(buf, cap, "%.1f us", us);
	return buf;
}

static void print_row(FILE *f, const char *label, double mps, double gbps,
		      const struct latency *l)
{
	char a[32], b[32], c[32], d[32];

	fprintf(f, "%-18s %10s %9.2f %10s %10s %10s\n", label,
		fmt_rate(mps, a, sizeof(a)), gbps,
		fmt_us(l->p50_us, b, sizeof(b)), fmt_us(l->p99_us, c, sizeof(c)),
		fmt_us(l->p999_us, d, sizeof(d)));
}

static const struct bench_result *zc_at(const struct bench_result *r, int n,
					uint64_t size)
{
	int i;

	for (i = 0; i < n; i++)
		if (r[i].size == size)
			return &r[i];
	return NULL;
}

/*
 * The two CPUs' distance changed between two measurements (the VM's vCPUs
 * moved): a cache line's round trip differs by more than half.
 */
static int placement_moved(double a, double b)
{
	return a > 0 && b > 0 && (a > 1.5 * b || b > 1.5 * a);
}

void bench_print_table(FILE *f, const struct bench_opts *o,
		       const struct bench_result *r, int n,
		       const struct baseline_result *b, int nb)
{
	const struct bench_result *z;
	char label[32], a[32], sz[32];
	double lo = 0, hi = 0;
	int i, contended = 0;

	if (o->repeat > 1)
		fprintf(f, "\n(each row: the median of %d rounds by messages/s)",
			(int)o->repeat);
	fprintf(f, "\n%-18s %10s %9s %10s %10s %10s\n", "size", "msgs/s", "GB/s",
		"rtt p50", "rtt p99", "rtt p99.9");
	for (i = 0; i < n; i++) {
		fmt_size(r[i].size, label, sizeof(label));
		if (r[i].contended)
			strcat(label, " *");
		print_row(f, label, r[i].msgs_per_s, r[i].gb_per_s, &r[i].lat);
		contended += r[i].contended;
	}
	for (i = 0; i < n; i++) {
		if (!i || r[i].line_rtt_ns < lo)
			lo = r[i].line_rtt_ns;
		if (!i || r[i].line_rtt_ns > hi)
			hi = r[i].line_rtt_ns;
	}
	if (n)
		fprintf(f, "(a cache line's round trip between the two CPUs, before each size: %.0f..%.0f ns)\n",
			lo, hi);
	if (contended)
		fprintf(f, "* while streaming, host or remote core waited for a CPU more than 10%% of\n"
			   "  the time: other work was running; these rows say little.\n");
	if (!nb)
		return;
	fprintf(f, "\nbaselines, same run (writers fill and readers read every byte):\n");
	fprintf(f, "%-18s %10s %9s %10s %10s %10s\n", "", "msgs/s", "GB/s",
		"rtt p50", "rtt p99", "rtt p99.9");
	for (i = 0; i < nb; i++) {
		snprintf(label, sizeof(label), "%s %s", b[i].name,
			 fmt_size(b[i].size, sz, sizeof(sz)));
		if (b[i].lat.samples)
			print_row(f, label, b[i].msgs_per_s, b[i].gb_per_s,
				  &b[i].lat);
		else
			fprintf(f, "%-18s %10s %9.2f %10s %10s %10s\n", label,
				fmt_rate(b[i].msgs_per_s, a, sizeof(a)),
				b[i].gb_per_s, "-", "-", "-");
	}
	fputc('\n', f);
	for (i = 0; i < nb; i++) {
		z = zc_at(r, n, b[i].compare_size);
		if (!z || b[i].msgs_per_s <= 0)
			continue;
		fmt_size(z->size, sz, sizeof(sz));
		if (b[i].lat.samples) {
			double lr = b[i].lat.p50_us / z->lat.p50_us;

			fprintf(f, "zc %-7s vs %-12s %6.2fx the messages/s, %.1fx %s p50 round trip\n",
				sz, b[i].name, z->msgs_per_s / b[i].msgs_per_s,
				lr >= 1 ? lr : 1 / lr, lr >= 1 ? "lower" : "higher");
		} else {
			fprintf(f, "zc %-7s vs %-12s %6.1f%% of its messages/s (%s)\n",
				sz, b[i].name, 100 * z->msgs_per_s / b[i].msgs_per_s,
				b[i].what);
		}
		if (placement_moved(z->line_rtt_ns, b[i].line_rtt_ns))
			fprintf(f, "   (unreliable: a cache line crossed in %.0f ns for zc, %.0f ns for %s)\n",
				z->line_rtt_ns, b[i].line_rtt_ns, b[i].name);
	}
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_rounds(FILE *f, const double *rate, int n)
{
	int i;

	fprintf(f, ", \"rounds_msgs_per_s\": [");
	for (i = 0; i < n; i++)
		fprintf(f, "%s%.1f", i ? ", " : "", rate[i]);
	fputc(']', f);
}

static void json_latency(FILE *f, const struct latency *l)
{
	fprintf(f, "\"latency_us\": {\"samples\": %" PRIu64
		", \"min\": %.3f, \"p50\": %.3f, \"p99\": %.3f, \"p999\": %.3f, \"max\": %.3f}",
		l->samples, l->min_us, l->p50_us, l->p99_us, l->p999_us,
		l->max_us);
}

int bench_write_json(FILE *f, const struct bench_opts *o, const char *uri,
		     const struct bench_result *r, int n,
		     const struct baseline_result *b, int nb)
{
	const struct bench_result *z;
	int i;

	fprintf(f, "{\n  \"tool\": \"zc bench\",\n  \"uri\": ");
	json_string(f, uri);
	fprintf(f, ",\n  \"chan_mode\": \"%s\"", o->chan_mode == ZC_CHAN_MODE_SEQ ? "seq" : "ring");
	fprintf(f, ",\n  \"wait\": \"%s\",\n  \"seconds\": %g,\n"
		"  \"latency_seconds\": %g,\n  \"batch\": %" PRIu64 ",\n"
		"  \"check\": \"%s\",\n  \"huge\": %s,\n  \"pinned\": %s,\n  \"host_cpu\": %d,\n  \"remote_cpu\": %d,\n"
		"  \"repeat\": %d,\n  \"cpus\": %ld,\n"
		"  \"load_average_before\": %.2f,\n  \"results\": [",
		tool_wait_name(o->wait), o->seconds, o->lat_seconds, o->batch,
		payload_kind_name(o->kind), o->huge ? "true" : "false",
		o->host_cpu >= 0 ? "true" : "false",
		o->host_cpu, o->remote_cpu,
		(int)o->repeat, o->cpus,
		o->load_before);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s\n    {\"size\": %" PRIu64 ", \"backend\": \"%s\", \"slot_size\": %u, \"slots\": %u, "
			"\"seconds\": %.6f, \"messages\": %" PRIu64 ", \"bytes\": %" PRIu64
			", \"msgs_per_s\": %.1f, \"gb_per_s\": %.6f, \"kicks\": %" PRIu64
			", \"sleeps\": %" PRIu64 ", \"host_run_s\": %.4f, \"host_wait_s\": %.4f"
			", \"remote_run_s\": %.4f, \"remote_wait_s\": %.4f, \"contended\": %s"
			", \"cacheline_rtt_ns\": %.1f, ",
			i ? "," : "", r[i].size, r[i].backend, r[i].slot_size, r[i].slots,
			r[i].seconds, r[i].msgs, r[i].bytes, r[i].msgs_per_s,
			r[i].gb_per_s, r[i].kicks, r[i].sleeps, r[i].host_run_s,
			r[i].host_wait_s, r[i].remote_run_s, r[i].remote_wait_s,
			r[i].contended ? "true" : "false", r[i].line_rtt_ns);
		json_latency(f, &r[i].lat);
		json_rounds(f, r[i].rounds, r[i].nrounds);
		fputc('}', f);
	}
	fprintf(f, "\n  ],\n  \"baselines\": [");
	for (i = 0; i < nb; i++) {
		fprintf(f, "%s\n    {\"name\": \"%s\", \"size\": %" PRIu64
			", \"compare_size\": %" PRIu64
			", \"seconds\": %.6f, \"messages\": %" PRIu64 ", \"bytes\": %" PRIu64
			", \"msgs_per_s\": %.1f, \"gb_per_s\": %.6f",
			i ? "," : "", b[i].name, b[i].size, b[i].compare_size,
			b[i].seconds, b[i].msgs, b[i].bytes, b[i].msgs_per_s,
			b[i].gb_per_s);
		if (b[i].lat.samples) {
			fputs(", ", f);
			json_latency(f, &b[i].lat);
		}
		json_rounds(f, b[i].rounds, b[i].nrounds);
		fprintf(f, ", \"cacheline_rtt_ns\": %.1f", b[i].line_rtt_ns);
		z = zc_at(r, n, b[i].compare_size);
		/* zc's messages/s over the baseline's: above 1, zc is faster. */
		if (z && b[i].msgs_per_s > 0)
			fprintf(f, ", \"zc_ratio\": %.4f",
				z->msgs_per_s / b[i].msgs_per_s);
		fputc('}', f);
	}
	fprintf(f, "\n  ]\n}\n");
	return ferror(f) ? -1 : 0;
}

void bench_progress(const struct bench_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->quiet)
		return;
	/* In place on a terminal; one line each in a log. */
	fputs(isatty(2) ? "\r\033[K" : "", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(isatty(2) ? "" : "\n", stderr);
	fflush(stderr);
}

void bench_progress_done(const struct bench_opts *o)
{
	if (!o->quiet && isatty(2))
		fputs("\r\033[K", stderr);
}
