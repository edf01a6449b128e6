/// JSON string literals written without Foundation (RFC 8259 §7), for modules that write JSON by hand: the Lambda
/// runtime's log lines, error bodies and response preludes, the provider fakes' replies, and the forms in which the
/// redactor looks for a secret.
public enum JSONString {
    /// How characters beyond ASCII are written.
    public enum NonASCII: Sendable {
        /// As they are (UTF-8 in the output): what the runtime writes.
        case literal
        /// As `\uXXXX` escapes of their UTF-16 code units, and DEL (U+007F) too: what Python's `json.dumps` writes by
        /// default (`ensure_ascii=True`).
        case escaped
    }

    /// `text` as a quoted JSON string literal.
    /// - Parameters:
    ///   - text: The text.
    ///   - nonASCII: How characters beyond ASCII are written; as they are by default.
    /// - Returns: `"…"` with `"` and `\` escaped, line breaks and tabs as `\n`, `\r`, `\t`, other control characters
    ///   as `\u00XX`.
    public static func quoted(_ text: String, nonASCII: NonASCII = .literal) -> String {
        "\"" + escaped(text, nonASCII: nonASCII) + "\""
    }

    /// `text` escaped as inside a JSON string literal, without the quotes.
    /// - Parameters:
    ///   - text: The text.
    ///   - nonASCII: How characters beyond ASCII are written; as they are by default.
    /// - Returns: The escaped text; `text` itself when nothing needs an escape.
    public static func escaped(_ text: String, nonASCII: NonASCII = .literal) -> String {
        ScalarEscaping.escaping(text) { scalar in
            switch scalar {
            case "\"": "\\\""
            case "\\": "\\\\"
            case _ where scalar.value < 0x20: ScalarEscaping.lineBreakOrTab(scalar) ?? unicodeEscape(UInt16(scalar.value))
            case _ where nonASCII == .escaped && scalar.value > 0x7E: String(scalar).utf16.map(unicodeEscape).joined()
            default: nil
            }
        }
    }

    /// `\u` and the code unit in four lower-case hex digits.
    private static func unicodeEscape(_ unit: UInt16) -> String {
        let hex = String(unit, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
