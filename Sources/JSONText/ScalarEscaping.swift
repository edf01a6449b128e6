/// Text with some of its Unicode scalars written as escapes: the loop that JSON strings and one-line log text share.
public enum ScalarEscaping {
    /// `text` with every scalar for which `escape` returns a replacement written as that replacement, the others as
    /// they are.
    /// - Parameters:
    ///   - text: The text.
    ///   - escape: The replacement for a scalar, or `nil` to keep it.
    /// - Returns: `text` itself when no scalar needs an escape.
    public static func escaping(_ text: String, _ escape: (Unicode.Scalar) -> String?) -> String {
        guard text.unicodeScalars.contains(where: { escape($0) != nil }) else { return text }
        var output = ""
        output.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if let replacement = escape(scalar) { output += replacement } else { output.unicodeScalars.append(scalar) }
        }
        return output
    }

    /// The escapes JSON and log lines write alike: `\n`, `\r` and `\t` (`nil` for any other scalar).
    public static func lineBreakOrTab(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "\n": "\\n"
        case "\r": "\\r"
        case "\t": "\\t"
        default: nil
        }
    }
}
