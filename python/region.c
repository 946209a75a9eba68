// SPDX-License-Identifier: MIT
/*
 * python/region.c - zc.Region: create or attach, accept peers, wait,
 * announce and open channels, and the doorbell for event loops.
 *
 * A host accepting its next peer (wait_peer after a loss, evict_peer) gets
 * fresh memory from the shm backend and the old mapping goes: so both are
 * refused while any buffer of the region is exported (a numpy array still
 * viewing a slot), and every Message and TxBuffer still held is marked
 * released, since the library took those slots back.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <zc/uring.h>
#include "zcpy.h"

int zcpy_region_usable(zcpy_region *rg)
{
	if (!rg->r) {
		PyErr_SetString(PyExc_ValueError, "the region is closed");
		return 0;
	}
	if (rg->exclusive) {
		PyErr_SetString(PyExc_RuntimeError,
				"another thread is in wait_peer() on this region (its channels must be idle)");
		return 0;
	}
	return 1;
}

/* Refuse what would take memory from under an export: 1 if there is one. */
int zcpy_region_exports(zcpy_region *rg)
{
	zcpy_channel *c;

	for (c = rg->chans; c; c = c->next)
		if (zcpy_channel_exports(c))
			return 1;
	return 0;
}

void zcpy_region_unlink(zcpy_region *rg, zcpy_channel *c)
{
	zcpy_channel **pp;

	for (pp = &rg->chans; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->next = NULL;
}

static int refuse_busy(zcpy_region *rg, const char *what)
{
	if (rg->busy || rg->exclusive) {
		PyErr_Format(PyExc_RuntimeError,
			     "%s: another thread is waiting in this region", what);
		return 1;
	}
	if (zcpy_region_exports(rg)) {
		PyErr_Format(PyExc_BufferError,
			     "%s: a received or reserved buffer of this region is still exported "
			     "(a memoryview or numpy array views it: delete it first)", what);
		return 1;
	}
	return 0;
}

static zcpy_region *region_new(PyTypeObject *type, zc_region *r)
{
	zcpy_region *rg = (zcpy_region *)type->tp_alloc(type, 0);

	if (!rg) {
		zc_close(r);
		return NULL;
	}
	rg->r = r;
	rg->created = zc_role(r) == ZC_SIDE_HOST;
	return rg;
}

static int parse_mode(PyObject *o, uint32_t *mode)
{
	const char *s;

	if (!o || o == Py_None)
		return 1;
	s = PyUnicode_AsUTF8(o);
	if (!s)
		return 0;
	if (!strcmp(s, "ring"))
		*mode = ZC_CHAN_MODE_RING;
	else if (!strcmp(s, "seq"))
		*mode = ZC_CHAN_MODE_SEQ;
	else {
		PyErr_Format(PyExc_ValueError, "mode must be 'ring' or 'seq', not '%s'", s);
		return 0;
	}
	return 2;
}

static PyObject *region_create(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "uri", "slot_size", "slots", "channels", "max_msg",
				  "hugepages", "hugetlbfs", "chan_mode", NULL };
	const char *uri, *huge = NULL, *hugetlbfs = NULL;
	unsigned int slot_size = 0, slots = 0, channels = 0;
	unsigned long long max_msg = 0;
	PyObject *mode = NULL;
	struct zc_params p;
	zc_region *r;
	int rc;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|$IIIKzzO", kwlist, &uri,
					 &slot_size, &slots, &channels, &max_msg,
					 &huge, &hugetlbfs, &mode))
		return NULL;
	zc_params_default(&p);
	if (slot_size)
		p.slot_size = slot_size;
	if (slots)
		p.slots = slots;
	if (channels)
		p.channels = channels;
	if (max_msg)
		p.max_msg = max_msg;
	p.hugetlbfs = hugetlbfs;
	if (huge) {
		if (!strcmp(huge, "no"))
			p.hugepages = ZC_HUGE_NO;
		else if (!strcmp(huge, "try"))
			p.hugepages = ZC_HUGE_TRY;
		else if (!strcmp(huge, "require"))
			p.hugepages = ZC_HUGE_REQUIRE;
		else {
			PyErr_SetString(PyExc_ValueError,
					"hugepages must be 'no', 'try' or 'require'");
			return NULL;
		}
	}
	if (!parse_mode(mode, &p.chan_mode))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	rc = zc_create(uri, &p, &r);
	Py_END_ALLOW_THREADS
	if (rc < 0)
		return zcpy_error(rc, NULL);
	return (PyObject *)region_new(type, r);
}

static PyObject *region_attach(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "uri", "timeout", NULL };
	PyObject *timeout = NULL;
	const char *uri;
	zc_region *r = NULL;
	uint64_t start = zcpy_now_ms();
	int ms, rc;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|O", kwlist, &uri, &timeout))
		return NULL;
	if (!timeout)
		ms = 10000;
	else if (zcpy_timeout_ms(timeout, &ms) < 0)
		return NULL;
	for (;;) {
		int left = zcpy_left_ms(start, ms);

		Py_BEGIN_ALLOW_THREADS
		rc = zc_attach(uri, zcpy_slice_ms(left), &r);
		Py_END_ALLOW_THREADS
		if ((rc != -ENOENT && rc != -ETIMEDOUT) || zcpy_left_ms(start, ms) == 0)
			break;
		if (PyErr_CheckSignals() < 0)
			return NULL;
	}
	if (rc < 0)
		return zcpy_error(rc, NULL);
	return (PyObject *)region_new(type, r);
}

static PyObject *region_open(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "uri", "timeout", "slot_size", "slots", NULL };
	unsigned int slot_size = 0, slots = 0;
	PyObject *timeout = NULL;
	struct zc_params p;
	const char *uri;
	zcpy_region *rg;
	zc_region *r;
	int ms = 10000, rc, created = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|O$II", kwlist, &uri, &timeout,
					 &slot_size, &slots))
		return NULL;
	if (timeout && zcpy_timeout_ms(timeout, &ms) < 0)
		return NULL;
	zc_params_default(&p);
	if (slot_size)
		p.slot_size = slot_size;
	if (slots)
		p.slots = slots;
	Py_BEGIN_ALLOW_THREADS
	rc = zc_open(uri, &p, ms, &r, &created);
	Py_END_ALLOW_THREADS
	if (rc < 0)
		return zcpy_error(rc, NULL);
	rg = region_new(type, r);
	if (rg)
		rg->created = created;
	return (PyObject *)rg;
}

/* The library took every slot back: what the handles held is gone. */
static void invalidate_all(zcpy_region *rg)
{
	zcpy_channel *c;

	for (c = rg->chans; c; c = c->next)
		zcpy_channel_invalidate(c);
}

static PyObject *region_wait_peer(zcpy_region *rg, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "timeout", NULL };
	PyObject *timeout = NULL;
	uint64_t start = zcpy_now_ms();
	int ms, rc;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &timeout) ||
	    zcpy_timeout_ms(timeout, &ms) < 0 || !zcpy_region_usable(rg))
		return NULL;
	/* A live peer: zc_wait_peer() would return at once, touching nothing. */
	if (rg->had_peer && zc_peer_alive(rg->r))
		Py_RETURN_NONE;
	if (refuse_busy(rg, "wait_peer"))
		return NULL;
	if (rg->had_peer)
		invalidate_all(rg);
	rg->exclusive = 1;
	for (;;) {
		int left = zcpy_left_ms(start, ms);

		Py_BEGIN_ALLOW_THREADS
		rc = zc_wait_peer(rg->r, zcpy_slice_ms(left));
		Py_END_ALLOW_THREADS
		if (rc != -ETIMEDOUT || zcpy_left_ms(start, ms) == 0)
			break;
		if (PyErr_CheckSignals() < 0) {
			rg->exclusive = 0;
			return NULL;
		}
	}
	rg->exclusive = 0;
	if (rc < 0)
		return zcpy_error(rc, NULL);
	rg->had_peer = 1;
	Py_RETURN_NONE;
}

static PyObject *region_evict_peer(zcpy_region *rg, PyObject *Py_UNUSED(a))
{
	int rc;

	if (!zcpy_region_usable(rg) || refuse_busy(rg, "evict_peer"))
		return NULL;
	invalidate_all(rg);
	rc = zc_evict_peer(rg->r);
	if (rc < 0)
		return zcpy_error(rc, NULL);
	Py_RETURN_NONE;
}

static PyObject *region_close(zcpy_region *rg, PyObject *Py_UNUSED(a))
{
	if (!rg->r)
		Py_RETURN_NONE;
	if (refuse_busy(rg, "close"))
		return NULL;
	while (rg->chans)
		zcpy_channel_shut(rg->chans);	/* unlinks it */
	zc_close(rg->r);
	rg->r = NULL;
	Py_RETURN_NONE;
}

static PyObject *region_enter(zcpy_region *rg, PyObject *Py_UNUSED(a))
{
	if (!zcpy_region_usable(rg))
		return NULL;
	Py_INCREF(rg);
	return (PyObject *)rg;
}

static PyObject *region_exit(zcpy_region *rg, PyObject *Py_UNUSED(args))
{
	return region_close(rg, NULL);
}

static void region_dealloc(zcpy_region *rg)
{
	/* Every open channel holds us: none is left. */
	if (rg->r)
		zc_close(rg->r);
	Py_TYPE(rg)->tp_free((PyObject *)rg);
}

static PyObject *region_channel_create(zcpy_region *rg, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "addr", "mode", NULL };
	unsigned int addr = 0;
	PyObject *mode_o = NULL;
	uint32_t mode = 0;
	const char *name;
	zc_channel *ch;
	int rc, how;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|IO", kwlist, &name, &addr, &mode_o) ||
	    !zcpy_region_usable(rg))
		return NULL;
	how = parse_mode(mode_o, &mode);
	if (!how)
		return NULL;
	rc = how == 2 ? zc_channel_create_mode(rg->r, name, addr, mode, &ch) :
			zc_channel_create(rg->r, name, addr, &ch);
	if (rc < 0)
		return zcpy_error(rc, NULL);
	return (PyObject *)zcpy_channel_new(rg, ch);
}

static PyObject *region_channel_open(zcpy_region *rg, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "addr", "timeout", NULL };
	unsigned int addr = 0;
	PyObject *timeout = NULL;
	uint64_t start = zcpy_now_ms();
	const char *name;
	zc_channel *ch = NULL;
	int ms, rc;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|IO", kwlist, &name, &addr, &timeout) ||
	    !zcpy_region_usable(rg))
		return NULL;
	if (!timeout)
		ms = 10000;
	else if (zcpy_timeout_ms(timeout, &ms) < 0)
		return NULL;
	rg->busy++;
	for (;;) {
		int left = zcpy_left_ms(start, ms);

		Py_BEGIN_ALLOW_THREADS
		rc = zc_channel_open(rg->r, name, addr, zcpy_slice_ms(left), &ch);
		Py_END_ALLOW_THREADS
		if (rc != -ETIMEDOUT || zcpy_left_ms(start, ms) == 0)
			break;
		if (PyErr_CheckSignals() < 0) {
			rg->busy--;
			return NULL;
		}
	}
	rg->busy--;
	if (rc < 0)
		return zcpy_error(rc, NULL);
	return (PyObject *)zcpy_channel_new(rg, ch);
}

static PyObject *region_wait(zcpy_region *rg, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "timeout", NULL };
	PyObject *timeout = NULL;
	uint64_t start = zcpy_now_ms();
	int ms, rc;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &timeout) ||
	    zcpy_timeout_ms(timeout, &ms) < 0 || !zcpy_region_usable(rg))
		return NULL;
	rg->busy++;
	for (;;) {
		int left = zcpy_left_ms(start, ms);

		Py_BEGIN_ALLOW_THREADS
		rc = zc_region_wait(rg->r, ms == 0 ? 0 : zcpy_slice_ms(left));
		Py_END_ALLOW_THREADS
		if ((rc != -ETIMEDOUT && rc != -EAGAIN) || zcpy_left_ms(start, ms) == 0)
			break;
		if (PyErr_CheckSignals() < 0) {
			rg->busy--;
			return NULL;
		}
	}
	rg->busy--;
	if (rc == -ETIMEDOUT || rc == -EAGAIN)
		Py_RETURN_FALSE;
	if (rc < 0)
		return zcpy_error(rc, NULL);
	Py_RETURN_TRUE;
}

static PyObject *region_fileno(zcpy_region *rg, PyObject *Py_UNUSED(a))
{
	if (!zcpy_region_usable(rg))
		return NULL;
	return PyLong_FromLong(zc_doorbell_fd(rg->r));
}

static PyObject *region_prepare_wait(zcpy_region *rg, PyObject *Py_UNUSED(a))
{
	int rc;

	if (!zcpy_region_usable(rg))
		return NULL;
	rc = zc_uring_prepare_wait(rg->r);
	if (rc < 0)
		return zcpy_error(rc, NULL);
	return PyBool_FromLong(rc > 0);
}

static PyObject *region_done_wait(zcpy_region *rg, PyObject *Py_UNUSED(a))
{
	uint64_t v;

	if (!zcpy_region_usable(rg))
		return NULL;
	zc_uring_done_wait(rg->r);
	/* The doorbell is a non-blocking eventfd: EAGAIN means it was quiet. */
	if (read(zc_doorbell_fd(rg->r), &v, sizeof(v)) < 0 && errno != EAGAIN)
		return PyErr_SetFromErrno(PyExc_OSError);
	Py_RETURN_NONE;
}

static PyObject *region_kick(zcpy_region *rg, PyObject *Py_UNUSED(a))
{
	int rc;

	if (!zcpy_region_usable(rg))
		return NULL;
	rc = zc_kick_peer(rg->r);
	if (rc < 0)
		return zcpy_error(rc, NULL);
	Py_RETURN_NONE;
}

static PyObject *region_set_wait_mode(zcpy_region *rg, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "mode", "spin_ns", NULL };
	unsigned long long spin = 0;
	enum zc_wait_mode m;
	const char *s;
	int rc;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|K", kwlist, &s, &spin) ||
	    !zcpy_region_usable(rg))
		return NULL;
	if (!strcmp(s, "busy"))
		m = ZC_WAIT_BUSY;
	else if (!strcmp(s, "spin"))
		m = ZC_WAIT_SPIN_SLEEP;
	else if (!strcmp(s, "sleep"))
		m = ZC_WAIT_SLEEP;
	else {
		PyErr_SetString(PyExc_ValueError, "mode must be 'busy', 'spin' or 'sleep'");
		return NULL;
	}
	rc = zc_set_wait_mode(rg->r, m, spin);
	if (rc < 0)
		return zcpy_error(rc, NULL);
	Py_RETURN_NONE;
}

static PyObject *region_stats(zcpy_region *rg, PyObject *Py_UNUSED(a))
{
	struct zc_region_stats st;

	if (!zcpy_region_usable(rg))
		return NULL;
	zc_region_stats(rg->r, &st);
	return Py_BuildValue("{sKsKsKsK}", "kicks_sent", (unsigned long long)st.kicks_sent,
			     "sleeps", (unsigned long long)st.sleeps,
			     "peer_resets", (unsigned long long)st.peer_resets,
			     "frames_discarded", (unsigned long long)st.frames_discarded);
}

static PyObject *region_get_geometry(zcpy_region *rg, void *Py_UNUSED(c))
{
	const struct zc_geom *g;

	if (!zcpy_region_usable(rg))
		return NULL;
	g = zc_geometry(rg->r);
	return Py_BuildValue("{sKsKsIsIsI}", "region_size", (unsigned long long)g->region_size,
			     "max_msg", (unsigned long long)g->max_msg,
			     "slot_size", g->slot_size, "slots", g->slots,
			     "channels", g->channels);
}

static PyObject *region_get_address(zcpy_region *rg, void *Py_UNUSED(c))
{
	if (!zcpy_region_usable(rg))
		return NULL;
	return PyLong_FromVoidPtr(zc_base(rg->r));
}

static PyObject *region_get_size(zcpy_region *rg, void *Py_UNUSED(c))
{
	if (!zcpy_region_usable(rg))
		return NULL;
	return PyLong_FromUnsignedLongLong(zc_geometry(rg->r)->region_size);
}

static PyObject *region_get_role(zcpy_region *rg, void *Py_UNUSED(c))
{
	if (!zcpy_region_usable(rg))
		return NULL;
	return PyUnicode_FromString(zc_role(rg->r) == ZC_SIDE_HOST ? "host" : "remote");
}

static PyObject *region_get_backend(zcpy_region *rg, void *Py_UNUSED(c))
{
	if (!zcpy_region_usable(rg))
		return NULL;
	return PyUnicode_FromString(zc_backend_name(rg->r));
}

static PyObject *region_get_peer_alive(zcpy_region *rg, void *Py_UNUSED(c))
{
	if (!zcpy_region_usable(rg))
		return NULL;
	return PyBool_FromLong(zc_peer_alive(rg->r));
}

static PyObject *region_get_created(zcpy_region *rg, void *Py_UNUSED(c))
{
	return PyBool_FromLong(rg->created);
}

static PyObject *region_get_closed(zcpy_region *rg, void *Py_UNUSED(c))
{
	return PyBool_FromLong(rg->r == NULL);
}

#define KW (METH_VARARGS | METH_KEYWORDS)
#define FN(f) ((PyCFunction)(void (*)(void))(f))

static PyMethodDef region_methods[] = {
	{ "create", FN(region_create), KW | METH_CLASS,
	  "create(uri, *, slot_size=65536, slots=64, channels=16, max_msg=64 MiB, "
	  "hugepages='no', hugetlbfs=None, chan_mode='ring') -> Region (the host side)" },
	{ "attach", FN(region_attach), KW | METH_CLASS,
	  "attach(uri, timeout=10.0) -> Region (the remote side); timeout in seconds, None: forever" },
	{ "open", FN(region_open), KW | METH_CLASS,
	  "open(uri, timeout=10.0, *, slot_size=, slots=) -> Region: attach if it exists now, "
	  "else create it (then .created is True and the caller is the host)" },
	{ "wait_peer", FN(region_wait_peer), KW,
	  "wait_peer(timeout=None): host: wait for a remote to attach (again, after a loss)" },
	{ "evict_peer", FN(region_evict_peer), METH_NOARGS,
	  "evict_peer(): host: cut the current peer off; wait_peer() accepts the next" },
	{ "close", FN(region_close), METH_NOARGS,
	  "close(): say goodbye and unmap; closes the region's channels too" },
	{ "__enter__", FN(region_enter), METH_NOARGS, NULL },
	{ "__exit__", FN(region_exit), METH_VARARGS, NULL },
	{ "channel_create", FN(region_channel_create), KW,
	  "channel_create(name, addr=0, mode=None) -> Channel: announce a channel "
	  "(mode 'ring' or 'seq'; None: the region's default)" },
	{ "channel_open", FN(region_channel_open), KW,
	  "channel_open(name, addr=0, timeout=10.0) -> Channel: open one the peer announced" },
	{ "wait", FN(region_wait), KW,
	  "wait(timeout=None) -> bool: until something arrives on any channel (False: timed out)" },
	{ "fileno", FN(region_fileno), METH_NOARGS,
	  "fileno() -> int: the doorbell eventfd, readable after prepare_wait() once the peer kicks" },
	{ "prepare_wait", FN(region_prepare_wait), METH_NOARGS,
	  "prepare_wait() -> bool: ask the peer for a kick before sleeping on fileno(); "
	  "True: something is waiting already (do not sleep)" },
	{ "done_wait", FN(region_done_wait), METH_NOARGS,
	  "done_wait(): back from sleeping: stop asking for kicks, drain the doorbell" },
	{ "kick", FN(region_kick), METH_NOARGS, "kick(): ring the peer's doorbell" },
	{ "set_wait_mode", FN(region_set_wait_mode), KW,
	  "set_wait_mode(mode, spin_ns=0): 'busy', 'spin' (then sleep) or 'sleep'" },
	{ "stats", FN(region_stats), METH_NOARGS, "stats() -> dict of this side's counters" },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef region_getset[] = {
	{ "geometry", (getter)region_get_geometry, NULL, "dict: the validated geometry", NULL },
	{ "address", (getter)region_get_address, NULL,
	  "int: base address of the mapping (changes when a host accepts a new peer)", NULL },
	{ "size", (getter)region_get_size, NULL, "int: bytes mapped", NULL },
	{ "role", (getter)region_get_role, NULL, "'host' or 'remote'", NULL },
	{ "backend", (getter)region_get_backend, NULL, "'shm', 'shm-hugetlb' or 'kmod'", NULL },
	{ "peer_alive", (getter)region_get_peer_alive, NULL, "bool: a peer is attached and alive", NULL },
	{ "created", (getter)region_get_created, NULL,
	  "bool: this side created the region (create(), or open() found none)", NULL },
	{ "closed", (getter)region_get_closed, NULL, "bool", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject zcpy_region_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "zc.Region",
	.tp_basicsize = sizeof(zcpy_region),
	.tp_dealloc = (destructor)region_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "A zc region: Region.create(uri) as host, Region.attach(uri) as remote.",
	.tp_methods = region_methods,
	.tp_getset = region_getset,
};
