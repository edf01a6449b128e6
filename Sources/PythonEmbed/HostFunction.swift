extension PyRef {
    /// A Python callable of one argument that hands the argument, converted to a ``PythonValue``, to `body`, on the
    /// thread that called it and with the GIL held (so `body` must not wait for anything that may need the GIL). A
    /// value that cannot be converted arrives as its `str()`. Made by `cps_make_callback`.
    /// - Parameter body: What the call does; it returns `None` to Python.
    /// - Returns: The callable (a new reference).
    /// - Throws: ``PythonError`` if Python cannot allocate it.
    public static func function(_ gil: borrowing GIL, _ body: @escaping @Sendable (PythonValue) -> Void)
        throws(PythonError) -> PyRef
    {
        try HostCallback.make(gil) { argument, gil in
            let value = (try? argument.toValue(gil)) ?? ((try? argument.string(gil)).map(PythonValue.string) ?? .none)
            body(value)
        }
    }
}
