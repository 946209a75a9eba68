// SPDX-License-Identifier: MIT
/*
 * report.c - read zc-trace's counters and print them as text or JSON.
 *
 * The BPF side keeps cumulative counters only; rates are the difference of
 * two snapshots, so a late or skipped tick loses no event and the totals at
 * exit are exact.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "report.h"

static const char *const hist_names[ZT_H_KINDS] = {
	[ZT_H_SEND_RECV] = "send_recv",
	[ZT_H_KICK_WAKE] = "kick_wake",
	[ZT_H_RESERVE_SEND] = "reserve_send",
	[ZT_H_KMOD_DOORBELL] = "kmod_kick_doorbell",
};

static const char *const kmod_names[ZT_K_EVENTS] = {
	[ZT_K_KICK] = "kick",
	[ZT_K_DOORBELL] = "doorbell",
	[ZT_K_DOORBELL_LOST] = "doorbell_undelivered",
	[ZT_K_BIND] = "bind",
	[ZT_K_UNBIND] = "unbind",
	[ZT_K_MMAP] = "mmap",
};

void zt_json_string(FILE *f, const char *s)
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

static const char *role_name(__u32 role)
{
	return role == 1 ? "host" : role == 2 ? "remote" : "-";
}

static int chan_cmp(const void *a, const void *b)
{
	const struct zt_chan_key *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->chan < y->chan ? -1 : x->chan > y->chan;
}

static int kmod_cmp(const void *a, const void *b)
{
	const struct zt_kmod_key *x = a, *y = b;

	if (x->link != y->link)
		return x->link < y->link ? -1 : 1;
	if (x->event != y->event)
		return x->event < y->event ? -1 : 1;
	return x->side < y->side ? -1 : x->side > y->side;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? 2 * *cap : 32;
	p = realloc(*v, c * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

int zt_snapshot_read(struct zt_snapshot *s, int chan_fd, int kmod_fd,
		     int lost_fd)
{
	struct zt_chan_key ck, clast;
	struct zt_kmod_key kk, klast;
	__u32 zero = 0;
	int more = 0;

	if (bpf_map_lookup_elem(lost_fd, &zero, &s->lost))
		s->lost = 0;
	s->nchan = 0;
	while (bpf_map_get_next_key(chan_fd, more ? &clast : NULL, &ck) == 0) {
		clast = ck;
		more = 1;
		if (grow((void **)&s->chan, &s->capchan, s->nchan,
			 sizeof(*s->chan)))
			return -ENOMEM;
		s->chan[s->nchan].key = ck;
		/* A key deleted since get_next_key is simply skipped. */
		if (bpf_map_lookup_elem(chan_fd, &ck, &s->chan[s->nchan].val) == 0)
			s->nchan++;
	}
	qsort(s->chan, s->nchan, sizeof(*s->chan), chan_cmp);
	s->nkmod = 0;
	if (kmod_fd < 0)
		return 0;
	more = 0;
	while (bpf_map_get_next_key(kmod_fd, more ? &klast : NULL, &kk) == 0) {
		klast = kk;
		more = 1;
		if (grow((void **)&s->kmod, &s->capkmod, s->nkmod,
			 sizeof(*s->kmod)))
			return -ENOMEM;
		s->kmod[s->nkmod].key = kk;
		if (bpf_map_lookup_elem(kmod_fd, &kk, &s->kmod[s->nkmod].count) == 0)
			s->nkmod++;
	}
	qsort(s->kmod, s->nkmod, sizeof(*s->kmod), kmod_cmp);
	return 0;
}

void zt_snapshot_free(struct zt_snapshot *s)
{
	free(s->chan);
	free(s->kmod);
	memset(s, 0, sizeof(*s));
}

static const struct zt_chan_val *find_chan(const struct zt_snapshot *s,
					   const struct zt_chan_key *k)
{
	const struct zt_chan_row *r;

	if (!s || !s->nchan)
		return NULL;
	r = bsearch(k, s->chan, s->nchan, sizeof(*s->chan), chan_cmp);
	return r ? &r->val : NULL;
}

static __u64 find_kmod(const struct zt_snapshot *s, const struct zt_kmod_key *k)
{
	const struct zt_kmod_row *r;

	if (!s || !s->nkmod)
		return 0;
	r = bsearch(k, s->kmod, s->nkmod, sizeof(*s->kmod), kmod_cmp);
	return r ? r->count : 0;
}

/* @cur - @prev, field by field (counters only grow). */
static struct zt_chan_val chan_delta(const struct zt_chan_val *cur,
				     const struct zt_chan_val *prev)
{
	struct zt_chan_val d = *cur;

	if (prev) {
		d.tx_msgs -= prev->tx_msgs;
		d.tx_bytes -= prev->tx_bytes;
		d.rx_msgs -= prev->rx_msgs;
		d.rx_bytes -= prev->rx_bytes;
		d.releases -= prev->releases;
		d.kicks -= prev->kicks;
		d.full -= prev->full;
		d.reserves -= prev->reserves;
		d.wakes -= prev->wakes;
		d.unmatched -= prev->unmatched;
		d.broken -= prev->broken;
	}
	return d;
}

static int chan_idle(const struct zt_chan_val *d)
{
	return !(d->tx_msgs | d->rx_msgs | d->releases | d->kicks | d->full |
		 d->reserves | d->wakes | d->broken);
}

static void json_chan(FILE *f, const struct zt_chan_key *k,
		      const struct zt_chan_val *v, double secs, int first)
{
	fprintf(f, "%s{\"pid\":%u,", first ? "" : ",", k->tgid);
	if (k->chan == ZT_CHAN_NONE)
		fprintf(f, "\"chan\":null,");
	else
		fprintf(f, "\"chan\":%u,", k->chan);
	fprintf(f, "\"tx_msgs\":%llu,\"tx_bytes\":%llu,\"rx_msgs\":%llu,"
		"\"rx_bytes\":%llu,\"releases\":%llu,\"kicks\":%llu,"
		"\"full\":%llu,\"reserves\":%llu,\"wakes\":%llu,"
		"\"unmatched\":%llu,\"broken\":%llu,\"broken_err\":%lld",
		(unsigned long long)v->tx_msgs, (unsigned long long)v->tx_bytes,
		(unsigned long long)v->rx_msgs, (unsigned long long)v->rx_bytes,
		(unsigned long long)v->releases, (unsigned long long)v->kicks,
		(unsigned long long)v->full, (unsigned long long)v->reserves,
		(unsigned long long)v->wakes, (unsigned long long)v->unmatched,
		(unsigned long long)v->broken, (long long)v->broken_err);
	if (secs > 0)
		fprintf(f, ",\"tx_msgs_per_s\":%.1f,\"tx_bytes_per_s\":%.1f,"
			"\"rx_msgs_per_s\":%.1f,\"rx_bytes_per_s\":%.1f,"
			"\"kicks_per_s\":%.1f,\"full_per_s\":%.1f",
			v->tx_msgs / secs, v->tx_bytes / secs,
			v->rx_msgs / secs, v->rx_bytes / secs,
			v->kicks / secs, v->full / secs);
	fputc('}', f);
}

static void json_kmod(FILE *f, const struct zt_snapshot *prev,
		      const struct zt_snapshot *cur)
{
	size_t i;
	int first = 1;

	fputs(",\"kmod\":[", f);
	for (i = 0; i < cur->nkmod; i++) {
		const struct zt_kmod_row *r = &cur->kmod[i];
		__u64 d = r->count - find_kmod(prev, &r->key);

		if (!d)
			continue;
		fprintf(f, "%s{\"link\":%u,\"event\":\"%s\",\"side\":\"%s\",\"count\":%llu}",
			first ? "" : ",", r->key.link,
			r->key.event < ZT_K_EVENTS ? kmod_names[r->key.event] : "?",
			role_name(r->key.side), (unsigned long long)d);
		first = 0;
	}
	fputc(']', f);
}

/* Human units: 1234567 -> "1.23M". */
static const char *si(double v, char *buf, size_t len)
{
	static const char units[] = " kMGT";
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.2f%c", v, units[u]);
	return buf;
}

static void print_broken(FILE *f, const char *when,
			 const struct zt_chan_key *k, const struct zt_chan_val *v)
{
	fprintf(f, "%-8s %7u %4u channel broken: %s (%lld)\n", when, k->tgid,
		k->chan, strerror((int)-v->broken_err), (long long)v->broken_err);
}

static void text_interval(struct zt_output *o, const struct zt_snapshot *prev,
			  const struct zt_snapshot *cur, double secs)
{
	char ts[16], a[16], b[16], c[16], d[16];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	for (i = 0; i < cur->nchan; i++) {
		const struct zt_chan_row *r = &cur->chan[i];
		struct zt_chan_val dv = chan_delta(&r->val, find_chan(prev, &r->key));
		char chan[12];

		if (chan_idle(&dv))
			continue;
		if (o->rows_printed % 20 == 0)
			fprintf(o->f, "%-8s %7s %4s %9s %9s %9s %9s %7s %7s %7s\n",
				"TIME", "PID", "CHAN", "TX msg/s", "RX msg/s",
				"TX B/s", "RX B/s", "KICK/s", "FULL/s", "WAKE/s");
		if (r->key.chan == ZT_CHAN_NONE)
			snprintf(chan, sizeof(chan), "-");
		else
			snprintf(chan, sizeof(chan), "%u", r->key.chan);
		fprintf(o->f, "%-8s %7u %4s %9s %9s %9s %9s %7.0f %7.0f %7.0f\n",
			ts, r->key.tgid, chan,
			si(dv.tx_msgs / secs, a, sizeof(a)),
			si(dv.rx_msgs / secs, b, sizeof(b)),
			si(dv.tx_bytes / secs, c, sizeof(c)),
			si(dv.rx_bytes / secs, d, sizeof(d)),
			dv.kicks / secs, dv.full / secs, dv.wakes / secs);
		o->rows_printed++;
		if (dv.broken)
			print_broken(o->f, ts, &r->key, &r->val);
	}
	for (i = 0; i < cur->nkmod; i++) {
		const struct zt_kmod_row *r = &cur->kmod[i];
		__u64 dk = r->count - find_kmod(prev, &r->key);

		if (!dk)
			continue;
		fprintf(o->f, "%-8s zc.ko link %u %s %s: %.0f/s\n", ts,
			r->key.link, role_name(r->key.side),
			r->key.event < ZT_K_EVENTS ? kmod_names[r->key.event] : "?",
			dk / secs);
	}
	fflush(o->f);
}

void zt_print_interval(struct zt_output *o, const struct zt_snapshot *prev,
		       const struct zt_snapshot *cur, double secs)
{
	size_t i;
	int first = 1;

	if (secs <= 0)
		return;
	if (!o->json) {
		text_interval(o, prev, cur, secs);
		return;
	}
	fprintf(o->f, "{\"type\":\"interval\",\"time\":%lld,\"secs\":%.3f,\"channels\":[",
		(long long)time(NULL), secs);
	for (i = 0; i < cur->nchan; i++) {
		const struct zt_chan_row *r = &cur->chan[i];
		struct zt_chan_val dv = chan_delta(&r->val, find_chan(prev, &r->key));

		if (chan_idle(&dv))
			continue;
		json_chan(o->f, &r->key, &dv, secs, first);
		first = 0;
	}
	fputc(']', o->f);
	json_kmod(o->f, prev, cur);
	fputs("}\n", o->f);
	fflush(o->f);
}

struct hist_row {
	struct zt_hist_key key;
	struct zt_hist_val val;
};

static void print_hist_text(FILE *f, const struct hist_row *h)
{
	__u64 max = 0, total = 0;
	int lo = ZT_HIST_SLOTS, hi = -1, i;

	for (i = 0; i < ZT_HIST_SLOTS; i++) {
		if (!h->val.slot[i])
			continue;
		if (h->val.slot[i] > max)
			max = h->val.slot[i];
		total += h->val.slot[i];
		if (i < lo)
			lo = i;
		hi = i;
	}
	if (h->key.chan == ZT_CHAN_NONE)
		fprintf(f, "\n%s latency (ns), %llu samples:\n",
			hist_names[h->key.kind], (unsigned long long)total);
	else if (h->key.kind == ZT_H_KMOD_DOORBELL)
		fprintf(f, "\n%s latency (ns), link %u, %llu samples:\n",
			hist_names[h->key.kind], h->key.chan,
			(unsigned long long)total);
	else
		fprintf(f, "\n%s latency (ns), chan %u, %llu samples:\n",
			hist_names[h->key.kind], h->key.chan,
			(unsigned long long)total);
	fprintf(f, "%25s : %-10s %s\n", "ns", "count", "distribution");
	for (i = lo; i <= hi; i++) {
		unsigned long long from = i ? 1ULL << i : 0, to = (2ULL << i) - 1;
		int stars = max ? (int)(h->val.slot[i] * 40 / max) : 0;
		char bar[41];

		memset(bar, '*', (size_t)stars);
		bar[stars] = 0;
		fprintf(f, "%11llu -> %-10llu : %-10llu |%-40s|\n", from, to,
			(unsigned long long)h->val.slot[i], bar);
	}
}

static void print_hist_json(FILE *f, const struct hist_row *h, int first)
{
	__u64 total = 0;
	int i, n = 0;

	for (i = 0; i < ZT_HIST_SLOTS; i++)
		total += h->val.slot[i];
	fprintf(f, "%s{\"kind\":\"%s\",", first ? "" : ",",
		hist_names[h->key.kind]);
	if (h->key.chan == ZT_CHAN_NONE)
		fputs("\"chan\":null,", f);
	else if (h->key.kind == ZT_H_KMOD_DOORBELL)
		fprintf(f, "\"link\":%u,", h->key.chan);
	else
		fprintf(f, "\"chan\":%u,", h->key.chan);
	fprintf(f, "\"count\":%llu,\"buckets\":[", (unsigned long long)total);
	for (i = 0; i < ZT_HIST_SLOTS; i++) {
		if (!h->val.slot[i])
			continue;
		fprintf(f, "%s{\"lo_ns\":%llu,\"hi_ns\":%llu,\"count\":%llu}",
			n++ ? "," : "", i ? 1ULL << i : 0ULL, (2ULL << i) - 1,
			(unsigned long long)h->val.slot[i]);
	}
	fputs("]}", f);
}

static int hist_cmp(const void *a, const void *b)
{
	const struct zt_hist_key *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->chan < y->chan ? -1 : x->chan > y->chan;
}

static void print_hists(struct zt_output *o, int hist_fd)
{
	struct hist_row *rows = NULL;
	size_t n = 0, cap = 0, i;
	struct zt_hist_key k, last;
	int more = 0;

	while (bpf_map_get_next_key(hist_fd, more ? &last : NULL, &k) == 0) {
		last = k;
		more = 1;
		if (grow((void **)&rows, &cap, n, sizeof(*rows)))
			break;
		rows[n].key = k;
		if (bpf_map_lookup_elem(hist_fd, &k, &rows[n].val) == 0 &&
		    k.kind < ZT_H_KINDS)
			n++;
	}
	qsort(rows, n, sizeof(*rows), hist_cmp);
	if (o->json)
		fputs(",\"hists\":[", o->f);
	for (i = 0; i < n; i++) {
		if (o->json)
			print_hist_json(o->f, &rows[i], i == 0);
		else
			print_hist_text(o->f, &rows[i]);
	}
	if (o->json)
		fputc(']', o->f);
	free(rows);
}

void zt_print_totals(struct zt_output *o, const struct zt_snapshot *cur,
		     double secs, int hist_fd)
{
	size_t i;

	if (o->json) {
		fprintf(o->f, "{\"type\":\"total\",\"secs\":%.3f,\"lost_events\":%llu,\"channels\":[",
			secs, (unsigned long long)cur->lost);
		for (i = 0; i < cur->nchan; i++)
			json_chan(o->f, &cur->chan[i].key, &cur->chan[i].val,
				  0, i == 0);
		fputc(']', o->f);
		json_kmod(o->f, NULL, cur);
		if (hist_fd >= 0)
			print_hists(o, hist_fd);
		fputs("}\n", o->f);
		fflush(o->f);
		return;
	}
	fprintf(o->f, "\nTotals over %.1f s:\n%7s %4s %10s %12s %10s %12s %8s %8s %8s\n",
		secs, "PID", "CHAN", "TX msgs", "TX bytes", "RX msgs",
		"RX bytes", "KICKS", "FULL", "WAKES");
	for (i = 0; i < cur->nchan; i++) {
		const struct zt_chan_row *r = &cur->chan[i];
		char chan[12];

		if (r->key.chan == ZT_CHAN_NONE)
			snprintf(chan, sizeof(chan), "-");
		else
			snprintf(chan, sizeof(chan), "%u", r->key.chan);
		fprintf(o->f, "%7u %4s %10llu %12llu %10llu %12llu %8llu %8llu %8llu\n",
			r->key.tgid, chan, (unsigned long long)r->val.tx_msgs,
			(unsigned long long)r->val.tx_bytes,
			(unsigned long long)r->val.rx_msgs,
			(unsigned long long)r->val.rx_bytes,
			(unsigned long long)r->val.kicks,
			(unsigned long long)r->val.full,
			(unsigned long long)r->val.wakes);
	}
	for (i = 0; i < cur->nchan; i++)
		if (cur->chan[i].val.broken)
			print_broken(o->f, "", &cur->chan[i].key, &cur->chan[i].val);
	for (i = 0; i < cur->nkmod; i++)
		fprintf(o->f, "zc.ko link %u %s %s: %llu\n", cur->kmod[i].key.link,
			role_name(cur->kmod[i].key.side),
			cur->kmod[i].key.event < ZT_K_EVENTS ?
			kmod_names[cur->kmod[i].key.event] : "?",
			(unsigned long long)cur->kmod[i].count);
	if (hist_fd >= 0)
		print_hists(o, hist_fd);
	if (cur->lost)
		fprintf(o->f, "\n%llu events were not recorded (a BPF map was full): the figures above are short\n",
			(unsigned long long)cur->lost);
	fflush(o->f);
}
