// SPDX-License-Identifier: MIT
/*
 * python/channel.c - zc.Channel: its life, the one-receiver and
 * one-sender rule, waits and counters (moving messages: transfer.c).
 *
 * A Message released while another thread waits in a receive on the same
 * channel is not released there and then (libzc lets one thread receive at
 * a time, and releasing is part of receiving): its slot is queued and the
 * receiving thread gives it back once it holds the GIL again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "zcpy.h"

zcpy_channel *zcpy_channel_new(zcpy_region *rg, zc_channel *ch)
{
	zcpy_channel *c = PyObject_New(zcpy_channel, &zcpy_channel_type);

	if (!c) {
		zc_channel_close(ch);
		return NULL;
	}
	Py_INCREF(rg);
	c->region = rg;
	c->ch = ch;
	c->held = NULL;
	c->rx_busy = c->tx_busy = 0;
	c->spares = c->later = NULL;
	c->nspare = c->spare_cap = c->nlater = c->later_cap = 0;
	c->room = zc_geometry(rg->r)->slot_size - ZC_FRAME_HDR_SIZE;
	c->next = rg->chans;
	rg->chans = c;
	return c;
}

int zcpy_channel_exports(zcpy_channel *c)
{
	zcpy_buf *m;

	for (m = c->held; m; m = m->next)
		if (m->exports)
			return 1;
	return 0;
}

/* The slots are no longer ours to give back (taken back or closed with us). */
void zcpy_channel_invalidate(zcpy_channel *c)
{
	while (c->held) {
		zcpy_buf *m = c->held;

		m->live = 0;
		Py_CLEAR(m->copy);
		zcpy_buf_unlink(m);	/* it keeps its reference to us until it goes */
	}
	c->nspare = 0;
	c->nlater = 0;
}

void zcpy_channel_shut(zcpy_channel *c)
{
	zcpy_channel_invalidate(c);
	if (c->ch)
		zc_channel_close(c->ch);	/* returns the slots still held */
	c->ch = NULL;
	zcpy_region_unlink(c->region, c);
}

int zcpy_channel_usable(zcpy_channel *c)
{
	if (!c->ch) {
		PyErr_SetString(PyExc_ValueError, "the channel is closed");
		return 0;
	}
	return zcpy_region_usable(c->region);
}

static int grow(struct zc_buf **a, int *cap, int n)
{
	struct zc_buf *na;
	int ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	na = PyMem_Realloc(*a, (size_t)ncap * sizeof(**a));
	if (!na) {
		PyErr_NoMemory();
		return -1;
	}
	*a = na;
	*cap = ncap;
	return 0;
}

int zcpy_channel_release(zcpy_channel *c, const struct zc_buf *b)
{
	int rc;

	if (c->rx_busy) {
		if (grow(&c->later, &c->later_cap, c->nlater) < 0)
			return -1;
		c->later[c->nlater++] = *b;
		return 0;
	}
	rc = zc_release(c->ch, b);
	if (rc < 0) {
		zcpy_chan_error(c, rc);
		return -1;
	}
	return 0;
}

/* A TxBuffer left without sending: its slot stays reserved for the next. */
int zcpy_channel_keep_spare(zcpy_channel *c, const struct zc_buf *b)
{
	if (grow(&c->spares, &c->spare_cap, c->nspare) < 0)
		return -1;
	c->spares[c->nspare++] = *b;
	return 0;
}

void zcpy_channel_take_spare(zcpy_channel *c, struct zc_buf *b)
{
	*b = c->spares[0];
	memmove(c->spares, c->spares + 1, (size_t)--c->nspare * sizeof(*b));
}

int zcpy_rx_begin(zcpy_channel *c)
{
	if (!zcpy_channel_usable(c))
		return 0;
	if (c->rx_busy) {
		PyErr_SetString(PyExc_RuntimeError,
				"another thread is receiving on this channel (one receiver at a time)");
		return 0;
	}
	c->rx_busy = 1;
	c->region->busy++;
	return 1;
}

void zcpy_rx_end(zcpy_channel *c)
{
	int i;

	c->rx_busy = 0;
	c->region->busy--;
	for (i = 0; i < c->nlater && c->ch; i++)
		(void)zc_release(c->ch, &c->later[i]);
	c->nlater = 0;
}

int zcpy_tx_begin(zcpy_channel *c)
{
	if (!zcpy_channel_usable(c))
		return 0;
	if (c->tx_busy) {
		PyErr_SetString(PyExc_RuntimeError,
				"another thread is sending on this channel (one sender at a time)");
		return 0;
	}
	c->tx_busy = 1;
	c->region->busy++;
	return 1;
}

void zcpy_tx_end(zcpy_channel *c)
{
	c->tx_busy = 0;
	c->region->busy--;
}

static PyObject *wait_dir(zcpy_channel *c, PyObject *args, PyObject *kw, int tx)
{
	uint64_t start = zcpy_now_ms();
	int ms, rc;

	if (zcpy_parse_timeout(args, kw, &ms) < 0 || !(tx ? zcpy_tx_begin(c) : zcpy_rx_begin(c)))
		return NULL;
	for (;;) {
		int left = zcpy_left_ms(start, ms);

		Py_BEGIN_ALLOW_THREADS
		rc = tx ? zc_wait_tx(c->ch, ms == 0 ? 0 : zcpy_slice_ms(left)) :
			  zc_wait_rx(c->ch, ms == 0 ? 0 : zcpy_slice_ms(left));
		Py_END_ALLOW_THREADS
		if ((rc != -ETIMEDOUT && rc != -EAGAIN) || zcpy_left_ms(start, ms) == 0)
			break;
		if (PyErr_CheckSignals() < 0) {
			rc = ZCPY_PYERR;
			break;
		}
	}
	if (tx)
		zcpy_tx_end(c);
	else
		zcpy_rx_end(c);
	if (rc == ZCPY_PYERR)
		return NULL;
	if (rc == -ETIMEDOUT || rc == -EAGAIN)
		Py_RETURN_FALSE;
	if (rc < 0)
		return zcpy_chan_error(c, rc);
	Py_RETURN_TRUE;
}

static PyObject *chan_wait_rx(zcpy_channel *c, PyObject *args, PyObject *kw)
{
	return wait_dir(c, args, kw, 0);
}

static PyObject *chan_wait_tx(zcpy_channel *c, PyObject *args, PyObject *kw)
{
	return wait_dir(c, args, kw, 1);
}

static PyObject *chan_rx_ready(zcpy_channel *c, PyObject *Py_UNUSED(a))
{
	int n;

	if (!zcpy_channel_usable(c))
		return NULL;
	n = zc_rx_ready(c->ch);
	return n < 0 ? zcpy_chan_error(c, n) : PyLong_FromLong(n);
}

static PyObject *chan_tx_ready(zcpy_channel *c, PyObject *Py_UNUSED(a))
{
	int n;

	if (!zcpy_channel_usable(c))
		return NULL;
	n = zc_tx_ready(c->ch) + c->nspare;
	return n < 0 ? zcpy_chan_error(c, n) : PyLong_FromLong(n);
}

static PyObject *chan_fileno(zcpy_channel *c, PyObject *Py_UNUSED(a))
{
	if (!zcpy_channel_usable(c))
		return NULL;
	return PyLong_FromLong(zc_doorbell_fd(c->region->r));
}

static PyObject *chan_close(zcpy_channel *c, PyObject *Py_UNUSED(a))
{
	if (!c->ch)
		Py_RETURN_NONE;
	if (c->rx_busy || c->tx_busy || c->region->exclusive) {
		PyErr_SetString(PyExc_RuntimeError,
				"close: another thread is waiting on this channel");
		return NULL;
	}
	if (zcpy_channel_exports(c)) {
		PyErr_SetString(PyExc_BufferError,
				"close: a buffer of this channel is still exported "
				"(a memoryview or numpy array views it: delete it first)");
		return NULL;
	}
	zcpy_channel_shut(c);
	Py_RETURN_NONE;
}

static PyObject *chan_enter(zcpy_channel *c, PyObject *Py_UNUSED(a))
{
	if (!zcpy_channel_usable(c))
		return NULL;
	return Py_NewRef(c);
}

static PyObject *chan_exit(zcpy_channel *c, PyObject *Py_UNUSED(args))
{
	return chan_close(c, NULL);
}

static void chan_dealloc(zcpy_channel *c)
{
	/* Every held buffer holds us, so none is left; the region is alive. */
	if (c->ch)
		zcpy_channel_shut(c);
	PyMem_Free(c->spares);
	PyMem_Free(c->later);
	Py_DECREF(c->region);
	PyObject_Free(c);
}

static PyObject *chan_stats(zcpy_channel *c, PyObject *Py_UNUSED(a))
{
	struct zc_channel_stats st;

	if (!zcpy_channel_usable(c))
		return NULL;
	zc_channel_stats(c->ch, &st);
	return Py_BuildValue("{sKsKsKsKsKsKsK}",
			     "tx_msgs", (unsigned long long)st.tx_msgs,
			     "tx_bytes", (unsigned long long)st.tx_bytes,
			     "rx_msgs", (unsigned long long)st.rx_msgs,
			     "rx_bytes", (unsigned long long)st.rx_bytes,
			     "tx_full", (unsigned long long)st.tx_full,
			     "tx_aborted", (unsigned long long)st.tx_aborted,
			     "rx_aborted", (unsigned long long)st.rx_aborted);
}

static PyObject *chan_get_error(zcpy_channel *c, void *Py_UNUSED(x))
{
	const char *why = c->ch ? zc_channel_error(c->ch) : NULL;

	if (!why)
		Py_RETURN_NONE;
	return PyUnicode_FromString(why);
}

static PyObject *chan_get_name(zcpy_channel *c, void *Py_UNUSED(x))
{
	if (!zcpy_channel_usable(c))
		return NULL;
	return PyUnicode_FromString(c->ch->name);
}

static PyObject *chan_get_mode(zcpy_channel *c, void *Py_UNUSED(x))
{
	if (!zcpy_channel_usable(c))
		return NULL;
	return PyUnicode_FromString(c->ch->seq ? "seq" : "ring");
}

static PyObject *chan_get_payload_size(zcpy_channel *c, void *Py_UNUSED(x))
{
	return PyLong_FromUnsignedLong(c->room);
}

static PyObject *chan_get_region(zcpy_channel *c, void *Py_UNUSED(x))
{
	return Py_NewRef(c->region);
}

static PyObject *chan_get_closed(zcpy_channel *c, void *Py_UNUSED(x))
{
	return PyBool_FromLong(c->ch == NULL);
}

#define KW (METH_VARARGS | METH_KEYWORDS)
#define FN(f) ((PyCFunction)(void (*)(void))(f))

static PyMethodDef chan_methods[] = {
	{ "send", FN(zcpy_chan_send), KW,
	  "send(data, timeout=None) -> int: one message from any bytes-like object, "
	  "fragmented if larger than a slot (BlockingIOError: no room, timeout 0)" },
	{ "write", FN(zcpy_chan_send), KW, "write(data, timeout=None): send()" },
	{ "recv", FN(zcpy_chan_recv), KW,
	  "recv(timeout=None) -> bytes or None: one whole message, copied "
	  "(None: nothing waiting, timeout 0)" },
	{ "read", FN(zcpy_chan_recv), KW, "read(timeout=None): recv()" },
	{ "recv_into", FN(zcpy_chan_recv_into), KW,
	  "recv_into(buffer, timeout=None) -> int or None: one whole message into a writable buffer" },
	{ "recv_buffer", FN(zcpy_chan_recv_buffer), KW,
	  "recv_buffer(timeout=None) -> Message or None: the next message where it lies in "
	  "the slot (no copy); release it, or use it as a context manager" },
	{ "reserve", FN(zcpy_chan_reserve), KW,
	  "reserve(timeout=None) -> TxBuffer or None: a free slot to fill in place and send(n)" },
	{ "next_size", FN(zcpy_chan_next_size), KW,
	  "next_size(timeout=None) -> int or None: length of the next message" },
	{ "wait_rx", FN(chan_wait_rx), KW, "wait_rx(timeout=None) -> bool: a message is waiting" },
	{ "wait_tx", FN(chan_wait_tx), KW, "wait_tx(timeout=None) -> bool: a slot is free" },
	{ "rx_ready", FN(chan_rx_ready), METH_NOARGS, "rx_ready() -> int: frames waiting now" },
	{ "tx_ready", FN(chan_tx_ready), METH_NOARGS, "tx_ready() -> int: free slots now" },
	{ "fileno", FN(chan_fileno), METH_NOARGS, "fileno() -> int: the region's doorbell (Region.fileno)" },
	{ "stats", FN(chan_stats), METH_NOARGS, "stats() -> dict of the channel's counters" },
	{ "close", FN(chan_close), METH_NOARGS, "close(): held slots go back" },
	{ "__enter__", FN(chan_enter), METH_NOARGS, NULL },
	{ "__exit__", FN(chan_exit), METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef chan_getset[] = {
	{ "error", (getter)chan_get_error, NULL, "why the channel broke, or None", NULL },
	{ "name", (getter)chan_get_name, NULL, "str", NULL },
	{ "mode", (getter)chan_get_mode, NULL, "'ring' or 'seq'", NULL },
	{ "payload_size", (getter)chan_get_payload_size, NULL,
	  "int: largest message that travels in one slot (zero-copy)", NULL },
	{ "region", (getter)chan_get_region, NULL, "Region", NULL },
	{ "closed", (getter)chan_get_closed, NULL, "bool", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject zcpy_channel_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "zc.Channel",
	.tp_basicsize = sizeof(zcpy_channel),
	.tp_dealloc = (destructor)chan_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "A zc channel: Region.channel_create() or Region.channel_open().",
	.tp_methods = chan_methods,
	.tp_getset = chan_getset,
};
