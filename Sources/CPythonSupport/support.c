#define _GNU_SOURCE
#include "CPythonSupport.h"
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

static int report(PyStatus status, char *error, size_t error_size) {
    snprintf(error, error_size, "%s%s%s", status.func ? status.func : "", status.func ? ": " : "",
             status.err_msg ? status.err_msg : "unknown error");
    return -1;
}

int cps_initialize(const char *home, const char *program_name, const char *const *search_paths,
                   int search_path_count, cps_allocator allocator, char *error, size_t error_size) {
    PyStatus status;
    PyPreConfig preconfig;
    PyPreConfig_InitIsolatedConfig(&preconfig);
    // The isolated configuration ignores PYTHONMALLOC; the host reads it and passes the choice here.
    switch (allocator) {
        case CPS_ALLOCATOR_MALLOC: preconfig.allocator = PYMEM_ALLOCATOR_MALLOC; break;
        case CPS_ALLOCATOR_PYMALLOC: preconfig.allocator = PYMEM_ALLOCATOR_PYMALLOC; break;
        case CPS_ALLOCATOR_MALLOC_DEBUG: preconfig.allocator = PYMEM_ALLOCATOR_MALLOC_DEBUG; break;
        case CPS_ALLOCATOR_PYMALLOC_DEBUG: preconfig.allocator = PYMEM_ALLOCATOR_PYMALLOC_DEBUG; break;
        default: break;
    }
    preconfig.utf8_mode = 1;  // UTF-8 everywhere regardless of the (often unset) Lambda locale
    status = Py_PreInitialize(&preconfig);
    if (PyStatus_Exception(status)) return report(status, error, error_size);

    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.install_signal_handlers = 0;  // SIGINT/SIGTERM stay with the host
    config.write_bytecode = 0;           // /opt is read-only on Lambda; ship unchecked-hash .pyc instead
    config.site_import = 0;              // Debian's site.py would add dist-packages; the host imports site itself
    config.user_site_directory = 0;
    config.parse_argv = 0;
    config.buffered_stdio = 1;

    status = PyConfig_SetBytesString(&config, &config.program_name, program_name);
    if (PyStatus_Exception(status)) goto fail;
    status = PyConfig_SetBytesString(&config, &config.home, home);
    if (PyStatus_Exception(status)) goto fail;
    config.module_search_paths_set = 1;
    for (int i = 0; i < search_path_count; i++) {
        wchar_t *path = Py_DecodeLocale(search_paths[i], NULL);
        if (!path) { snprintf(error, error_size, "cannot decode search path %s", search_paths[i]); PyConfig_Clear(&config); return -1; }
        status = PyWideStringList_Append(&config.module_search_paths, path);
        PyMem_RawFree(path);
        if (PyStatus_Exception(status)) goto fail;
    }
    status = Py_InitializeFromConfig(&config);
    if (PyStatus_Exception(status)) goto fail;
    PyConfig_Clear(&config);
    return 0;
fail:
    PyConfig_Clear(&config);
    return report(status, error, error_size);
}

void cps_incref(PyObject *object) { Py_INCREF(object); }
void cps_decref(PyObject *object) { Py_DECREF(object); }

typedef struct {
    cps_callback_fn fn;
    void *context;
    cps_release_fn release;
} cps_callback_record;

static const char *const callback_capsule_name = "embedchat.host_callback";

static void callback_capsule_destroy(PyObject *capsule) {
    cps_callback_record *record = PyCapsule_GetPointer(capsule, callback_capsule_name);
    if (!record) { PyErr_Clear(); return; }
    record->release(record->context);
    PyMem_RawFree(record);
}

static PyObject *callback_trampoline(PyObject *self, PyObject *argument) {
    cps_callback_record *record = PyCapsule_GetPointer(self, callback_capsule_name);
    if (!record) return NULL;
    return record->fn(record->context, argument);
}

static PyMethodDef callback_def = {"host_callback", callback_trampoline, METH_O, "A callback into the Swift host."};

PyObject *cps_make_callback(cps_callback_fn fn, void *context, cps_release_fn release) {
    cps_callback_record *record = PyMem_RawMalloc(sizeof *record);
    if (!record) { release(context); return PyErr_NoMemory(); }
    record->fn = fn;
    record->context = context;
    record->release = release;
    PyObject *capsule = PyCapsule_New(record, callback_capsule_name, callback_capsule_destroy);
    if (!capsule) { PyMem_RawFree(record); release(context); return NULL; }
    PyObject *function = PyCFunction_New(&callback_def, capsule);
    Py_DECREF(capsule);  // the function holds it; on failure this destroys the record and releases the context
    return function;
}

int cps_interrupt_thread(unsigned long thread_id, PyObject *exception_type) {
    return PyThreadState_SetAsyncExc(thread_id, exception_type);
}

PyObject *cps_new_none(void) { Py_RETURN_NONE; }

PyObject *cps_call2(PyObject *callable, PyObject *first, PyObject *second) {
    PyObject *arguments[] = {first, second};
    return PyObject_Vectorcall(callable, arguments, 2, NULL);
}

PyObject *cps_call3(PyObject *callable, PyObject *first, PyObject *second, PyObject *third) {
    PyObject *arguments[] = {first, second, third};
    return PyObject_Vectorcall(callable, arguments, 3, NULL);
}

static PyObject *lookup(PyObject *dict, PyObject *name, int *failed) {
    PyObject *value = PyDict_GetItemWithError(dict, name);
    if (value == NULL && PyErr_Occurred()) *failed = 1;
    return value;
}

// The instance dict without a descriptor call. On 3.11 `_PyObject_GetDictPtr` builds a managed dict that was not
// made yet, and an allocation may start a collection, which runs finalisers: Python code, while the caller holds
// borrowed references. No collection runs meanwhile. (Private API, stable through 3.11; recheck on an upgrade.)
static PyObject **instance_dict(PyObject *object) {
    int collecting = PyGC_Disable();
    PyObject **dict = _PyObject_GetDictPtr(object);
    if (collecting) PyGC_Enable();
    return dict;
}

PyObject *cps_stored_attribute(PyObject *object, PyObject *name, PyObject *extra_name, int *failed) {
    *failed = 0;
    PyObject **dict = instance_dict(object);
    if (dict != NULL && *dict != NULL && PyDict_Check(*dict)) {
        PyObject *value = lookup(*dict, name, failed);
        if (value != NULL || *failed) return value;
    }
    if (extra_name == NULL) return NULL;
    // The slot's member descriptor, found on the type: no instance __getattr__ can run.
    PyObject *descriptor = _PyType_Lookup(Py_TYPE(object), extra_name);
    if (descriptor == NULL || Py_TYPE(descriptor) != &PyMemberDescr_Type) return NULL;
    PyObject *extra = Py_TYPE(descriptor)->tp_descr_get(descriptor, object, (PyObject *)Py_TYPE(object));
    if (extra == NULL) {  // an unset slot raises AttributeError: absent, not an error
        if (PyErr_ExceptionMatches(PyExc_AttributeError)) PyErr_Clear(); else *failed = 1;
        return NULL;
    }
    PyObject *value = PyDict_Check(extra) ? lookup(extra, name, failed) : NULL;
    Py_DECREF(extra);  // the object keeps its extra dict (and so `value`) alive
    return value;
}

int cps_has_stored_attributes(PyObject *object) {
    if (PyDict_Check(object)) return 1;
    PyObject **dict = instance_dict(object);
    return dict != NULL && *dict != NULL;
}

int cps_wakeup_pipe(int fds[2]) { return pipe2(fds, O_NONBLOCK | O_CLOEXEC); }

static _Thread_local int describing_depth = 0;
int cps_begin_describing(void) { return describing_depth++; }
void cps_end_describing(void) { describing_depth--; }
