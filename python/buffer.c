// SPDX-License-Identifier: MIT
/*
 * python/buffer.c - zc.Message (a received slot) and zc.TxBuffer (a
 * reserved one), both exposing the slot through the buffer protocol.
 *
 * Every view handed out is counted. Releasing a Message (or sending a
 * TxBuffer) gives the slot to the peer, who may write it at once, so it is
 * refused while a view exists: BufferError, as memoryview.release() does.
 * numpy.frombuffer() keeps its view for the array's life, so an array on a
 * slot pins the slot until the array goes. Once released, a buffer hands
 * out no view (ValueError): nothing can reach a slot that is not ours.
 */
#include <errno.h>
#include <string.h>
#include "zcpy.h"

zcpy_buf *zcpy_buf_new(zcpy_channel *c, const struct zc_buf *b, PyObject *copy,
		       int tx)
{
	zcpy_buf *m = PyObject_New(zcpy_buf, tx ? &zcpy_txbuf_type : &zcpy_message_type);

	if (!m)
		return NULL;
	Py_INCREF(c);
	m->chan = c;
	memset(&m->b, 0, sizeof(m->b));
	if (b)
		m->b = *b;
	m->copy = copy;
	Py_XINCREF(copy);
	m->exports = 0;
	m->live = 1;
	m->tx = tx;
	m->next = c->held;
	c->held = m;
	return m;
}

void zcpy_buf_unlink(zcpy_buf *m)
{
	zcpy_buf **pp;

	for (pp = &m->chan->held; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	m->next = NULL;
}

static int live(zcpy_buf *m)
{
	if (!m->live) {
		PyErr_SetString(PyExc_ValueError, m->tx ?
				"the buffer was sent (or its channel closed): it is no longer ours" :
				"the message was released (or its channel closed): its slot is no longer ours");
		return 0;
	}
	return 1;
}

static char *data_of(zcpy_buf *m, Py_ssize_t *len)
{
	if (m->copy) {
		*len = PyBytes_GET_SIZE(m->copy);
		return PyBytes_AS_STRING(m->copy);
	}
	*len = m->tx ? m->b.cap : m->b.len;
	return m->b.data;
}

static int buf_getbuffer(zcpy_buf *m, Py_buffer *view, int flags)
{
	Py_ssize_t len;
	char *p;

	if (!live(m))
		return -1;
	p = data_of(m, &len);
	/* A received slot is the peer's data: read-only (so is a copy: bytes). */
	if (PyBuffer_FillInfo(view, (PyObject *)m, p, len, !m->tx, flags) < 0)
		return -1;
	m->exports++;
	return 0;
}

static void buf_releasebuffer(zcpy_buf *m, Py_buffer *Py_UNUSED(view))
{
	m->exports--;
}

static PyBufferProcs buf_as_buffer = {
	.bf_getbuffer = (getbufferproc)buf_getbuffer,
	.bf_releasebuffer = (releasebufferproc)buf_releasebuffer,
};

static int refuse_exported(zcpy_buf *m, const char *what)
{
	if (m->exports) {
		PyErr_Format(PyExc_BufferError,
			     "%s: %zd view(s) of this buffer still exist (a memoryview or numpy "
			     "array: delete them, or copy what you keep)", what, m->exports);
		return 1;
	}
	return 0;
}

/* Message.release(): the slot goes back to the peer. Again: no-op. */
static PyObject *msg_release(zcpy_buf *m, PyObject *Py_UNUSED(a))
{
	int rc = 0;

	if (!m->live)
		Py_RETURN_NONE;
	if (refuse_exported(m, "release"))
		return NULL;
	m->live = 0;
	zcpy_buf_unlink(m);
	if (m->copy)
		Py_CLEAR(m->copy);
	else if (m->chan->ch)
		rc = zcpy_channel_release(m->chan, &m->b);
	if (rc < 0)
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *buf_enter(zcpy_buf *m, PyObject *Py_UNUSED(a))
{
	if (!live(m))
		return NULL;
	return Py_NewRef(m);
}

static PyObject *msg_exit(zcpy_buf *m, PyObject *Py_UNUSED(args))
{
	return msg_release(m, NULL);
}

static PyObject *msg_tobytes(zcpy_buf *m, PyObject *Py_UNUSED(a))
{
	Py_ssize_t len;
	char *p;

	if (!live(m))
		return NULL;
	p = data_of(m, &len);
	return PyBytes_FromStringAndSize(p, len);
}

/* TxBuffer.send(n): the first @n bytes go out as one message. */
static PyObject *tx_send(zcpy_buf *m, PyObject *arg)
{
	zcpy_channel *c = m->chan;
	Py_ssize_t n = PyLong_AsSsize_t(arg);
	int rc;

	if (n == -1 && PyErr_Occurred())
		return NULL;
	if (!live(m) || !zcpy_channel_usable(c) || refuse_exported(m, "send"))
		return NULL;
	if (n < 0 || n > (Py_ssize_t)m->b.cap) {
		PyErr_Format(PyExc_ValueError, "send(%zd): the slot holds 0 to %u bytes",
			     n, m->b.cap);
		return NULL;
	}
	if (c->tx_busy) {
		PyErr_SetString(PyExc_RuntimeError,
				"another thread is sending on this channel (one sender at a time)");
		return NULL;
	}
	m->b.len = (uint32_t)n;
	m->live = 0;
	zcpy_buf_unlink(m);
	rc = zc_send(c->ch, &m->b);
	if (rc < 0)
		return zcpy_chan_error(c, rc);
	Py_RETURN_NONE;
}

/* Left unsent: the slot stays reserved, for the channel's next reserve(). */
static int tx_keep(zcpy_buf *m)
{
	if (!m->live)
		return 0;
	m->live = 0;
	zcpy_buf_unlink(m);
	if (!m->chan->ch)
		return 0;
	return zcpy_channel_keep_spare(m->chan, &m->b);
}

static PyObject *tx_exit(zcpy_buf *m, PyObject *Py_UNUSED(args))
{
	if (m->live && refuse_exported(m, "leaving the with block unsent"))
		return NULL;
	if (tx_keep(m) < 0)
		return NULL;
	Py_RETURN_NONE;
}

static void buf_dealloc(zcpy_buf *m)
{
	/* No view is left: each holds us. */
	if (m->live) {
		if (m->tx) {
			if (tx_keep(m) < 0)
				PyErr_WriteUnraisable((PyObject *)m);
		} else {
			m->live = 0;
			zcpy_buf_unlink(m);
			if (!m->copy && m->chan->ch &&
			    zcpy_channel_release(m->chan, &m->b) < 0)
				PyErr_WriteUnraisable((PyObject *)m);
		}
	}
	Py_XDECREF(m->copy);
	Py_DECREF(m->chan);
	PyObject_Free(m);
}

static Py_ssize_t buf_len(zcpy_buf *m)
{
	Py_ssize_t len;

	if (!live(m))
		return -1;
	data_of(m, &len);
	return len;
}

static PySequenceMethods buf_as_sequence = {
	.sq_length = (lenfunc)buf_len,
};

static PyObject *buf_get_address(zcpy_buf *m, void *Py_UNUSED(x))
{
	Py_ssize_t len;

	if (!live(m))
		return NULL;
	return PyLong_FromVoidPtr(data_of(m, &len));
}

static PyObject *buf_get_released(zcpy_buf *m, void *Py_UNUSED(x))
{
	return PyBool_FromLong(!m->live);
}

static PyObject *buf_get_zero_copy(zcpy_buf *m, void *Py_UNUSED(x))
{
	return PyBool_FromLong(m->copy == NULL);
}

static PyObject *buf_get_src(zcpy_buf *m, void *Py_UNUSED(x))
{
	return PyLong_FromUnsignedLong(m->b.src);
}

static PyObject *buf_get_dst(zcpy_buf *m, void *Py_UNUSED(x))
{
	return PyLong_FromUnsignedLong(m->b.dst);
}

static PyObject *buf_get_capacity(zcpy_buf *m, void *Py_UNUSED(x))
{
	return PyLong_FromUnsignedLong(m->b.cap);
}

#define FN(f) ((PyCFunction)(void (*)(void))(f))

static PyMethodDef msg_methods[] = {
	{ "release", FN(msg_release), METH_NOARGS,
	  "release(): give the slot back to the peer (BufferError while views exist)" },
	{ "tobytes", FN(msg_tobytes), METH_NOARGS, "tobytes() -> bytes: a copy" },
	{ "__enter__", FN(buf_enter), METH_NOARGS, NULL },
	{ "__exit__", FN(msg_exit), METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef msg_getset[] = {
	{ "address", (getter)buf_get_address, NULL, "int: where the payload lies", NULL },
	{ "released", (getter)buf_get_released, NULL, "bool", NULL },
	{ "zero_copy", (getter)buf_get_zero_copy, NULL,
	  "bool: the payload is the slot itself (False: a fragmented message, reassembled)", NULL },
	{ "src", (getter)buf_get_src, NULL, "int: the sender's address", NULL },
	{ "dst", (getter)buf_get_dst, NULL, "int: the receiver's address", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject zcpy_message_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "zc.Message",
	.tp_basicsize = sizeof(zcpy_buf),
	.tp_dealloc = (destructor)buf_dealloc,
	.tp_as_buffer = &buf_as_buffer,
	.tp_as_sequence = &buf_as_sequence,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "A received message (Channel.recv_buffer()): a read-only buffer on its slot.",
	.tp_methods = msg_methods,
	.tp_getset = msg_getset,
};

static PyMethodDef tx_methods[] = {
	{ "send", FN(tx_send), METH_O,
	  "send(n): send the first n bytes as one message (BufferError while views exist)" },
	{ "__enter__", FN(buf_enter), METH_NOARGS, NULL },
	{ "__exit__", FN(tx_exit), METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef tx_getset[] = {
	{ "address", (getter)buf_get_address, NULL, "int: where the payload goes", NULL },
	{ "capacity", (getter)buf_get_capacity, NULL, "int: bytes the slot holds", NULL },
	{ "sent", (getter)buf_get_released, NULL, "bool", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject zcpy_txbuf_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "zc.TxBuffer",
	.tp_basicsize = sizeof(zcpy_buf),
	.tp_dealloc = (destructor)buf_dealloc,
	.tp_as_buffer = &buf_as_buffer,
	.tp_as_sequence = &buf_as_sequence,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "A reserved slot (Channel.reserve()): a writable buffer; send(n) sends it.",
	.tp_methods = tx_methods,
	.tp_getset = tx_getset,
};
