/// A whole HTTP answer.
public struct ChatHTTPResponse: Sendable, Equatable {
    /// The status.
    public var status: Int
    /// Headers by lower-case name.
    public var headers: [String: String]
    /// The body.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer.
    static func json(_ status: Int, _ body: [UInt8]) -> ChatHTTPResponse {
        ChatHTTPResponse(status: status, headers: ["content-type": "application/json"], body: body)
    }

    /// The error's body with its status and headers (and `www-authenticate` on a 401 of our own bearer check).
    public init(_ error: ChatError) {
        self = .json(error.status, error.body)
        headers.merge(error.headers) { _, errors in errors }
        if error.code == "invalid_api_key" { headers["www-authenticate"] = "Bearer" }
    }
}
