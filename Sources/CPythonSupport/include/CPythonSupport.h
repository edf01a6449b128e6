// CPythonSupport: real C (instrumented under AddressSanitizer) for the few things the Swift host needs from
// libpython that are awkward or unsafe to express in Swift: start-up with a checked PyStatus, reference counting,
// and Python callables that call back into Swift.
#ifndef CPYTHON_SUPPORT_H
#define CPYTHON_SUPPORT_H

#include <sys/select.h>
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/// Allocator choices for cps_initialize, mirroring PYTHONMALLOC's names.
typedef enum {
    CPS_ALLOCATOR_DEFAULT = 0,
    CPS_ALLOCATOR_MALLOC = 1,
    CPS_ALLOCATOR_PYMALLOC = 2,
    CPS_ALLOCATOR_MALLOC_DEBUG = 3,
    CPS_ALLOCATOR_PYMALLOC_DEBUG = 4,
} cps_allocator;

/// Starts the interpreter with an isolated configuration: no environment variables, no signal handlers, no bytecode
/// writes, `site` not imported (the host imports it itself), the given home and exact module search paths.
/// Returns 0 on success; otherwise writes the failing PyStatus (function and message) into `error` and returns -1.
/// The calling thread holds the GIL on success.
int cps_initialize(const char *_Nonnull home, const char *_Nonnull program_name,
                   const char *_Nonnull const *_Nonnull search_paths, int search_path_count,
                   cps_allocator allocator, char *_Nonnull error, size_t error_size);

void cps_incref(PyObject *_Nonnull object);
void cps_decref(PyObject *_Nonnull object);

/// The signature of a host callback: `context` is what was given to cps_make_callback; `argument` is borrowed.
/// Returns a new reference (or NULL with a Python exception set).
typedef PyObject *_Nullable (*cps_callback_fn)(void *_Nonnull context, PyObject *_Nonnull argument);
/// Called once when the Python callable is garbage collected, with the GIL held.
typedef void (*cps_release_fn)(void *_Nonnull context);

/// A new Python callable taking one positional argument that calls `fn(context, argument)`.
/// `release(context)` runs when the callable is destroyed, or before this returns NULL (with an exception set) on failure.
PyObject *_Nullable cps_make_callback(cps_callback_fn _Nonnull fn, void *_Nonnull context,
                                      cps_release_fn _Nonnull release);

/// Raises `exception_type` asynchronously in the thread `thread_id` (PyThreadState_SetAsyncExc). GIL required.
int cps_interrupt_thread(unsigned long thread_id, PyObject *_Nonnull exception_type);

/// A non-blocking, close-on-exec pipe: fds[0] to read, fds[1] to write. Returns 0, or -1 with errno set.
int cps_wakeup_pipe(int fds[_Nonnull 2]);

/// Marks that this thread is describing an exception; returns how many descriptions were already under way on
/// it. Describing runs Python code that may raise again: the host describes that second exception only plainly.
int cps_begin_describing(void);
void cps_end_describing(void);

/// A new reference to None.
PyObject *_Nonnull cps_new_none(void);

/// `callable(first, second)`: a new reference, or NULL with an exception set.
PyObject *_Nullable cps_call2(PyObject *_Nonnull callable, PyObject *_Nonnull first, PyObject *_Nonnull second);
PyObject *_Nullable cps_call3(PyObject *_Nonnull callable, PyObject *_Nonnull first, PyObject *_Nonnull second,
                              PyObject *_Nonnull third);

/// The attribute `name` as `object` stores it, read without running Python code: its instance dict, then (when
/// `extra_name` is given) the dict in the slot of that name (pydantic keeps fields a model did not declare in
/// `__pydantic_extra__`). A borrowed reference, alive while `object` is; NULL when absent, or NULL with an
/// exception set (and `*failed` = 1) on an error.
PyObject *_Nullable cps_stored_attribute(PyObject *_Nonnull object, PyObject *_Nonnull name,
                                         PyObject *_Nullable extra_name, int *_Nonnull failed);

/// Whether `object` is a dict or stores attributes in an instance dict (what cps_stored_attribute reads).
int cps_has_stored_attributes(PyObject *_Nonnull object);

#endif
