import CPythonShim
import CPythonSupport
import Synchronization

/// A dict key made once as an interned Python string and kept for the life of the process.
///
/// Looking a member up by it finds the key by identity; a Swift `String` key would first be built into a new Python
/// string, hashed and dropped again on every lookup. Declare names as `static let`s.
public final class PythonName: Sendable {
    /// The key's text.
    public let text: String
    /// The interned string, made on first use. Written once, with the GIL held; never released (the interpreter
    /// lives as long as the process).
    private let object = Atomic<UInt>(0)

    public init(_ text: String) { self.text = text }

    func pointer(_ gil: borrowing GIL) throws(PythonError) -> UnsafeMutablePointer<PyObject> {
        let address = object.load(ordering: .acquiring)
        if address != 0, let pointer = UnsafeMutablePointer<PyObject>(bitPattern: address) { return pointer }
        // Two threads cannot race here: both would hold the GIL.
        guard let made = PyUnicode_InternFromString(text) else { throw PythonError.fetch(gil) }
        object.store(UInt(bitPattern: made), ordering: .releasing)
        return made
    }
}

/// A read-only look at a Python value, for reading a reply field by field without converting all of it first.
///
/// Only the members asked for are converted, and a member is found by a ``PythonName``; a whole conversion
/// (``PyRef/toValue(maximumDepth:_:)``) builds a Swift dictionary for every dict and a string for every key. Members
/// are read from a dict, or from an object as it stores its attributes: its instance dict, then the dict in the slot
/// the caller names as `extraMembers` (e.g. the slot where a model library keeps undeclared fields, so a model reads
/// like its plain dump without making it). Reading runs no Python code (for dicts whose keys are strings, as a dump's and a model's are), except ``value()``.
///
/// Get one from ``PyRef/read(extraMembers:_:_:)``. The reader points into a value that is alive, and may be touched, only while
/// that call's GIL is held, so it is `~Escapable`: the compiler refuses to let it (or a member, an element, or
/// ``Elements`` taken from it) leave the closure: it cannot be the closure's result (the result type must be
/// escapable), a global, a stored property of an escapable type, or a capture of an escaping closure. That is what
/// lets its members touch Python without taking a `GIL` argument of their own.
public struct PythonReader: ~Escapable {
    let pointer: UnsafeMutablePointer<PyObject>
    /// The slot holding an object's undeclared members, searched after its instance dict.
    let extraMembers: PythonName?

    /// Internal: the lifetime of a reader made here is the one its type gives it where it is used (the closure of
    /// ``PyRef/read(extraMembers:_:_:)``, a member's or element's parent).
    @_lifetime(immortal)
    init(pointer: UnsafeMutablePointer<PyObject>, extraMembers: PythonName? = nil) {
        self.pointer = pointer
        self.extraMembers = extraMembers
    }

    /// The kinds a reader tells apart, for error messages.
    public enum Kind: Sendable, Equatable {
        case none, bool, int, float, string, list, dict, other(String)

        /// As a sentence fragment: "an int", "a dict".
        public var description: String {
            switch self {
            case .none: "None"
            case .bool: "a bool"
            case .int: "an int"
            case .float: "a float"
            case .string: "a string"
            case .list: "a list"
            case .dict: "a dict"
            case .other(let name): "an instance of \(name)"
            }
        }
    }

    /// What this value is.
    public var kind: Kind {
        let gil = GIL()  // a reader cannot leave the scope of the GIL it was read under
        if cpy_is_none(pointer) != 0 { return .none }
        if cpy_bool_check(pointer) != 0 { return .bool }
        if cpy_long_check(pointer) != 0 { return .int }
        if cpy_float_check(pointer) != 0 { return .float }
        if cpy_unicode_check(pointer) != 0 { return .string }
        if cpy_list_check(pointer) != 0 || cpy_tuple_check(pointer) != 0 { return .list }
        if cpy_dict_check(pointer) != 0 { return .dict }
        return .other(PyRef(borrowing: pointer, gil).typeName(gil))
    }

    /// Whether this is `None`.
    public var isNone: Bool { cpy_is_none(pointer) != 0 }

    /// Whether this has members: a dict, or an object that stores its attributes in an instance dict.
    public var hasMembers: Bool { cps_has_stored_attributes(pointer) != 0 }

    /// The member `name` of a dict or of an object's stored attributes, or `nil` if it is missing or `None` (or
    /// this has no members).
    @_lifetime(copy self)
    public func member(_ name: PythonName) throws(PythonError) -> PythonReader? {
        let gil = GIL()  // a reader cannot leave the scope of the GIL it was read under
        let member: UnsafeMutablePointer<PyObject>?
        if cpy_dict_check(pointer) != 0 {
            member = PyDict_GetItemWithError(pointer, try name.pointer(gil))
            if member == nil, PyErr_Occurred() != nil { throw PythonError.fetch(gil) }
        } else {
            var failed: Int32 = 0
            member = cps_stored_attribute(pointer, try name.pointer(gil), try extraMembers?.pointer(gil), &failed)
            if failed != 0 { throw PythonError.fetch(gil) }
        }
        guard let member, cpy_is_none(member) == 0 else { return nil }
        return PythonReader(pointer: member, extraMembers: extraMembers)
    }

    /// The text, if this is a string that is valid UTF-8 (no lone surrogates).
    public var string: String? {
        guard cpy_unicode_check(pointer) != 0 else { return nil }
        var length: Py_ssize_t = 0
        guard let utf8 = PyUnicode_AsUTF8AndSize(pointer, &length) else {
            PyErr_Clear()
            return nil
        }
        return String(decoding: UnsafeRawBufferPointer(start: utf8, count: length), as: UTF8.self)
    }

    /// The integer, if this is an int (not a bool) that fits in 64 bits, or a float with a whole value that does
    /// (as `JSONDecoder` reads `1.7e9` into an `Int`).
    public var int: Int? {
        if cpy_long_check(pointer) != 0, cpy_bool_check(pointer) == 0 {
            var overflow: Int32 = 0
            let value = PyLong_AsLongLongAndOverflow(pointer, &overflow)
            if overflow != 0 { return nil }
            if value == -1, PyErr_Occurred() != nil { PyErr_Clear(); return nil }
            return Int(value)
        }
        if cpy_float_check(pointer) != 0 { return Int(exactly: PyFloat_AsDouble(pointer)) }
        return nil
    }

    /// The number, if this is a finite float or an int (not a bool).
    public var double: Double? {
        if cpy_float_check(pointer) != 0 {
            let value = PyFloat_AsDouble(pointer)
            return value.isFinite ? value : nil
        }
        if cpy_long_check(pointer) != 0, cpy_bool_check(pointer) == 0 {
            let value = PyLong_AsDouble(pointer)
            if value == -1, PyErr_Occurred() != nil { PyErr_Clear(); return nil }
            return value
        }
        return nil
    }

    /// The Boolean, if this is a bool.
    public var bool: Bool? { cpy_bool_check(pointer) != 0 ? pointer == cpy_true() : nil }

    /// The elements, if this is a list or a tuple.
    public var elements: Elements? {
        @_lifetime(copy self)
        get { cpy_list_check(pointer) != 0 || cpy_tuple_check(pointer) != 0 ? Elements(sequence: pointer, extraMembers: extraMembers) : nil }
    }

    /// The elements of a list or tuple, read in place. Like the reader it is `~Escapable`, so it is not a
    /// `Collection`: it has the count, the indices, a subscript and `map`.
    public struct Elements: ~Escapable {
        let sequence: UnsafeMutablePointer<PyObject>
        let extraMembers: PythonName?

        @_lifetime(immortal)
        init(sequence: UnsafeMutablePointer<PyObject>, extraMembers: PythonName?) {
            self.sequence = sequence
            self.extraMembers = extraMembers
        }

        /// How many elements there are.
        public var count: Int { cpy_list_check(sequence) != 0 ? cpy_list_size(sequence) : cpy_tuple_size(sequence) }

        /// `0..<count`.
        public var indices: Range<Int> { 0..<count }

        /// The element at `position`, which must be in ``indices``.
        public subscript(position: Int) -> PythonReader {
            @_lifetime(copy self)
            get {
                precondition(indices.contains(position), "PythonReader.Elements index \(position) out of range 0..<\(count)")
                return PythonReader(pointer: cpy_list_check(sequence) != 0
                    ? cpy_list_get_item(sequence, position) : cpy_tuple_get_item(sequence, position),
                    extraMembers: extraMembers)
            }
        }

        /// The elements read in order by `transform`.
        public func map<T, E: Error>(_ transform: (PythonReader) throws(E) -> T) throws(E) -> [T] {
            var result: [T] = []
            result.reserveCapacity(count)
            for position in indices { result.append(try transform(self[position])) }
            return result
        }
    }

    /// The whole value converted, for a member whose shape the reader leaves open. Unlike the rest of the reader this
    /// may run Python code (an installed ``PythonObjectConversion`` converter), which may change what other
    /// readers of the same value point into: read what you need from them first.
    public func value() throws -> PythonValue {
        let gil = GIL()  // a reader cannot leave the scope of the GIL it was read under
        return try PyRef(borrowing: pointer, gil).toValue(gil)
    }
}

extension PyRef {
    /// Reads the object in place with a ``PythonReader``. The reader is `~Escapable`, and `T` is not, so the reader
    /// cannot be returned from or kept beyond `body`: the compiler refuses it.
    /// - Parameter extraMembers: the slot where objects keep members beyond their instance dict, searched after it
    ///   (e.g. a model library's store of undeclared fields); `nil` reads instance dicts only.
    public func read<T, E: Error>(extraMembers: PythonName? = nil, _ gil: borrowing GIL,
                                  _ body: (PythonReader) throws(E) -> T) throws(E) -> T {
        try body(PythonReader(pointer: pointer, extraMembers: extraMembers))
    }
}
