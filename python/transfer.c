// SPDX-License-Identifier: MIT
/*
 * python/transfer.c - moving messages: Channel.send/recv/recv_into/
 * recv_buffer/reserve/next_size.
 *
 * Receiving: recv_buffer() asks zc_next_size() first. A message that fits
 * one slot is taken with zc_recv() and handed out where it lies; a larger
 * one is fragmented, so it is read with zc_read() into a bytes object the
 * Message holds instead (zero_copy False). Either way zc_read()'s own
 * state (a message half read by a call that timed out) is never split.
 *
 * Waits are sliced (module.c) so a signal handler runs; a sliced zc_read()
 * keeps what arrived and resumes. zc_write() is not sliced: one that times
 * out mid-message abandons the message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "zcpy.h"

/*
 * Wait for the next message and return its size (zc_next_size), in slices
 * so a signal is noticed. -EAGAIN for timeout 0, -ETIMEDOUT after it.
 */
static ssize_t next_size(zcpy_channel *c, uint64_t start, int ms)
{
	ssize_t n;

	for (;;) {
		int left = zcpy_left_ms(start, ms);

		if (ms == 0) {
			n = zc_next_size(c->ch, 0);
			break;
		}
		Py_BEGIN_ALLOW_THREADS
		n = zc_next_size(c->ch, zcpy_slice_ms(left));
		Py_END_ALLOW_THREADS
		if (n != -ETIMEDOUT || zcpy_left_ms(start, ms) == 0)
			break;
		if (PyErr_CheckSignals() < 0)
			return ZCPY_PYERR;
	}
	return n;
}

/* zc_read into @buf in slices: a timed-out slice keeps what arrived. */
static ssize_t read_sliced(zcpy_channel *c, void *buf, size_t cap, uint64_t start, int ms)
{
	ssize_t n;

	for (;;) {
		int left = zcpy_left_ms(start, ms);

		if (ms == 0) {
			n = zc_read(c->ch, buf, cap, 0);
			break;
		}
		Py_BEGIN_ALLOW_THREADS
		n = zc_read(c->ch, buf, cap, zcpy_slice_ms(left));
		Py_END_ALLOW_THREADS
		if ((n != -ETIMEDOUT && n != -EAGAIN) || zcpy_left_ms(start, ms) == 0)
			break;
		if (PyErr_CheckSignals() < 0)
			return ZCPY_PYERR;
	}
	if (n == -EAGAIN && ms != 0)
		n = -ETIMEDOUT;
	return n;
}

/* The next whole message as bytes, None if nothing is waiting (timeout 0). */
static PyObject *read_bytes(zcpy_channel *c, ssize_t size, uint64_t start, int ms)
{
	PyObject *out = PyBytes_FromStringAndSize(NULL, size);
	ssize_t n;

	if (!out)
		return NULL;
	n = read_sliced(c, PyBytes_AS_STRING(out), (size_t)size, start, ms);
	if (n == ZCPY_PYERR || (n == -EAGAIN && ms == 0)) {
		Py_DECREF(out);
		if (n == ZCPY_PYERR)
			return NULL;
		Py_RETURN_NONE;
	}
	if (n < 0) {
		Py_DECREF(out);
		return zcpy_chan_error(c, (int)n);
	}
	if (n != size && _PyBytes_Resize(&out, n) < 0)
		return NULL;
	return out;
}

PyObject *zcpy_chan_recv(zcpy_channel *c, PyObject *args, PyObject *kw)
{
	uint64_t start = zcpy_now_ms();
	PyObject *out;
	ssize_t size;
	int ms;

	if (zcpy_parse_timeout(args, kw, &ms) < 0 || !zcpy_rx_begin(c))
		return NULL;
	size = next_size(c, start, ms);
	if (size >= 0)
		out = read_bytes(c, size, start, ms);
	else if (size == ZCPY_PYERR)
		out = NULL;
	else if (size == -EAGAIN)
		out = Py_NewRef(Py_None);
	else
		out = zcpy_chan_error(c, (int)size);
	zcpy_rx_end(c);
	return out;
}

PyObject *zcpy_chan_recv_into(zcpy_channel *c, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "buffer", "timeout", NULL };
	PyObject *timeout = NULL, *out;
	uint64_t start = zcpy_now_ms();
	Py_buffer v;
	ssize_t n;
	int ms;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "w*|O", kwlist, &v, &timeout))
		return NULL;
	if (zcpy_timeout_ms(timeout, &ms) < 0 || !zcpy_rx_begin(c)) {
		PyBuffer_Release(&v);
		return NULL;
	}
	n = read_sliced(c, v.buf, (size_t)v.len, start, ms);
	if (n >= 0)
		out = PyLong_FromSsize_t(n);
	else if (n == ZCPY_PYERR)
		out = NULL;
	else if (n == -EAGAIN)
		out = Py_NewRef(Py_None);
	else if (n == -EMSGSIZE) {
		char why[96];

		snprintf(why, sizeof(why), "the next message is %zd bytes, the buffer %zd; it stays queued",
			 zc_next_size(c->ch, 0), v.len);
		out = zcpy_error((int)n, why);
	} else
		out = zcpy_chan_error(c, (int)n);
	zcpy_rx_end(c);
	PyBuffer_Release(&v);
	return out;
}

PyObject *zcpy_chan_recv_buffer(zcpy_channel *c, PyObject *args, PyObject *kw)
{
	uint64_t start = zcpy_now_ms();
	PyObject *out = NULL;
	struct zc_buf b;
	ssize_t size;
	int ms, rc;

	if (zcpy_parse_timeout(args, kw, &ms) < 0 || !zcpy_rx_begin(c))
		return NULL;
	size = next_size(c, start, ms);
	if (size == ZCPY_PYERR)
		goto out;
	if (size == -EAGAIN) {
		out = Py_NewRef(Py_None);
		goto out;
	}
	if (size < 0) {
		zcpy_chan_error(c, (int)size);
		goto out;
	}
	if ((size_t)size > c->room) {
		/* Fragmented: reassembled by zc_read into memory of our own. */
		PyObject *copy = read_bytes(c, size, start, ms);

		if (copy && copy != Py_None) {
			out = (PyObject *)zcpy_buf_new(c, NULL, copy, 0);
			Py_DECREF(copy);
		} else {
			out = copy;
		}
		goto out;
	}
	rc = zc_recv(c->ch, &b, 0);	/* zc_next_size saw it waiting */
	if (rc < 0) {
		zcpy_chan_error(c, rc);
		goto out;
	}
	if (b.flags & (ZC_FRAME_MORE | ZC_FRAME_CONT)) {
		/* No zc writer fragments a message that fits one slot. */
		zc_release(c->ch, &b);
		zcpy_error(-EPROTO, "the peer fragmented a message that fits one slot");
		goto out;
	}
	out = (PyObject *)zcpy_buf_new(c, &b, NULL, 0);
	if (!out)
		zc_release(c->ch, &b);
out:
	zcpy_rx_end(c);
	return out;
}

PyObject *zcpy_chan_next_size(zcpy_channel *c, PyObject *args, PyObject *kw)
{
	uint64_t start = zcpy_now_ms();
	PyObject *out;
	ssize_t n;
	int ms;

	if (zcpy_parse_timeout(args, kw, &ms) < 0 || !zcpy_rx_begin(c))
		return NULL;
	n = next_size(c, start, ms);
	if (n >= 0)
		out = PyLong_FromSsize_t(n);
	else if (n == ZCPY_PYERR)
		out = NULL;
	else if (n == -EAGAIN)
		out = Py_NewRef(Py_None);
	else
		out = zcpy_chan_error(c, (int)n);
	zcpy_rx_end(c);
	return out;
}

PyObject *zcpy_chan_send(zcpy_channel *c, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "data", "timeout", NULL };
	PyObject *timeout = NULL, *out = NULL;
	Py_buffer v;
	ssize_t n;
	int ms;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "y*|O", kwlist, &v, &timeout))
		return NULL;
	if (zcpy_timeout_ms(timeout, &ms) < 0 || !zcpy_tx_begin(c)) {
		PyBuffer_Release(&v);
		return NULL;
	}
	if (c->nspare && (size_t)v.len <= c->room) {
		/* A slot reserved before goes first (SEQ sends in reservation order). */
		struct zc_buf b;

		zcpy_channel_take_spare(c, &b);
		memcpy(b.data, v.buf, (size_t)v.len);
		b.len = (uint32_t)v.len;
		n = zc_send(c->ch, &b);
		if (n == 0)
			n = v.len;
	} else if (c->nspare && c->ch->seq) {
		PyErr_SetString(PyExc_RuntimeError,
				"a reserved slot was left unsent on this SEQ channel: send it "
				"(reserve()) before a message larger than a slot");
		goto out;
	} else if (ms == 0) {
		n = zc_write(c->ch, v.buf, (size_t)v.len, 0);
	} else {
		/* Not sliced: a zc_write that times out mid-message abandons it. */
		Py_BEGIN_ALLOW_THREADS
		n = zc_write(c->ch, v.buf, (size_t)v.len, ms);
		Py_END_ALLOW_THREADS
	}
	out = n < 0 ? zcpy_chan_error(c, (int)n) : PyLong_FromSsize_t(n);
out:
	zcpy_tx_end(c);
	PyBuffer_Release(&v);
	return out;
}

PyObject *zcpy_chan_reserve(zcpy_channel *c, PyObject *args, PyObject *kw)
{
	uint64_t start = zcpy_now_ms();
	PyObject *out = NULL;
	struct zc_buf b;
	int ms, rc;

	if (zcpy_parse_timeout(args, kw, &ms) < 0 || !zcpy_tx_begin(c))
		return NULL;
	if (c->nspare) {
		zcpy_channel_take_spare(c, &b);
		rc = 0;
	} else {
		for (;;) {
			int left = zcpy_left_ms(start, ms);

			if (ms == 0) {
				rc = zc_reserve(c->ch, &b, 0);
				break;
			}
			Py_BEGIN_ALLOW_THREADS
			rc = zc_reserve(c->ch, &b, zcpy_slice_ms(left));
			Py_END_ALLOW_THREADS
			if (rc != -ETIMEDOUT || zcpy_left_ms(start, ms) == 0)
				break;
			if (PyErr_CheckSignals() < 0)
				goto out;
		}
	}
	if (rc == -EAGAIN)
		out = Py_NewRef(Py_None);
	else if (rc < 0)
		zcpy_chan_error(c, rc);
	else if (!(out = (PyObject *)zcpy_buf_new(c, &b, NULL, 1)))
		zcpy_channel_keep_spare(c, &b);
out:
	zcpy_tx_end(c);
	return out;
}
