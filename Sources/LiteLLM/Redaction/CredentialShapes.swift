/// Finds credentials by their shape, whatever their value: authorization schemes, secret-named pairs, URL passwords
/// and known key formats. One forward pass over the UTF-8 bytes; only ASCII bytes are ever matched, so multi-byte
/// characters pass through untouched.
enum CredentialShapes {
    private static let mark = Array(Redactor.mark.utf8)

    static func redact(_ text: String) -> String {
        let input = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            // `Bearer x`, `basic x`: keep the scheme, drop the credential.
            if atWordStart(input, index), let (schemeEnd, tokenEnd) = scheme(input, index) {
                output += input[index..<schemeEnd]
                output += mark
                index = tokenEnd
                continue
            }
            // `sk-…`, `AKIA…`, `AIza…`.
            if atWordStart(input, index), let end = keyFormat(input, index) {
                output += mark
                index = end
                continue
            }
            // `scheme://user:password@host`.
            if input[index] == UInt8(ascii: ":"), starts(input, index, "://"), let (secretStart, at) = userinfo(input, index + 3) {
                output += input[index..<secretStart]
                output += mark
                index = at
                continue
            }
            // `name: value`, `name=value`, `"name": "value"` with a secret-like name.
            if input[index] == UInt8(ascii: ":") || input[index] == UInt8(ascii: "="),
               let (valueStart, valueEnd) = secretPair(input, separator: index)
            {
                output += input[index..<valueStart]
                output += mark
                index = valueEnd
                continue
            }
            output.append(input[index])
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: The shapes

    /// `bearer <token>` (token ≥ 8) or `basic <base64>` (≥ 8, with a digit or `=+/`), any case: the end of the scheme
    /// and its spaces, and the end of the token.
    private static func scheme(_ input: [UInt8], _ start: Int) -> (Int, Int)? {
        for (word, minimum, needsMark) in [("bearer", 8, false), ("basic", 8, true)] {
            guard startsCaseInsensitive(input, start, word) else { continue }
            var cursor = start + word.utf8.count
            guard cursor < input.count, input[cursor] == UInt8(ascii: " ") else { continue }
            while cursor < input.count, input[cursor] == UInt8(ascii: " ") { cursor += 1 }
            let tokenStart = cursor
            while cursor < input.count, isTokenByte(input[cursor]) { cursor += 1 }
            let token = input[tokenStart..<cursor]
            guard token.count >= minimum else { continue }
            if needsMark, !token.contains(where: { isDigit($0) || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "/") }) {
                continue
            }
            return (tokenStart, cursor)
        }
        return nil
    }

    /// Key formats: `sk-`/`sk_` + ≥ 8 (OpenAI, Anthropic `sk-ant-`, Stripe-like), `AKIA`/`ASIA` + ≥ 12 upper-case
    /// letters or digits (AWS access key ids), `AIza` + ≥ 30 (Google API keys).
    private static func keyFormat(_ input: [UInt8], _ start: Int) -> Int? {
        func run(from: Int, minimum: Int, _ allowed: (UInt8) -> Bool) -> Int? {
            var cursor = from
            while cursor < input.count, allowed(input[cursor]) { cursor += 1 }
            return cursor - from >= minimum ? cursor : nil
        }
        let keyByte: (UInt8) -> Bool = { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
        if starts(input, start, "sk-") || starts(input, start, "sk_") { return run(from: start + 3, minimum: 8, keyByte) }
        if starts(input, start, "AKIA") || starts(input, start, "ASIA") {
            return run(from: start + 4, minimum: 12) { isDigit($0) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
        }
        if starts(input, start, "AIza") { return run(from: start + 4, minimum: 30, keyByte) }
        return nil
    }

    /// After `://`: `user:password@` gives the password's range (start, index of `@`); a lone `token@` (≥ 8) the
    /// token's.
    private static func userinfo(_ input: [UInt8], _ start: Int) -> (Int, Int)? {
        var cursor = start
        var colon: Int?
        while cursor < input.count {
            let byte = input[cursor]
            if byte == UInt8(ascii: "@") { break }
            if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") || isSpace(byte)
                || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            {
                return nil
            }
            if byte == UInt8(ascii: ":"), colon == nil { colon = cursor }
            cursor += 1
        }
        guard cursor < input.count, cursor > start else { return nil }
        if let colon { return colon + 1 < cursor ? (colon + 1, cursor) : nil }
        return cursor - start >= 8 ? (start, cursor) : nil
    }

    /// A separator after a secret-like name (`api_key=`, `x-api-key:`, `"authorization": `): the range of the value
    /// that follows (a quoted value's inside; else up to a space, quote or delimiter). `Bearer`/`Basic` values are
    /// left to ``scheme(_:_:)``, and values shorter than six bytes (`key: None`) are left alone.
    private static func secretPair(_ input: [UInt8], separator: Int) -> (Int, Int)? {
        // The name: back over a closing quote, then name bytes.
        var nameEnd = separator
        if nameEnd > 0, isQuote(input[nameEnd - 1]) { nameEnd -= 1 }
        var nameStart = nameEnd
        while nameStart > 0, isNameByte(input[nameStart - 1]) { nameStart -= 1 }
        guard nameEnd - nameStart >= 3 else { return nil }
        let name = String(decoding: input[nameStart..<nameEnd], as: UTF8.self)
        guard Redactor.isSecretName(name) else { return nil }
        // `::` (a C++/Swift path) and `://` (a URL) are not pairs.
        if separator + 1 < input.count, input[separator + 1] == UInt8(ascii: ":") || input[separator + 1] == UInt8(ascii: "/") {
            return nil
        }
        var cursor = separator + 1
        while cursor < input.count, input[cursor] == UInt8(ascii: " ") { cursor += 1 }
        guard cursor < input.count else { return nil }
        if isQuote(input[cursor]) {
            let quote = input[cursor]
            let valueStart = cursor + 1
            var end = valueStart
            while end < input.count, input[end] != quote {
                end += input[end] == UInt8(ascii: "\\") ? 2 : 1
            }
            end = min(end, input.count)
            return end - valueStart >= Redactor.minimumSecretLength ? (valueStart, end) : nil
        }
        if startsCaseInsensitive(input, cursor, "bearer ") || startsCaseInsensitive(input, cursor, "basic ") { return nil }
        if starts(input, cursor, Redactor.mark) { return nil }
        var end = cursor
        while end < input.count, !isValueDelimiter(input[end]) { end += 1 }
        return end - cursor >= Redactor.minimumSecretLength ? (cursor, end) : nil
    }

    // MARK: Bytes

    private static func starts(_ input: [UInt8], _ start: Int, _ prefix: String) -> Bool {
        let bytes = Array(prefix.utf8)
        guard start + bytes.count <= input.count else { return false }
        return input[start..<start + bytes.count].elementsEqual(bytes)
    }

    private static func startsCaseInsensitive(_ input: [UInt8], _ start: Int, _ prefix: String) -> Bool {
        let bytes = Array(prefix.utf8)
        guard start + bytes.count <= input.count else { return false }
        return zip(input[start..<start + bytes.count], bytes).allSatisfy { lower($0) == lower($1) }
    }

    private static func atWordStart(_ input: [UInt8], _ index: Int) -> Bool {
        index == 0 || !(isAlphanumeric(input[index - 1]) || input[index - 1] == UInt8(ascii: "_") || input[index - 1] == UInt8(ascii: "-"))
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(lower(byte))
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }

    private static func isQuote(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// Bytes of a bearer token or base64 credential.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "-._~+/=".utf8.contains(byte)
    }

    private static func isValueDelimiter(_ byte: UInt8) -> Bool {
        isSpace(byte) || isQuote(byte) || ",;&}])>".utf8.contains(byte)
    }
}
