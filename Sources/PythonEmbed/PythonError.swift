import CPythonShim
import CPythonSupport
import Synchronization

/// A Python exception, captured as plain Swift values while the GIL was held.
///
/// It holds no Python object, so it is `Sendable` and can be described, logged or rethrown on any thread without the
/// interpreter. `SystemExit` and `KeyboardInterrupt` raised in Python arrive here like any other exception; they never
/// end the host process.
public struct PythonError: Error, Sendable, CustomStringConvertible {
    /// The exception's type, qualified by its module unless builtin: `ValueError`, `litellm.exceptions.RateLimitError`.
    public let typeName: String
    /// The qualified names of the exception type and all its base classes, most derived first (`__mro__`).
    public let typeHierarchy: [String]
    /// `str(exception)`.
    public let message: String
    /// The formatted traceback (`traceback.format_exception`), when one could be produced.
    public let traceback: String?
    /// The exception's attributes named in ``capturedAttributeNames`` that it has and that convert to Swift values.
    public let attributes: [String: PythonValue]

    /// Builds an error by hand, for errors a host raises on Python's behalf.
    public init(typeName: String, message: String, typeHierarchy: [String]? = nil, traceback: String? = nil,
                attributes: [String: PythonValue] = [:]) {
        self.typeName = typeName
        self.message = message
        self.typeHierarchy = typeHierarchy ?? [typeName]
        self.traceback = traceback
        self.attributes = attributes
    }

    public var description: String { message.isEmpty ? typeName : "\(typeName): \(message)" }

    /// Whether the exception is an instance of the type with this qualified name (`isinstance` by name).
    public func isInstance(of qualifiedTypeName: String) -> Bool { typeHierarchy.contains(qualifiedTypeName) }

    private static let attributeNames = Mutex<Set<String>>(["status_code", "code"])

    /// The attribute names captured from every exception (for example `status_code`, `llm_provider`). Callers add the
    /// names they need once, before the calls whose errors they inspect.
    package static var capturedAttributeNames: Set<String> {
        get { attributeNames.withLock { $0 } }
        set { attributeNames.withLock { $0 = newValue } }
    }

    /// Adds names to ``capturedAttributeNames`` in one step (safe from many threads at once).
    public static func captureAttributes(_ names: Set<String>) {
        attributeNames.withLock { $0.formUnion(names) }
    }

    /// Takes the pending Python exception (`PyErr_Fetch` + `PyErr_NormalizeException`, the 3.11 way) and clears it.
    /// With none pending, returns an error saying so rather than crashing.
    static func fetch(_ gil: borrowing GIL) -> PythonError {
        var type: UnsafeMutablePointer<PyObject>?
        var value: UnsafeMutablePointer<PyObject>?
        var traceback: UnsafeMutablePointer<PyObject>?
        PyErr_Fetch(&type, &value, &traceback)
        guard type != nil else {
            return PythonError(typeName: "SystemError", message: "a Python call failed without setting an exception")
        }
        PyErr_NormalizeException(&type, &value, &traceback)
        if let value, let traceback { PyException_SetTraceback(value, traceback) }
        defer {
            if let type { cps_decref(type) }
            if let value { cps_decref(value) }
            if let traceback { cps_decref(traceback) }
        }
        guard let value else {
            return PythonError(typeName: type.map { qualifiedTypeName($0, gil) } ?? "SystemError", message: "")
        }
        return PythonError(exception: PyRef(borrowing: value, gil), gil)
    }

    /// Describes an exception object (for example one a failed asyncio task holds), without raising it.
    init(exception: borrowing PyRef, _ gil: borrowing GIL) {
        // Describing runs Python code; anything that fails while describing is cleared and the field left plain,
        // so an exception whose __str__ raises still becomes a readable error.
        let exceptionType = UnsafeMutableRawPointer(Py_TYPE(exception.pointer)).assumingMemoryBound(to: PyObject.self)
        typeName = qualifiedTypeName(exceptionType, gil)
        // An exception raised while describing another one (a __str__ that raises itself, MemoryError) is named
        // only, or describing would recurse without end.
        let depth = cps_begin_describing()
        defer { cps_end_describing() }
        guard depth == 0 else {
            typeHierarchy = [typeName]
            message = "<raised while describing another exception>"
            traceback = nil
            attributes = [:]
            return
        }
        var hierarchy: [String] = []
        if let mro = PyObject_GetAttrString(exceptionType, "__mro__") {
            if cpy_tuple_check(mro) != 0 {
                for index in 0..<cpy_tuple_size(mro) { hierarchy.append(qualifiedTypeName(cpy_tuple_get_item(mro, index), gil)) }
            }
            cps_decref(mro)
        } else { PyErr_Clear() }
        typeHierarchy = hierarchy.isEmpty ? [typeName] : hierarchy
        message = (try? exception.string(gil)) ?? "<exception could not be described>"
        traceback = Self.formatTraceback(exception, gil)
        var captured: [String: PythonValue] = [:]
        for name in Self.capturedAttributeNames where exception.hasAttribute(name, gil) {
            if let attribute = try? exception.attribute(name, gil), let value = try? attribute.toValue(maximumDepth: 8, gil) {
                captured[name] = value
            }
            PyErr_Clear()
        }
        attributes = captured
    }

    private static func formatTraceback(_ exception: borrowing PyRef, _ gil: borrowing GIL) -> String? {
        do {
            let module = try Interpreter.importModule("traceback", gil)
            let lines = try module.attribute("format_exception", gil).call(objects: [exception.handle(gil)], gil)
            let separator = try PyRef(checked: PyUnicode_FromString(""), gil)
            let joined = try PyRef(checked: PyUnicode_Join(separator.pointer, lines.pointer), gil)
            return try joined.toValue(gil).stringValue
        } catch {
            PyErr_Clear()
            return nil
        }
    }
}
