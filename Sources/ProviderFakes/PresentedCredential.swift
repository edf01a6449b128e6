// What credential a request presented, so an error can echo it back the way careless providers do (a real key in a
// 401 body, or in the URL they quote): the tests then prove the host redacts it before anyone sees the message.

enum PresentedCredential {
    /// The key a request carried: the `Authorization: Bearer` token (OpenAI), `x-api-key` (Anthropic) or `api-key`
    /// (Azure); `nil` for none.
    static func key(of request: RecordedRequest) -> String? {
        if let authorization = request.header("authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]) }
        }
        return request.header("x-api-key") ?? request.header("api-key")
    }

    /// The sentence a 401 ends with: the key as received, and percent-encoded as a quoted URL would carry it (with no
    /// `key=` before it, so only the redaction of the encoded secret itself can remove it).
    static func echo(_ key: String?) -> String {
        guard let key, !key.isEmpty else { return "" }
        return " Presented key: \(key) (percent-encoded: \(percentEncoded(key)))."
    }

    static func percentEncoded(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                output += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return output
    }
}
