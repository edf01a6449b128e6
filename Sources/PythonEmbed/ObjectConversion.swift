import Synchronization

/// Conversions an application adds to ``PyRef/toValue(maximumDepth:_:)`` for objects that are not plain values, so
/// the host itself knows no application's types (LiteLLM adds pydantic's models this way).
///
/// ``PyRef/toValue(maximumDepth:_:)`` reads `None`, `bool`, `int`, `float`, `str`, `bytes`, `bytearray`, `list`,
/// `tuple` and `dict` itself. Any other object is offered to the installed converters in the order they were
/// installed; the first to answer gives the object that stands for it, which is converted in its place (one level
/// deeper, so a converter that keeps answering with objects of its own meets the depth limit, not a loop). Objects
/// nested in plain containers are offered too. With no converter answering, the conversion fails naming the type.
public enum PythonObjectConversion {
    /// Given an object with no plain reading, returns the object to convert instead (a new reference), or `nil` when
    /// it does not know the object. May run Python code; throws to fail the whole conversion.
    public typealias Converter = @Sendable (borrowing PyRef, borrowing GIL) throws -> PyRef?

    private static let converters = Mutex<[(name: String, convert: Converter)]>([])

    /// Adds `converter` under `name`, or replaces the converter installed under that name (installing twice is
    /// harmless).
    /// - Parameters:
    ///   - name: Its name, e.g. `pydantic`.
    ///   - converter: The conversion.
    public static func install(_ name: String, _ converter: @escaping Converter) {
        converters.withLock { list in
            if let index = list.firstIndex(where: { $0.name == name }) {
                list[index].convert = converter
            } else {
                list.append((name, converter))
            }
        }
    }

    /// The names of the installed converters, in the order they are asked.
    public static var installed: [String] { converters.withLock { $0.map(\.name) } }

    /// The object standing for `object`, from the first converter that answers; `nil` when none does.
    static func replacement(for object: borrowing PyRef, _ gil: borrowing GIL) throws -> PyRef? {
        for entry in converters.withLock({ $0 }) {
            if let replacement = try entry.convert(object, gil) { return replacement }
        }
        return nil
    }
}
