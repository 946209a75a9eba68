// SPDX-License-Identifier: MIT
/*
 * python/module.c - the zc module: its exceptions, timeouts, constants.
 *
 * Errors are zc.Error, a subclass of OSError carrying zc's errno and
 * zc_strerror()'s sentence. Where Python has an OSError subclass for the
 * errno (TimeoutError for ETIMEDOUT, BrokenPipeError for EPIPE, ...), the
 * exception is a class deriving from both, so "except TimeoutError" and
 * "except zc.Error" both catch it, as they would OSError(errno) itself.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include "zcpy.h"

/* Waits are cut into slices this long so Ctrl-C (a signal) is noticed. */
#define SLICE_MS 200

static PyObject *zc_error_type;

static struct {
	int err;
	const char *name;
	PyObject **base;
	PyObject *type;
} err_types[] = {
	{ ETIMEDOUT, "zc.TimeoutError", &PyExc_TimeoutError, NULL },
	{ EPIPE, "zc.BrokenPipeError", &PyExc_BrokenPipeError, NULL },
	{ EAGAIN, "zc.BlockingIOError", &PyExc_BlockingIOError, NULL },
	{ ENOENT, "zc.FileNotFoundError", &PyExc_FileNotFoundError, NULL },
	{ EEXIST, "zc.FileExistsError", &PyExc_FileExistsError, NULL },
	{ EINTR, "zc.InterruptedError", &PyExc_InterruptedError, NULL },
	{ EACCES, "zc.PermissionError", &PyExc_PermissionError, NULL },
	{ EPERM, "zc.PermissionError", &PyExc_PermissionError, NULL },
	{ ECONNRESET, "zc.ConnectionResetError", &PyExc_ConnectionResetError, NULL },
	{ ECONNREFUSED, "zc.ConnectionRefusedError", &PyExc_ConnectionRefusedError, NULL },
};

#define N_ERR_TYPES (sizeof(err_types) / sizeof(err_types[0]))

PyObject *zcpy_error(int err, const char *why)
{
	PyObject *type = zc_error_type, *args;
	size_t i;

	if (err > 0)
		err = -err;
	for (i = 0; i < N_ERR_TYPES; i++)
		if (err_types[i].err == -err)
			type = err_types[i].type;
	if (why)
		args = Py_BuildValue("(iN)", -err, PyUnicode_FromFormat(
					     "%s (%s)", zc_strerror(err), why));
	else
		args = Py_BuildValue("(is)", -err, zc_strerror(err));
	if (args) {
		PyErr_SetObject(type, args);
		Py_DECREF(args);
	}
	return NULL;
}

PyObject *zcpy_chan_error(zcpy_channel *c, int err)
{
	return zcpy_error(err, c && c->ch ? zc_channel_error(c->ch) : NULL);
}

int zcpy_timeout_ms(PyObject *timeout, int *ms)
{
	double t;

	if (timeout == NULL || timeout == Py_None) {
		*ms = -1;
		return 0;
	}
	t = PyFloat_AsDouble(timeout);
	if (t == -1.0 && PyErr_Occurred())
		return -1;
	if (t < 0 || isnan(t)) {
		PyErr_SetString(PyExc_ValueError,
				"timeout must be None (wait forever) or a number of seconds >= 0");
		return -1;
	}
	t = ceil(t * 1000.0);
	*ms = t >= (double)INT_MAX ? INT_MAX : (int)t;
	return 0;
}

int zcpy_slice_ms(int left_ms)
{
	return left_ms < 0 || left_ms > SLICE_MS ? SLICE_MS : left_ms;
}

uint64_t zcpy_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000ULL + (uint64_t)ts.tv_nsec / 1000000ULL;
}

/* What is left of @timeout_ms since @start (-1 stays -1). */
int zcpy_left_ms(uint64_t start, int timeout_ms)
{
	uint64_t spent;

	if (timeout_ms < 0)
		return -1;
	spent = zcpy_now_ms() - start;
	return spent >= (uint64_t)timeout_ms ? 0 : timeout_ms - (int)spent;
}

int zcpy_parse_timeout(PyObject *args, PyObject *kw, int *ms)
{
	static char *kwlist[] = { "timeout", NULL };
	PyObject *timeout = NULL;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &timeout))
		return -1;
	return zcpy_timeout_ms(timeout, ms);
}

static PyObject *py_strerror(PyObject *self, PyObject *arg)
{
	long e = PyLong_AsLong(arg);

	(void)self;
	if (e == -1 && PyErr_Occurred())
		return NULL;
	return PyUnicode_FromString(zc_strerror(e > 0 ? -(int)e : (int)e));
}

static PyMethodDef module_methods[] = {
	{ "strerror", py_strerror, METH_O,
	  "strerror(errno) -> str: zc's sentence for an errno (positive or negative)." },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef zc_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "zc",
	.m_doc = "zc: zero-copy messaging between a Linux host and a remote core "
		 "over shared memory (docs/python.md).",
	.m_size = -1,
	.m_methods = module_methods,
};

static int add_type(PyObject *m, PyTypeObject *t, const char *name)
{
	if (PyType_Ready(t) < 0)
		return -1;
	Py_INCREF(t);
	if (PyModule_AddObject(m, name, (PyObject *)t) < 0) {
		Py_DECREF(t);
		return -1;
	}
	return 0;
}

static int add_errors(PyObject *m)
{
	size_t i, j;

	zc_error_type = PyErr_NewExceptionWithDoc("zc.Error",
		"A zc call failed: errno is zc's errno, strerror its sentence.",
		PyExc_OSError, NULL);
	if (!zc_error_type)
		return -1;
	Py_INCREF(zc_error_type);
	if (PyModule_AddObject(m, "Error", zc_error_type) < 0)
		return -1;
	for (i = 0; i < N_ERR_TYPES; i++) {
		PyObject *bases;

		for (j = 0; j < i; j++)	/* EACCES and EPERM share one */
			if (!strcmp(err_types[j].name, err_types[i].name))
				err_types[i].type = err_types[j].type;
		if (err_types[i].type)
			continue;
		bases = PyTuple_Pack(2, zc_error_type, *err_types[i].base);
		if (!bases)
			return -1;
		err_types[i].type = PyErr_NewException(err_types[i].name, bases, NULL);
		Py_DECREF(bases);
		if (!err_types[i].type)
			return -1;
		Py_INCREF(err_types[i].type);
		if (PyModule_AddObject(m, err_types[i].name + 3, err_types[i].type) < 0)
			return -1;
	}
	return 0;
}

PyMODINIT_FUNC PyInit_zc(void)
{
	PyObject *m = PyModule_Create(&zc_module);

	if (!m)
		return NULL;
	if (add_errors(m) < 0 ||
	    add_type(m, &zcpy_region_type, "Region") < 0 ||
	    add_type(m, &zcpy_channel_type, "Channel") < 0 ||
	    add_type(m, &zcpy_message_type, "Message") < 0 ||
	    add_type(m, &zcpy_txbuf_type, "TxBuffer") < 0 ||
	    PyModule_AddStringConstant(m, "RING", "ring") < 0 ||
	    PyModule_AddStringConstant(m, "SEQ", "seq") < 0 ||
	    PyModule_AddIntConstant(m, "FRAME_HDR_SIZE", ZC_FRAME_HDR_SIZE) < 0) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
