import PythonEmbed

// Where JSON crosses into Python: the only place JSONValue and the interpreter's PythonValue meet.

extension JSONValue {
    /// The same value for a Python call (`null` → `None`, `object` → `dict`, ...).
    var pythonValue: PythonValue {
        switch self {
        case .none: .none
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .double(let value): .double(value)
        case .string(let value): .string(value)
        case .array(let items): .array(items.map(\.pythonValue))
        case .object(let members): .object(members.mapValues(\.pythonValue))
        }
    }
}
