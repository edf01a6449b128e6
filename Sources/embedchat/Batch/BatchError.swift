/// A line's error in the output.
struct BatchError: Error, Codable, Sendable {
    /// The litellm error kind (`authentication`, `rate_limit`, ...) or `invalid_request` for an unreadable line.
    var type: String
    var status: Int?
    var message: String
    var provider: String?
}
