/* SPDX-License-Identifier: MIT */
/*
 * python/zcpy.h - the zc Python module's objects (docs/python.md).
 *
 * Ownership runs one way, so plain reference counting frees everything in
 * a safe order: an exported buffer holds its Message or TxBuffer, which
 * holds its Channel, which holds its Region. The reverse links (a region's
 * open channels, a channel's held buffers) are borrowed lists, walked only
 * to refuse or to invalidate: a close, or a new peer, never leaves memory
 * a live export still points into.
 *
 * The GIL is released around every wait. While it is released, a
 * channel's rx or tx flag (one receiver and one sender at a time, as
 * libzc requires) and its region's busy count say so, and whatever would
 * free or remap what the waiting thread uses is refused with RuntimeError.
 */
#ifndef ZCPY_H
#define ZCPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <zc/zc.h>

typedef struct zcpy_region zcpy_region;
typedef struct zcpy_channel zcpy_channel;
typedef struct zcpy_buf zcpy_buf;

struct zcpy_region {
	PyObject_HEAD
	zc_region *r;		/* NULL once closed */
	int busy;		/* calls in flight with the GIL released */
	int exclusive;		/* wait_peer()/evict_peer() in flight */
	int had_peer;		/* host: a peer was accepted (a new one remaps) */
	int created;		/* this side created it */
	zcpy_channel *chans;	/* open channels (borrowed) */
};

struct zcpy_channel {
	PyObject_HEAD
	zcpy_region *region;	/* strong */
	zc_channel *ch;		/* NULL once closed */
	zcpy_channel *next;	/* in region->chans */
	zcpy_buf *held;		/* live Messages and TxBuffers (borrowed) */
	int rx_busy, tx_busy;	/* a thread receives / sends without the GIL */
	struct zc_buf *spares;	/* reserved slots TxBuffers left unsent, oldest first */
	int nspare, spare_cap;
	struct zc_buf *later;	/* releases deferred while a thread receives */
	int nlater, later_cap;
	uint32_t room;		/* payload bytes per slot */
};

struct zcpy_buf {
	PyObject_HEAD
	zcpy_channel *chan;	/* strong while live */
	zcpy_buf *next;		/* in chan->held */
	struct zc_buf b;	/* the slot (zero-copy) */
	PyObject *copy;		/* bytes: a message reassembled by zc_read() */
	Py_ssize_t exports;	/* buffer views handed out and not yet released */
	int live;		/* holds its slot (or its copy) */
	int tx;			/* TxBuffer, not Message */
};

extern PyTypeObject zcpy_region_type;
extern PyTypeObject zcpy_channel_type;
extern PyTypeObject zcpy_message_type;
extern PyTypeObject zcpy_txbuf_type;

/* module.c */
PyObject *zcpy_error(int err, const char *why);
PyObject *zcpy_chan_error(zcpy_channel *c, int err);
int zcpy_timeout_ms(PyObject *timeout, int *ms);
int zcpy_parse_timeout(PyObject *args, PyObject *kw, int *ms);
int zcpy_slice_ms(int left_ms);
uint64_t zcpy_now_ms(void);
int zcpy_left_ms(uint64_t start, int timeout_ms);

/* region.c */
int zcpy_region_usable(zcpy_region *rg);
int zcpy_region_exports(zcpy_region *rg);
void zcpy_region_unlink(zcpy_region *rg, zcpy_channel *c);

/* channel.c */
zcpy_channel *zcpy_channel_new(zcpy_region *rg, zc_channel *ch);
int zcpy_channel_exports(zcpy_channel *c);
void zcpy_channel_invalidate(zcpy_channel *c);
void zcpy_channel_shut(zcpy_channel *c);
int zcpy_channel_usable(zcpy_channel *c);
int zcpy_channel_release(zcpy_channel *c, const struct zc_buf *b);
int zcpy_channel_keep_spare(zcpy_channel *c, const struct zc_buf *b);
void zcpy_channel_take_spare(zcpy_channel *c, struct zc_buf *b);
int zcpy_rx_begin(zcpy_channel *c);
void zcpy_rx_end(zcpy_channel *c);
int zcpy_tx_begin(zcpy_channel *c);
void zcpy_tx_end(zcpy_channel *c);

/* transfer.c: Channel methods */
PyObject *zcpy_chan_send(zcpy_channel *c, PyObject *args, PyObject *kw);
PyObject *zcpy_chan_recv(zcpy_channel *c, PyObject *args, PyObject *kw);
PyObject *zcpy_chan_recv_into(zcpy_channel *c, PyObject *args, PyObject *kw);
PyObject *zcpy_chan_recv_buffer(zcpy_channel *c, PyObject *args, PyObject *kw);
PyObject *zcpy_chan_next_size(zcpy_channel *c, PyObject *args, PyObject *kw);
PyObject *zcpy_chan_reserve(zcpy_channel *c, PyObject *args, PyObject *kw);

/* A signal handler raised while a wait was sliced: PyErr is set. */
#define ZCPY_PYERR (-100000)

/* buffer.c */
zcpy_buf *zcpy_buf_new(zcpy_channel *c, const struct zc_buf *b, PyObject *copy,
		       int tx);
void zcpy_buf_unlink(zcpy_buf *m);

#endif /* ZCPY_H */
