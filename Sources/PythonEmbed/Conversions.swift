import CPythonShim
import CPythonSupport

extension PythonValue {
    /// The Python object for this value (a new reference).
    /// - Throws: ``PythonError`` if Python runs out of memory or rejects a member.
    public func toPython(_ gil: borrowing GIL) throws(PythonError) -> PyRef {
        switch self {
        case .none: return PyRef.none(gil)
        case .bool(let value): return PyRef(borrowing: value ? cpy_true() : cpy_false(), gil)
        case .int(let value): return try PyRef(checked: PyLong_FromLongLong(Int64(value)), gil)
        case .double(let value): return try PyRef(checked: PyFloat_FromDouble(value), gil)
        case .string(let value):
            var text = value
            let object = text.withUTF8 { buffer in
                PyUnicode_DecodeUTF8(buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buffer.count, "strict")
            }
            return try PyRef(checked: object, gil)
        case .bytes(let value):
            let object = value.withUnsafeBufferPointer { buffer in
                PyBytes_FromStringAndSize(buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buffer.count)
            }
            return try PyRef(checked: object, gil)
        case .array(let elements):
            let list = try PyRef(checked: PyList_New(elements.count), gil)
            for (index, element) in elements.enumerated() {
                PyList_SetItem(list.pointer, index, try element.toPython(gil).relinquish())  // steals
            }
            return list
        case .object(let members):
            let dict = try PyRef(checked: PyDict_New(), gil)
            for (key, member) in members {
                // `PyDict_SetItemString` would cut the key at a NUL byte (`"api_base\0x"` arriving as `api_base`);
                // such a key is refused, and every other is passed whole.
                guard !key.utf8.contains(0) else {
                    PyErr_SetString(cpy_value_error(), "a dictionary key holds a NUL byte; such keys are refused")
                    throw PythonError.fetch(gil)
                }
                // Interned, as the names in Python's own code are: a key that reaches a function as a keyword then
                // matches its parameter by identity, and a lookup by a literal finds it without comparing the text.
                // An uninterned keyword is compared with every parameter name in turn until one matches (litellm's
                // completion has 40). In 3.11 an interned string is freed with its last reference.
                var name: UnsafeMutablePointer<PyObject>? = try PythonValue.string(key).toPython(gil).relinquish()
                PyUnicode_InternInPlace(&name)
                let interned = try PyRef(checked: name, gil)
                let value = try member.toPython(gil)
                if PyDict_SetItem(dict.pointer, interned.pointer, value.pointer) != 0 { throw PythonError.fetch(gil) }
            }
            return dict
        }
    }
}

extension PyRef {
    /// Converts the object to a ``PythonValue``, recursively.
    ///
    /// Objects other than plain values (`None`, `bool`, `int`, `float`, `str`, `bytes`, `bytearray`, `list`, `tuple`,
    /// `dict`) are converted through the converters an application installed (``PythonObjectConversion``).
    /// - Parameter maximumDepth: how deep containers may nest before the conversion fails (default 256).
    /// - Throws: ``PythonConversionError`` for values Swift cannot represent, or what a converter threw (e.g. a
    ///   ``PythonError`` from the Python code it ran).
    public func toValue(maximumDepth: Int = 256, _ gil: borrowing GIL) throws -> PythonValue {
        var converter = ValueConverter(maximumDepth: maximumDepth)
        return try converter.convert(pointer, path: "$", depth: 0, gil)
    }
}

private struct ValueConverter {
    let maximumDepth: Int
    /// Containers on the current path, to detect cycles.
    var visiting: Set<UnsafeMutablePointer<PyObject>> = []

    mutating func convert(_ object: UnsafeMutablePointer<PyObject>, path: @autoclosure () -> String, depth: Int,
                          _ gil: borrowing GIL) throws -> PythonValue {
        if cpy_is_none(object) != 0 { return .none }
        if cpy_bool_check(object) != 0 { return .bool(object == cpy_true()) }
        // Scalars read as PythonReader reads them; `nil` there is the one way each can fail here.
        let scalar = PythonReader(pointer: object)
        if cpy_long_check(object) != 0 {
            guard let value = scalar.int else { throw PythonConversionError(reason: "integer does not fit in 64 bits", path: path()) }
            return .int(value)
        }
        if cpy_float_check(object) != 0 {
            guard let value = scalar.double else {
                throw PythonConversionError(reason: "\(PyFloat_AsDouble(object)) has no JSON representation", path: path())
            }
            return .double(value)
        }
        if cpy_unicode_check(object) != 0 {
            guard let text = scalar.string else {
                throw PythonConversionError(reason: "text is not valid UTF-8 (it holds lone surrogates)", path: path())
            }
            return .string(text)
        }
        if cpy_bytes_check(object) != 0 {
            guard let start = PyBytes_AsString(object) else { throw PythonError.fetch(gil) }
            return .bytes(Array(UnsafeRawBufferPointer(start: start, count: PyBytes_Size(object))))
        }
        if cpy_bytearray_check(object) != 0 {
            guard let start = PyByteArray_AsString(object) else { throw PythonError.fetch(gil) }
            return .bytes(Array(UnsafeRawBufferPointer(start: start, count: PyByteArray_Size(object))))
        }
        guard depth < maximumDepth else {
            throw PythonConversionError(reason: "nested deeper than \(maximumDepth) levels", path: path())
        }
        if cpy_list_check(object) != 0 || cpy_tuple_check(object) != 0 || cpy_dict_check(object) != 0 {
            guard visiting.insert(object).inserted else {
                throw PythonConversionError(reason: "the value contains a reference cycle", path: path())
            }
            defer { visiting.remove(object) }
            if cpy_dict_check(object) != 0 { return try convertDict(object, path: path, depth: depth, gil) }
            // Elements are re-read on every step: a list may change size under a converter run on an element.
            let isList = cpy_list_check(object) != 0
            var elements: [PythonValue] = []
            var index = 0
            while index < (isList ? cpy_list_size(object) : cpy_tuple_size(object)) {
                let element = isList ? cpy_list_get_item(object, index) : cpy_tuple_get_item(object, index)
                let owned = PyRef(borrowing: element, gil)  // keep it alive while converting
                // The path is only rendered for an error message.
                elements.append(try convert(owned.pointer, path: "\(path())[\(index)]", depth: depth + 1, gil))
                index += 1
            }
            return .array(elements)
        }
        let original = PyRef(borrowing: object, gil)
        if let replacement = try PythonObjectConversion.replacement(for: original, gil) {
            return try convert(replacement.pointer, path: path(), depth: depth + 1, gil)
        }
        throw PythonConversionError(reason: "a \(original.typeName(gil)) has no Swift value", path: path())
    }

    private mutating func convertDict(_ dict: UnsafeMutablePointer<PyObject>, path: () -> String, depth: Int,
                                      _ gil: borrowing GIL) throws -> PythonValue {
        // Snapshot the items first: converting a member may run Python code that mutates the dict.
        let items = try PyRef(checked: PyDict_Items(dict), gil)
        var members: [String: PythonValue] = [:]
        members.reserveCapacity(cpy_list_size(items.pointer))
        for index in 0..<cpy_list_size(items.pointer) {
            let pair = cpy_list_get_item(items.pointer, index)
            let key = cpy_tuple_get_item(pair, 0)
            guard cpy_unicode_check(key) != 0 else {
                let typeName = PyRef(borrowing: key, gil).typeName(gil)
                throw PythonConversionError(reason: "dict key of type \(typeName) is not a string", path: path())
            }
            guard case .string(let name) = try convert(key, path: path(), depth: depth + 1, gil) else { continue }
            members[name] = try convert(cpy_tuple_get_item(pair, 1), path: "\(path()).\(name)", depth: depth + 1, gil)
        }
        return .object(members)
    }
}
