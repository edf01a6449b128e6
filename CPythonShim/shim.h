// CPythonShim: the one header through which Swift sees libpython3.11.
// Only what Swift cannot import cleanly is wrapped here (macros and inline functions whose shape depends on the build).
// Reference counting and callbacks live in the regular C target CPythonSupport so AddressSanitizer instruments them.
#ifndef CPYTHON_SHIM_H
#define CPYTHON_SHIM_H

// Must precede Python.h: without it a module that also imports Foundation or NIO fails to build
// ("fds_bits ... not present in definition of fd_set in module CDispatch").
#include <sys/select.h>
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
#error "CPythonShim expects CPython 3.11"
#endif

static inline PyObject *_Nonnull cpy_none(void) { return Py_None; }
static inline PyObject *_Nonnull cpy_true(void) { return Py_True; }
static inline PyObject *_Nonnull cpy_false(void) { return Py_False; }
static inline int cpy_is_none(PyObject *_Nonnull o) { return o == Py_None; }
static inline int cpy_bool_check(PyObject *_Nonnull o) { return PyBool_Check(o); }
static inline int cpy_long_check(PyObject *_Nonnull o) { return PyLong_Check(o); }
static inline int cpy_float_check(PyObject *_Nonnull o) { return PyFloat_Check(o); }
static inline int cpy_unicode_check(PyObject *_Nonnull o) { return PyUnicode_Check(o); }
static inline int cpy_bytes_check(PyObject *_Nonnull o) { return PyBytes_Check(o); }
static inline int cpy_bytearray_check(PyObject *_Nonnull o) { return PyByteArray_Check(o); }
static inline int cpy_list_check(PyObject *_Nonnull o) { return PyList_Check(o); }
static inline int cpy_tuple_check(PyObject *_Nonnull o) { return PyTuple_Check(o); }
static inline int cpy_dict_check(PyObject *_Nonnull o) { return PyDict_Check(o); }
static inline int cpy_exception_instance_check(PyObject *_Nonnull o) { return PyExceptionInstance_Check(o); }
static inline PyObject *_Nonnull cpy_list_get_item(PyObject *_Nonnull o, Py_ssize_t i) { return PyList_GET_ITEM(o, i); }
static inline PyObject *_Nonnull cpy_tuple_get_item(PyObject *_Nonnull o, Py_ssize_t i) { return PyTuple_GET_ITEM(o, i); }
static inline Py_ssize_t cpy_list_size(PyObject *_Nonnull o) { return PyList_GET_SIZE(o); }
static inline Py_ssize_t cpy_tuple_size(PyObject *_Nonnull o) { return PyTuple_GET_SIZE(o); }

static inline PyObject *_Nonnull cpy_keyboard_interrupt(void) { return PyExc_KeyboardInterrupt; }
static inline PyObject *_Nonnull cpy_value_error(void) { return PyExc_ValueError; }

#endif
