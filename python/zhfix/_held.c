/* zhfix._held: Fixer.fix's call into the library, with the GIL kept for
 * short inputs.
 *
 * cffi releases the GIL around every call, which is right for long
 * documents but wrong for records of a few hundred bytes: the library
 * needs only a few microseconds for one, and when more threads than CPUs
 * call it, the GIL changes hands at every call, which costs more than the
 * work (4 threads ran at 0.41x one thread on 100-character records).
 * cffi has no per-call switch for this, so this small CPython extension
 * makes the one call Fixer.fix needs:
 *
 *   fix(fn, c, data, threshold) -> str | int
 *
 * fn is the address of the cffi module's zfpy_fix (int), c the Fixer's
 * zfpy handle (int), data bytes or any contiguous buffer.  Inputs shorter
 * than threshold bytes are processed with the GIL held (threads then take
 * turns, call by call, without hand-offs); longer ones with the GIL
 * released, exactly as cffi would.  Returns the output decoded from UTF-8,
 * or the library's status (a negative int) on an error, which the caller
 * turns into an exception.  It is linked against nothing: the library is
 * reached through fn, so there is one copy of libzhfix per process, in the
 * cffi module.  Private to zhfix._core, which passes only pointers it got
 * from cffi.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stddef.h>

/* zfpy in zhfix/_build.py's SOURCE: only out and len are read here. */
typedef struct zfpy {
  void *h;
  char *out;
  size_t len;
  size_t cap;
} zfpy;

typedef int (*zfpy_fix_fn)(zfpy *c, const char *src, size_t len);

static PyObject *held_fix(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
  (void)self;
  if (nargs != 4) {
    PyErr_SetString(PyExc_TypeError, "zhfix._held.fix takes 4 arguments");
    return NULL;
  }
  zfpy_fix_fn fn = (zfpy_fix_fn)PyLong_AsVoidPtr(args[0]);
  zfpy *c = (zfpy *)PyLong_AsVoidPtr(args[1]);
  Py_ssize_t threshold = PyLong_AsSsize_t(args[3]);
  if (PyErr_Occurred())
    return NULL;
  if (!fn || !c) {
    PyErr_SetString(PyExc_ValueError, "zhfix._held.fix: NULL pointer");
    return NULL;
  }
  Py_buffer view;
  if (PyObject_GetBuffer(args[2], &view, PyBUF_SIMPLE) < 0)
    return NULL;
  int rc;
  if (view.len < threshold) {
    rc = fn(c, view.buf, (size_t)view.len);
  } else {
    Py_BEGIN_ALLOW_THREADS
    rc = fn(c, view.buf, (size_t)view.len);
    Py_END_ALLOW_THREADS
  }
  PyBuffer_Release(&view);
  if (rc)
    return PyLong_FromLong(rc);
  return PyUnicode_DecodeUTF8(c->out, (Py_ssize_t)c->len, "strict");
}

static PyMethodDef held_methods[] = {
    {"fix", (PyCFunction)(void (*)(void))held_fix, METH_FASTCALL,
     "fix(fn, c, data, threshold) -> str | int: zfpy_fix, GIL held below threshold bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef held_module = {
    PyModuleDef_HEAD_INIT, "zhfix._held",
    "Fixer.fix's library call, with the GIL kept for short inputs (private).", -1,
    held_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__held(void);
PyMODINIT_FUNC PyInit__held(void) { return PyModule_Create(&held_module); }
