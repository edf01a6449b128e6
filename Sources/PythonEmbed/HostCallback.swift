import CPythonShim
import CPythonSupport

/// A Swift closure Python can call with one argument (for example an asyncio done-callback).
final class HostCallback {
    let body: (borrowing PyRef, borrowing GIL) -> Void
    init(_ body: @escaping (borrowing PyRef, borrowing GIL) -> Void) { self.body = body }

    /// A Python callable wrapping `body`. Python owns the closure from here; it is released with the callable.
    static func make(_ gil: borrowing GIL, _ body: @escaping (borrowing PyRef, borrowing GIL) -> Void)
        throws(PythonError) -> PyRef
    {
        let context = Unmanaged.passRetained(HostCallback(body)).toOpaque()
        let invoke: cps_callback_fn = { context, argument in
            let callback = Unmanaged<HostCallback>.fromOpaque(context).takeUnretainedValue()
            let gil = GIL()  // Python calls us with the GIL held
            callback.body(PyRef(borrowing: argument, gil), gil)
            return cps_new_none()
        }
        let release: cps_release_fn = { context in Unmanaged<HostCallback>.fromOpaque(context).release() }
        return try PyRef(checked: cps_make_callback(invoke, context, release), gil)
    }
}

extension PyRef {
    /// Calls the object with two Python objects as positional arguments.
    public func call(_ first: borrowing PyRef, _ second: borrowing PyRef, _ gil: borrowing GIL) throws(PythonError) -> PyRef {
        try PyRef(checked: cps_call2(pointer, first.pointer, second.pointer), gil)
    }

    /// Calls the object with three Python objects as positional arguments.
    func call(_ first: borrowing PyRef, _ second: borrowing PyRef, _ third: borrowing PyRef, _ gil: borrowing GIL)
        throws(PythonError) -> PyRef
    {
        try PyRef(checked: cps_call3(pointer, first.pointer, second.pointer, third.pointer), gil)
    }

    /// Calls the object with one Python object as its argument.
    public func call(_ first: borrowing PyRef, _ gil: borrowing GIL) throws(PythonError) -> PyRef {
        try PyRef(checked: PyObject_CallOneArg(pointer, first.pointer), gil)
    }
}
