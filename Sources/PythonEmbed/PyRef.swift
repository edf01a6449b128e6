import CPythonShim
import CPythonSupport

/// An owned (+1) reference to a Python object, usable only while the GIL is held.
///
/// `PyRef` is non-copyable: it has exactly one owner and is released (decref) when that owner goes away. Create and
/// drop it only inside a GIL scope; don't let it escape (store it in a ``PythonHandle`` to keep an object across
/// scopes). The raw pointer is internal to PythonEmbed: no module above this one sees a `PyObject`.
public struct PyRef: ~Copyable {
    let pointer: UnsafeMutablePointer<PyObject>

    /// Adopts a new reference (one the C API returned to us).
    init(stealing pointer: UnsafeMutablePointer<PyObject>) { self.pointer = pointer }

    /// Takes a new reference to a borrowed one.
    init(borrowing pointer: UnsafeMutablePointer<PyObject>, _ gil: borrowing GIL) {
        cps_incref(pointer)
        self.pointer = pointer
    }

    /// Adopts a new reference, or throws the pending Python exception when the C API returned NULL.
    init(checked pointer: UnsafeMutablePointer<PyObject>?, _ gil: borrowing GIL) throws(PythonError) {
        guard let pointer else { throw PythonError.fetch(gil) }
        self.pointer = pointer
    }

    /// Gives up ownership without a decref, for C functions that steal a reference.
    consuming func relinquish() -> UnsafeMutablePointer<PyObject> {
        let pointer = self.pointer
        discard self
        return pointer
    }

    deinit { cps_decref(pointer) }

    /// Python's `None`.
    public static func none(_ gil: borrowing GIL) -> PyRef { PyRef(borrowing: cpy_none(), gil) }

    /// Whether this is `None`. Calls `Py_IsNone`.
    public func isNone(_ gil: borrowing GIL) -> Bool { cpy_is_none(pointer) != 0 }

    /// The attribute `name`. Calls `PyObject_GetAttrString`.
    /// - Throws: ``PythonError`` (usually `AttributeError`).
    public func attribute(_ name: String, _ gil: borrowing GIL) throws(PythonError) -> PyRef {
        try PyRef(checked: PyObject_GetAttrString(pointer, name), gil)
    }

    /// Whether the object has attribute `name`. Calls `PyObject_HasAttrString`.
    public func hasAttribute(_ name: String, _ gil: borrowing GIL) -> Bool {
        PyObject_HasAttrString(pointer, name) == 1
    }

    /// Sets attribute `name`. Calls `PyObject_SetAttrString`.
    public func setAttribute(_ name: String, to value: PythonValue, _ gil: borrowing GIL) throws(PythonError) {
        let object = try value.toPython(gil)
        if PyObject_SetAttrString(pointer, name, object.pointer) != 0 { throw PythonError.fetch(gil) }
    }

    /// Calls the object with positional and keyword arguments given as Swift values. Calls `PyObject_Call`.
    /// - Throws: ``PythonError`` raised by the call (SystemExit included: it never ends the host).
    public func call(arguments: [PythonValue] = [], keywords: [String: PythonValue] = [:], _ gil: borrowing GIL)
        throws(PythonError) -> PyRef
    {
        let tuple = try PyRef(checked: PyTuple_New(arguments.count), gil)
        for (index, argument) in arguments.enumerated() {
            let item = try argument.toPython(gil)
            PyTuple_SetItem(tuple.pointer, index, item.relinquish())  // steals
        }
        return try call(tuple: tuple, keywords: keywords, gil)
    }

    private func call(tuple: borrowing PyRef, keywords: [String: PythonValue], _ gil: borrowing GIL) throws(PythonError) -> PyRef {
        if keywords.isEmpty { return try PyRef(checked: PyObject_Call(pointer, tuple.pointer, nil), gil) }
        let dict = try PythonValue.object(keywords).toPython(gil)
        return try PyRef(checked: PyObject_Call(pointer, tuple.pointer, dict.pointer), gil)
    }

    /// Calls the object with no arguments. Calls `PyObject_CallNoArgs`.
    public func call(_ gil: borrowing GIL) throws(PythonError) -> PyRef {
        try PyRef(checked: PyObject_CallNoArgs(pointer), gil)
    }

    /// Calls the object with Python objects as positional arguments (and Swift values as keywords).
    public func call(objects: [PythonHandle], keywords: [String: PythonValue] = [:], _ gil: borrowing GIL)
        throws(PythonError) -> PyRef
    {
        let tuple = try PyRef(checked: PyTuple_New(objects.count), gil)
        for (index, object) in objects.enumerated() {
            cps_incref(object.pointer)
            PyTuple_SetItem(tuple.pointer, index, object.pointer)
        }
        return try call(tuple: tuple, keywords: keywords, gil)
    }

    /// Calls method `name` with Swift values. Same as `attribute(name).call(...)`.
    public func callMethod(_ name: String, arguments: [PythonValue] = [], keywords: [String: PythonValue] = [:],
                           _ gil: borrowing GIL) throws(PythonError) -> PyRef {
        try attribute(name, gil).call(arguments: arguments, keywords: keywords, gil)
    }

    /// `str(object)`. Calls `PyObject_Str`.
    public func string(_ gil: borrowing GIL) throws -> String {
        let text = try PyRef(checked: PyObject_Str(pointer), gil)
        return try text.toValue(gil).stringValue ?? ""
    }

    /// The object's type name as Python prints it, qualified by module unless builtin (e.g. `litellm.exceptions.RateLimitError`).
    public func typeName(_ gil: borrowing GIL) -> String {
        qualifiedTypeName(UnsafeMutableRawPointer(Py_TYPE(pointer)).assumingMemoryBound(to: PyObject.self), gil)
    }

    /// Keeps the object beyond this GIL scope.
    public func handle(_ gil: borrowing GIL) -> PythonHandle { PythonHandle(borrowing: pointer, gil) }
}

/// A reference to a Python object that may outlive a GIL scope and cross threads.
///
/// Use it to keep an object (a module, a stream) between calls. Reach the object again inside a GIL scope with
/// ``borrow(_:)``. Dropping the last reference is safe on any thread (the flaw of PythonKit's `PyReference` this
/// type exists to avoid): with the GIL held the decref happens at once, without it the decref waits for the next
/// thread that takes the GIL (``PendingDecrefs``).
public final class PythonHandle: @unchecked Sendable {
    // Immutable after init; the object itself is touched only with the GIL held.
    let pointer: UnsafeMutablePointer<PyObject>

    init(borrowing pointer: UnsafeMutablePointer<PyObject>, _ gil: borrowing GIL) {
        cps_incref(pointer)
        self.pointer = pointer
    }

    /// Keeps a reference to `object` (takes a new reference; `object` stays usable).
    public convenience init(_ object: borrowing PyRef, _ gil: borrowing GIL) {
        self.init(borrowing: object.pointer, gil)
    }

    /// A fresh owned reference for use inside this GIL scope.
    public func borrow(_ gil: borrowing GIL) -> PyRef { PyRef(borrowing: pointer, gil) }

    deinit {
        // Without the GIL, queue the decref rather than block here: a deinit may run under locks (a task's, a
        // mutex) that a GIL holder is waiting for.
        if PyGILState_Check() == 1 {
            cps_decref(pointer)
        } else {
            PendingDecrefs.add(UncheckedPointer(pointer))
        }
    }
}

func qualifiedTypeName(_ type: UnsafeMutablePointer<PyObject>, _ gil: borrowing GIL) -> String {
    func text(_ name: String) -> String? {
        guard let attribute = PyObject_GetAttrString(type, name) else { PyErr_Clear(); return nil }
        defer { cps_decref(attribute) }
        guard cpy_unicode_check(attribute) != 0, let utf8 = PyUnicode_AsUTF8(attribute) else { PyErr_Clear(); return nil }
        return String(cString: utf8)
    }
    let name = text("__qualname__") ?? text("__name__") ?? "<unknown type>"
    guard let module = text("__module__"), module != "builtins" else { return name }
    return "\(module).\(name)"
}

/// A raw object pointer queued for a thread that holds the GIL when it touches it.
struct UncheckedPointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<PyObject>
    init(_ pointer: UnsafeMutablePointer<PyObject>) { self.pointer = pointer }
}
